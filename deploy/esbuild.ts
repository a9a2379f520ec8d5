/**
 * The one esbuild configuration: `deploy/bundle.ts` packages with it (`npm run package`), and
 * `bench/bundles.ts` and the bundles test build with it, so the measured bundles are the shipped ones.
 *
 * The AWS SDK is bundled rather than taken from the runtime. Measured on notebook/stop.ts (median, this
 * machine): SDK external 468 KB / ~480 ms to import, bundled 813 KB / ~230 ms, bundled without the
 * non-Lambda credential providers 692 KB / ~200 ms. Importing the runtime's SDK from ESM costs a CommonJS
 * parse of each client; bundling also ships the SDK version the tests ran against (an older runtime SDK
 * would drop newer UpdateNotebookInstance fields without a word).
 */
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { ValidationError } from '#lib/errors';
import { slimSdkPackageJson } from './slim-package-json.ts';

/** Bundled ESM still meets CommonJS dependencies that call `require('node:https')` at run time. */
export const ESM_REQUIRE_BANNER =
  "import{createRequire}from'module';const require=createRequire(import.meta.url);";

/**
 * What the SDK imports lazily (`await import(…)`) and a caretaker function never reaches, so leaving it out
 * of the bundle (and the package) costs nothing at run time:
 * - the credential providers the default chain tries only after environment credentials were not found
 *   (Lambda always sets them), the container/instance-metadata one included (~130 KB);
 * - the event-stream serde, which only operations with an event-stream member load; no API caretaker calls
 *   has one (~12 KB).
 * `test/contract/bundles.test.ts` holds every bundle to importing these only lazily.
 */
export const LAZY_SDK_IMPORTS = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
  '@smithy/core/event-streams',
];

/**
 * Modules the bundles take from caretaker instead of node_modules, each a small stand-in with the same
 * behaviour for what the SDK calls of it (see each file). Absolute, for esbuild wherever it builds.
 */
export const BUNDLE_ALIASES = {
  'mnemonist/lru-cache': fileURLToPath(new URL('stand-ins/lru-cache.ts', import.meta.url)),
};

/** The variable that turns tracing on: the functions' environment has it, and the bundler inlines it. */
export const TRACING_VARIABLE = 'CARETAKER_TRACING';

/** What a deployment chooses when it is packaged (`CARETAKER_TRACING=true npm run package`). */
export interface PackageSettings {
  /** The Powertools Tracer: an X-Ray subsegment for every AWS call. Off unless asked for. */
  tracing: boolean;
}

/** Reads the package settings from the environment of `npm run package`, refusing what it cannot read. */
export function readPackageSettings(env: NodeJS.ProcessEnv = process.env): PackageSettings {
  const raw = env[TRACING_VARIABLE];
  if (raw === undefined || raw === '' || raw === 'false') return { tracing: false };
  if (raw === 'true') return { tracing: true };
  throw new ValidationError([
    { field: TRACING_VARIABLE, message: `is ${JSON.stringify(raw)}, expected true or false` },
  ]);
}

/** The extension of every bundle: ESM, which Node 22 on Lambda loads as such whatever package.json says. */
export const BUNDLE_EXTENSION = '.mjs';

/**
 * The build of the given function files into `outdir`, keeping their paths below the repository root
 * (`functions/notebook/stop.ts` → `<outdir>/functions/notebook/stop.mjs`). One esbuild run for all of them:
 * the bundles are those of separate builds (no code is shared between them), at a third of the time.
 */
export function esbuildOptions(
  entryPoints: string[],
  outdir: string,
  { tracing }: PackageSettings,
): BuildOptions {
  return {
    entryPoints,
    outdir,
    outbase: '.',
    outExtension: { '.js': BUNDLE_EXTENSION },
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    // The packaged value, so that without tracing the Tracer's import is dead code and never bundled
    // (functions/lib/observability.ts).
    define: { [`process.env.${TRACING_VARIABLE}`]: JSON.stringify(String(tracing)) },
    alias: BUNDLE_ALIASES,
    plugins: [slimSdkPackageJson],
    external: LAZY_SDK_IMPORTS,
  };
}
