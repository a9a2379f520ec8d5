import { Command, Option } from 'commander';
import { loadFleet } from '../sandbox/fleet.ts';
import { InputFileError, readEventFile } from '../sandbox/inputs.ts';
import { closeFront } from '../sandbox/front.ts';
import { runSandbox, type Progress } from '../sandbox/runner.ts';
import { summarize } from '../sandbox/summary.ts';
import { ValidationError } from '#lib/errors';
import { registerRequest } from './commands/request.ts';
import {
  addTriggerOptions,
  normalizeTriggerArgv,
  triggerInvocations,
  type TriggerFlags,
} from './commands/sandbox-triggers.ts';
import { registerSchedule } from './commands/schedule-preview.ts';

const program = new Command('caretaker')
  .description('Hands-off maintenance for Amazon SageMaker: patch windows and guarded endpoint updates.')
  .showHelpAfterError();

const sandbox = program
  .command('sandbox')
  .description('Run caretaker locally against the SageMaker emulator (no AWS account).');

const collect = (value: string, previous: string[]) => [...previous, value];

addTriggerOptions(sandbox.command('run'))
  .description(
    'Route events through the real rules and run every workflow they start to its end, on virtual time.',
  )
  .requiredOption('--fleet <file>', 'fleet file (YAML) describing notebooks, endpoints, alarms, faults')
  .addOption(
    new Option('--event <file>', 'an EventBridge event (JSON); repeat for more, delivered in order')
      .argParser(collect)
      .default([]),
  )
  .option('--json', 'print exactly one JSON document (the sandbox contract) on stdout')
  .action(async (opts: { fleet: string; event: string[]; json?: boolean } & TriggerFlags) => {
    const fleet = await loadFleetFile(opts.fleet);
    const events = [];
    for (const file of opts.event) events.push(await readEventFile(file));
    const invocations = await triggerInvocations(opts, fleet.start);
    const progress = opts.json ? undefined : printProgress(fleet.start);
    const run = await runSandbox(fleet, events, {
      ...(progress ? { onProgress: progress } : {}),
      invocations,
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(run.result, null, 2)}\n`);
    else process.stdout.write(`\n${summarize(run.result)}\n`);
  });

async function loadFleetFile(file: string) {
  try {
    return await loadFleet(file);
  } catch (err) {
    if (err instanceof ValidationError) throw new InputFileError(file, err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputFileError(file, 'no such file');
    throw err;
  }
}

function printProgress(start: number) {
  return (p: Progress) => {
    const t = Math.round((p.at - start) / 1000);
    const stamp = `+${String(Math.floor(t / 60)).padStart(4, ' ')}m${String(t % 60).padStart(2, '0')}s`;
    process.stdout.write(`${stamp}  ${p.text}\n`);
  };
}

registerSchedule(program);
registerRequest(program);

program
  .parseAsync(normalizeTriggerArgv(process.argv))
  .catch((err: Error) => {
    process.stderr.write(`caretaker: ${err.message}\n`);
    process.exitCode = err instanceof InputFileError ? 2 : 1;
  })
  .finally(closeFront);
