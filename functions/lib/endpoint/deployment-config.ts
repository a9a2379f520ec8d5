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
        // Unset, SageMaker's own rollback brings the whole old fleet up at once, which needs more instances
        // than the rolling deployment did: batch it like the deployment, so it fits whenever that fitted.
        RollbackMaximumBatchSize: size(rollbackBatchSize(deployment)),
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

/** The batch a rolling deployment rolls back in: the request's, else the deployment's own batch size. */
export function rollbackBatchSize(deployment: Extract<Deployment, { strategy: 'rolling' }>): CapacitySize {
  return deployment.rollbackMaximumBatchSize ?? deployment.maximumBatchSize;
}

/**
 * How many instances of the previous fleet caretaker's rolling rollback brings up at a time: the request's
 * rollback batch (else its deployment batch), but no more than half the fleet, the most a rolling batch may
 * be (UpdateEndpoint, RollingUpdatePolicy.MaximumBatchSize).
 */
export function rollbackBatchInstances(
  deployment: Extract<Deployment, { strategy: 'rolling' }>,
  previousInstances: number,
): number {
  const wanted = instancesOf(rollbackBatchSize(deployment), previousInstances);
  return Math.max(1, Math.min(wanted, Math.floor(previousInstances / 2)));
}

/**
 * The DeploymentConfig of caretaker's own rollback to the previous configuration, chosen so that the
 * rollback fits the instance quota whenever the deployment did: a rolling deployment is rolled back rolling,
 * in its rollback batches and without waits (the old fleet was proven before); a blue/green one all at
 * once (`undefined`: SageMaker's default), which needs room for the previous fleet beside the new one —
 * exactly the room the deployment needed for the new fleet beside the previous one.
 *
 * @example rollbackDeploymentConfig({ strategy: 'rolling', maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
 *   waitIntervalSeconds: 300 }, 4)?.RollingUpdatePolicy?.MaximumBatchSize // → { Type: 'INSTANCE_COUNT', Value: 1 }
 */
export function rollbackDeploymentConfig(
  deployment: Deployment,
  previousInstances: number,
): DeploymentConfig | undefined {
  if (deployment.strategy !== 'rolling') return undefined;
  const batch = rollbackBatchInstances(deployment, previousInstances);
  return {
    RollingUpdatePolicy: {
      MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: batch },
      WaitIntervalInSeconds: 0,
    },
  };
}

/** How many instances a capacity size is for a variant of `instanceCount` (a share rounds up, at least one). */
export function instancesOf(step: CapacitySize, instanceCount: number): number {
  return step.type === 'INSTANCE_COUNT'
    ? step.value
    : Math.max(1, Math.ceil((step.value / 100) * instanceCount));
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
