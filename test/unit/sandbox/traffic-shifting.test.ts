import type { DeploymentConfig } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { trafficPlan } from '../../../sandbox/emulator/endpoints.ts';

const blueGreen = (
  routing: NonNullable<DeploymentConfig['BlueGreenUpdatePolicy']>['TrafficRoutingConfiguration'],
  terminationWait?: number,
): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: routing,
    ...(terminationWait !== undefined ? { TerminationWaitInSeconds: terminationWait } : {}),
  },
});

const newShares = (deployment: DeploymentConfig | undefined, capacity: number) =>
  trafficPlan(deployment, capacity).steps.map((s) => [s.offsetSeconds, s.weights.new]);

describe('trafficPlan', () => {
  it('shifts everything at once and removes the old fleet at once when no DeploymentConfig is given', () => {
    // Prepare: without guardrails SageMaker uses "a blue/green deployment with all at once traffic shifting
    // and no final baking period" (developer guide, deployment guardrails "Exclusions").
    const capacity = 2;

    // Act
    const plan = trafficPlan(undefined, capacity);

    // Assess
    expect(plan).toEqual({
      steps: [{ offsetSeconds: 0, weights: { old: 0, new: 100 } }],
      guardedUntilSeconds: 0,
      doneAtSeconds: 0,
    });
  });

  it('bakes an all-at-once shift for the wait interval, then keeps the old fleet for the termination wait unwatched', () => {
    // Prepare: the baking period starts once the green fleet takes the traffic; TerminationWaitInSeconds is
    // "additional waiting time … after the completion of an endpoint deployment" (API reference,
    // BlueGreenUpdatePolicy), so the alarms guard the bake only.
    const deployment = blueGreen({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 300 }, 120);

    // Act
    const plan = trafficPlan(deployment, 4);

    // Assess
    expect(newShares(deployment, 4)).toEqual([[0, 100]]);
    expect(plan.guardedUntilSeconds).toBe(300);
    expect(plan.doneAtSeconds).toBe(420);
  });

  it('sends the canary first, the rest after the wait interval, then bakes the full shift once more before the termination wait', () => {
    // Prepare: "If none of the alarms trip, then all of the traffic shifts to the green fleet and there is a
    // final baking period", and the termination wait comes "after the final baking period" (developer guide,
    // "Use canary traffic shifting"). The baking period is WaitIntervalInSeconds; the guide names no other
    // length for the final one.
    const deployment = blueGreen(
      { Type: 'CANARY', WaitIntervalInSeconds: 300, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 } },
      60,
    );

    // Act
    const plan = trafficPlan(deployment, 4);

    // Assess
    expect(plan.steps).toEqual([
      { offsetSeconds: 0, weights: { old: 75, new: 25 } },
      { offsetSeconds: 300, weights: { old: 0, new: 100 } },
    ]);
    expect(plan.guardedUntilSeconds).toBe(600);
    expect(plan.doneAtSeconds).toBe(660);
  });

  it('turns a canary given in instances into the share of the new fleet they carry', () => {
    // Prepare
    const deployment = blueGreen({
      Type: 'CANARY',
      WaitIntervalInSeconds: 600,
      CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 },
    });

    // Act
    const shares = newShares(deployment, 5);

    // Assess
    expect(shares).toEqual([
      [0, 20],
      [600, 100],
    ]);
  });

  it('moves a linear step every wait interval until all traffic is on the new fleet, then bakes it once more', () => {
    // Prepare: each linear step bakes for the wait interval, the last one too ("Use linear traffic shifting":
    // the termination wait comes "after the final baking period").
    const deployment = blueGreen(
      { Type: 'LINEAR', WaitIntervalInSeconds: 120, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 } },
      30,
    );

    // Act
    const plan = trafficPlan(deployment, 4);

    // Assess
    expect(newShares(deployment, 4)).toEqual([
      [0, 25],
      [120, 50],
      [240, 75],
      [360, 100],
    ]);
    expect(plan.guardedUntilSeconds).toBe(480);
    expect(plan.doneAtSeconds).toBe(510);
  });

  it('ends a linear shift whose step does not divide 100 with a full shift, not beyond it', () => {
    // Prepare
    const deployment = blueGreen({
      Type: 'LINEAR',
      WaitIntervalInSeconds: 60,
      LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 },
    });

    // Act
    const shares = newShares(deployment, 3);

    // Assess
    expect(shares).toEqual([
      [0, 33],
      [60, 67],
      [120, 100],
    ]);
  });

  it('replaces a rolling fleet batch by batch and bakes every batch for the wait interval', () => {
    // Prepare: WaitIntervalInSeconds is "the length of the baking period, during which SageMaker monitors
    // alarms for each batch on the new fleet" (API reference, RollingUpdatePolicy).
    const deployment: DeploymentConfig = {
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 2 },
        WaitIntervalInSeconds: 200,
      },
    };

    // Act
    const plan = trafficPlan(deployment, 5);

    // Assess
    expect(newShares(deployment, 5)).toEqual([
      [0, 40],
      [200, 80],
      [400, 100],
    ]);
    expect(plan.guardedUntilSeconds).toBe(600);
    expect(plan.doneAtSeconds).toBe(600);
  });

  it('rounds a rolling batch given in percent up to whole instances', () => {
    // Prepare
    const deployment: DeploymentConfig = {
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 30 },
        WaitIntervalInSeconds: 60,
      },
    };

    // Act
    const shares = newShares(deployment, 4);

    // Assess
    expect(shares).toEqual([
      [0, 50],
      [60, 100],
    ]);
  });

  it('keeps old and new shares summing to 100 at every step', () => {
    // Prepare
    const deployments = [
      blueGreen({
        Type: 'LINEAR',
        WaitIntervalInSeconds: 1,
        LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 3 },
      }),
      blueGreen({
        Type: 'CANARY',
        WaitIntervalInSeconds: 1,
        CanarySize: { Type: 'INSTANCE_COUNT', Value: 3 },
      }),
    ];

    // Act
    const steps = deployments.flatMap((d) => trafficPlan(d, 7).steps);

    // Assess
    expect(steps.length).toBeGreaterThan(2);
    for (const step of steps) expect(step.weights.old + step.weights.new).toBe(100);
  });
});
