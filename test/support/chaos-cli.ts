/**
 * `npm run chaos [-- --seeds N]`: the chaos scenarios of test/workflow/chaos-*.test.ts over N seeds each (20
 * by default), where `npm test` runs three. Exits with vitest's code.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '20' } } });
const seeds = Number(values.seeds);
if (!Number.isInteger(seeds) || seeds < 1) {
  process.stderr.write(`chaos: --seeds got ${JSON.stringify(values.seeds)}, expected a whole number ≥ 1\n`);
  process.exit(2);
}
const result = spawnSync('vitest', ['run', 'test/workflow/chaos-'], {
  stdio: 'inherit',
  env: { ...process.env, CARETAKER_CHAOS_SEEDS: String(seeds) },
});
process.exit(result.status ?? 1);
