import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describeAlarms } from '../aws/cloudwatch.ts';
import { toDeploymentConfig } from './deployment-config.ts';
import {
  DEPLOYMENT_SLACK_SECONDS,
  EVENT,
  EXECUTION_TIMEOUT_SECONDS,
  MAX_DEPLOYMENT_SECONDS,
  NEXT,
  OUTCOME,
  POLL_SECONDS,
  ROLLBACK_TIMEOUT_SECONDS,
  type EndpointNext,
  type EndpointOutcome,
} from './constants.ts';
import {
  alarmCause,
  bakeVerdict,
  classifyDeployment,
  configsToPrune,
  rollbackReason,
  type AlarmCause,
} from './decisions.ts';
import type { EndpointUpdateRequest } from './request.ts';
import { AwsRequestError, NotFoundError, ValidationError } from '../errors.ts';
import {
  holdEndpoint,
  readEndpointRecord,
  recordEndpointAlarm,
  recordEndpointConfigs,
  releaseEndpoint,
} from '../aws/ledger/endpoints.ts';
import { putEvents, type EventClients, type OutgoingEvent } from '../aws/eventbridge.ts';
import { permissionsOf } from '../iam.ts';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { metrics } from '../observability.ts';
import {
  deleteEndpointConfig,
  describeEndpoint,
  listEndpoints,
  updateEndpoint,
  type EndpointView,
} from '../aws/sagemaker/endpoints.ts';

/**
 * The steps of the endpoint-update workflow. Each reads the endpoint's real state first, decides with the
 * pure functions of `decisions.ts`, acts, and returns the workflow's small state with `next` (the
 * value the ASL `Route` Choice switches on) and `wait` (the next Wait's seconds).
 *
 *   Preflight ─▶ StartUpdate ─▶ WaitForDeployment ⇄ CheckDeployment ─succeeded─▶ Bake ⇄ WatchAlarms ─▶ Finalize
 *       │ refused                    │ auto-rolled-back / failed            │ ALARM
 *       └──────────────▶ Finalize ◀──┘                                      └─▶ Rollback ⇄ WaitForRollback ─▶ Finalize
 */

/** What the endpoint steps talk to; handlers pass the module-level clients, tests their own. */
export interface EndpointDeps {
  sagemaker: SageMakerClient;
  cloudwatch: CloudWatchClient;
  ledger: LedgerClients;
  events: EventClients;
  now: () => number;
}

/** The workflow's memory between steps (`$.state`), kept small: names, times, one alarm. */
export interface EndpointUpdateState {
  next: EndpointNext;
  wait?: number;
  outcome?: EndpointOutcome;
  reason?: string;
  endpointArn?: string;
  previousEndpointConfigName?: string;
  /** When UpdateEndpoint was accepted (ISO): the deployment, and caretaker's hold on the endpoint, began. */
  startedAt?: string;
  /** The current wait loop gives up after this (ISO). */
  deadline?: string;
  bakeUntil?: string;
  bakeExtended?: boolean;
  /** The alarm behind a rollback, SageMaker's or caretaker's. */
  cause?: AlarmCause;
  rollbackStartedAt?: string;
  inconclusive?: string[];
}

