import type { SandboxRun } from './runner.ts';
import { clockTime } from './terminal.ts';

/**
 * The SVG timeline of a run, for any fleet. Notebooks and endpoints get panels of their own, each with its
 * own time axis (a 20-minute window is not squeezed beside three hours of endpoint updates) and its own
 * palette: no colour means two things anywhere in the picture, and the legend names every colour used. A
 * failed start is marked where it happened, each lane ends with its outcome, canary traffic is drawn as
 * stacked shares, ticks fall on round times, and every label is placed where it fits.
 */

export const NOTEBOOK_COLOURS: Record<string, string> = {
  InService: '#2e7d32',
  Stopping: '#f9a825',
  Stopped: '#9e9e9e',
  Pending: '#64b5f6',
  Updating: '#8e24aa',
  Failed: '#d32f2f',
  Deleting: '#424242',
};
export const CONFIG_COLOURS = ['#3949ab', '#f4511e', '#00838f', '#6d4c41', '#c2185b', '#9e9d24'];
export const ALARM_COLOURS: Record<string, string> = {
  OK: '#dcedc8',
  ALARM: '#880e4f',
  INSUFFICIENT_DATA: '#d7ccc8',
};
/** Outcome labels at a lane's end: good, left alone, needs someone. */
export const OUTCOME_COLOURS = { good: '#1b5e20', neutral: '#616161', bad: '#b71c1c' } as const;
const FAILED_START_MARK = NOTEBOOK_COLOURS.Failed!;

const WIDTH = 1200;
const FONT = 12;
/** Generous estimates of a character's width at 12 px sans-serif, plain and bold: labels are laid out on them. */
export const CHAR_WIDTH = 7.2;
export const BOLD_CHAR_WIDTH = 8.4;
const LANE = 22;
const TICK_MINUTES = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440];

export const textWidth = (text: string, bold = false) =>
  [...text].length * (bold ? BOLD_CHAR_WIDTH : CHAR_WIDTH);
const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

interface Lane {
  label: string;
  /** Rectangles: x from/to in time, a share of the lane's height from its top (0–1), a colour, a hover text. */
  bars: Array<{ from: number; to: number; top: number; height: number; colour: string; title: string }>;
  marks: Array<{ at: number; colour: string; title: string }>;
  flags: Array<{ at: number; text: string; colour: string }>;
  outcome?: { text: string; colour: string };
}

interface Panel {
  title: string;
  from: number;
  to: number;
  lanes: Lane[];
  legend: Array<[string, string]>;
}

const GOOD = new Set(['patched', 'settings-applied', 'already-patched', 'succeeded']);
const BAD = new Set([
  'rolled-back',
  'failed',
  'needs-attention',
  'not-started',
  'auto-rolled-back',
  'rejected',
  'unverified',
]);
const outcomeColour = (outcome: string) =>
  GOOD.has(outcome) ? OUTCOME_COLOURS.good : BAD.has(outcome) ? OUTCOME_COLOURS.bad : OUTCOME_COLOURS.neutral;

function byName<T extends { at: number }>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.at - b.at))
    out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** The span a panel shows: its executions' time (with a margin), else the whole run. */
function spanOf(run: SandboxRun, machine: string, fallback: [number, number]): [number, number] {
  const records = run.records.filter((r) => r.stateMachine === machine);
  if (records.length === 0) return fallback;
  const from = Math.min(...records.map((r) => r.startedAt));
  const to = Math.max(...records.map((r) => r.stoppedAt ?? run.end));
  const margin = Math.max(60_000, (to - from) * 0.03);
  return [Math.max(run.start, from - margin), Math.min(run.end + margin, to + margin)];
}

function notebookPanel(run: SandboxRun): Panel | undefined {
  if (run.notebookHistory.length === 0) return undefined;
  const outcomes = new Map<string, string>();
  for (const e of run.result.executions)
    for (const n of (e.output as { notebooks?: Array<{ name: string; outcome: string }> } | null)
      ?.notebooks ?? [])
      outcomes.set(n.name, n.outcome);
  const [from, to] = spanOf(run, 'notebook-patch', [run.start, run.end]);
  const used = new Set<string>();
  const lanes: Lane[] = [];
  for (const [name, changes] of byName(run.notebookHistory, (h) => h.name)) {
    const bars: Lane['bars'] = [];
    const marks: Lane['marks'] = [];
    changes.forEach((c, i) => {
      if (c.gone) return;
      const end = changes[i + 1]?.at ?? run.end;
      used.add(c.status);
      bars.push({
        from: c.at,
        to: end,
        top: 0,
        height: 1,
        colour: NOTEBOOK_COLOURS[c.status] ?? NOTEBOOK_COLOURS.Stopped!,
        title: `${name}: ${c.status} from ${new Date(c.at).toISOString()}`,
      });
      // A start that failed is over in seconds: marked, so it shows at any scale.
      if (c.status === 'Failed' && c.at > run.start)
        marks.push({
          at: c.at,
          colour: FAILED_START_MARK,
          title: `${name}: start failed at ${new Date(c.at).toISOString()}`,
        });
    });
    const outcome = outcomes.get(name);
    lanes.push({
      label: name,
      bars,
      marks,
      flags: [],
      ...(outcome ? { outcome: { text: outcome, colour: outcomeColour(outcome) } } : {}),
    });
  }
  const legend: Array<[string, string]> = Object.entries(NOTEBOOK_COLOURS)
    .filter(([status]) => used.has(status))
    .map(([status, colour]) => [status, colour]);
  return { title: 'Notebooks', from, to, lanes, legend };
}

