/**
 * The names the endpoint-update workflow shares between its handlers, its ASL and its tests. The ASL's
 * `Route` Choice compares `$.state.next` against exactly the values of {@link NEXT} (a contract test keeps
 * the two in step), so no Choice ever reads a raw AWS field.
 */

/** `EndpointStatus` as DescribeEndpoint returns it. */
export const ENDPOINT_STATUS = {
  outOfService: 'OutOfService',
  creating: 'Creating',
  updating: 'Updating',
  systemUpdating: 'SystemUpdating',
  rollingBack: 'RollingBack',
  inService: 'InService',
  deleting: 'Deleting',
  failed: 'Failed',
  updateRollbackFailed: 'UpdateRollbackFailed',
} as const;

/** Statuses from which the endpoint will move on by itself: keep waiting. */
export const IN_PROGRESS_STATUSES: readonly string[] = [
  ENDPOINT_STATUS.creating,
  ENDPOINT_STATUS.updating,
  ENDPOINT_STATUS.systemUpdating,
  ENDPOINT_STATUS.rollingBack,
];

export const ALARM_STATE = {
  ok: 'OK',
  alarm: 'ALARM',
  insufficientData: 'INSUFFICIENT_DATA',
} as const;
export type AlarmState = (typeof ALARM_STATE)[keyof typeof ALARM_STATE];

export const OUTCOME = {
  succeeded: 'succeeded',
  autoRolledBack: 'auto-rolled-back',
  rolledBack: 'rolled-back',
  failed: 'failed',
  rejected: 'rejected',
  /** Live on the target, but an alarm never had data during the bake: not proven, a person should look. */
  unverified: 'unverified',
} as const;
export type EndpointOutcome = (typeof OUTCOME)[keyof typeof OUTCOME];

/** Where the state machine goes after a step: the values of the ASL `Route` Choice. */
export const NEXT = {
  startUpdate: 'StartUpdate',
  waitForDeployment: 'WaitForDeployment',
  bake: 'Bake',
  rollback: 'Rollback',
  waitForRollback: 'WaitForRollback',
  finalize: 'Finalize',
} as const;
export type EndpointNext = (typeof NEXT)[keyof typeof NEXT];

export const EVENT = {
  completed: 'Endpoint Update Completed',
  rolledBack: 'Endpoint Rolled Back',
} as const;

/** How often the waits look again. Every state transition is billed, and alarms change per minute at best. */
export const POLL_SECONDS = 30;
/**
 * How many step failures in a row after UpdateEndpoint (maybe) took effect the workflow survives by going back
 * to watching the endpoint, before it reports `failed` with what is live. A step that returns resets the count:
 * sporadic crashes never end the watch, the deadlines of each wait do.
 */
export const MAX_RECOVERIES = 5;
/** How long caretaker's own all-at-once rollback may take before it is reported as failed. */
export const ROLLBACK_TIMEOUT_SECONDS = 3600;
/** SageMaker's own ceiling for a deployment (`MaximumExecutionTimeoutInSeconds` at most 28,800). */
export const MAX_DEPLOYMENT_SECONDS = 28_800;
/** Slack on top of the deployment timeout for provisioning and the termination wait. */
export const DEPLOYMENT_SLACK_SECONDS = 3600;
/**
 * How long an execution that concludes while its endpoint is still moving keeps holding it: SageMaker's
 * longest deployment and the slack on top, so the hold outlasts whatever SageMaker is still doing.
 */
export const HOLD_WHILE_MOVING_SECONDS = MAX_DEPLOYMENT_SECONDS + DEPLOYMENT_SLACK_SECONDS;
/**
 * The tag caretaker puts on each configuration it deploys, per endpoint (a configuration can serve several),
 * valued with when: pruning deletes only configurations that carry it for the endpoint it prunes for.
 */
export const DEPLOYED_TO_TAG = (endpointName: string) => `caretaker:deployed-to:${endpointName}`;
/**
 * The longest an endpoint-update execution can run (deployment, twice the longest bake, rollback): the
 * ASL's `TimeoutSeconds`. A ledger hold older than this belongs to an execution that is gone.
 */
export const EXECUTION_TIMEOUT_SECONDS = 216_000;
