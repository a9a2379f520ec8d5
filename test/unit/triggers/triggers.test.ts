import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFindingEvent } from '#lib/triggers/findings';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { parsePatchRequest } from '#lib/notebook/request';
import { auditRequest, auditTargetInput, overdueEvents } from '#lib/triggers/audit';
import { nothingToDo, notRemediableEvents } from '#lib/triggers/from-findings';
import { scheduleTargetInput, SCHEDULED_TIME } from '#lib/triggers/windows';
import {
  capacitySize,
  endpointFlagOf,
  endpointUpdateDetail,
  patchFlagOf,
  patchRequestDetail,
  requestEvent,
} from '../../../bin/commands/request-detail.ts';
import { normalizeTriggerArgv } from '../../../bin/commands/sandbox-triggers.ts';
import { formatPreview, previewSchedules } from '../../../bin/commands/schedule-preview.ts';
import { auditInvocation, scheduleInvocation } from '../../../sandbox/schedules.ts';
import { caught } from '../../support/errors.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(import.meta.dirname, '../../..');
const sample = (file: string): Json =>
  JSON.parse(readFileSync(join(ROOT, 'events/samples', file), 'utf8')) as Json;
const projectConfig = () => parseConfig(readFileSync(join(ROOT, 'caretaker.yml'), 'utf8'), 'caretaker.yml');
const FLEET_START = Date.parse('2026-11-23T02:00:00Z');

describe('schedule target inputs', () => {
  it("carries the group's targets, settings and policy with Scheduler's time placeholder", () => {
    // Prepare
    const [, research] = projectConfig().patchGroups;

    // Act
    const input = scheduleTargetInput(research!, 'act');

    // Assess
    expect(input).toEqual({
      group: 'monthly-research',
      scheduledTime: SCHEDULED_TIME,
      schedule: { cron: '0 2 1 * *', timezone: 'America/New_York' },
      targets: { tags: { 'patch-group': 'monthly-research' } },
      settings: { rootAccess: 'Disabled', minimumInstanceMetadataServiceVersion: '2' },
      policy: { maxConcurrency: 10, maxErrors: '10%', exemptTag: 'caretaker:exempt', includeStopped: true },
    });
  });

  it("gives the audit every group's targets, limit and whether it starts a patch", () => {
    // Act
    const input = auditTargetInput(projectConfig());

    // Assess
    expect(input.scheduledTime).toBe(SCHEDULED_TIME);
    expect(input.groups.map((g) => [g.name, g.maxDaysWithoutRestart, g.auditStartsPatch])).toEqual([
      ['weekly', 14, true],
      ['monthly-research', 35, false],
    ]);
  });
});

describe('scheduleInvocation', () => {
  it("fires a group's next window after the fleet's start, with the scheduled time filled in", () => {
    // Act
    const invocation = scheduleInvocation(projectConfig(), 'weekly', FLEET_START);

    // Assess
    expect(invocation).toMatchObject({
      at: Date.parse('2026-11-29T02:00:00Z'),
      functionKey: 'triggersOpenWindow',
      payload: { group: 'weekly', scheduledTime: '2026-11-29T02:00:00.000Z' },
      label: { source: 'aws.scheduler', detailType: 'Scheduled Patch Window' },
    });
  });

  it('fires a window at the time given after "@"', () => {
    // Act
    const invocation = scheduleInvocation(
      projectConfig(),
      'monthly-research@2026-12-01T07:00:00Z',
      FLEET_START,
    );

    // Assess
    expect(invocation.at).toBe(Date.parse('2026-12-01T07:00:00Z'));
    expect(invocation.payload).toMatchObject({ scheduledTime: '2026-12-01T07:00:00.000Z' });
  });

  it('names --schedule and the known groups for an unknown group', () => {
    // Act
    const error = caught(() => scheduleInvocation(projectConfig(), 'nightly', FLEET_START));

    // Assess
    expect(error.issues).toEqual([
      { field: '--schedule', message: 'got group "nightly", expected one of weekly, monthly-research' },
    ]);
  });

  it('names --schedule and the expected form for a time that is not ISO 8601', () => {
    // Act
    const error = caught(() => scheduleInvocation(projectConfig(), 'weekly@sunday', FLEET_START));

    // Assess
    expect(error.issues[0]).toMatchObject({
      field: '--schedule',
      message: expect.stringMatching(/"sunday".*ISO 8601/),
    });
  });

  it("runs the audit at its next 06:00 UTC after the fleet's start unless told when", () => {
    // Act
    const next = auditInvocation(projectConfig(), undefined, FLEET_START);
    const given = auditInvocation(projectConfig(), '2026-12-24T06:00:00Z', FLEET_START);

    // Assess
    expect(next).toMatchObject({
      at: Date.parse('2026-11-23T06:00:00Z'),
      functionKey: 'triggersAudit',
      payload: { scheduledTime: '2026-11-23T06:00:00.000Z' },
    });
    expect(given.at).toBe(Date.parse('2026-12-24T06:00:00Z'));
  });
});