/** A step's input: the execution input (the request) with the state and, after a Catch, the error. */
export interface StepInput {
  state?: EndpointUpdateState;
  error?: { Error?: string; Cause?: string };
  [field: string]: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The request, as Preflight validated it (every execution passes Preflight first). */
export function requestOf(input: StepInput): EndpointUpdateRequest {
  const { state: _state, error: _error, ...request } = input;
  return request as EndpointUpdateRequest;
}

function stateOf(input: StepInput): EndpointUpdateState {
  if (!input.state) throw new ValidationError([{ field: 'state', message: 'is required after Preflight' }]);
  return input.state;
}

const finish = (
  state: Omit<EndpointUpdateState, 'next'>,
  outcome: EndpointOutcome,
  reason: string,
): EndpointUpdateState => {
  const { wait: _wait, deadline: _deadline, ...kept } = state;
  return { ...kept, next: NEXT.finalize, outcome, reason };
};

export const startUpdatePermissions = permissionsOf(
  holdEndpoint,
  updateEndpoint,
  describeEndpoint,
  releaseEndpoint,
  recordEndpointConfigs,
);

/**
 * Takes the endpoint in the ledger (the hold lasts until Finalize, the bake included) and calls
 * UpdateEndpoint with the guardrail DeploymentConfig. When another request holds the endpoint, or SageMaker
 * refuses (quota short, another update in progress), the request ends `rejected`: the endpoint never
 * changed. Safe to retry: an update already moving to the target under our hold counts as started.
 */
export async function startUpdate(input: StepInput, deps: EndpointDeps): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const previous = state.previousEndpointConfigName!;
  const target = request.targetEndpointConfigName;
  const now = deps.now();
  const hold = await holdEndpoint(
    deps.ledger,
    request.endpointName,
    request.requestId,
    now,
    now + EXECUTION_TIMEOUT_SECONDS * 1000,
  );
  if (!hold.held) {
    return finish(
      state,
      OUTCOME.rejected,
      `request ${hold.holder} holds endpoint ${request.endpointName}${hold.since ? ` since ${hold.since}` : ''} (one deployment per endpoint at a time); nothing was changed`,
    );
  }
  try {
    await updateEndpoint(
      deps.sagemaker,
      request.endpointName,
      target,
      toDeploymentConfig(request.deployment, request.alarms),
    );
  } catch (err) {
    if (!(err instanceof AwsRequestError || err instanceof NotFoundError)) throw err;
    const endpoint = await describeEndpoint(deps.sagemaker, request.endpointName);
    if (!(endpoint?.pendingEndpointConfigName === target && endpoint.status !== 'InService')) {
      await releaseEndpoint(deps.ledger, request.endpointName, request.requestId);
      return finish(
        state,
        OUTCOME.rejected,
        `SageMaker refused the update of ${request.endpointName} to ${target}: ${err.message}; nothing was changed`,
      );
    }
  }
  // The previous configuration was live until now; the target is from now on.
  await recordEndpointConfigs(deps.ledger, request.endpointName, request.requestId, {
    ...hold.record.configs,
    [previous]: iso(now - 1),
    [target]: iso(now),
  });
  const timeout =
    (request.deployment.maximumExecutionTimeoutSeconds ?? MAX_DEPLOYMENT_SECONDS) +
    ('terminationWaitSeconds' in request.deployment ? (request.deployment.terminationWaitSeconds ?? 0) : 0) +
    DEPLOYMENT_SLACK_SECONDS;
  return {
    ...state,
    next: NEXT.waitForDeployment,
    startedAt: iso(now),
    deadline: iso(now + timeout * 1000),
  };
}

export const checkDeploymentPermissions = permissionsOf(describeEndpoint, describeAlarms);

/**
 * One look at the deployment. Succeeded → bake; SageMaker rolled back by itself (the endpoint is InService
 * on the previous configuration) → report it with the alarm that made it do so; still moving → look again.
 */
export async function checkDeployment(input: StepInput, deps: EndpointDeps): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const now = deps.now();
  const endpoint = await describeEndpoint(deps.sagemaker, request.endpointName);
  if (!endpoint) return finish(state, OUTCOME.failed, `endpoint ${request.endpointName} disappeared`);
  const { verdict, reason } = classifyDeployment(
    endpoint,
    request.targetEndpointConfigName,
    state.previousEndpointConfigName!,
  );
  switch (verdict) {
    case 'in-progress':
      if (now > Date.parse(state.deadline!)) {
        return finish(
          state,
          OUTCOME.failed,
          `${reason} past the deployment deadline ${state.deadline}: needs attention`,
        );
      }
      return { ...state, next: NEXT.waitForDeployment, wait: POLL_SECONDS };
    case OUTCOME.succeeded:
      if (request.bakeSeconds === 0)
        return finish(state, OUTCOME.succeeded, `${reason}; no bake was asked for`);
      return {
        ...state,
        next: NEXT.bake,
        wait: Math.min(POLL_SECONDS, request.bakeSeconds),
        bakeUntil: iso(now + request.bakeSeconds * 1000),
      };
    case OUTCOME.autoRolledBack: {
      const firing = (await describeAlarms(deps.cloudwatch, request.alarms)).find((a) => a.state === 'ALARM');
      if (!firing) return finish(state, OUTCOME.autoRolledBack, reason);
      const cause = alarmCause(firing);
      return finish(
        { ...state, cause },
        OUTCOME.autoRolledBack,
        `SageMaker rolled ${endpoint.name} back to ${endpoint.endpointConfigName}: ${rollbackReason(cause)}`,
      );
    }
    default:
      return finish(state, verdict, reason);
  }
}

