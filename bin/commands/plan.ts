/**
 * `caretaker plan`: what a window would do, per notebook and why, read from the account as it is now (the
 * standard credential chain, or the sandbox's endpoint), changing nothing. The plan is the one a dry-run
 * window reports: `planWindow` in functions/lib/notebook/selection.ts.
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { PlanEntry } from '#lib/notebook/plan';
import { readEventFile } from '../../sandbox/inputs.ts';
import { planTable } from '../../sandbox/summary.ts';
import { dateTime, paint, terminalOf, type Terminal } from '../../sandbox/terminal.ts';
import type { Io } from '../io.ts';
import { asUsage, UsageError } from './usage.ts';

interface PlanFlags {
  request?: string;
  group?: string;
  names?: string;
  tags?: string[];
  settings?: string[];
  maxConcurrency?: string;
  maxErrors?: string;
  json?: boolean;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  config?: string;
  ledgerTable?: string;
  at?: Date;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function isoTime(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime()))
    throw new UsageError(
      `--at: got ${JSON.stringify(value)}, expected an ISO 8601 time such as 2026-11-29T02:00:00Z`,
    );
  return at;
}

/** The sandbox's ledger table: `--endpoint-url` without `--ledger-table` reads it. */
const SANDBOX_LEDGER = 'caretaker-ledger';

/**
 * The patch request the flags describe, held to caretaker.yml as the trigger that would start it is, and the
 * time it is planned for: `--at`, a group's next window, or now.
 */
async function requestOf(flags: PlanFlags, now: Date): Promise<{ request: unknown; at: Date }> {
  const chosen = [flags.request, flags.group, flags.names ?? flags.tags?.[0]].filter((v) => v !== undefined);
  if (chosen.length !== 1)
    throw new UsageError(
      `got ${chosen.length === 0 ? 'no' : 'more than one'} target, expected one of --request FILE, --group NAME, --names a,b or --tags k=v`,
    );
  const config = flags.config ?? (existsSync('caretaker.yml') ? 'caretaker.yml' : undefined);
  const { loadConfig } = await import('#lib/triggers/caretaker-config');
  const { triggerSettings, DEFAULT_TRIGGER_SETTINGS } = await import('#lib/triggers/settings');
  const { toPatchRequest } = await import('#lib/triggers/requests');
  const { nextWindows, windowRequest } = await import('#lib/triggers/schedule');
  const caretaker = config ? await asUsage(() => loadConfig(config)) : undefined;
  const rules = caretaker ? triggerSettings(caretaker) : DEFAULT_TRIGGER_SETTINGS;
  if (flags.request) {
    const event = await readEventFile(flags.request);
    if (event['detail-type'] !== 'Notebook Patch Requested')
      throw new UsageError(
        `${flags.request}: got a ${JSON.stringify(event['detail-type'])} event, expected "Notebook Patch Requested"`,
      );
    return {
      request: await asUsage(() => toPatchRequest({ id: 'plan', detail: event.detail }, rules)),
      at: now,
    };
  }
  if (flags.group) {
    const group = caretaker?.patchGroups.find((g) => g.name === flags.group);
    if (!group)
      throw new UsageError(
        `--group: got ${JSON.stringify(flags.group)}, expected one of ${caretaker?.patchGroups.map((g) => g.name).join(', ') ?? '(no caretaker.yml: pass --config)'}`,
      );
    const next = nextWindows(group, now, 400)[0];
    const at = flags.at ?? (next ? new Date(next.utc) : now);
    const request = windowRequest(group, at);
    const { settingsOf } = await import('./request-detail.ts');
    return {
      request: { ...request, settings: { ...request.settings, ...settingsOf(flags.settings ?? []) } },
      at,
    };
  }
  const { patchRequestDetail, patchFlagOf } = await import('./request-detail.ts');
  const detail = await asUsage(
    () => patchRequestDetail({ ...flags, reason: 'plan', requestedBy: 'caretaker plan' }),
    patchFlagOf,
  );
  return {
    request: await asUsage(() => toPatchRequest({ id: 'plan', detail }, rules), patchFlagOf),
    at: now,
  };
}