describe('finding plans as trigger results', () => {
  it('announces a SageMaker.1 finding as not remediable and does not call the event ignored', () => {
    // Prepare
    const plan = parseFindingEvent(sample('securityhub-sagemaker1-direct-internet.json'));

    // Act
    const events = notRemediableEvents(plan, 'securityhub');

    // Assess
    expect(events).toEqual([
      {
        detailType: 'Finding Not Remediable',
        detail: expect.objectContaining({ origin: 'securityhub', control: 'SageMaker.1', notebook: 'nb-1' }),
      },
    ]);
    expect(nothingToDo(plan)).toBeUndefined();
  });

  it('says why an event with only a passed finding leads to nothing', () => {
    // Prepare
    const plan = parseFindingEvent(sample('securityhub-sagemaker3-passed.json'));

    // Act
    const reason = nothingToDo(plan);

    // Assess
    expect(reason).toMatch(/compliance status is "PASSED", expected "FAILED"/);
  });
});

describe('audit helpers', () => {
  it("names the audit's patch request after the group and the scheduled time, with the group's settings", () => {
    // Prepare
    const [weekly] = auditTargetInput(projectConfig()).groups;

    // Act
    const request = auditRequest(weekly!, ['nb-1'], new Date('2026-12-01T06:00:00Z'));

    // Assess
    expect(request).toMatchObject({
      requestId: 'audit-weekly-20261201T0600Z',
      reason: 'audit',
      targets: { names: ['nb-1'] },
      policy: { maxConcurrency: 5, maxErrors: 2 },
    });
    expect(() => parsePatchRequest(request)).not.toThrow();
  });

  it('reports each overdue notebook with its group and the request started for it', () => {
    // Act
    const events = overdueEvents(
      [
        {
          name: 'nb-1',
          group: 'weekly',
          maxDaysWithoutRestart: 14,
          lastStartedAt: '2026-11-01T00:00:00.000Z',
          daysSinceStart: 30,
        },
      ],
      new Date('2026-12-01T06:00:00Z'),
      (group) => (group === 'weekly' ? 'audit-weekly-20261201T0600Z' : undefined),
    );

    // Assess
    expect(events).toEqual([
      {
        detailType: 'Notebook Patch Overdue',
        detail: {
          notebook: 'nb-1',
          patchGroup: 'weekly',
          lastStartedAt: '2026-11-01T00:00:00.000Z',
          daysSinceStart: 30,
          maxDaysWithoutRestart: 14,
          auditedAt: '2026-12-01T06:00:00.000Z',
          patchRequestId: 'audit-weekly-20261201T0600Z',
        },
      },
    ]);
  });
});

