import type { DeploymentConfig } from '@aws-sdk/client-sagemaker';
import type { CapacitySize, Deployment } from './request.ts';

const TRAFFIC_ROUTING = {
  'all-at-once': 'ALL_AT_ONCE',
  canary: 'CANARY',
  linear: 'LINEAR',
} as const;

const size = ({ type, value }: CapacitySize) => ({ Type: type, Value: value });

/**
 * The UpdateEndpoint `DeploymentConfig` for a request: SageMaker's guardrails (blue/green traffic shifting
 * or rolling batches) with the request's alarms for automatic rollback. Optional timings the request leaves
 * out are left out here too, so SageMaker's own defaults apply.
 *
 * @example toDeploymentConfig({ strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 },
 *   waitIntervalSeconds: 300 }, ['caretaker-ep-1-5xx']).BlueGreenUpdatePolicy?.TrafficRoutingConfiguration
 *   // → { Type: 'CANARY', WaitIntervalInSeconds: 300, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 } }
 */
export function toDeploymentConfig(deployment: Deployment, alarms: string[]): DeploymentConfig {
  const AutoRollbackConfiguration = { Alarms: alarms.map((AlarmName) => ({ AlarmName })) };
  if (deployment.strategy === 'rolling') {
    return {
      RollingUpdatePolicy: {
        MaximumBatchSize: size(deployment.maximumBatchSize),
        WaitIntervalInSeconds: deployment.waitIntervalSeconds,
        ...(deployment.maximumExecutionTimeoutSeconds !== undefined
          ? { MaximumExecutionTimeoutInSeconds: deployment.maximumExecutionTimeoutSeconds }
          : {}),
        ...(deployment.rollbackMaximumBatchSize
          ? { RollbackMaximumBatchSize: size(deployment.rollbackMaximumBatchSize) }
          : {}),
      },
      AutoRollbackConfiguration,
    };
  }
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: TRAFFIC_ROUTING[deployment.strategy],
        WaitIntervalInSeconds: deployment.waitIntervalSeconds,
        ...(deployment.strategy === 'canary' ? { CanarySize: size(deployment.canarySize) } : {}),
        ...(deployment.strategy === 'linear' ? { LinearStepSize: size(deployment.linearStepSize) } : {}),
      },
      ...(deployment.terminationWaitSeconds !== undefined
        ? { TerminationWaitInSeconds: deployment.terminationWaitSeconds }
        : {}),
      ...(deployment.maximumExecutionTimeoutSeconds !== undefined
        ? { MaximumExecutionTimeoutInSeconds: deployment.maximumExecutionTimeoutSeconds }
        : {}),
    },
    AutoRollbackConfiguration,
  };
}

/**
 * The shortest time SageMaker can take to finish the deployment: the traffic steps' waits and the
 * termination wait cannot be skipped, so polling before then only pays for transitions. Instance
 * provisioning comes on top and is unknown, which is why later polls come every interval.
 *
 * @example minimumDeploymentSeconds({ strategy: 'linear', linearStepSize: { type: 'CAPACITY_PERCENT',
 *   value: 25 }, waitIntervalSeconds: 120 }, 4) // → 360 (three waits between four steps)
 */
export function minimumDeploymentSeconds(deployment: Deployment, instanceCount: number): number {
  const steps = (step: CapacitySize) =>
    step.type === 'CAPACITY_PERCENT'
      ? Math.ceil(100 / step.value)
      : Math.ceil(Math.max(1, instanceCount) / step.value);
  switch (deployment.strategy) {
    case 'all-at-once':
      return deployment.waitIntervalSeconds + (deployment.terminationWaitSeconds ?? 0);
    case 'canary':
      return deployment.waitIntervalSeconds + (deployment.terminationWaitSeconds ?? 0);
    case 'linear':
      return (
        (steps(deployment.linearStepSize) - 1) * deployment.waitIntervalSeconds +
        (deployment.terminationWaitSeconds ?? 0)
      );
    case 'rolling':
      return (steps(deployment.maximumBatchSize) - 1) * deployment.waitIntervalSeconds;
  }
}
