import { defineConfig } from 'vitest/config';
import { QUIET_LAMBDA_ENVIRONMENT } from './sandbox/quiet.ts';

/**
 * Files that give the process a configuration of their own (the triggers read theirs once per process, as in
 * a Lambda container), directly or through the CLI's `--config`: each gets a fresh process.
 */
const OWN_PROCESS = [
  'test/e2e/cli.test.ts',
  'test/e2e/cli-triggers.test.ts',
  'test/workflow/findings-next-window.test.ts',
  'test/workflow/observe-mode.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    // Vitest's default leaves one of this machine's two cores to its own idle main process.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { ...QUIET_LAMBDA_ENVIRONMENT },
    projects: [
      {
        extends: true,
        // Every other file shares its worker's modules with the files run before it: importing the SDK, the
        // handlers and the interpreter once per worker, not once per file, is most of the time it saves.
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: OWN_PROCESS,
          isolate: false,
          setupFiles: ['test/support/sandbox-environment.ts'],
        },
      },
      { extends: true, test: { name: 'own-process', include: OWN_PROCESS } },
    ],
  },
});
