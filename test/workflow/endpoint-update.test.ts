import { describe, expect, it } from 'vitest';
import { NEXT } from '#lib/endpoint/constants';
import type { SandboxRun } from '../../sandbox/runner.ts';
import { loadDefinition } from '../../sandbox/executions.ts';
import {
  ALL_AT_ONCE,
  at,
  endpointOutput,
  endpointState,
  STRATEGIES,
  updateRequested,
} from '../support/endpoints.ts';
import { runFleet } from '../support/sandbox.ts';

const fleetOf = ({ v2 = '', alarm = 'state: OK', extra = '', endpoints = '' } = {}) => `
start: 2026-11-23T02:00:00Z
endpointConfigs:
  - { name: cfg-v1, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }] }
  - name: cfg-v2
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }]
    ${v2}
  - { name: cfg-v3, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }] }
  - { name: cfg-blue, variants: [{ name: Blue, instanceType: ml.m5.large, instanceCount: 4 }] }
  - { name: cfg-v4, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }] }
endpoints:
  - { name: ep-1, endpointConfigName: cfg-v1, status: InService }
${endpoints}
alarms:
  - name: caretaker-ep-1-5xx
    dimensions: { EndpointName: ep-1, VariantName: AllTraffic }
    ${alarm}
${extra}`;

const updateCalls = (run: SandboxRun, i = 0) =>
  run.result.executions[i]!.stats.sagemakerCalls.UpdateEndpoint ?? 0;