export const watchAlarmsPermissions = permissionsOf(describeAlarms, readEndpointRecord);

/**
 * One look at the alarms during the bake. The alarms' current states come from DescribeAlarms; an ALARM
 * that came and went between two looks is not lost, because the `alarm-fired` function recorded it on the
 * ledger from the alarm's state change event (see `recordAlarm`). Either way the rollback starts at the
 * next look, at most one poll interval (30 s) after the alarm fired.
 */
export async function watchAlarms(input: StepInput, deps: EndpointDeps): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const [alarms, record] = await Promise.all([
    describeAlarms(deps.cloudwatch, request.alarms),
    readEndpointRecord(deps.ledger, request.endpointName),
  ]);
  const recorded =
    record.alarm && Date.parse(record.alarm.at) >= Date.parse(state.startedAt!) ? record.alarm : undefined;
  const verdict = bakeVerdict({
    watched: request.alarms,
    alarms,
    recorded,
    treatMissingDataAs: request.treatMissingDataAs,
    now: deps.now(),
    bakeUntil: Date.parse(state.bakeUntil!),
    bakeSeconds: request.bakeSeconds,
    extended: state.bakeExtended ?? false,
  });
  switch (verdict.verdict) {
    case 'rollback':
      return {
        ...state,
        next: NEXT.rollback,
        cause: verdict.cause,
        reason: verdict.reason,
        deadline: iso(deps.now() + ROLLBACK_TIMEOUT_SECONDS * 1000),
      };
    case 'continue':
      return { ...state, next: NEXT.bake, wait: verdict.wait };
    case 'extend':
      return {
        ...state,
        next: NEXT.bake,
        wait: verdict.wait,
        bakeUntil: iso(verdict.until),
        bakeExtended: true,
        reason: verdict.reason,
      };
    case 'passed':
      return finish(
        { ...state, ...(verdict.inconclusive ? { inconclusive: verdict.inconclusive } : {}) },
        OUTCOME.succeeded,
        `${request.endpointName} is InService on ${request.targetEndpointConfigName}; ${verdict.reason}`,
      );
  }
}

export const rollbackPermissions = permissionsOf(describeEndpoint, updateEndpoint);

/**
 * Caretaker's own rollback, for an alarm after SageMaker's guardrail window: UpdateEndpoint back to the
 * previous configuration all at once, then look every interval until it is live. Called again after each
 * wait, it starts the rollback once (waiting while SageMaker is busy with the endpoint) and then verifies.
 */
export async function rollback(input: StepInput, deps: EndpointDeps): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const previous = state.previousEndpointConfigName!;
  const target = request.targetEndpointConfigName;
  const now = deps.now();
  const why = state.reason ?? 'an alarm fired during the bake';
  // Set by the step that decided to roll back, so waiting for a busy endpoint cannot go on forever.
  const deadline = state.deadline ?? iso(now + ROLLBACK_TIMEOUT_SECONDS * 1000);
  const endpoint: EndpointView | undefined = await describeEndpoint(deps.sagemaker, request.endpointName);
  if (!endpoint)
    return finish(state, OUTCOME.failed, `endpoint ${request.endpointName} disappeared during the rollback`);
  const { verdict, reason } = classifyDeployment(endpoint, previous, target);
  if (verdict === 'in-progress') {
    if (now > Date.parse(deadline)) {
      return finish(
        state,
        OUTCOME.failed,
        `rollback to ${previous} (${why}) did not finish by ${deadline}: ${reason}; needs attention`,
      );
    }
    return { ...state, next: NEXT.waitForRollback, wait: POLL_SECONDS, deadline };
  }
  if (verdict === OUTCOME.succeeded) {
    return finish(state, OUTCOME.rolledBack, `rolled ${request.endpointName} back to ${previous}: ${why}`);
  }
  if (state.rollbackStartedAt) {
    return finish(
      state,
      OUTCOME.failed,
      `rollback to ${previous} (${why}) did not take: ${reason}; needs attention`,
    );
  }
  await updateEndpoint(deps.sagemaker, request.endpointName, previous);
  return { ...state, next: NEXT.waitForRollback, wait: POLL_SECONDS, rollbackStartedAt: iso(now), deadline };
}

export interface EndpointUpdateOutput {
  outcome: EndpointOutcome;
  reason: string;
  requestId?: string;
  endpointName?: string;
  targetEndpointConfigName?: string;
  previousEndpointConfigName?: string;
  liveEndpointConfigName?: string;
  alarm?: AlarmCause;
  inconclusiveAlarms?: string[];
  prunedConfigs: string[];
  /** Configurations that were due for pruning but could not be deleted, and why. */
  pruneErrors?: string[];
  startedAt?: string;
  rolledBackAt?: string;
}

