import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxRun } from './runner.ts';
import { summarize } from './summary.ts';

const STATUS_COLOURS: Record<string, string> = {
  InService: '#2e7d32',
  Stopping: '#ef6c00',
  Stopped: '#9e9e9e',
  Pending: '#1565c0',
  Updating: '#6a1b9a',
  Failed: '#c62828',
  Deleting: '#000000',
};
const CONFIG_COLOURS = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f'];
const ALARM_COLOURS: Record<string, string> = {
  OK: '#c8e6c9',
  ALARM: '#c62828',
  INSUFFICIENT_DATA: '#bdbdbd',
};

interface Segment {
  from: number;
  to: number;
  colour: string;
  label: string;
}

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Turns a list of (time, value) changes into segments that end where the next change begins. */
function segments<T>(
  changes: Array<{ at: number; value: T }>,
  end: number,
  style: (v: T) => { colour: string; label: string },
): Segment[] {
  return changes
    .map((c, i) => ({ from: c.at, to: changes[i + 1]?.at ?? end, ...style(c.value) }))
    .filter((s) => s.to > s.from);
}

function group<T extends { at: number }>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.at - b.at))
    out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/**
 * An SVG timeline of a run: one lane per notebook (stopping, stopped, starting, in service…), one per
 * endpoint (which config takes traffic, and how much), one per alarm.
 */
export function timelineSvg(run: SandboxRun): string {
  const lanes: Array<{ label: string; segments: Segment[] }> = [];
  for (const [name, changes] of group(run.notebookHistory, (h) => h.name)) {
    lanes.push({
      label: name,
      segments: segments(
        changes.map((c) => ({ at: c.at, value: c.status })),
        run.end,
        (s) => ({ colour: STATUS_COLOURS[s] ?? '#607d8b', label: s }),
      ),
    });
  }
  const configs = [...new Set(run.trafficHistory.flatMap((t) => Object.keys(t.weights)))];
  for (const [endpoint, changes] of group(run.trafficHistory, (t) => t.endpoint)) {
    lanes.push({
      label: `${endpoint} (traffic)`,
      segments: segments(
        changes.map((c) => ({ at: c.at, value: c.weights })),
        run.end,
        (w) => {
          const top = Object.entries(w).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
          const split = Object.entries(w)
            .map(([c, p]) => `${c} ${p}%`)
            .join(', ');
          return {
            colour: CONFIG_COLOURS[configs.indexOf(top[0]) % CONFIG_COLOURS.length] ?? '#607d8b',
            label: split,
          };
        },
      ),
    });
  }
  for (const [alarm, changes] of group(run.alarmHistory, (a) => a.name)) {
    lanes.push({
      label: `${alarm} (alarm)`,
      segments: segments(
        changes.map((c) => ({ at: c.at, value: c.state })),
        run.end,
        (s) => ({ colour: ALARM_COLOURS[s] ?? '#607d8b', label: s }),
      ),
    });
  }
  const labelWidth = 220;
  const width = 1100;
  const laneHeight = 20;
  const top = 30;
  const span = Math.max(1, run.end - run.start);
  const x = (t: number) => labelWidth + ((t - run.start) / span) * (width - labelWidth - 10);
  const rows = lanes.map((lane, i) => {
    const y = top + i * laneHeight;
    const rects = lane.segments
      .map(
        (s) =>
          `<rect x="${x(s.from).toFixed(1)}" y="${y + 3}" width="${Math.max(0.5, x(s.to) - x(s.from)).toFixed(1)}" height="${laneHeight - 6}" fill="${s.colour}"><title>${escape(`${lane.label}: ${s.label} ${new Date(s.from).toISOString()} → ${new Date(s.to).toISOString()}`)}</title></rect>`,
      )
      .join('');
    return `<text x="4" y="${y + 14}" font-size="11">${escape(lane.label)}</text>${rects}`;
  });
  const ticks = Array.from({ length: 7 }, (_, i) => run.start + (span * i) / 6).map(
    (t) =>
      `<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${top + lanes.length * laneHeight}" stroke="#e0e0e0"/><text x="${x(t)}" y="${top - 8}" font-size="10" text-anchor="middle">${new Date(t).toISOString().slice(11, 16)}Z</text>`,
  );
  const legendY = top + lanes.length * laneHeight + 10;
  const key = (entries: Array<[string, string]>, y: number) =>
    entries
      .map(
        ([label, colour], i) =>
          `<rect x="${labelWidth + i * 130}" y="${y}" width="12" height="12" fill="${colour}"/><text x="${labelWidth + i * 130 + 16}" y="${y + 10}" font-size="11">${escape(label)}</text>`,
      )
      .join('');
  const configKey: Array<[string, string]> = configs.map((c, i) => [
    `traffic: ${c}`,
    CONFIG_COLOURS[i % CONFIG_COLOURS.length]!,
  ]);
  const legend = `${key(Object.entries(STATUS_COLOURS), legendY)}${configs.length ? `<text x="4" y="${legendY + 30}" font-size="11">endpoint traffic (largest share)</text>${key(configKey, legendY + 20)}` : ''}`;
  const height = top + lanes.length * laneHeight + (configs.length ? 60 : 40);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${ticks.join('')}${rows.join('')}${legend}</svg>\n`;
}

/** Writes `<name>.md` (the summary, the events emitted, the timeline) and `<name>.svg` into `dir`. */
export async function writeReport(
  run: SandboxRun,
  dir: string,
  name: string,
): Promise<{ markdown: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  const svg = path.join(dir, `${name}.svg`);
  const markdown = path.join(dir, `${name}.md`);
  const local = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);
  const lines = [
    `# caretaker sandbox report: ${name}`,
    '',
    `Virtual time ${local(run.start)} → ${local(run.end)} UTC.`,
    '',
    `![timeline](./${path.basename(svg)})`,
    '',
    '```',
    summarize(run.result),
    '```',
    '',
    '## Events caretaker emitted',
    '',
    ...run.result.events.map((e) => `- \`${e['detail-type']}\`: ${JSON.stringify(e.detail).slice(0, 300)}`),
    '',
  ];
  await writeFile(svg, timelineSvg(run));
  await writeFile(markdown, lines.join('\n'));
  return { markdown, svg };
}
