import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import {
  nextWindows,
  overdueNotebooks,
  toSchedulerExpression,
  windowExecutionName,
  windowRequest,
} from '#lib/triggers/schedule';

const group = (cron: string, timezone: string) => ({ name: 'weekly', schedule: { cron, timezone } });

describe('nextWindows', () => {
  it('shows a Sunday window in local and UTC time with its execution name', () => {
    // Prepare
    const weekly = group('0 3 * * 0', 'Europe/Berlin');

    // Act
    const windows = nextWindows(weekly, new Date('2026-11-23T00:00:00Z'), 7);

    // Assess
    expect(windows).toEqual([
      {
        group: 'weekly',
        local: '2026-11-29 03:00 CET',
        utc: '2026-11-29T02:00:00.000Z',
        executionName: 'weekly-20261129T0200Z',
      },
    ]);
  });

  it('keeps 03:00 Berlin time across the end of summer time, moving the UTC hour', () => {
    // Prepare
    const weekly = group('0 3 * * 0', 'Europe/Berlin');

    // Act
    const windows = nextWindows(weekly, new Date('2026-10-17T00:00:00Z'), 14);

    // Assess
    expect(windows.map((w) => [w.local, w.utc])).toEqual([
      ['2026-10-18 03:00 CEST', '2026-10-18T01:00:00.000Z'],
      ['2026-10-25 03:00 CET', '2026-10-25T02:00:00.000Z'],
    ]);
  });

  it('skips 02:30 Berlin on the spring-forward day, as EventBridge Scheduler does', () => {
    // Prepare
    const nightly = group('30 2 * * *', 'Europe/Berlin');

    // Act
    const windows = nextWindows(nightly, new Date('2026-03-27T12:00:00Z'), 3);

    // Assess
    expect(windows.map((w) => w.local)).toEqual(['2026-03-28 02:30 CET', '2026-03-30 02:30 CEST']);
  });

  it('opens 02:30 Berlin once on the fall-back day, although that time happens twice', () => {
    // Prepare
    const nightly = group('30 2 * * *', 'Europe/Berlin');

    // Act
    const windows = nextWindows(nightly, new Date('2026-10-24T12:00:00Z'), 2);

    // Assess
    expect(windows.map((w) => w.local.slice(0, 16))).toEqual(['2026-10-25 02:30', '2026-10-26 02:30']);
  });

  it('skips 02:30 New York time on the spring-forward day', () => {
    // Prepare
    const nightly = group('30 2 * * *', 'America/New_York');

    // Act
    const windows = nextWindows(nightly, new Date('2026-03-07T12:00:00Z'), 3);

    // Assess
    expect(windows.map((w) => [w.local, w.utc])).toEqual([
      ['2026-03-09 02:30 EDT', '2026-03-09T06:30:00.000Z'],
      ['2026-03-10 02:30 EDT', '2026-03-10T06:30:00.000Z'],
    ]);
  });

  it('opens 01:30 New York time once when the clocks fall back', () => {
    // Prepare
    const nightly = group('30 1 * * *', 'America/New_York');

    // Act
    const windows = nextWindows(nightly, new Date('2026-10-31T12:00:00Z'), 2);

    // Assess
    expect(windows.map((w) => [w.local, w.utc])).toEqual([
      ['2026-11-01 01:30 EDT', '2026-11-01T05:30:00.000Z'],
      ['2026-11-02 01:30 EST', '2026-11-02T06:30:00.000Z'],
    ]);
  });

  it('opens every quarter-hour of the repeated hour once', () => {
    // Prepare
    const quarterly = group('*/15 1 * * *', 'America/New_York');

    // Act
    const windows = nextWindows(quarterly, new Date('2026-11-01T04:00:00Z'), 1);

    // Assess
    expect(windows.map((w) => w.local.slice(11, 16))).toEqual(['01:00', '01:15', '01:30', '01:45']);
  });
});

describe('windowExecutionName', () => {
  it('names a window after its group and scheduled UTC minute', () => {
    // Prepare
    const scheduled = new Date('2026-03-09T06:30:45Z');

    // Act
    const name = windowExecutionName('monthly-research', scheduled);

    // Assess
    expect(name).toBe('monthly-research-20260309T0630Z');
  });
});

