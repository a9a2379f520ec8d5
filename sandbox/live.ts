import type { Progress, WindowProgress } from './runner.ts';
import { executionResult } from './summary.ts';
import { clockTime, paint, visibleLength, wrap, type Terminal } from './terminal.ts';

/**
 * A run's progress as it happens, each line stamped with the virtual time it happened at (the reader's zone
 * and UTC). On a terminal each running window also has a bar at the bottom that redraws itself (notebooks
 * done of all, down now, errors); piped, a window's progress is a plain line each time a notebook's cycle
 * ends.
 */
export interface LiveView {
  progress(p: Progress): void;
  /** Takes the bars away before the summary is printed. */
  end(): void;
}

const BAR_CELLS = 20;
/** A window's name in a progress line: enough to tell it from the others (the summary has it whole). */
const short = (name: string) => (name.length > 20 ? `${name.slice(0, 19)}…` : name);

/** The bar of one window: `▕██████░░░░▏ 7/12 notebooks · 3 down now · 1 error`. */
export function windowBar(progress: WindowProgress, cells = BAR_CELLS): string {
  const filled = progress.planned > 0 ? Math.round((progress.done / progress.planned) * cells) : 0;
  const errors = `${progress.errors} error${progress.errors === 1 ? '' : 's'}`;
  return `▕${'█'.repeat(filled)}${'░'.repeat(cells - filled)}▏ ${progress.done}/${progress.planned} notebooks · ${progress.down} down now · ${errors}`;
}

/**
 * `starts`: say when an execution starts (where no delivery line says it, as in `sandbox serve`).
 */
export function liveView(
  term: Terminal,
  write: (text: string) => void,
  options: { starts?: boolean } = {},
): LiveView {
  const bars = new Map<string, { progress: WindowProgress; at: number }>();
  const printed = new Map<string, string>();
  let shown = 0;
  // The bar takes what the time, the name and the counts leave of the line.
  const barCells = Math.max(
    6,
    Math.min(BAR_CELLS, term.width - clockTime(0, term.zone).length - 2 * 2 - 21 - 46),
  );
  const fitLine = (text: string) => {
    if (visibleLength(text) <= term.width) return text;
    return `${[...text].slice(0, term.width - 1).join('')}…`;
  };
  const clearBars = () => {
    if (shown === 0) return;
    write(`\r\u001b[${shown > 1 ? `${shown - 1}A\r\u001b[` : ''}J`);
    shown = 0;
  };
  const drawBars = () => {
    const lines = [...bars].map(([name, { progress, at }]) =>
      fitLine(
        `  ${clockTime(at, term.zone)}  ${name} ${paint(term, progress.errors ? 'red' : 'cyan', windowBar(progress))}`,
      ),
    );
    if (lines.length === 0) return;
    write(lines.join('\n'));
    shown = lines.length;
  };
  // Long lines wrap under their text, clear of the time column.
  const line = (at: number, text: string) => {
    if (term.tty) clearBars();
    const stamp = `  ${clockTime(at, term.zone)}  `;
    const [first, ...rest] = wrap(text, Math.max(20, term.width - stamp.length));
    const indent = ' '.repeat(stamp.length);
    write(`${paint(term, 'dim', stamp)}${[first, ...rest.map((l) => `${indent}${l}`)].join('\n')}\n`);
    if (term.tty) drawBars();
  };
  return {
    progress(p) {
      switch (p.kind) {
        case 'started':
          // Unless asked, the delivery that started it says so in its own line.
          return options.starts ? line(p.at, p.text) : undefined;
        case 'delivered':
          return line(p.at, p.text);
        case 'event':
          return line(p.at, `caretaker emitted ${paint(term, 'bold', p.detailType)}`);
        case 'finished': {
          bars.delete(p.execution);
          const result = executionResult({
            stateMachine: p.stateMachine,
            status: p.status,
            output: p.output,
          });
          return line(p.at, `${p.execution}: ${paint(term, result.style, result.text)}`);
        }
        case 'window': {
          const { kind: _kind, at, text: _text, execution, ...progress } = p;
          if (term.tty) {
            bars.set(execution, { progress, at });
            clearBars();
            drawBars();
            return;
          }
          const key = `${progress.done}/${progress.errors}`;
          if (printed.get(execution) === key) return;
          printed.set(execution, key);
          return line(at, `${short(execution)} ${windowBar(progress, barCells)}`);
        }
      }
    },
    end() {
      if (term.tty) clearBars();
      bars.clear();
    },
  };
}
