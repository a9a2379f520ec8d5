import { execFileSync } from 'node:child_process';
import { closeFront } from '../sandbox/front.ts';
import { parseFleet } from '../sandbox/fleet.ts';
import { runSandbox, type SandboxEvent } from '../sandbox/runner.ts';

/**
 * `npm run bench`: performance figures as JSON (targets live here, not in timed tests).
 * - a 200-notebook window at concurrency 20 (stop 90 s, start 300 s): virtual makespan against the lower
 *   bound ceil(200/20) × (90 + 300) s, state transitions and SageMaker calls per notebook, peak down;
 * - the wall time of a 1,000-notebook sandbox run;
 * - each function's bundle size and cold import time (bench/bundles.ts, the build `npm run package` makes).
 */
function fleetOf(count: number): string {
  const notebooks = Array.from(
    { length: count },
    (_, i) =>
      `  - { name: nb-${String(i + 1).padStart(4, '0')}, tags: { patch-group: bench }, behavior: { stopSeconds: 90, startSeconds: 300 } }`,
  );
  return `start: 2026-11-23T02:00:00Z\nnotebooks:\n${notebooks.join('\n')}\n`;
}

const request = (maxConcurrency: number): SandboxEvent => ({
  id: `bench-${maxConcurrency}`,
  source: 'caretaker.requests',
  'detail-type': 'Notebook Patch Requested',
  time: '2026-11-23T02:00:00Z',
  detail: {
    requestedBy: 'bench',
    reason: 'benchmark',
    targets: { tags: { 'patch-group': 'bench' } },
    policy: { maxConcurrency, maxErrors: 0 },
  },
});

async function window(count: number, concurrency: number) {
  const started = performance.now();
  const run = await runSandbox(parseFleet(fleetOf(count), `bench-${count}.yml`), [request(concurrency)]);
  const wallSeconds = (performance.now() - started) / 1000;
  const execution = run.result.executions[0]!;
  const output = execution.output as { counts: Record<string, number> };
  const calls = Object.values(execution.stats.sagemakerCalls).reduce((a, b) => a + b, 0);
  const lowerBound = Math.ceil(count / concurrency) * (90 + 300);
  return {
    notebooks: count,
    maxConcurrency: concurrency,
    patched: output.counts.patched ?? 0,
    makespanSeconds: execution.stats.virtualSeconds,
    lowerBoundSeconds: lowerBound,
    makespanRatio: Number((execution.stats.virtualSeconds / lowerBound).toFixed(3)),
    transitionsPerNotebook: Number((execution.stats.transitions / count).toFixed(2)),
    sagemakerCallsPerNotebook: Number((calls / count).toFixed(2)),
    sagemakerCalls: execution.stats.sagemakerCalls,
    lambdaInvocationsPerNotebook: Number((execution.stats.lambdaInvocations / count).toFixed(2)),
    maxNotebooksDown: execution.stats.maxNotebooksDown,
    wallSeconds: Number(wallSeconds.toFixed(2)),
  };
}

const window200 = await window(200, 20);
const window1000 = await window(1000, 50);
closeFront();
const { functions } = JSON.parse(execFileSync('tsx', ['bench/bundles.ts'], { encoding: 'utf8' })) as {
  functions: Array<{ name: string; bytes: number; initMs: number }>;
};
const largest = Math.max(...functions.map((f) => f.bytes));
const slowest = Math.max(...functions.map((f) => f.initMs));
const result = {
  window200,
  window1000: {
    notebooks: 1000,
    maxConcurrency: 50,
    patched: window1000.patched,
    wallSeconds: window1000.wallSeconds,
  },
  targets: {
    makespanRatio: { target: '<= 1.1', met: window200.makespanRatio <= 1.1 },
    transitionsPerNotebook: { target: '<= 25', met: window200.transitionsPerNotebook <= 25 },
    sagemakerCallsPerNotebook: { target: '<= 12', met: window200.sagemakerCallsPerNotebook <= 12 },
    maxNotebooksDown: { target: '<= maxConcurrency', met: window200.maxNotebooksDown <= 20 },
    wall1000Seconds: { target: '< 30', met: window1000.wallSeconds < 30 },
    largestBundleKB: { value: Math.round(largest / 1024), target: '<= 500', met: largest <= 500 * 1024 },
    slowestInitMs: { value: slowest, target: '<= 100', met: slowest <= 100 },
  },
  functions,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