export const finalizePermissions = permissionsOf(
  describeEndpoint,
  readEndpointRecord,
  listEndpoints,
  deleteEndpointConfig,
  releaseEndpoint,
  putEvents,
);

/** The error a Catch put in `$.error`, in one line: the Lambda's `errorMessage` when the cause carries it. */
function errorText(error: { Error?: string; Cause?: string }): string {
  try {
    const cause = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    return `${error.Error}: ${cause.errorMessage ?? error.Cause}`;
  } catch {
    return `${error.Error}: ${error.Cause}`;
  }
}

/**
 * Ends every execution, whatever happened: prunes this endpoint's old configurations (only after a
 * success, never one in use or the rollback target), gives the endpoint back (the lock tag), and announces
 * `Endpoint Update Completed` (plus `Endpoint Rolled Back` when caretaker rolled back).
 */
export async function finalize(input: StepInput, deps: EndpointDeps): Promise<EndpointUpdateOutput> {
  const state = input.state;
  const raw = input as Partial<EndpointUpdateRequest>;
  let request: EndpointUpdateRequest | undefined;
  try {
    request = requestOf(input);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
  }
  const pruned: string[] = [];
  const pruneErrors: string[] = [];
  const endpoint = request ? await describeEndpoint(deps.sagemaker, request.endpointName) : undefined;
  const live = endpoint?.endpointConfigName;
  // An error before UpdateEndpoint was accepted changed nothing, unless the call took effect and only its
  // answer was lost: the endpoint moving to the target tells.
  const startedUnseen =
    input.error &&
    !state?.startedAt &&
    endpoint?.pendingEndpointConfigName === request?.targetEndpointConfigName;
  const outcome: EndpointOutcome =
    state?.outcome ??
    (input.error && !state?.startedAt && !startedUnseen ? OUTCOME.rejected : OUTCOME.failed);
  const reason =
    state?.outcome && state.reason
      ? state.reason
      : input.error
        ? `${errorText(input.error)}${
            state?.startedAt
              ? ''
              : startedUnseen
                ? `; the update started nevertheless (${endpoint?.name} is ${endpoint?.status} to ${endpoint?.pendingEndpointConfigName}): needs attention`
                : '; nothing was changed'
          }`
        : (state?.reason ?? 'ended without a verdict');
  if (request) {
    let configs: Record<string, string> | undefined;
    if (state?.startedAt && outcome === OUTCOME.succeeded) {
      const record = await readEndpointRecord(deps.ledger, request.endpointName);
      const result = await prune(request, state.previousEndpointConfigName!, record.configs, deps);
      pruned.push(...result.pruned);
      pruneErrors.push(...result.errors);
      configs = Object.fromEntries(Object.entries(record.configs).filter(([name]) => !pruned.includes(name)));
    }
    // Always: a step that failed after taking the hold must not leave the endpoint held (a no-op otherwise).
    await releaseEndpoint(deps.ledger, request.endpointName, request.requestId, configs);
  }
  const output: EndpointUpdateOutput = {
    outcome,
    reason,
    ...(typeof raw.requestId === 'string' ? { requestId: raw.requestId } : {}),
    ...(typeof raw.endpointName === 'string' ? { endpointName: raw.endpointName } : {}),
    ...(typeof raw.targetEndpointConfigName === 'string'
      ? { targetEndpointConfigName: raw.targetEndpointConfigName }
      : {}),
    ...(state?.previousEndpointConfigName
      ? { previousEndpointConfigName: state.previousEndpointConfigName }
      : {}),
    ...(live ? { liveEndpointConfigName: live } : {}),
    ...(state?.cause ? { alarm: state.cause } : {}),
    ...(state?.inconclusive ? { inconclusiveAlarms: state.inconclusive } : {}),
    prunedConfigs: pruned,
    ...(pruneErrors.length > 0 ? { pruneErrors } : {}),
    ...(state?.startedAt ? { startedAt: state.startedAt } : {}),
    ...(state?.rollbackStartedAt ? { rolledBackAt: state.rollbackStartedAt } : {}),
  };
  const events: OutgoingEvent[] = [{ detailType: EVENT.completed, detail: output }];
  if (outcome === OUTCOME.rolledBack) {
    events.push({
      detailType: EVENT.rolledBack,
      detail: {
        requestId: output.requestId,
        endpointName: output.endpointName,
        from: output.targetEndpointConfigName,
        to: output.previousEndpointConfigName,
        alarm: output.alarm,
        reason,
        rolledBackAt: output.rolledBackAt,
      },
    });
  }
  await putEvents(deps.events, events);
  metrics.addMetric(`EndpointUpdates.${outcome}`, 'Count', 1);
  return output;
}

