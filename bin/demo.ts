import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFleet } from '../sandbox/fleet.ts';
import { readEventFile } from '../sandbox/inputs.ts';
import { closeFront } from '../sandbox/front.ts';
import { liveView } from '../sandbox/live.ts';
import { writeReport } from '../sandbox/report.ts';
import { runSandbox } from '../sandbox/runner.ts';
import { summarize } from '../sandbox/summary.ts';
import { dateTime, terminalOf, wrap } from '../sandbox/terminal.ts';

/** `npm start`: the built-in demo on the local sandbox — no AWS account, no network. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = (file: string) => path.join(root, 'sandbox', 'demo', file);

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const fleet = await loadFleet(demo('fleet.yml'));
const events = await Promise.all(
  ['patch-request.json', 'update-v2.json', 'update-v3.json', 'update-v4.json'].map((f) =>
    readEventFile(demo(f)),
  ),
);

const term = terminalOf(process.stdout, process.env);
const write = (text: string) => void process.stdout.write(text);
const intro =
  'caretaker demo: a patch window over the "weekly" notebooks, then three guarded releases of the fraud-scoring endpoint, on the local sandbox';
write(`${wrap(intro, term.width).join('\n')}\nVirtual time from ${dateTime(fleet.start, term.zone)}\n\n`);
const wall = performance.now();
const view = liveView(term, write);
const run = await runSandbox(fleet, events, { onProgress: (p) => view.progress(p) });
view.end();
write(`\n${summarize(run.result, term, new Map(run.records.map((r) => [r.name, r.startedAt])))}\n`);
const { markdown, svg } = await writeReport(run, path.join(root, 'reports'), 'demo', term.zone);
write(
  `\nReport: ${path.relative(process.cwd(), markdown)} (timeline: ${path.relative(process.cwd(), svg)}); ` +
    `${Math.round((run.end - run.start) / 60000)} virtual minutes in ${((performance.now() - wall) / 1000).toFixed(1)} s.\n`,
);
closeFront();