describe('endpoint-update on the sandbox: deployments that succeed', () => {
  it.each(STRATEGIES)(
    'moves the endpoint to the target with a %s deployment, bakes it and announces it',
    async (_, deployment) => {
      // Act
      const run = await runFleet(fleetOf(), [updateRequested({ deployment })]);

      // Assess
      const [execution] = run.result.executions;
      expect(execution).toMatchObject({
        stateMachine: 'endpoint-update',
        status: 'SUCCEEDED',
        trigger: { source: 'caretaker.requests', detailType: 'Endpoint Update Requested' },
      });
      expect(endpointOutput(run)).toMatchObject({
        outcome: 'succeeded',
        reason: expect.stringMatching(/no alarm fired during the 600 s bake/),
        endpointName: 'ep-1',
        targetEndpointConfigName: 'cfg-v2',
        previousEndpointConfigName: 'cfg-v1',
        liveEndpointConfigName: 'cfg-v2',
      });
      expect(endpointState(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v2' });
      expect(updateCalls(run)).toBe(1);
      expect(execution!.stats.virtualSeconds).toBeGreaterThanOrEqual(600);
      expect(run.result.events.map((e) => e['detail-type'])).toEqual(['Endpoint Update Completed']);
    },
  );
});

describe('endpoint-update started without the trigger', () => {
  it('runs every step on the request as Preflight validated it, defaults included', async () => {
    // Arrange: a canary without waitIntervalSeconds, which the schema defaults to 300 s
    const input = {
      requestId: 'direct-1',
      endpointName: 'ep-1',
      targetEndpointConfigName: 'cfg-v2',
      deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
      alarms: ['caretaker-ep-1-5xx'],
    };

    // Act
    const run = await runFleet(fleetOf(), [], {
      executions: [{ stateMachine: 'endpoint-update', name: 'direct-1', input }],
    });

    // Assess
    expect(endpointOutput(run)).toMatchObject({ outcome: 'succeeded', liveEndpointConfigName: 'cfg-v2' });
    expect(endpointState(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v2' });
  });
});

describe('endpoint-update on the sandbox: rollbacks', () => {
  it("reports SageMaker's silent rollback when the alarm fires during the canary, by the configuration name", async () => {
    // Prepare
    const fleet = fleetOf({ v2: 'behavior: { alarmsWhileServing: [caretaker-ep-1-5xx] }' });

    // Act
    const run = await runFleet(fleet, [updateRequested()]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'auto-rolled-back',
      reason: expect.stringMatching(/SageMaker rolled ep-1 back to cfg-v1/),
      liveEndpointConfigName: 'cfg-v1',
    });
    expect(endpointState(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
    expect(updateCalls(run)).toBe(1);
  });

  it('rolls back by itself when the alarm fires during the bake: old config live, new config kept', async () => {
    // Prepare: all at once ends 120 s in; the alarm fires 400 s in, during the bake.
    const fleet = fleetOf({ alarm: 'state: OK\n    flips: [{ atSeconds: 400, state: ALARM }]' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    const output = endpointOutput(run);
    expect(output).toMatchObject({
      outcome: 'rolled-back',
      reason: expect.stringMatching(/rolled ep-1 back to cfg-v1: alarm caretaker-ep-1-5xx is ALARM/),
      alarm: { name: 'caretaker-ep-1-5xx', state: 'ALARM' },
      liveEndpointConfigName: 'cfg-v1',
    });
    expect(endpointState(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
    expect(run.result.fleet.endpointConfigs).toContain('cfg-v2');
    expect(updateCalls(run)).toBe(2);
    const reactionSeconds = (Date.parse(output.rolledBackAt!) - Date.parse(at(400))) / 1000;
    expect(reactionSeconds).toBeLessThan(60);
    expect(run.result.events.map((e) => e['detail-type'])).toEqual([
      'Endpoint Update Completed',
      'Endpoint Rolled Back',
    ]);
  });

  it('rolls back on an ALARM that cleared before the next look, citing the breach as its event carried it', async () => {
    // Prepare: ALARM for 10 s only, between two looks 30 s apart.
    const fleet = fleetOf({
      alarm: 'state: OK\n    flips: [{ atSeconds: 401, state: ALARM }, { atSeconds: 411, state: OK }]',
    });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    const output = endpointOutput(run);
    expect(output).toMatchObject({
      outcome: 'rolled-back',
      reason: expect.stringMatching(
        /alarm caretaker-ep-1-5xx is ALARM: Threshold Crossed.*\(values 7; threshold 1\) at 2026-11-23T02:06:41.000Z \(its state change event; it is OK now\)/,
      ),
      alarm: { name: 'caretaker-ep-1-5xx', state: 'ALARM', values: [7], at: '2026-11-23T02:06:41.000Z' },
    });
    expect(endpointState(run)).toMatchObject({ endpointConfigName: 'cfg-v1' });
    expect((Date.parse(output.rolledBackAt!) - Date.parse(at(401))) / 1000).toBeLessThan(60);
  });

  it('reports a new fleet that fails its health checks as rolled back by SageMaker, with the FailureReason', async () => {
    // Prepare
    const fleet = fleetOf({ v2: 'behavior: { failsHealthCheck: true }' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'auto-rolled-back',
      reason: expect.stringMatching(/back to cfg-v1: .*health check/),
    });
    expect(endpointState(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
  });

  it('extends a bake whose alarm never had data once, then reports it unverified, never succeeded', async () => {
    // Prepare
    const fleet = fleetOf({ alarm: 'state: INSUFFICIENT_DATA' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE, bakeSeconds: 300 })]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'unverified',
      noDataAlarms: ['caretaker-ep-1-5xx'],
      reason: expect.stringMatching(/never had data.*live but not proven/),
      liveEndpointConfigName: 'cfg-v2',
    });
    expect(run.result.executions[0]!.stats.virtualSeconds).toBeGreaterThanOrEqual(600);
    expect(run.result.events[0]).toMatchObject({ detail: { outcome: 'unverified' } });
  });

  it('succeeds under notBreaching and says which alarm never had data', async () => {
    // Prepare
    const fleet = fleetOf({ alarm: 'state: INSUFFICIENT_DATA' });

    // Act
    const run = await runFleet(fleet, [
      updateRequested({ deployment: ALL_AT_ONCE, bakeSeconds: 300, treatMissingDataAs: 'notBreaching' }),
    ]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'succeeded',
      noDataAlarms: ['caretaker-ep-1-5xx'],
      reason: expect.stringMatching(/caretaker-ep-1-5xx never had data \(treated as not breaching/),
    });
  });

  it('refuses under breaching when an alarm has no data, instead of deploying and rolling back later', async () => {
    // Prepare
    const fleet = fleetOf({ alarm: 'state: INSUFFICIENT_DATA' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ treatMissingDataAs: 'breaching' })]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/caretaker-ep-1-5xx has no data .*treats missing data as breaching/),
    });
    expect(updateCalls(run)).toBe(0);
  });

  it('names the alarm SageMaker rolled back for, with the reason it had, even though it is OK again', async () => {
    // Prepare
    const fleet = fleetOf({ v2: 'behavior: { alarmsWhileServing: [caretaker-ep-1-5xx] }' });

    // Act
    const run = await runFleet(fleet, [updateRequested()]);

    // Assess
    expect(run.result.fleet.alarms).toEqual([{ name: 'caretaker-ep-1-5xx', state: 'OK' }]);
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'auto-rolled-back',
      reason: expect.stringMatching(
        /back to cfg-v1: alarm caretaker-ep-1-5xx is ALARM: Threshold Crossed.*values 7/,
      ),
      alarm: { name: 'caretaker-ep-1-5xx', state: 'ALARM', values: [7] },
    });
  });
});

describe('endpoint-update on the sandbox: requests refused before anything changes', () => {
  it.each([
    [
      'the target has other variant names',
      fleetOf(),
      { targetEndpointConfigName: 'cfg-blue' },
      /cfg-blue has variants \[Blue\] but ep-1 runs \[AllTraffic\]/,
    ],
    [
      'an alarm does not exist',
      fleetOf(),
      { alarms: ['caretaker-ep-1-5xx', 'caretaker-nope'] },
      /caretaker-nope do not exist/,
    ],
    [
      'the alarm is already in ALARM',
      fleetOf({ alarm: 'state: ALARM' }),
      {},
      /is ALARM.*already, before the deployment/,
    ],
    [
      'the canary is more than half the instances',
      fleetOf(),
      { deployment: { strategy: 'canary', canarySize: { type: 'INSTANCE_COUNT', value: 3 } } },
      /canarySize is 3 instance\(s\), 75%/,
    ],
  ])('refuses when %s, without calling UpdateEndpoint', async (_, fleet, detail, reason) => {
    // Act
    const run = await runFleet(fleet, [updateRequested(detail)]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
    expect(endpointOutput(run).reason).toMatch(/nothing was changed$/);
    expect(updateCalls(run)).toBe(0);
    expect(endpointState(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v1' });
    expect(run.result.events[0]).toMatchObject({
      'detail-type': 'Endpoint Update Completed',
      detail: { outcome: 'rejected' },
    });
  });

  it('refuses in preflight when the instance quota cannot hold both fleets, without calling UpdateEndpoint', async () => {
    // Prepare: 4 instances live + 4 for the green fleet > 6.
    const fleet = fleetOf({ extra: 'quotas: { ml.m5.large: 6 }' });

    // Act
    const run = await runFleet(fleet, [updateRequested()]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(
        /ml\.m5\.large for endpoint usage is 6 instance\(s\): the deployment needs 8 .*nothing was changed/,
      ),
    });
    expect(updateCalls(run)).toBe(0);
    expect(endpointState(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v1' });
  });

  it('deploys with a quota that fits the deployment exactly, and rolls back within it when the bake alarms', async () => {
    // Prepare: 4 live + 4 green = 8 = the quota; the rollback needs the same 8.
    const fleet = fleetOf({
      extra: 'quotas: { ml.m5.large: 8 }',
      alarm: 'state: OK\n    flips: [{ atSeconds: 400, state: ALARM }]',
    });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({ outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v1' });
    expect(updateCalls(run)).toBe(2);
  });

  it('rolls a rolling deployment back rolling, in batches that fit the quota one batch above the fleet', async () => {
    // Prepare: a blue/green rollback would need 8 of the 5 instances; a rolling one needs 5.
    const fleet = fleetOf({
      extra: 'quotas: { ml.m5.large: 5 }',
      alarm: 'state: OK\n    flips: [{ atSeconds: 900, state: ALARM }]',
    });
    const deployment = {
      strategy: 'rolling',
      maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
      waitIntervalSeconds: 60,
    };

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment })]);

    // Assess
    expect(endpointOutput(run)).toMatchObject({ outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v1' });
    expect(endpointState(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
  });

  it('reports a SageMaker that keeps failing with 5xx as rejected after the retries, nothing changed', async () => {
    // Prepare
    const fleet = fleetOf({ extra: 'faults: { serverErrors: { UpdateEndpoint: 1 } }' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    expect(run.result.executions[0]!.status).toBe('SUCCEEDED');
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/^TransientAwsError: .*nothing was changed$/),
    });
    expect(updateCalls(run)).toBeGreaterThan(5);
    expect(endpointState(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v1' });
  });

  it('refuses deployment values outside the API limits at the door: no execution starts', async () => {
    // Act
    const run = await runFleet(fleetOf(), [
      updateRequested({
        deployment: {
          strategy: 'linear',
          linearStepSize: { type: 'CAPACITY_PERCENT', value: 60 },
          waitIntervalSeconds: 4000,
        },
      }),
    ]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      {
        index: 0,
        errors: [
          {
            field: 'detail.deployment.linearStepSize.value',
            message: expect.stringMatching(/10% to 50%.*60/),
          },
          {
            field: 'detail.deployment.waitIntervalSeconds',
            message: expect.stringMatching(/0 to 3600.*4000/),
          },
        ],
      },
    ]);
  });

  it.each([
    [
      'while the first deployment is updating the endpoint',
      60,
      /ep-1 is Updating to cfg-v2: a deployment is in flight/,
    ],
    ['while the first deployment bakes', 400, /request update-ep-req-\d+ has held endpoint ep-1/],
  ])('refuses a second request %s', async (_, secondAfter, reason) => {
    // Act
    const run = await runFleet(fleetOf(), [
      updateRequested({ deployment: ALL_AT_ONCE }),
      updateRequested({ targetEndpointConfigName: 'cfg-v3', deployment: ALL_AT_ONCE }, at(secondAfter)),
    ]);

    // Assess
    expect(endpointOutput(run, 0).outcome).toBe('succeeded');
    expect(endpointOutput(run, 1)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(reason),
    });
    expect(updateCalls(run, 1)).toBe(0);
    expect(endpointState(run)).toMatchObject({ endpointConfigName: 'cfg-v2' });
  });
});

describe('endpoint-update on the sandbox: pruning', () => {
  const deploy = (target: string, seconds: number, extra: Record<string, unknown> = {}) =>
    updateRequested(
      { targetEndpointConfigName: target, deployment: ALL_AT_ONCE, retainConfigs: 1, ...extra },
      at(seconds),
    );

  it('deletes only configurations caretaker deployed here beyond retainConfigs, never the live one or the rollback target', async () => {
    // Act
    const run = await runFleet(fleetOf(), [
      deploy('cfg-v2', 0),
      deploy('cfg-v3', 1000),
      deploy('cfg-v4', 2000),
    ]);

    // Assess: cfg-v1 was live before caretaker came, so it is not caretaker's to delete.
    expect(endpointOutput(run, 1)).toMatchObject({ outcome: 'succeeded', prunedConfigs: [] });
    expect(endpointOutput(run, 2)).toMatchObject({ outcome: 'succeeded', prunedConfigs: ['cfg-v2'] });
    expect(run.result.fleet.endpointConfigs).toEqual(['cfg-v1', 'cfg-v3', 'cfg-blue', 'cfg-v4']);
  });

  it('never deletes a configuration another endpoint uses', async () => {
    // Prepare
    const fleet = fleetOf({ endpoints: '  - { name: ep-2, endpointConfigName: cfg-v2, status: InService }' });

    // Act
    const run = await runFleet(fleet, [deploy('cfg-v2', 0), deploy('cfg-v3', 1000), deploy('cfg-v4', 2000)]);

    // Assess
    expect(endpointOutput(run, 2)).toMatchObject({ outcome: 'succeeded', prunedConfigs: [] });
    expect(run.result.executions[2]!.stats.sagemakerCalls.DeleteEndpointConfig).toBeUndefined();
    expect(run.result.fleet.endpointConfigs).toContain('cfg-v2');
  });

  it('never deletes the rollback target of another endpoint’s open deployment, so that its rollback still works', async () => {
    // Prepare: both endpoints share configurations; ep-1 bakes cfg-v2 (rollback target cfg-v3) while ep-2's
    // third deployment prunes its own history, which holds cfg-v3, unused at that moment.
    const fleet = fleetOf({
      endpoints: '  - { name: ep-2, endpointConfigName: cfg-v1, status: InService }',
      alarm: 'state: OK\n    flips: [{ atSeconds: 3000, state: ALARM }]',
      extra: `  - name: caretaker-ep-2-5xx
    dimensions: { EndpointName: ep-2, VariantName: AllTraffic }
    state: OK`,
    });
    const onEp2 = { endpointName: 'ep-2', alarms: ['caretaker-ep-2-5xx'] };

    // Act
    const run = await runFleet(fleet, [
      deploy('cfg-v3', 0, onEp2),
      deploy('cfg-v3', 0),
      deploy('cfg-v4', 1000, onEp2),
      deploy('cfg-v2', 1500, { bakeSeconds: 3600 }),
      deploy('cfg-v1', 1800, onEp2),
    ]);

    // Assess
    const byName = Object.fromEntries(run.result.executions.map((e, i) => [e.name, endpointOutput(run, i)]));
    const ep2Last = Object.values(byName).find(
      (o) => o.endpointName === 'ep-2' && o.targetEndpointConfigName === 'cfg-v1',
    )!;
    const ep1Bake = Object.values(byName).find(
      (o) => o.endpointName === 'ep-1' && o.targetEndpointConfigName === 'cfg-v2',
    )!;
    expect(ep2Last).toMatchObject({ outcome: 'succeeded', prunedConfigs: [] });
    expect(ep1Bake).toMatchObject({ outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v3' });
    expect(run.result.fleet.endpointConfigs).toContain('cfg-v3');
    expect(endpointState(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v3' });
  });
});

describe('endpoint-update on the sandbox: tags, holds and reports that outlive a failure', () => {
  const deploy = (target: string, seconds: number) =>
    updateRequested(
      { targetEndpointConfigName: target, deployment: ALL_AT_ONCE, retainConfigs: 1, bakeSeconds: 60 },
      at(seconds),
    );

  it('tags the configuration it deploys as deployed to this endpoint by caretaker', async () => {
    // Act
    const run = await runFleet(fleetOf(), [deploy('cfg-v2', 0)]);

    // Assess
    const [execution] = run.records;
    const tagged = run.journal.filter((e) => e.operation === 'AddTags' && e.outcome === 'ok');
    expect(tagged).toEqual([
      expect.objectContaining({
        resource: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/cfg-v2',
        caller: execution!.arn,
      }),
    ]);
    expect(endpointOutput(run).notTagged).toBeUndefined();
  });

  it('never prunes a configuration it could not tag, and says so', async () => {
    // Prepare: every AddTags answers 500, through the SDK's retries.
    const fleet = fleetOf({ extra: 'faults: { serverErrors: { AddTags: 1 } }' });

    // Act
    const run = await runFleet(fleet, [deploy('cfg-v2', 0), deploy('cfg-v3', 600), deploy('cfg-v4', 1200)]);

    // Assess: the deployments went ahead and were watched; nothing was caretaker's to delete.
    expect(run.result.executions.map((_, i) => endpointOutput(run, i).outcome)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(endpointOutput(run, 2)).toMatchObject({
      prunedConfigs: [],
      notTagged: expect.stringMatching(
        /^not tagged caretaker:deployed-to:ep-1, so never pruned: .*InternalFailure/,
      ),
    });
    expect(run.result.fleet.endpointConfigs).toEqual(['cfg-v1', 'cfg-v2', 'cfg-v3', 'cfg-blue', 'cfg-v4']);
  });

  it('reports an update whose Finalize fails for good from the verdict it recorded, through the status-change rule', async () => {
    // Prepare: Finalize fails before it announces anything, with an error no Retry takes.
    const fleet = fleetOf({
      extra:
        'faults:\n  lambda:\n    endpoint/finalize: { error: Lambda.Unknown, when: before-call, times: 1 }',
    });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    const [execution] = run.result.executions;
    expect(execution!.status).toBe('FAILED');
    const completed = run.result.events.filter((e) => e['detail-type'] === 'Endpoint Update Completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.detail).toMatchObject({
      requestId: execution!.name,
      outcome: 'succeeded',
      reason: expect.stringMatching(/no alarm fired during the 600 s bake/),
      liveEndpointConfigName: 'cfg-v2',
      executionEnded: 'FAILED',
    });
  });

  it('keeps watching through many sporadic crashes of its look: it gives up only on failures in a row', async () => {
    // Prepare: a 30-minute bake looked at every 30 s, three looks in ten crashing after they read the alarms.
    const request = updateRequested({ deployment: ALL_AT_ONCE, bakeSeconds: 1800 }, at(0), 'sporadic');
    const crashing = fleetOf({
      extra:
        'faults:\n  seed: 1\n  lambda:\n    endpoint/watch-alarms: { error: Lambda.Unknown, when: after-call, rate: 0.3 }',
    });

    // Act
    const [calm, run] = [await runFleet(fleetOf(), [request]), await runFleet(crashing, [request])];

    // Assess: each crash costs a Recover and a second look; far more than five crashed, none ended the bake.
    const crashes =
      (run.result.executions[0]!.stats.lambdaInvocations -
        calm.result.executions[0]!.stats.lambdaInvocations) /
      2;
    expect(crashes).toBeGreaterThan(5);
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'succeeded',
      reason: expect.stringMatching(/no alarm fired during the 1800 s bake/),
    });
  });

  /**
   * A deployment to cfg-v2 (which fails its health check) whose look crashes six times in a row while ep-1 is
   * still Updating, so that the workflow gives up on it; then a request for cfg-v3 `seconds` later.
   */
  const givingUpWhileMoving = (seconds: number) =>
    runFleet(
      fleetOf({
        v2: 'behavior: { failsHealthCheck: true }',
        extra:
          'faults:\n  lambda:\n    endpoint/check-deployment: { error: Lambda.Unknown, when: after-call, times: 6 }',
      }),
      [
        updateRequested({ deployment: ALL_AT_ONCE }),
        updateRequested({ targetEndpointConfigName: 'cfg-v3', deployment: ALL_AT_ONCE }, at(seconds)),
      ],
    );

  it('keeps holding an endpoint still moving when the workflow gives up on it, and refuses the next request meanwhile', async () => {
    // Act
    const run = await givingUpWhileMoving(300);

    // Assess
    expect(endpointOutput(run, 0)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(
        /gave up after 6 failed steps in a row: ep-1 is Updating on cfg-v1 moving to cfg-v2; needs attention; caretaker keeps holding ep-1 until /,
      ),
      heldUntil: expect.any(String),
    });
    expect(endpointOutput(run, 1)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/has held endpoint ep-1/),
    });
    expect(updateCalls(run, 1)).toBe(0);
  });

  it('lets the next request take a kept hold once the endpoint has settled, hours before the hold would lapse', async () => {
    // Act: the next request comes an hour later, with the hold kept for up to 9 hours. SageMaker has rolled
    // ep-1 back by then. (Its look crashes six times too: it takes the hold, deploys and gives up.)
    const run = await givingUpWhileMoving(3600);

    // Assess
    expect(Date.parse(endpointOutput(run, 0).heldUntil!)).toBeGreaterThan(run.start + 3600_000);
    expect(updateCalls(run, 1)).toBe(1);
    expect(endpointOutput(run, 1)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(
        /ep-1 is Updating on cfg-v1 moving to cfg-v3; needs attention; caretaker keeps holding ep-1/,
      ),
    });
  });
});

describe('endpoint-update routing', () => {
  it('routes every `next` an endpoint step can return to the state of that name, and nothing else', () => {
    // Prepare
    const { definition } = loadDefinition('endpoint-update');
    const states = definition.States as Record<
      string,
      { Choices?: Array<{ StringEquals: string; Next: string }> }
    >;

    // Act
    const choices = states.Route!.Choices!;

    // Assess
    expect(new Set(choices.map((c) => c.StringEquals))).toEqual(new Set(Object.values(NEXT)));
    for (const choice of choices) expect(choice.Next).toBe(choice.StringEquals);
  });
});
