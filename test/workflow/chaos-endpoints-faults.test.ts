import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { POLL_SECONDS } from '#lib/endpoint/constants';
import { parseEndpointUpdateInput } from '#lib/endpoint/request';
import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox } from '../../sandbox/runner.ts';
import { chaosSeeds } from '../support/chaos.ts';
import {
  ALL_AT_ONCE,
  alarmLine,
  at,
  completedEvents,
  endpointFleet,
  endpointOutput,
  endpointState,
  updateRequested,
} from '../support/endpoints.ts';
import { endpointGuarantees } from '../support/invariants.ts';
import { runFleet } from '../support/sandbox.ts';

/**
 * Endpoints stay recoverable and every update reports, under the faults issue 12 measured: answers lost after
 * UpdateEndpoint acted (the deployment's and caretaker's rollback's), a step that crashes or times out after
 * its call, a ledger that throttles and fails during the bake, an execution that times out. Each scenario
 * runs over several seeds (`faults.seed`, and where it says so the timing); every endpoint guarantee is
 * checked on every run (test/support/invariants.ts).
 */

/** An alarm that fires during the bake (an all-at-once deployment is live ~120 s in), on odd seeds only. */
const bakeAlarm = (seed: number) =>
  seed % 2 === 1
    ? alarmLine('ep-1', `, flips: [{ atSeconds: ${300 + 20 * (seed % 20)}, state: ALARM }]`)
    : alarmLine('ep-1');
const expected = (seed: number) =>
  seed % 2 === 1
    ? { outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v1' }
    : { outcome: 'succeeded', liveEndpointConfigName: 'cfg-v2' };

describe.each(chaosSeeds())('endpoint updates under faults, seed %i', (seed) => {
  const id = (name: string) => `${name}-${seed}`;

  it('judges lost UpdateEndpoint answers by the endpoint, for the deployment and for the rollback', async () => {
    // Prepare: half the UpdateEndpoint answers (which ones moves with the seed) are lost after the call acted.
    const fleet = endpointFleet({
      alarms: [bakeAlarm(seed)],
      extra: `faults:\n  seed: ${seed}\n  lostResponses: { UpdateEndpoint: 0.5 }`,
    });
    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE }, at(0), id('lost'))]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointOutput(run)).toMatchObject(expected(seed));
    expect(endpointState(run)).toMatchObject({
      status: 'InService',
      endpointConfigName: expected(seed).liveEndpointConfigName,
    });
    expect(run.result.executions[0]!.stats.sagemakerCalls.UpdateEndpoint).toBeGreaterThanOrEqual(
      seed % 2 === 1 ? 2 : 1,
    );
  });

  it.each([
    ['preflight', 'Lambda.Unknown', 'after-call'],
    ['preflight', 'timeout', 'after-call'],
    ['start-update', 'Lambda.Unknown', 'after-call'],
    ['start-update', 'timeout', 'after-call'],
    ['check-deployment', 'Lambda.Unknown', 'after-call'],
    ['check-deployment', 'timeout', 'after-call'],
    ['watch-alarms', 'Lambda.Unknown', 'after-call'],
    ['watch-alarms', 'timeout', 'after-call'],
    ['rollback', 'Lambda.Unknown', 'after-call'],
    ['rollback', 'timeout', 'after-call'],
    ['finalize', 'Lambda.Unknown', 'before-call'],
    ['finalize', 'timeout', 'before-call'],
    ['alarm-fired', 'Lambda.Unknown', 'after-call'],
    ['alarm-fired', 'timeout', 'after-call'],
  ])(
    'keeps the endpoint recoverable and reports when endpoint/%s fails (%s, %s)',
    async (step, error, when) => {
      // Prepare: 40% of the step's invocations fail around their first change (or as they return, if they
      // make none); which ones moves with the seed. The rollback step, and the function that notes the
      // alarm's event, run only when the bake alarms.
      const fleet = endpointFleet({
        alarms: [bakeAlarm(step === 'rollback' || step === 'alarm-fired' ? 1 : seed)],
        extra: `faults:\n  seed: ${seed}\n  lambda:\n    endpoint/${step}: { error: ${error}, when: ${when}, rate: 0.4 }`,
      });
      // Act
      const run = await runFleet(fleet, [
        updateRequested({ deployment: ALL_AT_ONCE }, at(0), id(`${step}-${error}`)),
      ]);
      // Assess
      const [execution] = run.result.executions;
      expect(endpointGuarantees(run)).toEqual([]);
      expect(completedEvents(run, execution!.name).length).toBeGreaterThanOrEqual(1);
    },
  );

  it('survives crashes of the recovery step itself while the deployment is watched', async () => {
    // Prepare: the deployment's look and the step that sends a failed look back both crash half the time.
    const fleet = endpointFleet({
      alarms: [bakeAlarm(seed)],
      extra: `faults:
  seed: ${seed}
  lambda:
    endpoint/check-deployment: { error: Lambda.Unknown, when: after-call, rate: 0.5 }
    endpoint/recover: { error: Lambda.Unknown, when: after-call, rate: 0.5 }`,
    });
    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE }, at(0), id('recover'))]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    expect(completedEvents(run, run.result.executions[0]!.name).length).toBeGreaterThanOrEqual(1);
  });

  it('prunes through a Finalize that crashes after its first deletion, and reports once the rule runs it again', async () => {
    // Prepare: three deployments keep one configuration; the third's Finalize crashes after DeleteEndpointConfig.
    const fleet = endpointFleet({
      extra: `faults:\n  seed: ${seed}\n  lambda:\n    endpoint/finalize: { error: Lambda.Unknown, when: after-call, rate: 0.5 }`,
    });
    const deploy = (target: string, seconds: number) =>
      updateRequested(
        { targetEndpointConfigName: target, deployment: ALL_AT_ONCE, retainConfigs: 1, bakeSeconds: 60 },
        at(seconds),
        id(`prune-${target}`),
      );
    // Act
    const run = await runFleet(fleet, [deploy('cfg-v2', 0), deploy('cfg-v3', 600), deploy('cfg-v4', 1200)]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointState(run)).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v4' });
    expect(run.result.fleet.endpointConfigs).toEqual(['cfg-v1', 'cfg-v3', 'cfg-v4']);
  });

  it('never ends the bake early on DynamoDB throttling and errors, and rolls back when the alarm fires', async () => {
    // Prepare
    const fleet = endpointFleet({
      alarms: [bakeAlarm(seed)],
      extra: `faults:
  seed: ${seed}
  dynamodb: { throttle: { GetItem: 0.4, UpdateItem: 0.3, PutItem: 0.3 }, serverErrors: { GetItem: 0.3, UpdateItem: 0.1 } }`,
    });
    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE }, at(0), id('ledger'))]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointOutput(run)).toMatchObject(expected(seed));
    // The bake of 600 s begins once the deployment is live, 120 s in.
    if (seed % 2 === 0) expect(run.result.executions[0]!.stats.virtualSeconds).toBeGreaterThanOrEqual(720);
  });
});

