import type { Command } from 'commander';
import type { Io } from '../io.ts';
import { loadConfig, type CaretakerConfig } from '#lib/triggers/caretaker-config';
import { nextWindows, type PatchWindow } from '#lib/triggers/schedule';
import { asUsage, UsageError, wholeNumber } from './usage.ts';

export interface GroupPreview {
  name: string;
  cron: string;
  timezone: string;
  expression: string;
  flexibleWindowMinutes: number;
  windows: Array<Omit<PatchWindow, 'group'>>;
}

/**
 * The next windows of every patch group from `from` over `days` days, in the group's zone and in UTC.
 *
 * @example previewSchedules(config, new Date('2026-11-23T00:00:00Z'), 7)[0]?.windows[0]?.local // → '2026-11-29 03:00 CET'
 */
export function previewSchedules(config: CaretakerConfig, from: Date, days: number): GroupPreview[] {
  return config.patchGroups.map((group) => ({
    name: group.name,
    cron: group.schedule.cron,
    timezone: group.schedule.timezone,
    expression: group.schedule.expression,
    flexibleWindowMinutes: group.schedule.flexibleWindowMinutes,
    windows: nextWindows(group, from, days).map(({ local, utc, executionName }) => ({
      local,
      utc,
      executionName,
    })),
  }));
}

/** The preview as people read it: one block per group, one line per window. */
export function formatPreview(groups: readonly GroupPreview[], from: Date, days: number): string {
  const lines = [`Patch windows from ${from.toISOString()} for ${days} days`];
  for (const group of groups) {
    lines.push(
      '',
      `${group.name}  cron "${group.cron}" in ${group.timezone} = Scheduler ${group.expression}` +
        (group.flexibleWindowMinutes ? `, flexible window ${group.flexibleWindowMinutes} min` : ''),
    );
    if (group.windows.length === 0) lines.push('  (no window in this period)');
    const width = Math.max(0, ...group.windows.map((w) => w.local.length));
    for (const w of group.windows) lines.push(`  ${w.local.padEnd(width)}  ${w.utc}  ${w.executionName}`);
  }
  return lines.join('\n');
}

function isoTime(flag: string) {
  return (value: string): Date => {
    const at = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
      throw new UsageError(
        `${flag}: got ${JSON.stringify(value)}, expected an ISO 8601 time such as 2026-11-23T00:00:00Z`,
      );
    }
    return at;
  };
}

export function registerSchedule(program: Command, io: Io): void {
  const schedule = program.command('schedule').description('Patch-group schedules from caretaker.yml.');
  schedule
    .command('preview')
    .description('List the next patch windows of every group, in its own time zone and in UTC.')
    .option('--days <n>', 'how many days ahead', wholeNumber('--days', 1, 3660), 60)
    .option('--config <file>', 'the caretaker configuration', 'caretaker.yml')
    .option('--from <ISO-time>', 'list windows after this time instead of now', isoTime('--from'))
    .option('--json', 'print one JSON document')
    .action(async (opts: { days: number; config: string; from?: Date; json?: boolean }) => {
      const config = await asUsage(() => loadConfig(opts.config));
      const from = opts.from ?? new Date();
      const groups = previewSchedules(config, from, opts.days);
      io.out(
        opts.json
          ? `${JSON.stringify({ from: from.toISOString(), days: opts.days, groups }, null, 2)}\n`
          : `${formatPreview(groups, from, opts.days)}\n`,
      );
    });
}
