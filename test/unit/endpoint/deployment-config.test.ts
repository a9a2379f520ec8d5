import { describe, expect, it } from 'vitest';
import { minimumDeploymentSeconds, toDeploymentConfig } from '#lib/endpoint/deployment-config';
import { parseEndpointUpdateRequest, type Deployment } from '#lib/endpoint/request';

const deployment = (d: Record<string, unknown>): Deployment =>
  parseEndpointUpdateRequest({
    endpointName: 'ep-1',
    targetEndpointConfigName: 'cfg-v2',
    deployment: d,
    alarms: ['a'],
  }).deployment;

const ALARMS = {
  AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'caretaker-5xx' }, { AlarmName: 'caretaker-latency' }] },
};

describe('the UpdateEndpoint DeploymentConfig', () => {
  it('shifts a canary first, with the alarms for automatic rollback', () => {
    // Act
    const config = toDeploymentConfig(
      deployment({
        strategy: 'canary',
        canarySize: { type: 'CAPACITY_PERCENT', value: 25 },
        waitIntervalSeconds: 300,
        terminationWaitSeconds: 120,
        maximumExecutionTimeoutSeconds: 1800,
      }),
      ['caretaker-5xx', 'caretaker-latency'],
    );

    // Assess
    expect(config).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'CANARY',
          WaitIntervalInSeconds: 300,
          CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 },
        },
        TerminationWaitInSeconds: 120,
        MaximumExecutionTimeoutInSeconds: 1800,
      },
      ...ALARMS,
    });
  });

  it('steps linearly and leaves out the timings the request leaves to SageMaker', () => {
    // Act
    const config = toDeploymentConfig(
      deployment({
        strategy: 'linear',
        linearStepSize: { type: 'INSTANCE_COUNT', value: 1 },
        waitIntervalSeconds: 60,
      }),
      ['caretaker-5xx', 'caretaker-latency'],
    );

    // Assess
    expect(config).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'LINEAR',
          WaitIntervalInSeconds: 60,
          LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 },
        },
      },
      ...ALARMS,
    });
  });

  it('shifts everything at once with no size', () => {
    // Act
    const config = toDeploymentConfig(deployment({ strategy: 'all-at-once' }), [
      'caretaker-5xx',
      'caretaker-latency',
    ]);

    // Assess
    expect(config.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration).toEqual({
      Type: 'ALL_AT_ONCE',
      WaitIntervalInSeconds: 0,
    });
  });

  it('replaces a rolling update in batches, rolling back in its own batch size', () => {
    // Act
    const config = toDeploymentConfig(
      deployment({
        strategy: 'rolling',
        maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 50 },
        rollbackMaximumBatchSize: { type: 'CAPACITY_PERCENT', value: 100 },
        waitIntervalSeconds: 120,
        maximumExecutionTimeoutSeconds: 3600,
      }),
      ['caretaker-5xx', 'caretaker-latency'],
    );

    // Assess
    expect(config).toEqual({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 50 },
        RollbackMaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 100 },
        WaitIntervalInSeconds: 120,
        MaximumExecutionTimeoutInSeconds: 3600,
      },
      ...ALARMS,
    });
  });
});

describe('the earliest a deployment can end', () => {
  it.each([
    [{ strategy: 'all-at-once', waitIntervalSeconds: 60, terminationWaitSeconds: 30 }, 4, 90],
    [
      { strategy: 'canary', canarySize: { type: 'INSTANCE_COUNT', value: 1 }, waitIntervalSeconds: 300 },
      4,
      300,
    ],
    [
      {
        strategy: 'linear',
        linearStepSize: { type: 'CAPACITY_PERCENT', value: 25 },
        waitIntervalSeconds: 120,
      },
      4,
      360,
    ],
    [
      { strategy: 'linear', linearStepSize: { type: 'INSTANCE_COUNT', value: 2 }, waitIntervalSeconds: 100 },
      6,
      200,
    ],
    [
      {
        strategy: 'rolling',
        maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
        waitIntervalSeconds: 60,
      },
      3,
      120,
    ],
  ])('is the sum of the waits the guardrail cannot skip for %j on %i instances', (d, instances, seconds) => {
    // Act
    const minimum = minimumDeploymentSeconds(deployment(d), instances);

    // Assess
    expect(minimum).toBe(seconds);
  });
});
