/**
 * The schedule flags of `caretaker sandbox run`: `--schedule GROUP[@ISO-time]` (repeatable) fires a patch
 * group's window, `--audit[@ISO-time]` the daily audit, both with the inputs the deployed schedules carry;
 * `--config` is the `caretaker.yml` they come from, which also gives the trigger functions the limits and
 * groups a deployment would give them.
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig } from '#lib/triggers/caretaker-config';
import type { ScheduledInvocation } from '../../sandbox/runner.ts';
import { prepareEnvironment } from '../../sandbox/lambda.ts';
import { DEFAULT_CONFIG, useTriggerSettings } from '../../sandbox/trigger-settings.ts';
import { asUsage } from './usage.ts';

export interface TriggerFlags {
  schedule?: string[];
  audit?: boolean | string;
  config?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds `--schedule`, `--audit` and `--config` to a command. */
export function addTriggerOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--schedule <GROUP[@ISO-time]>',
        "fire a patch group's window (its next one after the fleet's start, or the time given); repeat for more",
      ).argParser(collect),
    )
    .option(
      '--audit [ISO-time]',
      "run the daily overdue audit (its next run after the fleet's start, or the time given; also --audit@TIME)",
    )
    .option(
      '--config <file>',
      "the caretaker configuration the schedules, the request limits and the groups come from (default: caretaker.yml here, else the repository's)",
    );
}

/**
 * `--audit@TIME` reads naturally next to `--schedule GROUP@TIME` but is not a form commander knows:
 * rewrite it to `--audit=TIME`.
 */
export function normalizeTriggerArgv(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg.startsWith('--audit@') ? `--audit=${arg.slice('--audit@'.length)}` : arg));
}

/** The Scheduler invocations the flags ask for, at or after the fleet's start (`now`, epoch ms). */
export async function triggerInvocations(flags: TriggerFlags, now: number): Promise<ScheduledInvocation[]> {
  const config = flags.config ?? (existsSync('caretaker.yml') ? 'caretaker.yml' : undefined);
  // Before any trigger function is loaded: they read their settings once, as in Lambda.
  if (config) await asUsage(() => useTriggerSettings(config));
  const specs = flags.schedule ?? [];
  if (specs.length === 0 && flags.audit === undefined) return [];
  // The schedule inputs come from the trigger modules, which build their SDK clients and Powertools
  // utilities when first loaded: the sandbox's environment must be in place by then.
  await prepareEnvironment();
  const { auditInvocation, scheduleInvocation } = await import('../../sandbox/schedules.ts');
  return asUsage(() => {
    const groups = loadConfig(config ?? DEFAULT_CONFIG);
    const invocations = specs.map((spec) => scheduleInvocation(groups, spec, now));
    if (flags.audit !== undefined) {
      invocations.push(
        auditInvocation(groups, typeof flags.audit === 'string' ? flags.audit : undefined, now),
      );
    }
    return invocations;
  });
}
