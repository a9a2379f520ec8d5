import { defineConfig } from 'vitest/config';
import { QUIET_LAMBDA_ENVIRONMENT } from './sandbox/quiet.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { ...QUIET_LAMBDA_ENVIRONMENT },
  },
});