function endpointPanel(run: SandboxRun): Panel | undefined {
  if (run.trafficHistory.length === 0 && run.alarmHistory.length === 0) return undefined;
  const configs = [...new Set(run.trafficHistory.flatMap((t) => Object.keys(t.weights)))];
  const colourOf = (config: string) => CONFIG_COLOURS[configs.indexOf(config) % CONFIG_COLOURS.length]!;
  const [from, to] = spanOf(run, 'endpoint-update', [run.start, run.end]);
  const lanes: Lane[] = [];
  const updates = run.result.executions
    .map((e, i) => ({ e, record: run.records.find((r) => r.name === e.name) ?? run.records[i] }))
    .filter(({ e }) => e.stateMachine === 'endpoint-update');
  for (const [endpoint, changes] of byName(run.trafficHistory, (t) => t.endpoint)) {
    const bars: Lane['bars'] = [];
    changes.forEach((c, i) => {
      const end = changes[i + 1]?.at ?? run.end;
      let top = 0;
      for (const [config, share] of Object.entries(c.weights).sort(
        ([a], [b]) => configs.indexOf(a) - configs.indexOf(b),
      )) {
        if (share <= 0) continue;
        bars.push({
          from: c.at,
          to: end,
          top,
          height: share / 100,
          colour: colourOf(config),
          title: `${endpoint}: ${config} ${share}% from ${new Date(c.at).toISOString()}`,
        });
        top += share / 100;
      }
    });
    const mine = updates.filter(
      ({ e }) => (e.output as { endpointName?: string } | null)?.endpointName === endpoint,
    );
    const flags = mine.map(({ e, record }) => {
      const outcome = (e.output as { outcome?: string } | null)?.outcome ?? e.status;
      return { at: record?.stoppedAt ?? run.end, text: outcome, colour: outcomeColour(outcome) };
    });
    const last = flags.at(-1);
    lanes.push({
      label: `${endpoint} traffic`,
      bars,
      marks: [],
      flags: flags.slice(0, -1),
      ...(last ? { outcome: { text: last.text, colour: last.colour } } : {}),
    });
  }
  const alarmStates = new Set<string>();
  for (const [alarm, changes] of byName(run.alarmHistory, (a) => a.name)) {
    lanes.push({
      label: `${alarm} alarm`,
      bars: changes.map((c, i) => {
        alarmStates.add(c.state);
        return {
          from: c.at,
          to: changes[i + 1]?.at ?? run.end,
          top: 0.2,
          height: 0.6,
          colour: ALARM_COLOURS[c.state] ?? ALARM_COLOURS.INSUFFICIENT_DATA!,
          title: `${alarm}: ${c.state} from ${new Date(c.at).toISOString()}`,
        };
      }),
      marks: [],
      flags: [],
    });
  }
  const legend: Array<[string, string]> = [
    ...configs.map((c): [string, string] => [`traffic to ${c}`, colourOf(c)]),
    ...Object.entries(ALARM_COLOURS)
      .filter(([state]) => alarmStates.has(state))
      .map(([state, colour]): [string, string] => [`alarm ${state}`, colour]),
  ];
  return { title: 'Endpoints', from, to, lanes, legend };
}

