import { wallClock } from '#lib/triggers/schedule';

/**
 * How the CLI writes for a person: colour only on a terminal (and never under `NO_COLOR`), tables that fit
 * the terminal's width (long cells wrap at word boundaries), and times both in the reader's zone and in UTC.
 */

export interface Terminal {
  /** Whether the output is a terminal (a progress bar may redraw itself; piped output gets plain lines). */
  tty: boolean;
  colour: boolean;
  /** Columns to fit in. */
  width: number;
  /** The reader's time zone (IANA name; the process's own by default). */
  zone: string;
}

/** What the CLI knows of where it writes. */
export interface OutputStream {
  isTTY?: boolean;
  columns?: number;
}

/** Piped output has no width of its own: this one keeps a table readable in a file or a CI log. */
const PIPED_WIDTH = 120;

/**
 * The terminal an output stream is: colour on a TTY unless `NO_COLOR` is set (https://no-color.org) or
 * `TERM=dumb`; the width from the terminal, else `COLUMNS`, else 120.
 *
 * @example terminalOf(process.stdout, process.env) // → { tty: true, colour: true, width: 100, zone: 'Europe/Berlin' }
 */
export function terminalOf(stream: OutputStream, env: NodeJS.ProcessEnv): Terminal {
  const tty = stream.isTTY === true;
  const columns = Number(env.COLUMNS);
  return {
    tty,
    colour: tty && !env.NO_COLOR && env.TERM !== 'dumb',
    width: Math.max(40, (tty ? stream.columns : undefined) ?? (columns > 0 ? columns : PIPED_WIDTH)),
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/** `text` in a style when the terminal has colour, else as it is. */
export function paint(term: Pick<Terminal, 'colour'>, style: Style | undefined, text: string): string {
  if (!term.colour || !style || text === '') return text;
  const [on, off] = CODES[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The columns a text takes on screen (escape codes take none). */
export const visibleLength = (text: string) => [...text.replace(ANSI, '')].length;

/**
 * Words of `text` in lines of at most `width` columns (escape codes take none); a word longer than a line is
 * cut.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(/\s+/).filter(Boolean)) {
      while (visibleLength(word) > width) {
        if (line) lines.push(line);
        line = '';
        lines.push([...word].slice(0, width).join(''));
        word = [...word].slice(width).join('');
      }
      if (!line) line = word;
      else if (visibleLength(line) + 1 + visibleLength(word) <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

export interface Cell {
  text: string;
  style?: Style | undefined;
}

/**
 * A table that fits `width` columns: when the natural widths do not fit, the widest columns give way (down
 * to a floor) and their cells wrap onto more lines. Styles are applied after the layout, so colour never
 * changes a width.
 *
 * @example table(term, ['notebook', 'outcome'], [['nb-1', { text: 'patched', style: 'green' }]])
 */
export function table(
  term: Terminal,
  headers: string[],
  rows: Array<Array<string | number | Cell>>,
  /** The columns that give way when the table is too wide (default: any); the others keep their width. */
  flexible?: readonly number[],
): string {
  const cells: Cell[][] = rows.map((r) => r.map((c) => (typeof c === 'object' ? c : { text: String(c) })));
  const gap = 2;
  const natural = headers.map((h, i) =>
    Math.max(
      visibleLength(h),
      ...cells.map((r) => Math.max(...wrapLines(r[i]?.text ?? '').map(visibleLength))),
    ),
  );
  const widths = fit(natural, term.width - gap * (headers.length - 1), flexible);
  const render = (row: Cell[], bold = false) => {
    const columns = row.map((cell, i) => wrap(cell.text, widths[i]!));
    const height = Math.max(...columns.map((c) => c.length));
    return Array.from({ length: height }, (_, line) =>
      columns
        .map((lines, i) => {
          const text = lines[line] ?? '';
          const padded = i === columns.length - 1 ? text : text.padEnd(widths[i]!);
          return paint(term, bold ? 'bold' : row[i]!.style, padded);
        })
        .join(' '.repeat(gap))
        .trimEnd(),
    ).join('\n');
  };
  return [
    render(
      headers.map((text) => ({ text })),
      true,
    ),
    paint(term, 'dim', widths.map((w) => '─'.repeat(w)).join(' '.repeat(gap))),
    ...cells.map((r) => render(r)),
  ].join('\n');
}

const wrapLines = (text: string) => text.split('\n');

/** Column widths within `room`: the widest flexible ones give way first, none below a floor. */
function fit(natural: number[], room: number, flexible?: readonly number[]): number[] {
  const widths = [...natural];
  const floor = (i: number) => (!flexible || flexible.includes(i) ? Math.min(natural[i]!, 10) : natural[i]!);
  let excess = widths.reduce((a, b) => a + b, 0) - room;
  while (excess > 0) {
    const widest = widths.reduce((best, w, i) => (w - floor(i) > widths[best]! - floor(best) ? i : best), 0);
    if (widths[widest]! <= floor(widest)) break;
    widths[widest]!--;
    excess--;
  }
  return widths;
}

const pad = (n: number) => String(n).padStart(2, '0');

function parts(at: number, zone: string) {
  const clock = wallClock(new Date(at), zone);
  // Zones are whole minutes from UTC: the seconds are UTC's.
  return {
    date: `${clock.year}-${pad(clock.month)}-${pad(clock.day)}`,
    time: `${pad(clock.hour)}:${pad(clock.minute)}:${pad(new Date(at).getUTCSeconds())}`,
    zone: clock.zoneName,
  };
}

const isUtc = (zone: string) => ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Universal', 'Zulu'].includes(zone);

/**
 * A time of day in the reader's zone and in UTC: `03:05:30 CET · 02:05:30Z` (only UTC when they are one).
 *
 * @example clockTime(Date.parse('2026-11-23T02:05:30Z'), 'Europe/Berlin') // → '03:05:30 CET · 02:05:30Z'
 */
export function clockTime(at: number, zone: string): string {
  const utc = new Date(at).toISOString().slice(11, 19);
  if (isUtc(zone)) return `${utc}Z`;
  const local = parts(at, zone);
  return `${local.time} ${local.zone} · ${utc}Z`;
}

/**
 * A date and time in the reader's zone and in UTC.
 *
 * @example dateTime(Date.parse('2026-11-23T02:05:30Z'), 'Europe/Berlin') // → '2026-11-23 03:05:30 CET · 2026-11-23 02:05:30Z'
 */
export function dateTime(at: number, zone: string): string {
  const utc = new Date(at).toISOString().replace('T', ' ').slice(0, 19);
  if (isUtc(zone)) return `${utc}Z`;
  const local = parts(at, zone);
  return `${local.date} ${local.time} ${local.zone} · ${utc}Z`;
}

/** A duration as people say it: `23m`, `1h 05m`, `45s`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${pad(s % 60)}s` : `${m}m`;
  return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
}
