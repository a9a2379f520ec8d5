import { describe, expect, it } from 'vitest';
import type { AlarmView } from '#lib/aws/cloudwatch';
import {
  alarmCause,
  bakeVerdict,
  classifyDeployment,
  configsToPrune,
  preflightRefusals,
  rollbackReason,
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
  treatMissingDataAs: 'inconclusive',
  now: T0,
  bakeUntil: T0 + 600_000,
  bakeSeconds: 600,
  extended: false,
  ...input,
});

describe('the bake verdict', () => {
  it('looks again in 30 s while every alarm is OK, and never past the end of the bake', () => {
    expect(bakeVerdict(bake({}))).toEqual({ verdict: 'continue', wait: 30 });
    expect(bakeVerdict(bake({ now: T0 + 590_000 }))).toEqual({ verdict: 'continue', wait: 10 });
  });

  it('passes when the bake ends with every alarm OK', () => {
    expect(bakeVerdict(bake({ now: T0 + 600_000 }))).toMatchObject({ verdict: 'passed' });
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

  it('rolls back on an ALARM the state change event recorded, even when the alarm is OK again', () => {
    // Act
    const verdict = bakeVerdict(bake({ recorded: { name: 'a', at: '2026-11-23T02:03:00.000Z' } }));

    // Assess
    expect(verdict).toMatchObject({
      verdict: 'rollback',
      cause: { name: 'a', at: '2026-11-23T02:03:00.000Z' },
      reason: expect.stringMatching(/a went to ALARM at 2026-11-23T02:03:00.000Z.*OK now/),
    });
  });

  it('ignores a recorded alarm the request does not watch', () => {
    expect(bakeVerdict(bake({ recorded: { name: 'other', at: 'x' } })).verdict).toBe('continue');
  });

  it('treats missing data as breaching when asked: rollback', () => {
    // Act
    const verdict = bakeVerdict(
      bake({ alarms: [alarm('a', 'INSUFFICIENT_DATA'), alarm('b', 'OK')], treatMissingDataAs: 'breaching' }),
    );

    // Assess
    expect(verdict).toMatchObject({
      verdict: 'rollback',
      reason: expect.stringMatching(/a is INSUFFICIENT_DATA.*breaching/),
    });
  });

  it('treats missing data as OK when the request says notBreaching', () => {
    expect(
      bakeVerdict(
        bake({
          alarms: [alarm('a', 'INSUFFICIENT_DATA'), alarm('b', 'OK')],
          treatMissingDataAs: 'notBreaching',
          now: T0 + 600_000,
        }),
      ),
    ).toMatchObject({ verdict: 'passed', reason: expect.stringMatching(/no alarm fired/) });
  });

  it('extends an inconclusive bake once, then reports it as unproven', () => {
    // Prepare
    const quiet = [alarm('a', 'INSUFFICIENT_DATA'), alarm('b', 'OK')];

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
      reason: expect.stringMatching(/a had no data/),
    });
    expect(second).toMatchObject({
      verdict: 'passed',
      inconclusive: ['a'],
      reason: expect.stringMatching(/inconclusive/),
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

  it('keeps the newest retainConfigs and deletes the rest, oldest included', () => {
    expect(
      configsToPrune(history, { inUse: ['cfg-v5'], rollbackTarget: 'cfg-v4', target: 'cfg-v5', retain: 3 }),
    ).toEqual(['cfg-v2', 'cfg-v1']);
  });

  it('never deletes a configuration in use, the rollback target or the target, whatever retain says', () => {
    // Act
    const pruned = configsToPrune([...history].reverse(), {
      inUse: ['cfg-v5', 'cfg-v2'],
      rollbackTarget: 'cfg-v4',
      target: 'cfg-v5',
      retain: 1,
    });

    // Assess
    expect(pruned).toEqual(['cfg-v3', 'cfg-v1']);
  });
});
