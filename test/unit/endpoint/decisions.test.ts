import { describe, expect, it } from 'vitest';
import type { AlarmView } from '#lib/aws/cloudwatch';
import {
  alarmCause,
  bakeVerdict,
  breachesDuring,
  capacityRefusals,
  classifyDeployment,
  configsToPrune,
  preflightRefusals,
  rollbackReason,
  updateTookEffect,
  type BakeInput,
  type PreflightFacts,
} from '#lib/endpoint/decisions';
import { parseEndpointUpdateInput } from '#lib/endpoint/request';

const endpoint = (status: string, endpointConfigName: string, failureReason?: string) => ({
  name: 'ep-1',
  status,
  endpointConfigName,
  ...(failureReason ? { failureReason } : {}),
});

describe('classifying a deployment', () => {
  it('calls it succeeded only when the endpoint is InService on the target', () => {
    expect(classifyDeployment(endpoint('InService', 'cfg-v2'), 'cfg-v2', 'cfg-v1').verdict).toBe('succeeded');
  });

  it("recognises SageMaker's silent rollback by the configuration name, not the status", () => {
    // Act
    const result = classifyDeployment(endpoint('InService', 'cfg-v1'), 'cfg-v2', 'cfg-v1');

    // Assess
    expect(result).toEqual({ verdict: 'auto-rolled-back', reason: expect.stringMatching(/back to cfg-v1/) });
  });

  it.each(['Updating', 'RollingBack', 'SystemUpdating', 'Creating'])(
    'keeps waiting while the endpoint is %s',
    (s) => {
      expect(classifyDeployment(endpoint(s, 'cfg-v1'), 'cfg-v2', 'cfg-v1').verdict).toBe('in-progress');
    },
  );

  it.each(['Failed', 'UpdateRollbackFailed', 'OutOfService'])(
    'reports %s as failed, with the FailureReason',
    (s) => {
      // Act
      const result = classifyDeployment(endpoint(s, 'cfg-v2', 'capacity error'), 'cfg-v2', 'cfg-v1');

      // Assess
      expect(result).toEqual({ verdict: 'failed', reason: `ep-1 ended ${s} on cfg-v2: capacity error` });
    },
  );

  it('reports a third configuration as failed: someone else changed the endpoint', () => {
    expect(classifyDeployment(endpoint('InService', 'cfg-x'), 'cfg-v2', 'cfg-v1')).toMatchObject({
      verdict: 'failed',
      reason: expect.stringMatching(/cfg-x.*someone else/),
    });
  });
});

const alarm = (name: string, state: string, extra: Partial<AlarmView> = {}): AlarmView => ({
  name,
  state,
  ...extra,
});

describe('a rollback reason', () => {
  it('says which alarm, in what words, and the values it saw', () => {
    // Prepare
    const view = alarm('caretaker-ep-1-5xx', 'ALARM', {
      stateReason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).',
      stateReasonData: JSON.stringify({ recentDatapoints: [12, 7.5], threshold: 5 }),
      stateUpdatedAt: '2026-11-23T02:20:00.000Z',
    });

    // Act
    const cause = alarmCause(view);

    // Assess
    expect(cause).toEqual({
      name: 'caretaker-ep-1-5xx',
      state: 'ALARM',
      stateReason: view.stateReason,
      values: [12, 7.5],
      threshold: 5,
      at: '2026-11-23T02:20:00.000Z',
    });
    expect(rollbackReason(cause)).toBe(
      `alarm caretaker-ep-1-5xx is ALARM: ${view.stateReason} (values 12, 7.5; threshold 5)`,
    );
  });

  it('does without numbers when StateReasonData is missing or not JSON', () => {
    expect(rollbackReason(alarmCause(alarm('a', 'ALARM', { stateReasonData: '{oops' })))).toBe(
      'alarm a is ALARM',
    );
  });
});

const T0 = Date.parse('2026-11-23T02:00:00Z');
const bake = (input: Partial<BakeInput>): BakeInput => ({
  watched: ['a', 'b'],
  alarms: [alarm('a', 'OK'), alarm('b', 'OK')],
  hadData: [],
  treatMissingDataAs: 'inconclusive',
  now: T0,
  bakeUntil: T0 + 600_000,
  bakeSeconds: 600,
  extended: false,
  ...input,
});
const quiet = [alarm('a', 'INSUFFICIENT_DATA'), alarm('b', 'OK')];

