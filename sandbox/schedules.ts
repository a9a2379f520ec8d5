/**
 * EventBridge Scheduler for the sandbox: a patch group's window or the daily audit as a direct Lambda
 * invocation at a virtual time, with the very input the deployed schedule carries
 * (`scheduleTargetInput` / `auditTargetInput`), the scheduled time filled in as Scheduler fills it in.
 */
import { ValidationError } from '#lib/errors';
import type { CaretakerConfig } from '#lib/triggers/caretaker-config';
import { nextWindows } from '#lib/triggers/schedule';
import { AUDIT_SCHEDULE, auditTargetInput } from '#lib/triggers/audit';
import { scheduleTargetInput, SCHEDULED_TIME } from '#lib/triggers/windows';
import type { ScheduledInvocation } from './runner.ts';

export const SCHEDULER_SOURCE = 'aws.scheduler';
export const WINDOW_LABEL = 'Scheduled Patch Window';
export const AUDIT_LABEL = 'Scheduled Audit';

// Most crons open a window within days; looking further only when needed keeps the common case quick.
const SEARCH_DAYS = [2, 35, 400] as const;

/** Scheduler's substitution of its context attribute, on the JSON of the target input. */
function withScheduledTime<T>(input: T, at: Date): T {
  return JSON.parse(JSON.stringify(input).replaceAll(SCHEDULED_TIME, at.toISOString())) as T;
}

function parseSpec(flag: string, spec: string): { name: string; at?: Date } {
  const [name = '', time, ...rest] = spec.split('@');
  if (rest.length > 0 || time === '') {
    throw new ValidationError([
      { field: flag, message: `got ${JSON.stringify(spec)}, expected NAME or NAME@ISO-time` },
    ]);
  }
  if (time === undefined) return { name };
  const at = new Date(time);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(time) || Number.isNaN(at.getTime())) {
    throw new ValidationError([
      {
        field: flag,
        message: `got time ${JSON.stringify(time)}, expected an ISO 8601 time such as 2026-11-29T02:00:00Z`,
      },
    ]);
  }
  return { name, at };
}

function firstWindow(
  flag: string,
  group: { name: string; schedule: { cron: string; timezone: string } },
  now: number,
): Date {
  for (const days of SEARCH_DAYS) {
    const [next] = nextWindows(group, new Date(now), days);
    if (next) return new Date(next.utc);
  }
  throw new ValidationError([
    {
      field: flag,
      message: `${group.name}'s cron ${JSON.stringify(group.schedule.cron)} opens no window within ${SEARCH_DAYS.at(-1)} days of ${new Date(now).toISOString()}; expected a time (NAME@ISO-time)`,
    },
  ]);
}

/**
 * A patch group's window, `GROUP` (its next window after `now`, as Scheduler would open it) or
 * `GROUP@ISO-time` (that scheduled time), as `runSandbox` takes it.
 *
 * @example scheduleInvocation(config, 'weekly', Date.parse('2026-11-23T02:00:00Z')).payload.scheduledTime
 *   // → '2026-11-29T02:00:00.000Z'
 */
export function scheduleInvocation(config: CaretakerConfig, spec: string, now: number): ScheduledInvocation {
  const { name, at } = parseSpec('--schedule', spec);
  const group = config.patchGroups.find((g) => g.name === name);
  if (!group) {
    throw new ValidationError([
      {
        field: '--schedule',
        message: `got group ${JSON.stringify(name)}, expected one of ${config.patchGroups.map((g) => g.name).join(', ')}`,
      },
    ]);
  }
  const scheduledTime = at ?? firstWindow('--schedule', group, now);
  return {
    at: scheduledTime.getTime(),
    functionKey: 'triggersOpenWindow',
    payload: withScheduledTime(scheduleTargetInput(group, config.mode), scheduledTime),
    label: { source: SCHEDULER_SOURCE, detailType: WINDOW_LABEL },
  };
}

/**
 * The daily audit at `time` (ISO 8601), or at its next scheduled run after `now` when `time` is empty.
 *
 * @example auditInvocation(config, undefined, Date.parse('2026-11-23T02:00:00Z')).at // → Date.parse('2026-11-23T06:00:00Z')
 */
export function auditInvocation(
  config: CaretakerConfig,
  time: string | undefined,
  now: number,
): ScheduledInvocation {
  const scheduledTime =
    time === undefined
      ? firstWindow('--audit', { name: 'audit', schedule: AUDIT_SCHEDULE }, now)
      : (parseSpec('--audit', `audit@${time}`).at as Date);
  return {
    at: scheduledTime.getTime(),
    functionKey: 'triggersAudit',
    payload: withScheduledTime(auditTargetInput(config), scheduledTime),
    label: { source: SCHEDULER_SOURCE, detailType: AUDIT_LABEL },
  };
}