describe('windowRequest', () => {
  it('asks to patch the group with its policy and settings under the window execution name', () => {
    // Prepare
    const weekly = {
      ...group('0 3 * * 0', 'Europe/Berlin'),
      targets: { tags: { 'patch-group': 'weekly' } },
      policy: { maxConcurrency: 5, maxErrors: 2 },
      settings: { rootAccess: 'Disabled' as const },
    };

    // Act
    const request = windowRequest(weekly, new Date('2026-11-29T02:00:00Z'));

    // Assess
    expect(request).toEqual({
      requestId: 'weekly-20261129T0200Z',
      reason: 'schedule',
      source: {
        kind: 'schedule',
        id: 'weekly-20261129T0200Z',
        patchGroup: 'weekly',
        scheduledTime: '2026-11-29T02:00:00.000Z',
      },
      targets: { tags: { 'patch-group': 'weekly' } },
      settings: { rootAccess: 'Disabled' },
      policy: { maxConcurrency: 5, maxErrors: 2 },
    });
  });
});

describe('toSchedulerExpression', () => {
  it.each([
    ['0 3 * * 0', 'cron(0 3 ? * SUN *)'],
    ['0 3 * * 7', 'cron(0 3 ? * SUN *)'],
    ['30 2 1 * *', 'cron(30 2 1 * ? *)'],
    ['0 22 * * 1-5', 'cron(0 22 ? * MON,TUE,WED,THU,FRI *)'],
    ['0 4 * * fri-sun', 'cron(0 4 ? * SUN,FRI,SAT *)'],
    ['0 4 * * 5-0', 'cron(0 4 ? * SUN,FRI,SAT *)'],
    ['0 4 * * */2', 'cron(0 4 ? * SUN,TUE,THU,SAT *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['0 6 */2 1,7 *', 'cron(0 6 1/2 1,7 ? *)'],
  ])('turns %s into %s', (cron, expression) => {
    // Prepare
    const input = cron;

    // Act
    const result = toSchedulerExpression(input);

    // Assess
    expect(result).toBe(expression);
  });

  it('refuses a cron that restricts both day fields, which Scheduler cannot express', () => {
    // Prepare
    const cron = '0 3 1 * 0';

    // Act
    const convert = () => toSchedulerExpression(cron);

    // Assess
    expect(convert).toThrow(ValidationError);
    expect(convert).toThrow(/expected day-of-month or day-of-week to be "\*"/);
  });

  it('refuses a day of week that does not exist', () => {
    // Prepare
    const cron = '0 3 * * 8';

    // Act
    const convert = () => toSchedulerExpression(cron);

    // Assess
    expect(convert).toThrow(/day-of-week "8" is not 0–7 or SUN–SAT/);
  });
});

describe('overdueNotebooks', () => {
  it('lists running notebooks started longer ago than allowed, most overdue first', () => {
    // Prepare
    const now = new Date('2026-11-23T00:00:00Z');
    const notebooks = [
      { name: 'fresh', status: 'InService', lastStartedAt: '2026-11-20T00:00:00Z' },
      { name: 'old', status: 'InService', lastStartedAt: '2026-10-01T00:00:00Z' },
      { name: 'older', status: 'InService', lastStartedAt: new Date('2026-09-01T00:00:00Z') },
      { name: 'stopped', status: 'Stopped', lastStartedAt: '2026-01-01T00:00:00Z' },
      { name: 'edge', status: 'InService', lastStartedAt: '2026-10-24T00:00:00Z' },
    ];

    // Act
    const overdue = overdueNotebooks(notebooks, 30, now);

    // Assess
    expect(overdue).toEqual([
      { name: 'older', lastStartedAt: '2026-09-01T00:00:00.000Z', daysSinceStart: 83 },
      { name: 'old', lastStartedAt: '2026-10-01T00:00:00.000Z', daysSinceStart: 53 },
    ]);
  });

  it('counts a running notebook whose last start is unknown as overdue, before the others', () => {
    // Prepare
    const notebooks = [
      { name: 'old', status: 'InService', lastStartedAt: '2026-10-01T00:00:00Z' },
      { name: 'unknown', status: 'InService' },
    ];

    // Act
    const overdue = overdueNotebooks(notebooks, 30, new Date('2026-11-23T00:00:00Z'));

    // Assess
    expect(overdue.map((n) => [n.name, n.daysSinceStart])).toEqual([
      ['unknown', null],
      ['old', 53],
    ]);
  });

  it('names a last start that is not a date', () => {
    // Prepare
    const notebooks = [{ name: 'nb-1', status: 'InService', lastStartedAt: 'last tuesday' }];

    // Act
    const audit = () => overdueNotebooks(notebooks, 30, new Date('2026-11-23T00:00:00Z'));

    // Assess
    expect(audit).toThrow(/notebooks\[nb-1\]\.lastStartedAt: got "last tuesday", expected a date/);
  });
});
