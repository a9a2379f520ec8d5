/**
 * `npm run bench:bundles`: every function bundle built the way `npm run package` builds it
 * (deploy/esbuild.ts), its size, and how long a fresh Node 22 process takes to import it (median of 5).
 * Targets: ≤ 500 KB and ≤ 100 ms per function.
 *
 * Bundles are written under node_modules/.cache so the external `@aws-sdk/*` resolves from the project's
 * node_modules, as it resolves from the runtime's on Lambda.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions, serverlessEsbuildOptions } from '../deploy/esbuild.ts';
import { discoverFunctions } from '../deploy/functions.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = join(root, 'node_modules', '.cache', 'caretaker-bundles');
const node = join(root, 'node_modules', '.bin', 'node');
const RUNS = 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** One cold import in its own process, timed inside it so process start-up is not counted. */
function importMs(bundle: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(node, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_NAMESPACE: 'Caretaker' },
    encoding: 'utf8',
  });
  return Number(output);
}

rmSync(outRoot, { recursive: true, force: true });
const functions = [];
for (const spec of discoverFunctions(root)) {
  const outdir = join(outRoot, dirname(spec.file));
  await build({ ...esbuildOptions(spec.file, outdir), absWorkingDir: root, logLevel: 'error' });
  const bundle = join(
    outdir,
    spec.file.replace(/^.*\//, '').replace(/\.ts$/, serverlessEsbuildOptions.outputFileExtension),
  );
  const times = Array.from({ length: RUNS }, () => importMs(bundle));
  functions.push({
    name: spec.key,
    bytes: statSync(bundle).size,
    initMs: Math.round(median(times) * 10) / 10,
  });
}
process.stdout.write(`${JSON.stringify({ functions }, null, 2)}\n`);
