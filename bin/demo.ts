import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFleet } from '../sandbox/fleet.ts';
import { readEventFile } from '../sandbox/inputs.ts';
import { closeFront } from '../sandbox/front.ts';
import { writeReport } from '../sandbox/report.ts';
import { runSandbox } from '../sandbox/runner.ts';
import { summarize } from '../sandbox/summary.ts';

/** `npm start`: the built-in demo on the local sandbox — no AWS account, no network. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = (file: string) => path.join(root, 'sandbox', 'demo', file);

const fleet = await loadFleet(demo('fleet.yml'));
const events = await Promise.all(
  ['patch-request.json', 'update-v2.json', 'update-v3.json', 'update-v4.json'].map((f) =>
    readEventFile(demo(f)),
  ),
);

process.stdout.write(
  'caretaker demo: a patch window over the "weekly" notebooks, then three guarded releases of the fraud-scoring endpoint, on the local sandbox (virtual time)\n\n',
);
const wall = performance.now();
const run = await runSandbox(fleet, events, {
  onProgress: (p) => {
    const t = new Date(p.at).toISOString().slice(11, 19);
    process.stdout.write(`  ${t}Z  ${p.text}\n`);
  },
});
process.stdout.write(`\n${summarize(run.result)}\n`);
const { markdown, svg } = await writeReport(run, path.join(root, 'reports'), 'demo');
process.stdout.write(
  `\nReport: ${path.relative(process.cwd(), markdown)} (timeline: ${path.relative(process.cwd(), svg)}); ` +
    `${Math.round((run.end - run.start) / 60000)} virtual minutes in ${((performance.now() - wall) / 1000).toFixed(1)} s.\n`,
);
closeFront();
