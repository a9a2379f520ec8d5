/** An esbuild plugin of the one build (deploy/esbuild.ts). */
import { readFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';

/**
 * Every SDK client imports its whole package.json (2–2.4 KB minified: scripts, dependencies, files…) for
 * the one field its user agent reads, `version` (`packageInfo.version` in each client's runtimeConfig, the
 * only use in @aws-sdk). The bundle keeps `name` and `version`: 8–11 KB less for a function with 4–5 clients.
 */
export const slimSdkPackageJson: Plugin = {
  name: 'slim-sdk-package-json',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, ({ path }) => {
      const { name, version } = JSON.parse(readFileSync(path, 'utf8')) as { name: string; version: string };
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};
