/**
 * The one esbuild configuration: `serverless-esbuild` packages with it (the generator writes it to
 * `.build/esbuild.json`) and `bench/bundles.ts` builds with it, so the measured bundles are the shipped ones.
 *
 * The AWS SDK is bundled rather than taken from the runtime. Measured on notebook/stop.ts (median, this
 * machine): SDK external 468 KB / ~480 ms to import, bundled 813 KB / ~230 ms, bundled without the
 * non-Lambda credential providers 692 KB / ~200 ms. Importing the runtime's SDK from ESM costs a CommonJS
 * parse of each client; bundling also ships the SDK version the tests ran against (an older runtime SDK
 * would drop newer UpdateNotebookInstance fields without a word).
 */
import type { BuildOptions } from 'esbuild';

/** Bundled ESM still meets CommonJS dependencies that call `require('node:https')` at run time. */
export const ESM_REQUIRE_BANNER =
  "import{createRequire}from'module';const require=createRequire(import.meta.url);";

/**
 * Credential providers the SDK's default chain imports lazily, only after environment credentials were not
 * found. Lambda always sets them, so these are never loaded there; leaving them out saves ~120 KB.
 */
export const LAZY_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
];

/** `custom.esbuild` for serverless-esbuild (its own keys: exclude, packager, outputFileExtension). */
export const serverlessEsbuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  platform: 'node',
  target: 'node22',
  format: 'esm',
  outputFileExtension: '.mjs',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  // Excluded = external to esbuild and not packed either.
  exclude: LAZY_CREDENTIAL_PROVIDERS,
  packager: 'npm',
} as const;

/** The same build for esbuild's API, as serverless-esbuild hands it over for one entry point. */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  const { exclude, outputFileExtension, packager: _packager, ...rest } = serverlessEsbuildOptions;
  return {
    ...rest,
    mainFields: [...rest.mainFields],
    banner: { ...rest.banner },
    external: [...exclude],
    outExtension: { '.js': outputFileExtension },
    entryPoints: [entry],
    outdir,
  };
}
