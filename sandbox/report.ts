import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxRun } from './runner.ts';
import { summarize } from './summary.ts';
import { dateTime, type Terminal } from './terminal.ts';
import { timelineSvg } from './timeline-svg.ts';

/** A report is read in an editor or a browser: plain text, wide enough for its tables. */
const REPORT_WIDTH = 120;

/**
 * Writes `<name>.md` and `<name>.svg` into `dir`: the run's summary (what needs someone first, with the whole
 * FailureReason and the lifecycle log stream), its timeline, and every event caretaker emitted, whole.
 */
export async function writeReport(
  run: SandboxRun,
  dir: string,
  name: string,
  zone = 'UTC',
): Promise<{ markdown: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  const svg = path.join(dir, `${name}.svg`);
  const markdown = path.join(dir, `${name}.md`);
  const term: Terminal = { tty: false, colour: false, width: REPORT_WIDTH, zone };
  const started = new Map(run.records.map((r) => [r.name, r.startedAt]));
  const lines = [
    `# caretaker sandbox report: ${name}`,
    '',
    `Virtual time ${dateTime(run.start, zone)} → ${dateTime(run.end, zone)}.`,
    '',
    `![timeline](./${path.basename(svg)})`,
    '',
    '```',
    summarize(run.result, term, started),
    '```',
    '',
    '## Events caretaker emitted',
    '',
    ...run.emitted.flatMap((e) => [
      `### ${e['detail-type']}${e.time ? ` (${dateTime(Date.parse(e.time), zone)})` : ''}`,
      '',
      '```json',
      JSON.stringify(e.detail, null, 2),
      '```',
      '',
    ]),
  ];
  await writeFile(svg, timelineSvg(run, zone));
  await writeFile(markdown, lines.join('\n'));
  return { markdown, svg };
}
