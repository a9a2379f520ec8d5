import { describe, expect, it } from 'vitest';
import { NEXT } from '#lib/endpoint/constants';
import type { EndpointUpdateOutput } from '#lib/endpoint/steps';
import type { SandboxEvent, SandboxRun } from '../../sandbox/runner.ts';
import { loadDefinition } from '../../sandbox/executions.ts';
import { runFleet } from '../support/sandbox.ts';

const START = Date.parse('2026-11-23T02:00:00Z');
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

let ids = 0;
function updateRequested(detail: Record<string, unknown> = {}, time = at(0)): SandboxEvent {
  return {
    version: '0',
    id: `ep-req-${++ids}`,
    source: 'caretaker.requests',
    'detail-type': 'Endpoint Update Requested',
    account: '123456789012',
    region: 'us-east-1',
    time,
    resources: [],
    detail: {
      endpointName: 'ep-1',
      targetEndpointConfigName: 'cfg-v2',
      deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
      alarms: ['caretaker-ep-1-5xx'],
      bakeSeconds: 600,
      ...detail,
    },
  };
}

const ALL_AT_ONCE = { strategy: 'all-at-once' };

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

const outputOf = (run: SandboxRun, i = 0) => run.result.executions[i]!.output as EndpointUpdateOutput;
const updateCalls = (run: SandboxRun, i = 0) =>
  run.result.executions[i]!.stats.sagemakerCalls.UpdateEndpoint ?? 0;
const endpoint = (run: SandboxRun, name = 'ep-1') => run.result.fleet.endpoints.find((e) => e.name === name);

describe('endpoint-update on the sandbox: deployments that succeed', () => {
  it.each([
    ['all-at-once', ALL_AT_ONCE],
    [
      'canary',
      { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 }, waitIntervalSeconds: 300 },
    ],
    [
      'linear',
      {
        strategy: 'linear',
        linearStepSize: { type: 'CAPACITY_PERCENT', value: 25 },
        waitIntervalSeconds: 60,
      },
    ],
    [
      'rolling',
      {
        strategy: 'rolling',
        maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
        waitIntervalSeconds: 60,
      },
    ],
  ])(
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
      expect(outputOf(run)).toMatchObject({
        outcome: 'succeeded',
        reason: expect.stringMatching(/no alarm fired during the 600 s bake/),
        endpointName: 'ep-1',
        targetEndpointConfigName: 'cfg-v2',
        previousEndpointConfigName: 'cfg-v1',
        liveEndpointConfigName: 'cfg-v2',
      });
      expect(endpoint(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v2' });
      expect(updateCalls(run)).toBe(1);
      expect(execution!.stats.virtualSeconds).toBeGreaterThanOrEqual(600);
      expect(run.result.events.map((e) => e['detail-type'])).toEqual(['Endpoint Update Completed']);
    },
  );
});