describe('caretaker request patch', () => {
  it('builds the documented detail from names, settings and policy flags', () => {
    // Act
    const detail = patchRequestDetail({
      names: 'nb-1, nb-2',
      settings: ['lifecycleConfigName=lc-v2', 'volumeSizeInGB=20'],
      reason: 'CVE-2026-1234',
      requestedBy: 'alice',
      maxConcurrency: '3',
      maxErrors: '10%',
      dryRun: true,
    });

    // Assess
    expect(detail).toEqual({
      requestedBy: 'alice',
      reason: 'CVE-2026-1234',
      targets: { names: ['nb-1', 'nb-2'] },
      settings: { lifecycleConfigName: 'lc-v2', volumeSizeInGB: 20 },
      policy: { maxConcurrency: 3, maxErrors: '10%', dryRun: true },
    });
  });

  it('targets notebooks by several tags', () => {
    // Act
    const detail = patchRequestDetail({
      tags: ['patch-group=weekly', 'team=ml'],
      reason: 'r',
      requestedBy: 'bob',
    });

    // Assess
    expect(detail.targets).toEqual({ tags: { 'patch-group': 'weekly', team: 'ml' } });
  });

  it('names the flag of every bad value', () => {
    // Act
    const error = caught(() =>
      patchRequestDetail({
        names: 'nb-1',
        settings: ['rootAccess=Off'],
        reason: 'r',
        requestedBy: 'alice',
        maxErrors: 'many',
      }),
    );

    // Assess
    expect(error.issues.map((i) => patchFlagOf(i.field))).toEqual(['--settings rootAccess', '--max-errors']);
    expect(error.issues[0]?.message).toMatch(/expected Enabled or Disabled/);
  });

  it('refuses both --names and --tags, and a request without a reason', () => {
    // Act
    const error = caught(() => patchRequestDetail({ names: 'nb-1', tags: ['a=b'], requestedBy: 'alice' }));

    // Assess
    expect(error.issues.map((i) => patchFlagOf(i.field))).toEqual(['--names or --tags', '--reason']);
  });

  it('puts the request on the caretaker.requests source, with a fresh id and no time unless given', () => {
    // Act
    const event = requestEvent('Notebook Patch Requested', { reason: 'r' });

    // Assess
    expect(event).toMatchObject({ source: 'caretaker.requests', 'detail-type': 'Notebook Patch Requested' });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event).not.toHaveProperty('time');
  });
});

describe('caretaker request endpoint-update', () => {
  it('builds a canary deployment sized by share of capacity', () => {
    // Act
    const detail = endpointUpdateDetail({
      endpoint: 'ep-1',
      config: 'cfg-v2',
      strategy: 'canary',
      canarySize: '25%',
      waitInterval: '300',
      alarms: 'caretaker-ep-1-5xx',
      bakeSeconds: '600',
    });

    // Assess
    expect(detail).toEqual({
      endpointName: 'ep-1',
      targetEndpointConfigName: 'cfg-v2',
      deployment: {
        strategy: 'canary',
        canarySize: { type: 'CAPACITY_PERCENT', value: 25 },
        waitIntervalSeconds: 300,
      },
      alarms: ['caretaker-ep-1-5xx'],
      bakeSeconds: 600,
    });
  });

  it('names every flag that is missing or does not fit the strategy', () => {
    // Act
    const error = caught(() =>
      endpointUpdateDetail({ endpoint: 'ep-1', strategy: 'linear', canarySize: '2' }),
    );

    // Assess
    expect(error.issues.map((i) => endpointFlagOf(i.field))).toEqual([
      '--canary-size',
      '--linear-step-size',
      '--config',
      '--alarms',
    ]);
  });

  it("reads a plain number as an instance count and leaves the API's ranges to the request schema", () => {
    // Act
    const error = caught(() =>
      endpointUpdateDetail({
        endpoint: 'ep-1',
        config: 'cfg-v2',
        strategy: 'canary',
        canarySize: '60%',
        alarms: 'a',
      }),
    );

    // Assess
    expect(capacitySize('--max-batch-size', '2')).toEqual({ type: 'INSTANCE_COUNT', value: 2 });
    expect(error.issues.map((i) => [endpointFlagOf(i.field), i.message])).toEqual([
      ['--canary-size', expect.stringMatching(/from 1% to 50% of capacity/)],
    ]);
  });
});

describe('CLI helpers', () => {
  it('reads --audit@TIME as --audit=TIME and leaves other arguments alone', () => {
    // Act
    const argv = normalizeTriggerArgv([
      'node',
      'caretaker',
      '--audit@2026-12-01T06:00:00Z',
      '--schedule',
      'weekly@x',
    ]);

    // Assess
    expect(argv).toEqual(['node', 'caretaker', '--audit=2026-12-01T06:00:00Z', '--schedule', 'weekly@x']);
  });

  it('previews windows in local and UTC time across the end of daylight saving time', () => {
    // Act
    const [, research] = previewSchedules(projectConfig(), new Date('2026-10-15T00:00:00Z'), 40);

    // Assess
    expect(research?.windows).toEqual([
      {
        local: '2026-11-01 02:00 EST',
        utc: '2026-11-01T07:00:00.000Z',
        executionName: 'monthly-research-20261101T0700Z',
      },
    ]);
    expect(formatPreview([research!], new Date('2026-10-15T00:00:00Z'), 40)).toContain(
      '2026-11-01 02:00 EST  2026-11-01T07:00:00.000Z  monthly-research-20261101T0700Z',
    );
  });
});
