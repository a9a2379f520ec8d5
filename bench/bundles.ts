/**
 * `npm run bench:bundles`: every function bundle built the way `npm run package` builds it (deploy/esbuild.ts),
 * its size, and how long a fresh Node 22 process takes to import it: the median of RUNS processes per
 * function, run round-robin over the functions so that a burst of load on the machine falls on all of them
 * alike. Targets: ≤ 300 KB and ≤ 100 ms per function, as packaged by default (no Tracer); the same figures
 * with `CARETAKER_TRACING=true` are printed beside them, without a target.
 *
 * Bundles are written to a temporary directory with no node_modules, as on Lambda: an import the bundle
 * left out (deploy/esbuild.ts, LAZY_SDK_IMPORTS) fails here as it would there, unless it is really lazy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFunctions } from '../deploy/bundle.ts';
import { discoverFunctions } from '../deploy/functions.ts';
import { atMost } from './targets.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = join(root, 'node_modules', '.bin', 'node');
const RUNS = 15;
const TRACING_RUNS = 5;
const BUNDLE_TARGET_BYTES = 300_000;
const IMPORT_TARGET_MS = 100;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * One cold import in its own process, timed inside it so process start-up is not counted: the wall time
 * (the target) and the CPU time of all the process's threads (steadier when the machine is loaded).
 */
function importTimes(bundle: string): { wallMs: number; cpuMs: number } {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); const wallMs = performance.now() - t; const { user, system } = process.cpuUsage(c); process.stdout.write(JSON.stringify({ wallMs, cpuMs: (user + system) / 1000 }));`;
  const output = execFileSync(node, ['--input-type=module', '-e', script], {
    cwd: dirname(bundle),
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_NAMESPACE: 'Caretaker' },
    encoding: 'utf8',
  });
  return JSON.parse(output) as { wallMs: number; cpuMs: number };
}

const tenths = (ms: number) => Math.round(ms * 10) / 10;

/** The median cold import of each bundle over `runs` rounds, each round importing every bundle once. */
function medianImports(bundles: string[], runs: number): Array<{ initMs: number; initCpuMs: number }> {
  const times = bundles.map(() => [] as Array<{ wallMs: number; cpuMs: number }>);
  for (let run = 0; run < runs; run++) bundles.forEach((bundle, i) => times[i]!.push(importTimes(bundle)));
  return times.map((t) => ({
    initMs: tenths(median(t.map((x) => x.wallMs))),
    initCpuMs: tenths(median(t.map((x) => x.cpuMs))),
  }));
}

const outRoot = mkdtempSync(join(tmpdir(), 'caretaker-bundles-'));
try {
  const specs = discoverFunctions(root);
  const loadBefore = loadavg()[0]!;
  const plain = await bundleFunctions(root, specs, { tracing: false }, join(outRoot, 'plain'));
  const traced = await bundleFunctions(root, specs, { tracing: true }, join(outRoot, 'tracing'));
  const plainMs = medianImports(plain, RUNS);
  const tracedMs = medianImports(traced, TRACING_RUNS);
  const functions = specs.map((spec, i) => ({
    name: spec.key,
    bytes: statSync(plain[i]!).size,
    ...plainMs[i]!,
    withTracing: { bytes: statSync(traced[i]!).size, ...tracedMs[i]! },
  }));
  const largest = Math.max(...functions.map((f) => f.bytes));
  const slowest = Math.max(...functions.map((f) => f.initMs));
  const targets = {
    largestBundleBytes: atMost(largest, BUNDLE_TARGET_BYTES),
    slowestInitMs: atMost(slowest, IMPORT_TARGET_MS),
  };
  const result = {
    ok: Object.values(targets).every((t) => t.met),
    runs: RUNS,
    node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
    // One-minute load average of the machine before and after the imports: the medians mean little above 1.
    load: { before: loadBefore, after: loadavg()[0]! },
    targets,
    functions,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
