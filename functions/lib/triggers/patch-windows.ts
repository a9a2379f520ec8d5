/**
 * What a patch window is without evaluating its cron (`schedule.ts` does that, with croner): its execution
 * name, the request it starts, and which notebooks the daily audit finds overdue. The functions that open
 * windows and run the audit import only this.
 */
import { ValidationError } from '../errors.ts';
import type { NotebookPatchRequest } from './findings.ts';

export interface ScheduledGroup {
  name: string;
  schedule: { cron: string; timezone: string };
}

export const DAY_MS = 86_400_000;

export const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The execution name of a window: `<group>-<yyyymmddThhmmZ>` of the scheduled time, so a repeated
 * delivery of the same schedule invocation starts nothing new.
 *
 * @example windowExecutionName('weekly', new Date('2026-11-29T02:00:00Z')) // → 'weekly-20261129T0200Z'
 */
export function windowExecutionName(group: string, scheduledTime: Date): string {
  const t = scheduledTime;
  return `${group}-${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}Z`;
}

export interface WindowGroup extends ScheduledGroup {
  targets: NotebookPatchRequest['targets'];
  policy: NotebookPatchRequest['policy'];
  settings: NotebookPatchRequest['settings'];
}

/**
 * The patch request a schedule invocation starts for its group at `scheduledTime`.
 *
 * @example windowRequest(group, new Date('2026-11-29T02:00:00Z')).requestId // → 'weekly-20261129T0200Z'
 */
export function windowRequest(group: WindowGroup, scheduledTime: Date): NotebookPatchRequest {
  const requestId = windowExecutionName(group.name, scheduledTime);
  return {
    requestId,
    reason: 'schedule',
    source: {
      kind: 'schedule',
      id: requestId,
      patchGroup: group.name,
      scheduledTime: scheduledTime.toISOString(),
    },
    targets: group.targets,
    settings: { ...group.settings },
    policy: { ...group.policy },
  };
}

export interface AuditedNotebook {
  name: string;
  status: string;
  /** When the notebook last entered `InService`; unknown → treated as overdue (it cannot be proven patched). */
  lastStartedAt?: Date | string | undefined;
}

export interface OverdueNotebook {
  name: string;
  lastStartedAt: string | null;
  daysSinceStart: number | null;
}

/**
 * The notebooks `InService` for longer than `maxDays` since their last start, most overdue first.
 * Stopped notebooks pick updates up at their next start, so only running ones can be overdue.
 *
 * @example overdueNotebooks([{ name: 'nb-1', status: 'InService', lastStartedAt: '2026-10-01T00:00:00Z' }], 30, new Date('2026-11-23T00:00:00Z'))
 *   // → [{ name: 'nb-1', lastStartedAt: '2026-10-01T00:00:00.000Z', daysSinceStart: 53 }]
 */
export function overdueNotebooks(
  notebooks: readonly AuditedNotebook[],
  maxDays: number,
  now: Date,
): OverdueNotebook[] {
  return notebooks
    .filter((notebook) => notebook.status === 'InService')
    .flatMap((notebook): OverdueNotebook[] => {
      if (notebook.lastStartedAt === undefined)
        return [{ name: notebook.name, lastStartedAt: null, daysSinceStart: null }];
      const started = new Date(notebook.lastStartedAt);
      if (Number.isNaN(started.getTime())) {
        throw new ValidationError([
          {
            field: `notebooks[${notebook.name}].lastStartedAt`,
            message: `got ${JSON.stringify(notebook.lastStartedAt)}, expected a date`,
          },
        ]);
      }
      const days = Math.floor((now.getTime() - started.getTime()) / DAY_MS);
      return days > maxDays
        ? [{ name: notebook.name, lastStartedAt: started.toISOString(), daysSinceStart: days }]
        : [];
    })
    .sort(
      (a, b) =>
        (b.daysSinceStart ?? Infinity) - (a.daysSinceStart ?? Infinity) || a.name.localeCompare(b.name),
    );
}
