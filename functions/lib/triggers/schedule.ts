/**
 * Patch-window schedules: the 5-field cron of `caretaker.yml` evaluated in the group's IANA time zone the
 * way EventBridge Scheduler evaluates it, its Scheduler expression and the windows it opens. Only what
 * reads `caretaker.yml` or looks ahead to a window loads croner; the rest is in `patch-windows.ts`.
 */
import { Cron } from 'croner';
import { ValidationError } from '../errors.ts';
import { DAY_MS, pad, windowExecutionName, type ScheduledGroup } from './patch-windows.ts';

// The CLI reads a group's windows and requests here, with the cron that makes them.
export { windowExecutionName, windowRequest, overdueNotebooks } from './patch-windows.ts';

export interface PatchWindow {
  group: string;
  /** Wall-clock time in the group's zone, e.g. `2026-11-29 03:00 CET`. */
  local: string;
  /** The same instant in UTC, ISO 8601. */
  utc: string;
  executionName: string;
}

const MINUTE_MS = 60_000;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** True for a time zone `Intl` knows (IANA names such as `Europe/Berlin`, and `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

function cronError(cron: string, message: string): ValidationError {
  return new ValidationError([{ field: 'cron', message: `got ${JSON.stringify(cron)}, ${message}` }]);
}

function fieldsOf(cron: string): [string, string, string, string, string] {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    throw cronError(cron, 'expected 5 fields: minute hour day-of-month month day-of-week');
  return fields as [string, string, string, string, string];
}

const isWildcard = (field: string) => field === '*' || field === '?';

/** `*`/`n` steps are written `start/n` in AWS cron. */
function awsStep(field: string, start: number): string {
  return field.replace(/^\*\//, `${start}/`);
}

/** Unix day-of-week (0 or 7 = Sunday, names, ranges, steps) → a list of AWS day names. */
function awsDaysOfWeek(field: string, cron: string): string {
  const days = new Set<number>();
  const toDay = (token: string): number => {
    const named = DAY_NAMES.indexOf(token.toUpperCase() as (typeof DAY_NAMES)[number]);
    const day = named >= 0 ? named : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!(day >= 0 && day <= 7))
      throw cronError(cron, `day-of-week ${JSON.stringify(token)} is not 0–7 or SUN–SAT`);
    return day % 7;
  };
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw cronError(cron, `day-of-week step ${JSON.stringify(stepText)} is not a whole number ≥ 1`);
    const [from, to] =
      range === '*' ? [0, 6] : range.includes('-') ? range.split('-').map(toDay) : [toDay(range), undefined];
    const last = to ?? (stepText === undefined ? from : 6);
    // `5-0` (Friday to Sunday) wraps over the week's end, as 5-7 would.
    const span = ((last as number) - (from as number) + 7) % 7;
    for (let offset = 0; offset <= span; offset += step) days.add(((from as number) + offset) % 7);
  }
  return [...days]
    .sort((a, b) => a - b)
    .map((d) => DAY_NAMES[d])
    .join(',');
}

/**
 * A 5-field Unix cron → EventBridge Scheduler's `cron(minutes hours day-of-month month day-of-week year)`.
 * AWS wants `?` in one of the two day fields and counts weekdays 1–7 from Sunday; a Unix cron that
 * restricts both day fields (which means "either") has no AWS equivalent and is refused.
 *
 * @example toSchedulerExpression('0 3 * * 0') // → 'cron(0 3 ? * SUN *)'
 * @example toSchedulerExpression('30 2 1 * *') // → 'cron(30 2 1 * ? *)'
 */
export function toSchedulerExpression(cron: string): string {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fieldsOf(cron);
  if (!isWildcard(dayOfMonth) && !isWildcard(dayOfWeek)) {
    throw cronError(
      cron,
      'expected day-of-month or day-of-week to be "*": EventBridge Scheduler cannot combine both',
    );
  }
  const dom = isWildcard(dayOfMonth) ? (isWildcard(dayOfWeek) ? '*' : '?') : awsStep(dayOfMonth, 1);
  const dow = isWildcard(dayOfWeek) ? '?' : awsDaysOfWeek(dayOfWeek, cron);
  return `cron(${awsStep(minute, 0)} ${awsStep(hour, 0)} ${dom} ${awsStep(month, 1)} ${dow} *)`;
}

/**
 * Checks a cron for a patch group: 5 fields, understood by croner, expressible for Scheduler.
 * Returns the problem, or undefined when the cron is usable.
 */
export function cronProblem(cron: string): string | undefined {
  try {
    fieldsOf(cron);
    new Cron(cron, { paused: true, timezone: 'UTC' });
    toSchedulerExpression(cron);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^cron: /, '') : String(error);
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  zoneName: string;
}

/** A moment on a zone's wall clock, with the zone's short name as people know it (CET, EST, JST…). */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = (locale: string) =>
    new Intl.DateTimeFormat(locale, {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    }).formatToParts(instant);
  const us = parts('en-US');
  const get = (type: string) => Number(us.find((p) => p.type === type)?.value);
  let zoneName = us.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  // en-US names American zones (EST, EDT) and en-GB European ones (CET, CEST, BST); else "GMT+9" stays.
  if (/^GMT[+-]/.test(zoneName)) {
    zoneName = parts('en-GB').find((p) => p.type === 'timeZoneName')?.value ?? zoneName;
  }
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    zoneName,
  };
}

/**
 * The patch windows a group opens from `from` (exclusive) over the next `days` days, as EventBridge
 * Scheduler would open them: a wall-clock time that does not exist on a spring-forward day is skipped,
 * and one that happens twice on a fall-back day runs once.
 *
 * @example nextWindows({ name: 'weekly', schedule: { cron: '0 3 * * 0', timezone: 'Europe/Berlin' } }, new Date('2026-11-23T00:00:00Z'), 7)
 *   // → [{ group: 'weekly', local: '2026-11-29 03:00 CET', utc: '2026-11-29T02:00:00.000Z', executionName: 'weekly-20261129T0200Z' }]
 */
export function nextWindows(group: ScheduledGroup, from: Date, days: number): PatchWindow[] {
  const { cron, timezone } = group.schedule;
  const inZone = new Cron(cron, { paused: true, timezone });
  // The same pattern read on a UTC clock tells whether a wall-clock time is one the cron names.
  const onWallClock = new Cron(cron, { paused: true, timezone: 'UTC' });
  const until = from.getTime() + days * DAY_MS;
  const windows: PatchWindow[] = [];
  const seen = new Set<string>();
  let cursor: Date | null = from;
  while ((cursor = inZone.nextRun(cursor)) !== null && cursor.getTime() <= until) {
    const clock = wallClock(cursor, timezone);
    const wallAsUtc = new Date(Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute));
    const named =
      onWallClock.nextRun(new Date(wallAsUtc.getTime() - MINUTE_MS))?.getTime() === wallAsUtc.getTime();
    const local = `${clock.year}-${pad(clock.month)}-${pad(clock.day)} ${pad(clock.hour)}:${pad(clock.minute)}`;
    if (!named || seen.has(local)) continue;
    seen.add(local);
    windows.push({
      group: group.name,
      local: `${local} ${clock.zoneName}`,
      utc: cursor.toISOString(),
      executionName: windowExecutionName(group.name, cursor),
    });
  }
  return windows;
}