/** The plan as people read it: one row per notebook, the changes before → after, and why. */
export function formatPlan(
  plan: {
    requestId: string;
    targets: string;
    entries: PlanEntry[];
    maxConcurrency: number;
    leases: boolean;
    at: number;
  },
  term: Terminal,
): string {
  const { entries } = plan;
  const stops = entries.filter((e) => e.stops).length;
  const lines = [
    paint(term, 'bold', `Plan for ${plan.targets} at ${dateTime(plan.at, term.zone)}`),
    `As ${plan.requestId} would run it; nothing was changed.`,
    `${entries.length} notebook(s): ${stops} would be stopped, at most ${plan.maxConcurrency} down at once.`,
  ];
  if (!plan.leases)
    lines.push(
      paint(
        term,
        'yellow',
        'Leases not read (no --ledger-table): a notebook another window owns shows as free.',
      ),
    );
  lines.push('', planTable(entries, term));
  return lines.join('\n');
}

export function registerPlan(program: Command, io: Io): void {
  program
    .command('plan')
    .description(
      'Say per notebook what a patch window would do and why (stopped? before → after, skipped and why), reading the account as it is; changes nothing.',
    )
    .option(
      '--request <file>',
      'a Notebook Patch Requested event (JSON), as `caretaker request patch --print` writes',
    )
    .option('--group <name>', "a patch group of caretaker.yml: its next window's request")
    .option('--names <a,b>', 'the notebooks, by name (comma-separated)')
    .addOption(new Option('--tags <k=v>', 'the notebooks tagged so (repeat for more)').argParser(collect))
    .addOption(
      new Option('--settings <k=v>', 'a setting to apply while stopped (repeat for more)').argParser(collect),
    )
    .option('--max-concurrency <n>', 'notebooks down at once')
    .option('--max-errors <n|n%>', 'failures tolerated')
    .option(
      '--config <file>',
      'caretaker.yml: groups, request limits, the exempt tag (default: ./caretaker.yml)',
    )
    .option('--json', 'print one JSON document')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE, else the default credential chain)')
    .option('--region <region>', "AWS region (default: AWS_REGION, else the profile's)")
    .option(
      '--endpoint-url <url>',
      'talk to this endpoint instead of AWS (`caretaker sandbox serve` prints one)',
    )
    .option(
      '--ledger-table <name>',
      "caretaker's DynamoDB ledger, to see notebooks another window owns (default with --endpoint-url: the sandbox's)",
    )
    .option(
      '--at <ISO-time>',
      "plan the window for this time (exemptions, deadlines; default: now, or the group's next window)",
      isoTime,
    )
    .action(async (flags: PlanFlags) => {
      const { request, at: now } = await requestOf(flags, flags.at ?? new Date());
      const { createPlanClients, explainAccessError } = await import('#lib/aws/cli');
      const { planWindow } = await import('#lib/notebook/selection');
      const access = { profile: flags.profile, region: flags.region, endpoint: flags.endpointUrl };
      const table = flags.ledgerTable ?? (flags.endpointUrl ? SANDBOX_LEDGER : undefined);
      const clients = createPlanClients(access, table);
      const { window, entries } = await asUsage(() => planWindow(request, now.getTime(), clients)).catch(
        (err: unknown) => {
          throw explainAccessError(err, access, io.env);
        },
      );
      const targets = (request as { targets: Record<string, unknown> }).targets;
      const plan = {
        requestId: window.requestId,
        targets:
          'names' in targets
            ? `notebooks ${(targets.names as string[]).join(', ')}`
            : `notebooks tagged ${Object.entries(targets.tags as Record<string, string>)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}`,
        at: now.getTime(),
        maxConcurrency: window.maxConcurrency,
        leases: clients.ledger !== undefined,
        entries,
      };
      if (flags.json) io.out(`${JSON.stringify({ ...plan, at: now.toISOString(), window }, null, 2)}\n`);
      else io.out(`${formatPlan(plan, terminalOf(io.stdout, io.env))}\n`);
    });
}