/** Tick times on round minutes, as many as fit `pixels` with room for their labels. */
export function ticks(from: number, to: number, pixels: number): number[] {
  const span = Math.max(1, to - from);
  const most = Math.max(2, Math.floor(pixels / 110));
  const step = (TICK_MINUTES.find((m) => span / (m * 60_000) <= most) ?? 1440) * 60_000;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/** Lays out legend entries in rows that fit between `left` and `right`. */
function legendRows(entries: Array<[string, string]>, left: number, right: number) {
  const rows: Array<Array<{ x: number; label: string; colour: string }>> = [[]];
  let x = left;
  for (const [label, colour] of entries) {
    const width = 18 + textWidth(label) + 16;
    if (x + width > right && rows.at(-1)!.length > 0) {
      rows.push([]);
      x = left;
    }
    rows.at(-1)!.push({ x, label, colour });
    x += width;
  }
  return rows;
}

/**
 * The run's timeline as an SVG document.
 *
 * @example timelineSvg(run, 'Europe/Berlin').startsWith('<svg') // → true
 */
export function timelineSvg(run: SandboxRun, zone = 'UTC'): string {
  const panels = [notebookPanel(run), endpointPanel(run)].filter((p): p is Panel => p !== undefined);
  const labels = panels.flatMap((p) => p.lanes.map((l) => l.label));
  const outcomes = panels.flatMap((p) => p.lanes.map((l) => l.outcome?.text ?? ''));
  const left = 12 + Math.max(120, ...labels.map((l) => textWidth(l))) + 12;
  const right = WIDTH - 12 - Math.max(0, ...outcomes.map((o) => textWidth(o, true))) - 12;
  const parts: string[] = [];
  let y = 16;
  for (const panel of panels) {
    const span = Math.max(1, panel.to - panel.from);
    const x = (t: number) =>
      left + ((Math.min(Math.max(t, panel.from), panel.to) - panel.from) / span) * (right - left);
    const title = `${panel.title}: ${clockTime(panel.from, zone)} to ${clockTime(panel.to, zone)}`;
    parts.push(
      `<text x="12" y="${y + FONT}" font-size="${FONT + 2}" font-weight="bold">${escape(title)}</text>`,
    );
    y += 24;
    const axis = y + FONT;
    const top = axis + 8;
    const bottom = top + panel.lanes.length * LANE;
    for (const t of ticks(panel.from, panel.to, right - left)) {
      const label = `${new Date(t).toISOString().slice(11, 16)}Z`;
      const half = textWidth(label) / 2;
      parts.push(
        `<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${bottom}" stroke="#e0e0e0"/>`,
      );
      if (x(t) - half >= left - 4 && x(t) + half <= WIDTH - 4)
        parts.push(
          `<text x="${x(t).toFixed(1)}" y="${axis}" font-size="${FONT - 1}" text-anchor="middle" fill="#616161">${label}</text>`,
        );
    }
    panel.lanes.forEach((lane, i) => {
      const laneTop = top + i * LANE;
      parts.push(
        `<text x="12" y="${laneTop + LANE / 2 + FONT / 2 - 2}" font-size="${FONT}">${escape(lane.label)}</text>`,
      );
      for (const bar of lane.bars) {
        const x1 = x(bar.from);
        const width = Math.max(bar.colour === NOTEBOOK_COLOURS.Failed ? 3 : 0.5, x(bar.to) - x1);
        const height = (LANE - 6) * bar.height;
        parts.push(
          `<rect x="${x1.toFixed(1)}" y="${(laneTop + 3 + (LANE - 6) * bar.top).toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" fill="${bar.colour}"><title>${escape(bar.title)}</title></rect>`,
        );
      }
      for (const mark of lane.marks) {
        const mx = x(mark.at);
        parts.push(
          `<path d="M${(mx - 5).toFixed(1)} ${laneTop - 3} L${(mx + 5).toFixed(1)} ${laneTop - 3} L${mx.toFixed(1)} ${laneTop + 5} Z" fill="${mark.colour}" stroke="white" stroke-width="0.8"><title>${escape(mark.title)}</title></path>`,
        );
      }
      for (const flag of lane.flags) {
        const fx = x(flag.at);
        const anchor = fx + textWidth(flag.text, true) + 6 > right ? 'end' : 'start';
        parts.push(
          `<line x1="${fx.toFixed(1)}" y1="${laneTop}" x2="${fx.toFixed(1)}" y2="${laneTop + LANE}" stroke="${flag.colour}" stroke-width="2"/>`,
          `<text x="${(anchor === 'end' ? fx - 4 : fx + 4).toFixed(1)}" y="${laneTop + LANE / 2 + FONT / 2 - 2}" font-size="${FONT - 1}" text-anchor="${anchor}" fill="${flag.colour}" font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke">${escape(flag.text)}</text>`,
        );
      }
      if (lane.outcome)
        parts.push(
          `<text x="${right + 12}" y="${laneTop + LANE / 2 + FONT / 2 - 2}" font-size="${FONT}" font-weight="bold" fill="${lane.outcome.colour}">${escape(lane.outcome.text)}</text>`,
        );
    });
    y = bottom + 10;
    const entries: Array<[string, string]> = [...panel.legend];
    if (panel.lanes.some((l) => l.marks.length > 0)) entries.push(['▼ start failed', FAILED_START_MARK]);
    for (const row of legendRows(entries, left, WIDTH - 12)) {
      for (const item of row) {
        const marker = item.label.startsWith('▼');
        parts.push(
          marker
            ? `<path d="M${item.x} ${y + 1} L${item.x + 12} ${y + 1} L${item.x + 6} ${y + 11} Z" fill="${item.colour}"/>`
            : `<rect x="${item.x}" y="${y}" width="12" height="12" fill="${item.colour}" stroke="#9e9e9e" stroke-width="0.5"/>`,
          `<text x="${item.x + 18}" y="${y + 10}" font-size="${FONT - 1}">${escape(marker ? item.label.slice(2) : item.label)}</text>`,
        );
      }
      y += 18;
    }
    y += 16;
  }
  if (panels.length === 0) {
    parts.push(`<text x="12" y="${y + FONT}" font-size="${FONT}">nothing happened in this run</text>`);
    y += 32;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${Math.ceil(y)}" viewBox="0 0 ${WIDTH} ${Math.ceil(y)}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}
