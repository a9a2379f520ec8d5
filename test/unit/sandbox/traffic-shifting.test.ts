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
    // Prepare
    const capacity = 2;

    // Act
    const plan = trafficPlan(undefined, capacity);

    // Assess
    expect(plan).toEqual({ steps: [{ offsetSeconds: 0, weights: { old: 0, new: 100 } }], doneAtSeconds: 0 });
  });

  it('bakes an all-at-once shift for the wait interval, then keeps the old fleet for the termination wait', () => {
    // Prepare
    const deployment = blueGreen({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 300 }, 120);

    // Act
    const plan = trafficPlan(deployment, 4);

    // Assess
    expect(newShares(deployment, 4)).toEqual([[0, 100]]);
    expect(plan.doneAtSeconds).toBe(420);
  });

  it('sends the canary percentage first and the rest after the wait interval', () => {
    // Prepare
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
    expect(plan.doneAtSeconds).toBe(360);
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

  it('moves a linear step every wait interval until all traffic is on the new fleet', () => {
    // Prepare
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
    expect(plan.doneAtSeconds).toBe(390);
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
    // Prepare
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