describe('endpoint-update on the sandbox: rollbacks', () => {
  it("reports SageMaker's silent rollback when the alarm fires during the canary, by the configuration name", async () => {
    // Prepare
    const fleet = fleetOf({ v2: 'behavior: { alarmsWhileServing: [caretaker-ep-1-5xx] }' });

    // Act
    const run = await runFleet(fleet, [updateRequested()]);

    // Assess
    expect(outputOf(run)).toMatchObject({
      outcome: 'auto-rolled-back',
      reason: expect.stringMatching(/SageMaker rolled ep-1 back to cfg-v1/),
      liveEndpointConfigName: 'cfg-v1',
    });
    expect(endpoint(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
    expect(updateCalls(run)).toBe(1);
  });

  it('rolls back by itself when the alarm fires during the bake: old config live, new config kept', async () => {
    // Prepare: all at once ends 120 s in; the alarm fires 400 s in, during the bake.
    const fleet = fleetOf({ alarm: 'state: OK\n    flips: [{ atSeconds: 400, state: ALARM }]' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    const output = outputOf(run);
    expect(output).toMatchObject({
      outcome: 'rolled-back',
      reason: expect.stringMatching(/rolled ep-1 back to cfg-v1: alarm caretaker-ep-1-5xx is ALARM/),
      alarm: { name: 'caretaker-ep-1-5xx', state: 'ALARM' },
      liveEndpointConfigName: 'cfg-v1',
    });
    expect(endpoint(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
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
    const output = outputOf(run);
    expect(output).toMatchObject({
      outcome: 'rolled-back',
      reason: expect.stringMatching(
        /alarm caretaker-ep-1-5xx is ALARM: Threshold Crossed.*\(values 7; threshold 1\) at 2026-11-23T02:06:41.000Z \(its state change event; it is OK now\)/,
      ),
      alarm: { name: 'caretaker-ep-1-5xx', state: 'ALARM', values: [7], at: '2026-11-23T02:06:41.000Z' },
    });
    expect(endpoint(run)).toMatchObject({ endpointConfigName: 'cfg-v1' });
    expect((Date.parse(output.rolledBackAt!) - Date.parse(at(401))) / 1000).toBeLessThan(60);
  });

  it('reports a new fleet that fails its health checks as rolled back by SageMaker, with the FailureReason', async () => {
    // Prepare
    const fleet = fleetOf({ v2: 'behavior: { failsHealthCheck: true }' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    expect(outputOf(run)).toMatchObject({
      outcome: 'auto-rolled-back',
      reason: expect.stringMatching(/back to cfg-v1: .*health check/),
    });
    expect(endpoint(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
  });

  it('extends a bake whose alarm never had data once, then reports it unverified, never succeeded', async () => {
    // Prepare
    const fleet = fleetOf({ alarm: 'state: INSUFFICIENT_DATA' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE, bakeSeconds: 300 })]);

    // Assess
    expect(outputOf(run)).toMatchObject({
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
    expect(outputOf(run)).toMatchObject({
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
    expect(outputOf(run)).toMatchObject({
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
    expect(outputOf(run)).toMatchObject({
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
    expect(outputOf(run)).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
    expect(outputOf(run).reason).toMatch(/nothing was changed$/);
    expect(updateCalls(run)).toBe(0);
    expect(endpoint(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v1' });
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
    expect(outputOf(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(
        /ml\.m5\.large for endpoint usage is 6 instance\(s\): the deployment needs 8 .*nothing was changed/,
      ),
    });
    expect(updateCalls(run)).toBe(0);
    expect(endpoint(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v1' });
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
    expect(outputOf(run)).toMatchObject({ outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v1' });
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
    expect(outputOf(run)).toMatchObject({ outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v1' });
    expect(endpoint(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v1' });
  });

  it('reports a SageMaker that keeps failing with 5xx as rejected after the retries, nothing changed', async () => {
    // Prepare
    const fleet = fleetOf({ extra: 'faults: { serverErrors: { UpdateEndpoint: 1 } }' });

    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE })]);

    // Assess
    expect(run.result.executions[0]!.status).toBe('SUCCEEDED');
    expect(outputOf(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/^TransientAwsError: .*nothing was changed$/),
    });
    expect(updateCalls(run)).toBeGreaterThan(5);
    expect(endpoint(run)).toEqual({ name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v1' });
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
    expect(outputOf(run, 0).outcome).toBe('succeeded');
    expect(outputOf(run, 1)).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
    expect(updateCalls(run, 1)).toBe(0);
    expect(endpoint(run)).toMatchObject({ endpointConfigName: 'cfg-v2' });
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
    expect(outputOf(run, 1)).toMatchObject({ outcome: 'succeeded', prunedConfigs: [] });
    expect(outputOf(run, 2)).toMatchObject({ outcome: 'succeeded', prunedConfigs: ['cfg-v2'] });
    expect(run.result.fleet.endpointConfigs).toEqual(['cfg-v1', 'cfg-v3', 'cfg-blue', 'cfg-v4']);
  });

  it('never deletes a configuration another endpoint uses', async () => {
    // Prepare
    const fleet = fleetOf({ endpoints: '  - { name: ep-2, endpointConfigName: cfg-v2, status: InService }' });

    // Act
    const run = await runFleet(fleet, [deploy('cfg-v2', 0), deploy('cfg-v3', 1000), deploy('cfg-v4', 2000)]);

    // Assess
    expect(outputOf(run, 2)).toMatchObject({ outcome: 'succeeded', prunedConfigs: [] });
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
    const byName = Object.fromEntries(run.result.executions.map((e, i) => [e.name, outputOf(run, i)]));
    const ep2Last = Object.values(byName).find(
      (o) => o.endpointName === 'ep-2' && o.targetEndpointConfigName === 'cfg-v1',
    )!;
    const ep1Bake = Object.values(byName).find(
      (o) => o.endpointName === 'ep-1' && o.targetEndpointConfigName === 'cfg-v2',
    )!;
    expect(ep2Last).toMatchObject({ outcome: 'succeeded', prunedConfigs: [] });
    expect(ep1Bake).toMatchObject({ outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v3' });
    expect(run.result.fleet.endpointConfigs).toContain('cfg-v3');
    expect(endpoint(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v3' });
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