describe('the bake verdict', () => {
  it('looks again in 30 s while every alarm is OK, and never past the end of the bake', () => {
    expect(bakeVerdict(bake({}))).toEqual({ verdict: 'continue', wait: 30, hadData: ['a', 'b'] });
    expect(bakeVerdict(bake({ now: T0 + 590_000 }))).toMatchObject({ verdict: 'continue', wait: 10 });
  });

  it('passes when the bake ends with every alarm OK', () => {
    expect(bakeVerdict(bake({ now: T0 + 600_000 }))).toEqual({
      verdict: 'passed',
      reason: 'no alarm fired during the 600 s bake',
    });
  });

  it('rolls back at once when a watched alarm is in ALARM, naming it', () => {
    // Act
    const verdict = bakeVerdict(
      bake({ alarms: [alarm('a', 'OK'), alarm('b', 'ALARM', { stateReason: 'high' })] }),
    );

    // Assess
    expect(verdict).toEqual({
      verdict: 'rollback',
      cause: { name: 'b', state: 'ALARM', stateReason: 'high' },
      reason: 'alarm b is ALARM: high',
    });
  });

  it('cites the breach as its ALARM event carried it, even when the alarm is OK again', () => {
    // Prepare
    const recorded = {
      name: 'a',
      state: 'ALARM',
      stateReason: 'Threshold Crossed',
      values: [12],
      threshold: 5,
      at: '2026-11-23T02:03:00.000Z',
    };

    // Act
    const verdict = bakeVerdict(bake({ recorded }));

    // Assess
    expect(verdict).toEqual({
      verdict: 'rollback',
      cause: recorded,
      reason:
        'alarm a is ALARM: Threshold Crossed (values 12; threshold 5) at 2026-11-23T02:03:00.000Z (its state change event; it is OK now)',
    });
  });

  it('ignores a recorded alarm the request does not watch', () => {
    expect(bakeVerdict(bake({ recorded: { name: 'other', state: 'ALARM', at: 'x' } })).verdict).toBe(
      'continue',
    );
  });

  it('treats missing data as breaching when asked: rollback', () => {
    // Act
    const verdict = bakeVerdict(bake({ alarms: quiet, treatMissingDataAs: 'breaching' }));

    // Assess
    expect(verdict).toMatchObject({
      verdict: 'rollback',
      reason: expect.stringMatching(/a is INSUFFICIENT_DATA.*breaching/),
    });
  });

  it('passes under notBreaching and names the alarm that never had data', () => {
    // Act
    const verdict = bakeVerdict(
      bake({ alarms: quiet, treatMissingDataAs: 'notBreaching', now: T0 + 600_000 }),
    );

    // Assess
    expect(verdict).toEqual({
      verdict: 'passed',
      noData: ['a'],
      reason: expect.stringMatching(/no alarm fired.*a never had data \(treated as not breaching/),
    });
  });

  it('extends a bake in which an alarm never had data once, then ends unverified, never passed', () => {
    // Act
    const first = bakeVerdict(bake({ alarms: quiet, now: T0 + 600_000 }));
    const second = bakeVerdict(
      bake({ alarms: quiet, now: T0 + 1_200_000, bakeUntil: T0 + 1_200_000, extended: true }),
    );

    // Assess
    expect(first).toEqual({
      verdict: 'extend',
      until: T0 + 1_200_000,
      wait: 30,
      hadData: ['b'],
      reason: expect.stringMatching(/a had no data/),
    });
    expect(second).toEqual({
      verdict: 'unverified',
      noData: ['a'],
      reason: expect.stringMatching(/a never had data.*live but not proven/),
    });
  });

  it('counts an alarm that had data at an earlier look as proven, though it has none at the end', () => {
    expect(bakeVerdict(bake({ alarms: quiet, hadData: ['a'], now: T0 + 600_000 }))).toMatchObject({
      verdict: 'passed',
    });
  });

  it('counts an alarm deleted during the bake as having no data', () => {
    expect(bakeVerdict(bake({ alarms: [alarm('a', 'OK')], now: T0 + 600_000 }))).toMatchObject({
      verdict: 'extend',
      reason: expect.stringMatching(/b had no data/),
    });
  });
});

const request = (deployment: Record<string, unknown> = { strategy: 'all-at-once' }) =>
  parseEndpointUpdateInput({
    requestId: 'request-1',
    endpointName: 'ep-1',
    targetEndpointConfigName: 'cfg-v2',
    deployment,
    alarms: ['caretaker-5xx'],
  });
const config = (
  name: string,
  variants = [{ name: 'AllTraffic', instanceType: 'ml.m5.large', instanceCount: 4 }],
) => ({
  name,
  arn: `arn:${name}`,
  variants,
});
const facts = (f: Partial<PreflightFacts> = {}): PreflightFacts => ({
  request: request(),
  endpoint: { name: 'ep-1', arn: 'arn:ep-1', status: 'InService', endpointConfigName: 'cfg-v1' },
  currentConfig: config('cfg-v1'),
  targetConfig: config('cfg-v2'),
  alarms: [alarm('caretaker-5xx', 'OK')],
  now: T0,
  ...f,
});

describe('preflight', () => {
  it('lets a request through when everything is in order', () => {
    expect(preflightRefusals(facts())).toEqual([]);
  });

  it('lets a request through while the alarm has no data yet', () => {
    expect(preflightRefusals(facts({ alarms: [alarm('caretaker-5xx', 'INSUFFICIENT_DATA')] }))).toEqual([]);
  });

  it('refuses while another deployment is in flight, naming where it goes', () => {
    // Act
    const refusals = preflightRefusals(
      facts({
        endpoint: {
          name: 'ep-1',
          arn: 'arn:ep-1',
          status: 'Updating',
          endpointConfigName: 'cfg-v1',
          pendingEndpointConfigName: 'cfg-v3',
        },
      }),
    );

    // Assess
    expect(refusals).toEqual([
      expect.stringMatching(/ep-1 is Updating to cfg-v3: a deployment is in flight/),
    ]);
  });

  it('refuses while another request holds the endpoint for its bake, but not when the hold is stale', () => {
    // Prepare
    const hold = {
      requestId: 'request-0',
      since: new Date(T0 - 60_000).toISOString(),
      until: T0 + 3_600_000,
    };

    // Act
    const held = preflightRefusals(facts({ hold }));
    const stale = preflightRefusals(facts({ hold, now: T0 + 3_600_000 }));

    // Assess
    expect(held).toEqual([expect.stringMatching(/request request-0 has held endpoint ep-1/)]);
    expect(stale).toEqual([]);
  });

  it('lets a request take a kept hold (its execution concluded) once the endpoint settled, not before', () => {
    // Prepare
    const hold = { requestId: 'request-0', until: T0 + 3_600_000, kept: true };
    const moving = {
      name: 'ep-1',
      arn: 'arn:ep-1',
      status: 'Updating',
      endpointConfigName: 'cfg-v1',
      pendingEndpointConfigName: 'cfg-v2',
    };

    // Act
    const settled = preflightRefusals(facts({ hold }));
    const stillMoving = preflightRefusals(facts({ hold, endpoint: moving }));

    // Assess
    expect(settled).toEqual([]);
    expect(stillMoving).toEqual([
      expect.stringMatching(/ep-1 is Updating to cfg-v2: a deployment is in flight/),
      expect.stringMatching(/request request-0 has held endpoint ep-1/),
    ]);
  });

  it('refuses a target with other variant names', () => {
    // Act
    const refusals = preflightRefusals(
      facts({
        targetConfig: config('cfg-v2', [{ name: 'Blue', instanceType: 'ml.m5.large', instanceCount: 4 }]),
      }),
    );

    // Assess
    expect(refusals).toEqual([expect.stringMatching(/\[Blue\].*\[AllTraffic\].*keep the variant names/)]);
  });

  it('refuses missing alarms and an alarm already in ALARM, with its reason', () => {
    // Act
    const missing = preflightRefusals(facts({ alarms: [] }));
    const firing = preflightRefusals(
      facts({ alarms: [alarm('caretaker-5xx', 'ALARM', { stateReason: 'high 5XX' })] }),
    );

    // Assess
    expect(missing).toEqual(['alarm(s) caretaker-5xx do not exist']);
    expect(firing).toEqual([
      expect.stringMatching(/caretaker-5xx is ALARM: high 5XX already, before the deployment/),
    ]);
  });

  it('refuses a missing endpoint, a missing target and a target already live', () => {
    expect(preflightRefusals(facts({ endpoint: undefined }))).toEqual(['endpoint ep-1 does not exist']);
    expect(preflightRefusals(facts({ targetConfig: undefined }))).toEqual([
      'endpoint configuration cfg-v2 does not exist',
    ]);
    expect(
      preflightRefusals(
        facts({
          endpoint: { name: 'ep-1', arn: 'a', status: 'InService', endpointConfigName: 'cfg-v2' },
          currentConfig: config('cfg-v2'),
        }),
      ),
    ).toEqual(['endpoint ep-1 already runs cfg-v2: nothing to deploy']);
  });

  it.each([
    [
      { strategy: 'canary', canarySize: { type: 'INSTANCE_COUNT', value: 3 } },
      /canarySize is 3 instance\(s\), 75% .* at most 50%/,
    ],
    [
      { strategy: 'linear', linearStepSize: { type: 'INSTANCE_COUNT', value: 3 } },
      /linearStepSize .* 10% to 50%/,
    ],
    [
      { strategy: 'rolling', maximumBatchSize: { type: 'INSTANCE_COUNT', value: 4 } },
      /maximumBatchSize .*100%/,
    ],
  ])('refuses an instance count the variant cannot give: %j', (deployment, message) => {
    expect(preflightRefusals(facts({ request: request(deployment) }))).toEqual([
      expect.stringMatching(message),
    ]);
  });

  it('refuses a failed endpoint with its FailureReason', () => {
    expect(
      preflightRefusals(
        facts({
          endpoint: {
            name: 'ep-1',
            arn: 'a',
            status: 'Failed',
            endpointConfigName: 'cfg-v1',
            failureReason: 'boom',
          },
        }),
      ),
    ).toEqual(['endpoint ep-1 is Failed, expected InService (boom)']);
  });
});

describe('pruning configurations', () => {
  const history = ['cfg-v5', 'cfg-v4', 'cfg-v3', 'cfg-v2', 'cfg-v1'].map((name, i) => ({
    name,
    deployedAt: new Date(T0 - i * 86_400_000).toISOString(),
  }));

  it('keeps the newest retainConfigs caretaker deployed and deletes the rest, oldest included', () => {
    expect(configsToPrune(history, { protected: ['cfg-v5', 'cfg-v4'], retain: 3 })).toEqual([
      'cfg-v2',
      'cfg-v1',
    ]);
  });

  it('never deletes a protected configuration (in use anywhere, any open deployment’s target or rollback target)', () => {
    // Act
    const pruned = configsToPrune([...history].reverse(), {
      protected: ['cfg-v5', 'cfg-v2', 'cfg-v4'],
      retain: 1,
    });

    // Assess
    expect(pruned).toEqual(['cfg-v3', 'cfg-v1']);
  });

  it('considers only configurations in the history: one caretaker never deployed here is never a candidate', () => {
    expect(configsToPrune(history.slice(0, 2), { protected: [], retain: 1 })).toEqual(['cfg-v4']);
  });
});

describe('judging whether an UpdateEndpoint took effect, by DescribeEndpoint', () => {
  const endpoint = {
    status: 'InService',
    endpointConfigName: 'cfg-v1',
    lastModifiedAt: '2026-11-23T01:00:00.000Z',
  };

  it('counts an update moving to the wanted configuration, or running it, as ours', () => {
    expect(
      updateTookEffect(
        { ...endpoint, status: 'Updating', pendingEndpointConfigName: 'cfg-v2' },
        'cfg-v2',
        undefined,
      ),
    ).toBe(true);
    expect(updateTookEffect({ ...endpoint, endpointConfigName: 'cfg-v2' }, 'cfg-v2', undefined)).toBe(true);
  });

  it('counts any change since preflight as ours: a lost answer whose update SageMaker already rolled back', () => {
    expect(
      updateTookEffect(
        { ...endpoint, lastModifiedAt: '2026-11-23T02:05:00.000Z' },
        'cfg-v2',
        '2026-11-23T01:00:00.000Z',
      ),
    ).toBe(true);
  });

  it('sees nothing started on an endpoint unchanged since preflight', () => {
    expect(updateTookEffect(endpoint, 'cfg-v2', '2026-11-23T01:00:00.000Z')).toBe(false);
    expect(
      updateTookEffect(
        { ...endpoint, status: 'Updating', pendingEndpointConfigName: 'cfg-v3' },
        'cfg-v2',
        undefined,
      ),
    ).toBe(false);
  });
});

describe('the alarms that explain SageMaker’s own rollback', () => {
  it('names every watched alarm that entered ALARM during the deployment, first breach first', () => {
    // Prepare
    const entered: AlarmView[] = [
      alarm('b', 'ALARM', { stateReason: 'late', stateUpdatedAt: '2026-11-23T02:09:00.000Z' }),
      alarm('a', 'OK', { stateUpdatedAt: '2026-11-23T02:08:00.000Z' }),
      alarm('a', 'ALARM', { stateReason: 'early', stateUpdatedAt: '2026-11-23T02:05:00.000Z' }),
      alarm('other', 'ALARM', { stateUpdatedAt: '2026-11-23T02:04:00.000Z' }),
    ];

    // Act
    const causes = breachesDuring(entered, undefined, ['a', 'b']);

    // Assess
    expect(causes.map((c) => [c.name, c.stateReason])).toEqual([
      ['a', 'early'],
      ['b', 'late'],
    ]);
  });

  it('falls back to the breach the alarm event recorded when the history shows none', () => {
    // Prepare
    const recorded = { name: 'a', state: 'ALARM', at: '2026-11-23T02:05:00.000Z' };

    // Act / Assess
    expect(breachesDuring([], recorded, ['a'])).toEqual([recorded]);
    expect(breachesDuring([], recorded, ['b'])).toEqual([]);
  });
});

describe('capacity for the deployment and for the rollback', () => {
  const large = (name: string, instanceCount: number) =>
    config(name, [{ name: 'AllTraffic', instanceType: 'ml.m5.large', instanceCount }]);
  const rolling = request({
    strategy: 'rolling',
    maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
    waitIntervalSeconds: 60,
  }).deployment;
  const allAtOnce = request().deployment;

  it('lets a blue/green deployment through when the quota holds both fleets exactly', () => {
    expect(
      capacityRefusals({
        deployment: allAtOnce,
        current: large('cfg-v1', 4),
        target: large('cfg-v2', 4),
        inUse: { 'ml.m5.large': 4 },
        quotas: { 'ml.m5.large': 8 },
      }),
    ).toEqual([]);
  });

  it('refuses a blue/green deployment the quota cannot hold, naming the quota and the numbers', () => {
    expect(
      capacityRefusals({
        deployment: allAtOnce,
        current: large('cfg-v1', 4),
        target: large('cfg-v2', 4),
        inUse: { 'ml.m5.large': 4 },
        quotas: { 'ml.m5.large': 7 },
      }),
    ).toEqual([
      'ml.m5.large for endpoint usage is 7 instance(s): the deployment needs 8 (4 in use, 4 for the new fleet)',
    ]);
  });

  it('refuses a rolling deployment that fits when its rollback, in bigger batches, would not', () => {
    // Prepare: the deployment adds 1 instance at a time (5 of 5), the rollback would add 2 (6 of 5).
    const deployment = request({
      strategy: 'rolling',
      maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
      rollbackMaximumBatchSize: { type: 'INSTANCE_COUNT', value: 2 },
      waitIntervalSeconds: 60,
    }).deployment;

    // Act
    const refusals = capacityRefusals({
      deployment,
      current: large('cfg-v1', 4),
      target: large('cfg-v2', 4),
      inUse: { 'ml.m5.large': 4 },
      quotas: { 'ml.m5.large': 5 },
    });

    // Assess
    expect(refusals).toEqual([
      "ml.m5.large for endpoint usage is 5 instance(s): a rollback to cfg-v1 would need 6 (4 in use once cfg-v2 is live, 2 for the previous fleet's first batch), so it could not happen",
    ]);
  });

  it('counts a rolling deployment and its rollback one batch at a time, so a quota one batch above the fleet is enough', () => {
    expect(
      capacityRefusals({
        deployment: rolling,
        current: large('cfg-v1', 4),
        target: large('cfg-v2', 4),
        inUse: { 'ml.m5.large': 4 },
        quotas: { 'ml.m5.large': 5 },
      }),
    ).toEqual([]);
  });

  it('leaves instance types without a known quota unchecked', () => {
    expect(
      capacityRefusals({
        deployment: allAtOnce,
        current: large('cfg-v1', 4),
        target: large('cfg-v2', 4),
        inUse: { 'ml.m5.large': 400 },
        quotas: {},
      }),
    ).toEqual([]);
  });
});