/**
 * Deletes this endpoint's configurations beyond `retainConfigs`. Which endpoints use which configuration
 * is only asked when there is something to delete, because it costs a DescribeEndpoint per endpoint.
 */
async function prune(
  request: EndpointUpdateRequest,
  previous: string,
  configs: Record<string, string>,
  deps: EndpointDeps,
): Promise<{ pruned: string[]; errors: string[] }> {
  const history = Object.entries(configs).map(([name, deployedAt]) => ({ name, deployedAt }));
  const keep = {
    inUse: [] as string[],
    rollbackTarget: previous,
    target: request.targetEndpointConfigName,
    retain: request.retainConfigs,
  };
  const result = { pruned: [] as string[], errors: [] as string[] };
  if (configsToPrune(history, keep).length === 0) return result;
  for (const name of await listEndpoints(deps.sagemaker)) {
    const endpoint = await describeEndpoint(deps.sagemaker, name);
    if (endpoint) keep.inUse.push(endpoint.endpointConfigName);
    if (endpoint?.pendingEndpointConfigName) keep.inUse.push(endpoint.pendingEndpointConfigName);
  }
  for (const name of configsToPrune(history, keep)) {
    try {
      // Already gone counts as pruned: it leaves the history too.
      await deleteEndpointConfig(deps.sagemaker, name);
      result.pruned.push(name);
    } catch (err) {
      // The deployment has succeeded regardless; a configuration we may not delete stays and is reported.
      if (!(err instanceof AwsRequestError)) throw err;
      result.errors.push(`${name}: ${err.message}`);
    }
  }
  return result;
}

export const recordAlarmPermissions = permissionsOf(recordEndpointAlarm);

interface AlarmStateChange {
  time?: string;
  detail?: {
    alarmName?: string;
    state?: { value?: string };
    configuration?: {
      metrics?: Array<{ metricStat?: { metric?: { dimensions?: Record<string, string> } } }>;
    };
  };
}

/**
 * The `CloudWatch Alarm State Change` (to ALARM, alarm names `caretaker-…`) side of the bake.
 *
 * Why a ledger note and not a callback: the bake already looks every 30 s, within one evaluation period of
 * SageMaker's per-minute metrics, so the event could not make the rollback meaningfully sooner. What
 * polling alone can miss is an ALARM that clears before the next look (a high-resolution alarm, a short
 * burst of 5XX). So the event is written down where the bake looks anyway, the endpoint's ledger item, and
 * `watchAlarms` rolls back on it at its next look. A `.waitForTaskToken` bake would react a few seconds
 * sooner, at the price of storing task tokens and a second way for the bake to end.
 */
export async function recordAlarm(
  event: AlarmStateChange,
  deps: Pick<EndpointDeps, 'ledger' | 'now'>,
): Promise<{ started: string[]; duplicates: string[]; recorded?: string[]; ignored?: string }> {
  const alarm = event.detail?.alarmName;
  const endpoints = [
    ...new Set(
      (event.detail?.configuration?.metrics ?? [])
        .map((m) => m.metricStat?.metric?.dimensions?.EndpointName)
        .filter((name): name is string => typeof name === 'string'),
    ),
  ];
  const ignored = (why: string) => ({ started: [], duplicates: [], ignored: why });
  if (!alarm || event.detail?.state?.value !== 'ALARM') return ignored('not an alarm going to ALARM');
  if (endpoints.length === 0) return ignored(`alarm ${alarm} watches no EndpointName dimension`);
  const at = iso(Date.parse(event.time ?? '') || deps.now());
  const recorded: string[] = [];
  for (const name of endpoints) {
    if (await recordEndpointAlarm(deps.ledger, name, alarm, at)) recorded.push(name);
  }
  if (recorded.length === 0) {
    return ignored(`alarm ${alarm}: no caretaker deployment holds ${endpoints.join(', ')}`);
  }
  return { started: [], duplicates: [], recorded };
}
