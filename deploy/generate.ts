/**
 * Writes the `.build/*.json` fragments serverless.yml includes and every function's zip (deploy/bundle.ts);
 * run before `osls package` (npm run package). With CI set, anything left out (a rule or state machine
 * whose function is missing) fails the build instead of shipping a partial stack.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageFunctions } from './bundle.ts';
import { readPackageSettings } from './esbuild.ts';
import { discoverFunctions } from './functions.ts';

// Handler modules build their SDK clients at import; a region keeps that quiet. Nothing is called.
process.env.AWS_REGION ??= 'us-east-1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { buildStack } = await import('./stack.ts');
const settings = readPackageSettings();
const stack = await buildStack(root, settings);
await packageFunctions(root, discoverFunctions(root), settings);

const out = join(root, '.build');
mkdirSync(out, { recursive: true });
const write = (name: string, value: unknown) =>
  writeFileSync(join(out, name), `${JSON.stringify(value, null, 2)}\n`);
write('functions.json', stack.functions);
write('state-machines.json', stack.stateMachines);
write('resources.json', stack.resources);
write('environment.json', stack.environment);
write('omitted.json', stack.omitted);

for (const reason of stack.omitted) process.stderr.write(`deploy/generate: left out ${reason}\n`);
if (stack.omitted.length > 0 && process.env.CI) {
  process.stderr.write('deploy/generate: CI builds the whole stack or nothing\n');
  process.exit(1);
}
process.stderr.write(
  `deploy/generate: ${Object.keys(stack.functions).length} functions (bundled and zipped), ${Object.keys(stack.stateMachines).length} state machines → .build/\n`,
);
