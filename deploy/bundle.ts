/**
 * `npm run package`'s build: every function bundled in one esbuild run (deploy/esbuild.ts), then zipped on
 * its own as `.build/artifacts/<key>.zip`, which serverless.yml deploys as the function's
 * `package.artifact` (deploy/stack.ts). The bench builds the same bundles with `bundleFunctions`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { BUNDLE_EXTENSION, esbuildOptions, type PackageSettings } from './esbuild.ts';
import type { FunctionSpec } from './functions.ts';

/** A function's zip, relative to the repository root (serverless.yml's directory). */
export const artifactOf = (spec: Pick<FunctionSpec, 'key'>) => `.build/artifacts/${spec.key}.zip`;

/** Its bundle, relative to the build's directory and inside the zip: what its handler names. */
export const bundleOf = (spec: Pick<FunctionSpec, 'file'>) => spec.file.replace(/\.ts$/, BUNDLE_EXTENSION);

// Every entry gets the same time (DOS time is local, hence the local date) and a readable file's mode, so
// the same sources zip to the same bytes, and Lambda's code hash changes only when the code does.
const ENTRY = { mtime: new Date(1980, 0, 1), os: 3, attrs: 0o644 << 16 };

/** Builds the functions' bundles under `outdir` and returns their paths, in the order of `specs`. */
export async function bundleFunctions(
  root: string,
  specs: readonly FunctionSpec[],
  settings: PackageSettings,
  outdir: string,
): Promise<string[]> {
  await build({
    ...esbuildOptions(
      specs.map((spec) => spec.file),
      outdir,
      settings,
    ),
    absWorkingDir: root,
    logLevel: 'error',
  });
  return specs.map((spec) => join(outdir, bundleOf(spec)));
}

/** Bundles and zips every function into `.build/`, replacing what an earlier package left there. */
export async function packageFunctions(
  root: string,
  specs: readonly FunctionSpec[],
  settings: PackageSettings,
): Promise<void> {
  const bundles = join(root, '.build', 'bundles');
  rmSync(bundles, { recursive: true, force: true });
  rmSync(join(root, '.build', 'artifacts'), { recursive: true, force: true });
  const built = await bundleFunctions(root, specs, settings, bundles);
  specs.forEach((spec, i) => {
    const artifact = join(root, artifactOf(spec));
    mkdirSync(dirname(artifact), { recursive: true });
    const zip = zipSync({ [bundleOf(spec)]: [readFileSync(built[i]!), ENTRY] }, { level: 9 });
    writeFileSync(artifact, zip);
  });
}
