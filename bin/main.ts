import { readFileSync } from 'node:fs';
import { CommanderError, Command, Option } from 'commander';
import { AccessError, ValidationError } from '#lib/errors';
import { loadFleet } from '../sandbox/fleet.ts';
import { InputFileError, readEventFile } from '../sandbox/inputs.ts';
import { liveView } from '../sandbox/live.ts';
import { writeReport } from '../sandbox/report.ts';
import { runSandbox, type SandboxResult } from '../sandbox/runner.ts';
import { ENDPOINT_TROUBLE, NOTEBOOK_TROUBLE, summarize } from '../sandbox/summary.ts';
import { dateTime, terminalOf } from '../sandbox/terminal.ts';
import type { Io } from './io.ts';
import { registerPlan } from './commands/plan.ts';
import { registerRequest } from './commands/request.ts';
import { registerServe } from './commands/sandbox-serve.ts';
import {
  addTriggerOptions,
  normalizeTriggerArgv,
  triggerInvocations,
  type TriggerFlags,
} from './commands/sandbox-triggers.ts';
import { registerSchedule } from './commands/schedule-preview.ts';
import { UsageError } from './commands/usage.ts';

/**
 * The `caretaker` command line, callable in-process (tests) as from a shell (bin/caretaker.ts): it returns
 * the exit code. 0: done; 1: an outcome `--fail-on` names happened, or an error; 2: a usage error (a flag,
 * a file, a configuration), with a message naming it.
 */

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** What `--fail-on` may name: the outcomes that need someone, of notebooks and of endpoint updates. */
export const FAIL_ON = [...new Set([...NOTEBOOK_TROUBLE, ...ENDPOINT_TROUBLE])];

function failOnList(value: string): string[] {
  const names = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !FAIL_ON.includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--fail-on: got ${JSON.stringify(value)}, expected a comma-separated list of ${FAIL_ON.join(', ')}`,
    );
  return names;
}

/**
 * The outcomes of a run that `--fail-on` names, as `name: outcome` (an execution that did not succeed counts
 * as `failed`).
 *
 * @example failures(result, ['rolled-back']) // → ['vision-nb: rolled-back']
 */
export function failures(result: SandboxResult, failOn: readonly string[]): string[] {
  const found: string[] = [];
  for (const e of result.executions) {
    if (e.status !== 'SUCCEEDED' && failOn.includes('failed')) found.push(`${e.name}: execution ${e.status}`);
    const output = (e.output ?? {}) as {
      outcome?: string;
      endpointName?: string;
      notebooks?: Array<{ name: string; outcome: string }>;
    };
    for (const n of output.notebooks ?? [])
      if (failOn.includes(n.outcome)) found.push(`${n.name}: ${n.outcome}`);
    if (e.stateMachine === 'endpoint-update' && output.outcome && failOn.includes(output.outcome))
      found.push(`${output.endpointName ?? e.name}: ${output.outcome}`);
  }
  return found;
}

async function loadFleetFile(file: string) {
  try {
    return await loadFleet(file);
  } catch (err) {
    if (err instanceof ValidationError) throw new InputFileError(file, err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputFileError(file, 'no such file');
    throw err;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

interface RunFlags extends TriggerFlags {
  fleet: string;
  event: string[];
  json?: boolean;
  report?: string;
  failOn?: string[];
}

function registerRun(sandbox: Command, io: Io, exit: (code: number) => void): void {
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
    .option(
      '--report <dir>',
      'also write the Markdown report and the SVG timeline of the run into this folder',
    )
    .addOption(
      new Option(
        '--fail-on <outcomes>',
        `exit 1 when any of these outcomes happens (comma-separated: ${FAIL_ON.join(', ')})`,
      ).argParser(failOnList),
    )
    .action(async (opts: RunFlags) => {
      const fleet = await loadFleetFile(opts.fleet);
      const events = [];
      for (const file of opts.event) events.push(await readEventFile(file));
      const invocations = await triggerInvocations(opts, fleet.start);
      const term = terminalOf(io.stdout, io.env);
      const view = opts.json ? undefined : liveView(term, io.out);
      if (view) io.out(`Virtual time from ${dateTime(fleet.start, term.zone)}\n`);
      const run = await runSandbox(fleet, events, {
        ...(view ? { onProgress: (p) => view.progress(p) } : {}),
        invocations,
      });
      view?.end();
      if (opts.json) io.out(`${JSON.stringify(run.result, null, 2)}\n`);
      else
        io.out(`\n${summarize(run.result, term, new Map(run.records.map((r) => [r.name, r.startedAt])))}\n`);
      if (opts.report) {
        const name = opts.fleet.replace(/^.*\//, '').replace(/\.ya?ml$/i, '');
        const written = await writeReport(run, opts.report, name, term.zone);
        (opts.json ? io.err : io.out)(`Report: ${written.markdown} (timeline: ${written.svg})\n`);
      }
      const failed = failures(run.result, opts.failOn ?? []);
      if (failed.length > 0) {
        io.err(`caretaker: --fail-on ${opts.failOn!.join(',')}: ${failed.join('; ')}\n`);
        exit(1);
      }
    });
}

/** Runs the command line `argv` (without node and the script), writing to `io`; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const exit = (c: number) => (code = c);
  const program = new Command('caretaker')
    .description('Hands-off maintenance for Amazon SageMaker: patch windows and guarded endpoint updates.')
    .version(`caretaker ${VERSION}`, '--version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const sandbox = program
    .command('sandbox')
    .description('Run caretaker locally against the SageMaker emulator (no AWS account).');
  registerRun(sandbox, io, exit);
  registerServe(sandbox, io);
  registerPlan(program, io);
  registerSchedule(program, io);
  registerRequest(program, io);
  try {
    await program.parseAsync(normalizeTriggerArgv(argv), { from: 'user' });
    return code;
  } catch (err) {
    // Commander's own: help and --version end well, anything else it refused is a usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const error = err as Error;
    io.err(`caretaker: ${error.message}\n`);
    if (err instanceof InputFileError || err instanceof ValidationError) return 2;
    if (!(err instanceof AccessError) && io.env.CARETAKER_DEBUG) io.err(`${error.stack}\n`);
    return 1;
  }
}