describe.each(chaosSeeds())('the rollback after an alarm, seed %i', (seed) => {
  it('calls UpdateEndpoint back to the previous configuration within one poll interval of the ALARM', async () => {
    // Prepare: the alarm fires at a moment of the bake that moves with the seed against the 30 s polls.
    const flip = 200 + 17 * (seed % 40) + (seed % 7);
    const fleet = endpointFleet({
      alarms: [alarmLine('ep-1', `, flips: [{ atSeconds: ${flip}, state: ALARM }]`)],
      extra: `faults:\n  seed: ${seed}`,
    });
    // Act
    const run = await runFleet(fleet, [
      updateRequested({ deployment: ALL_AT_ONCE, bakeSeconds: 900 }, at(0), `latency-${seed}`),
    ]);
    // Assess: from the state change the alarm's event carried to caretaker's own UpdateEndpoint.
    expect(endpointGuarantees(run)).toEqual([]);
    const alarmed = run.alarmHistory.find((a) => a.state === 'ALARM' && a.at > run.start)!;
    const [, rollback] = run.journal.filter((e) => e.operation === 'UpdateEndpoint' && e.outcome === 'ok');
    expect(alarmed.at - run.start).toBe(flip * 1000);
    expect(rollback!.at - alarmed.at).toBeGreaterThanOrEqual(0);
    expect(rollback!.at - alarmed.at).toBeLessThanOrEqual(POLL_SECONDS * 1000);
  });
});

/**
 * The endpoint-update definition with a short execution timeout, so that an execution times out on a test's
 * budget: the same ASL file, one field changed (its name ends in `endpoint-update`, as the deployed one's
 * does, so the status-change rule takes its executions too).
 */
const SHORT = 'short-endpoint-update';
function shortLived(timeoutSeconds: number): Record<string, unknown> {
  const text = readFileSync(
    join(import.meta.dirname, '../../statemachines/endpoint-update.asl.yaml'),
    'utf8',
  );
  return { ...(parse(text) as Record<string, unknown>), TimeoutSeconds: timeoutSeconds };
}

describe.each(chaosSeeds())('endpoint updates whose execution times out, seed %i', (seed) => {
  it('reports a timed-out execution through the status-change rule, and holds an endpoint still moving', async () => {
    // Prepare: a canary (live at ~120 s, shifted at 420 s, done at 720 s) under an execution that times out
    // somewhere between its first look and the end of its bake, by the seed.
    const timeout = 150 + ((seed * 97) % 20) * 60;
    const requestId = `short-${seed}`;
    const fleet = parseFleet(endpointFleet(), 'chaos-fleet.yml');
    // As from-request starts it: the request with its defaults filled in.
    const input = parseEndpointUpdateInput({
      requestId,
      endpointName: 'ep-1',
      targetEndpointConfigName: 'cfg-v2',
      deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
      alarms: ['caretaker-ep-1-5xx'],
      bakeSeconds: 900,
    });
    // Act: a second request for the endpoint comes right after the timeout.
    const run = await runSandbox(
      fleet,
      [
        updateRequested(
          { targetEndpointConfigName: 'cfg-v3', deployment: ALL_AT_ONCE },
          at(timeout + 5),
          `after-${seed}`,
        ),
      ],
      {
        stateMachines: { [SHORT]: shortLived(timeout) },
        executions: [{ stateMachine: SHORT, name: requestId, input }],
      },
    );
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    const timedOut = run.result.executions.find((e) => e.name === requestId)!;
    expect(timedOut.status).toBe('TIMED_OUT');
    const [report] = completedEvents(run, requestId);
    expect(report?.detail).toMatchObject({ outcome: 'failed', executionEnded: 'TIMED_OUT' });
    const second = run.result.executions.find((e) => e.name !== requestId)!.output as { outcome: string };
    // Still moving at the timeout: held, so the second request is refused; settled: released, so it may run.
    if ((report?.detail as { heldUntil?: string }).heldUntil) expect(second.outcome).toBe('rejected');
    else expect(second.outcome).not.toBe('rejected');
  });
});
