import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DeploymentConfig, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { describeAlarmHistory, describeAlarms } from '../aws/cloudwatch.ts';
import { rollbackDeploymentConfig, toDeploymentConfig } from './deployment-config.ts';
import {
  DEPLOYED_TO_TAG,
  DEPLOYMENT_SLACK_SECONDS,
  ENDPOINT_STATUS,
  EVENT,
  EXECUTION_TIMEOUT_SECONDS,
  HOLD_WHILE_MOVING_SECONDS,
  IN_PROGRESS_STATUSES,
  MAX_DEPLOYMENT_SECONDS,
  MAX_RECOVERIES,
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
  breachesDuring,
  classifyDeployment,
  configsToPrune,
  rollbackReason,
  updateTookEffect,
  type AlarmCause,
} from './decisions.ts';
import type { EndpointUpdateRequest } from './request.ts';
import { AwsRequestError, NotFoundError, TransientAwsError, ValidationError } from '../errors.ts';
import {
  extendHold,
  holdEndpoint,
  readEndpointRecord,
  readVerdict,
  recordEndpointAlarm,
  recordEndpointConfigs,
  recordVerdict,
  releaseEndpoint,
} from '../aws/ledger/endpoints.ts';
import { putEvents, type EventClients, type OutgoingEvent } from '../aws/eventbridge.ts';
import { permissionsOf } from '../iam.ts';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { publishCounts } from '../metrics.ts';
import {
  deleteEndpointConfig,
  describeEndpoint,
  describeEndpointConfig,
  listEndpoints,
  updateEndpoint,
  type EndpointView,
} from '../aws/sagemaker/endpoints.ts';
import { listEndpointConfigTags, tagEndpointConfig } from '../aws/sagemaker/tags.ts';

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
  serviceQuotas: ServiceQuotasClient;
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
  /** The target configuration's ARN, to tag it as deployed here by caretaker. */
  targetEndpointConfigArn?: string;
  previousEndpointConfigName?: string;
  /** Instances of the previous configuration: the size caretaker's own rolling rollback batches. */
  previousInstances?: number;
  /**
   * The endpoint's LastModifiedTime as Preflight saw it (AWS's clock, ISO): a later change, while we hold
   * the endpoint, is our own UpdateEndpoint, even when its answer was lost.
   */
  unchangedSince?: string;
  /** When UpdateEndpoint was accepted (ISO): the deployment, and caretaker's hold on the endpoint, began. */
  startedAt?: string;
  /** The current wait loop gives up after this (ISO). */
  deadline?: string;
  bakeUntil?: string;
  bakeExtended?: boolean;
  /** The alarm behind a rollback, SageMaker's or caretaker's. */
  cause?: AlarmCause;
  rollbackStartedAt?: string;
  /** The watched alarms seen with data during the bake so far. */
  hadData?: string[];
  /** The watched alarms that never had data during the bake. */
  noData?: string[];
  /** Why the target configuration could not be tagged as deployed here (it is then never pruned). */
  notTagged?: string;
  /** Step failures in a row survived by going back to watching the endpoint (see {@link recover}). */
  recoveries?: number;
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

/**
 * The state a step works on. A step that gets this far and returns has made progress, so the failures
 * {@link recover} counts start again: they count failures in a row, not in a lifetime.
 */
function stateOf(input: StepInput): EndpointUpdateState {
  if (!input.state) throw new ValidationError([{ field: 'state', message: 'is required after Preflight' }]);
  const { recoveries: _recoveries, ...state } = input.state;
  return state;
}

const finish = (
  state: Omit<EndpointUpdateState, 'next'>,
  outcome: EndpointOutcome,
  reason: string,
): EndpointUpdateState => {
  const { wait: _wait, deadline: _deadline, ...kept } = state;
  return { ...kept, next: NEXT.finalize, outcome, reason };
};

/**
 * UpdateEndpoint toward `wanted`, judged by DescribeEndpoint when SageMaker refuses: a refusal because our
 * own earlier call (whose answer was lost) already moves the endpoint there is a start, not a refusal.
 * Transient faults are thrown for the ASL to retry, and the retried step judges the same way.
 */
async function updateToward(
  deps: Pick<EndpointDeps, 'sagemaker'>,
  endpointName: string,
  wanted: string,
  deploymentConfig: DeploymentConfig | undefined,
  since: string | undefined,
): Promise<{ started: true } | { started: false; refusal: string }> {
  try {
    await updateEndpoint(deps.sagemaker, endpointName, wanted, deploymentConfig);
    return { started: true };
  } catch (err) {
    if (!(err instanceof AwsRequestError || err instanceof NotFoundError)) throw err;
    const endpoint = await describeEndpoint(deps.sagemaker, endpointName);
    if (endpoint && updateTookEffect(endpoint, wanted, since)) return { started: true };
    return { started: false, refusal: err.message };
  }
}

export const startUpdatePermissions = /* @__PURE__ */ permissionsOf(
  holdEndpoint,
  updateEndpoint,
  describeEndpoint,
  releaseEndpoint,
  tagEndpointConfig,
  recordEndpointConfigs,
);

/**
 * Takes the endpoint in the ledger, with the deployment's target and rollback target (the hold lasts until
 * the final state is verified), and calls UpdateEndpoint with the guardrail DeploymentConfig. When another
 * request holds the endpoint, or SageMaker refuses (quota short, another update in progress), the request
 * ends `rejected`: the endpoint never changed. Safe to retry: an update that DescribeEndpoint shows moving to
 * the target, or any change since preflight while we hold the endpoint, counts as started, and is never
 * started twice.
 */
export async function startUpdate(
  input: StepInput,
  deps: Pick<EndpointDeps, 'sagemaker' | 'ledger' | 'now'>,
): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const previous = state.previousEndpointConfigName!;
  const target = request.targetEndpointConfigName;
  const now = deps.now();
  const since = state.unchangedSince;
  const holdRequest = {
    requestId: request.requestId,
    since: iso(now),
    nowMs: now,
    untilMs: now + EXECUTION_TIMEOUT_SECONDS * 1000,
    target,
    rollbackTarget: previous,
  };
  let hold = await holdEndpoint(deps.ledger, request.endpointName, holdRequest);
  if (!hold.held && hold.kept) {
    const seen = await describeEndpoint(deps.sagemaker, request.endpointName);
    if (seen && !IN_PROGRESS_STATUSES.includes(seen.status))
      hold = await holdEndpoint(deps.ledger, request.endpointName, {
        ...holdRequest,
        overKeptHoldOf: hold.holder,
      });
  }
  if (!hold.held) {
    return finish(
      state,
      OUTCOME.rejected,
      `request ${hold.holder} holds endpoint ${request.endpointName}${hold.since ? ` since ${hold.since}` : ''} (one deployment per endpoint at a time); nothing was changed`,
    );
  }
  const endpoint = await describeEndpoint(deps.sagemaker, request.endpointName);
  const startedBefore = endpoint !== undefined && updateTookEffect(endpoint, target, since);
  if (!startedBefore) {
    const update = await updateToward(
      deps,
      request.endpointName,
      target,
      toDeploymentConfig(request.deployment, request.alarms),
      since,
    );
    if (!update.started) {
      await releaseEndpoint(deps.ledger, request.endpointName, request.requestId);
      return finish(
        state,
        OUTCOME.rejected,
        `SageMaker refused the update of ${request.endpointName} to ${target}: ${update.refusal}; nothing was changed`,
      );
    }
  }
  const deployedAt = (startedBefore ? hold.record.configs[target] : undefined) ?? iso(now);
  // Only what caretaker deployed here is tagged so, and enters the history that pruning may delete from.
  const notTagged = await tagDeployed(deps, request.endpointName, state.targetEndpointConfigArn, deployedAt);
  if (!notTagged) {
    await recordEndpointConfigs(deps.ledger, request.endpointName, request.requestId, {
      ...hold.record.configs,
      [target]: deployedAt,
    });
  }
  const timeout =
    (request.deployment.maximumExecutionTimeoutSeconds ?? MAX_DEPLOYMENT_SECONDS) +
    ('terminationWaitSeconds' in request.deployment ? (request.deployment.terminationWaitSeconds ?? 0) : 0) +
    DEPLOYMENT_SLACK_SECONDS;
  // An update found already started (an earlier attempt's answer was lost) began when the endpoint last
  // changed; `since`, the preflight's look, would date it before the hold and put its deadline in the past.
  const changedAt = endpoint?.lastModifiedAt;
  const startedAt =
    startedBefore && changedAt && (!since || Date.parse(changedAt) > Date.parse(since))
      ? changedAt
      : iso(now);
  return {
    ...state,
    next: NEXT.waitForDeployment,
    startedAt,
    deadline: iso(Date.parse(startedAt) + timeout * 1000),
    ...(notTagged ? { notTagged } : {}),
  };
}

/**
 * Tags the configuration as deployed to this endpoint by caretaker; why not, when it could not. The update
 * has begun, so nothing about the tag may stop the watch over it: a refusal (the configuration has 50 tags
 * already, say) or a fault that outlasted the SDK's retries leaves the configuration untagged, never
 * caretaker's to prune, and the report says so.
 */
async function tagDeployed(
  deps: Pick<EndpointDeps, 'sagemaker'>,
  endpointName: string,
  configArn: string | undefined,
  deployedAt: string,
): Promise<string | undefined> {
  const tag = DEPLOYED_TO_TAG(endpointName);
  const never = (why: string) => `not tagged ${tag}, so never pruned: ${why}`;
  if (!configArn) return never('its ARN is unknown');
  try {
    await tagEndpointConfig(deps.sagemaker, configArn, { [tag]: deployedAt });
    return undefined;
  } catch (err) {
    if (err instanceof AwsRequestError || err instanceof TransientAwsError) return never(err.message);
    throw err;
  }
}

export const checkDeploymentPermissions = /* @__PURE__ */ permissionsOf(
  describeEndpoint,
  readEndpointRecord,
  describeAlarmHistory,
);

/** The breach the alarm event recorded for this request's deployment, if any. */
async function recordedBreach(
  request: EndpointUpdateRequest,
  deps: Pick<EndpointDeps, 'ledger'>,
): Promise<AlarmCause | undefined> {
  const record = await readEndpointRecord(deps.ledger, request.endpointName);
  return record.holder === request.requestId ? record.alarm : undefined;
}

/**
 * One look at the deployment. Succeeded → bake; SageMaker rolled back by itself (the endpoint is InService
 * on the previous configuration) → report it naming every alarm that was in ALARM during the deployment;
 * still moving → look again.
 */
export async function checkDeployment(
  input: StepInput,
  deps: Pick<EndpointDeps, 'sagemaker' | 'cloudwatch' | 'ledger' | 'now'>,
): Promise<EndpointUpdateState> {
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
        hadData: [],
      };
    case OUTCOME.autoRolledBack: {
      const from = new Date(Date.parse(state.startedAt ?? state.unchangedSince ?? iso(now)));
      const [recorded, ...histories] = await Promise.all([
        recordedBreach(request, deps),
        ...request.alarms.map((name) => describeAlarmHistory(deps.cloudwatch, name, from, new Date(now))),
      ]);
      const causes = breachesDuring(histories.flat(), recorded, request.alarms);
      if (causes.length === 0) return finish(state, OUTCOME.autoRolledBack, reason);
      return finish(
        { ...state, cause: causes[0]! },
        OUTCOME.autoRolledBack,
        `SageMaker rolled ${endpoint.name} back to ${endpoint.endpointConfigName}: ${causes
          .map((c) => `${rollbackReason(c)}${c.at ? ` at ${c.at}` : ''}`)
          .join('; ')}`,
      );
    }
    default:
      return finish(state, verdict, reason);
  }
}

export const watchAlarmsPermissions = /* @__PURE__ */ permissionsOf(describeAlarms, readEndpointRecord);

/**
 * One look at the alarms during the bake. The alarms' current states come from DescribeAlarms; an ALARM
 * that came and went between two looks is not lost, because the `alarm-fired` function recorded it on the
 * ledger from the alarm's state change event (see `recordAlarm`), and the rollback cites the breach as that
 * event carried it. Either way the rollback starts at the next look, at most one poll interval (30 s) after
 * the alarm fired. A ledger or CloudWatch read that fails is retried by the ASL and then by {@link recover};
 * it never ends the bake early.
 */
export async function watchAlarms(
  input: StepInput,
  deps: Pick<EndpointDeps, 'cloudwatch' | 'ledger' | 'now'>,
): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const [alarms, recorded] = await Promise.all([
    describeAlarms(deps.cloudwatch, request.alarms),
    recordedBreach(request, deps),
  ]);
  const verdict = bakeVerdict({
    watched: request.alarms,
    alarms,
    recorded,
    hadData: state.hadData ?? [],
    treatMissingDataAs: request.treatMissingDataAs,
    now: deps.now(),
    bakeUntil: Date.parse(state.bakeUntil!),
    bakeSeconds: request.bakeSeconds,
    extended: state.bakeExtended ?? false,
  });
  const live = `${request.endpointName} is InService on ${request.targetEndpointConfigName}`;
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
      return { ...state, next: NEXT.bake, wait: verdict.wait, hadData: verdict.hadData };
    case 'extend':
      return {
        ...state,
        next: NEXT.bake,
        wait: verdict.wait,
        bakeUntil: iso(verdict.until),
        bakeExtended: true,
        hadData: verdict.hadData,
        reason: verdict.reason,
      };
    case 'passed':
      return finish(
        { ...state, ...(verdict.noData ? { noData: verdict.noData } : {}) },
        OUTCOME.succeeded,
        `${live}; ${verdict.reason}`,
      );
    case 'unverified':
      return finish({ ...state, noData: verdict.noData }, OUTCOME.unverified, `${live}; ${verdict.reason}`);
  }
}

export const rollbackPermissions = /* @__PURE__ */ permissionsOf(describeEndpoint, updateEndpoint);

/**
 * Caretaker's own rollback, for an alarm after SageMaker's guardrail window: UpdateEndpoint back to the
 * previous configuration with the rollback strategy that fits whenever the deployment did (see
 * `rollbackDeploymentConfig`), then look every interval until it is live. Called again after each wait, or
 * after a failure, it judges by DescribeEndpoint: an update moving to the previous configuration is our
 * rollback (its answer may have been lost), never started twice.
 */
export async function rollback(
  input: StepInput,
  deps: Pick<EndpointDeps, 'sagemaker' | 'now'>,
): Promise<EndpointUpdateState> {
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
  const update = await updateToward(
    deps,
    request.endpointName,
    previous,
    rollbackDeploymentConfig(request.deployment, state.previousInstances ?? 0),
    undefined,
  );
  if (!update.started) {
    return finish(
      state,
      OUTCOME.failed,
      `SageMaker refused the rollback of ${request.endpointName} to ${previous}: ${update.refusal}; ${endpoint.endpointConfigName} stays live while ${why}; needs attention`,
    );
  }
  return { ...state, next: NEXT.waitForRollback, wait: POLL_SECONDS, rollbackStartedAt: iso(now), deadline };
}

export const recoverPermissions = /* @__PURE__ */ permissionsOf(describeEndpoint);

/** Where a failed step goes back to: the wait before the same look, so the step judges again. */
const RETURN_TO: Partial<Record<EndpointNext, EndpointNext>> = {
  [NEXT.startUpdate]: NEXT.startUpdate,
  [NEXT.waitForDeployment]: NEXT.waitForDeployment,
  [NEXT.bake]: NEXT.bake,
  [NEXT.rollback]: NEXT.waitForRollback,
  [NEXT.waitForRollback]: NEXT.waitForRollback,
};
/** A failed step is looked at again this soon: a bad configuration may be live. */
const RECOVERY_WAIT_SECONDS = 10;

/**
 * Where an error after Preflight goes (the ASL's Catch of every later step). UpdateEndpoint may have taken
 * effect, so the hold stays and the workflow goes back to watching the endpoint: the failed step runs again
 * and judges by DescribeEndpoint what happened. After {@link MAX_RECOVERIES} failures it gives up: `failed`,
 * naming what is live, or `rejected` when DescribeEndpoint shows that nothing ever changed.
 */
export async function recover(
  input: StepInput,
  deps: Pick<EndpointDeps, 'sagemaker'>,
): Promise<EndpointUpdateState> {
  const request = requestOf(input);
  const state = stateOf(input);
  const error = input.error ? errorText(input.error) : 'a step failed';
  const recoveries = (input.state?.recoveries ?? 0) + 1;
  const back = RETURN_TO[state.next];
  if (back && recoveries <= MAX_RECOVERIES) {
    return { ...state, next: back, wait: RECOVERY_WAIT_SECONDS, recoveries };
  }
  const endpoint = await describeEndpoint(deps.sagemaker, request.endpointName);
  const changed =
    state.startedAt !== undefined ||
    (endpoint !== undefined &&
      updateTookEffect(endpoint, request.targetEndpointConfigName, state.unchangedSince));
  const gaveUp = `${error}; gave up after ${recoveries} failed steps in a row`;
  if (!changed) return finish(state, OUTCOME.rejected, `${gaveUp}; nothing was changed`);
  return finish(
    state,
    OUTCOME.failed,
    `${gaveUp}: ${whatIsLive(endpoint, request.endpointName)}; needs attention`,
  );
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
  /** Alarms that never had data during the bake (`unverified`, or `succeeded` under notBreaching). */
  noDataAlarms?: string[];
  prunedConfigs: string[];
  /** Configurations that were due for pruning but could not be deleted, and why. */
  pruneErrors?: string[];
  /** The target configuration could not be tagged as deployed here by caretaker, so it is never pruned. */
  notTagged?: string;
  startedAt?: string;
  rolledBackAt?: string;
  /** The endpoint was still moving: caretaker keeps holding it until then (ISO), so nothing else starts. */
  heldUntil?: string;
  /** Concluded for the execution's status change: how it ended (FAILED, TIMED_OUT or ABORTED). */
  executionEnded?: string;
}

export const finalizePermissions = /* @__PURE__ */ permissionsOf(
  recordVerdict,
  readVerdict,
  describeEndpoint,
  readEndpointRecord,
  listEndpoints,
  describeEndpointConfig,
  listEndpointConfigTags,
  deleteEndpointConfig,
  releaseEndpoint,
  extendHold,
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

/** What DescribeEndpoint shows, in words: status, the configuration live and the one it moves to. */
const whatIsLive = (endpoint: EndpointView | undefined, name: string) =>
  endpoint
    ? `${endpoint.name} is ${endpoint.status} on ${endpoint.endpointConfigName}${endpoint.pendingEndpointConfigName ? ` moving to ${endpoint.pendingEndpointConfigName}` : ''}`
    : `endpoint ${name} does not exist`;

/**
 * The `Step Functions Execution Status Change` of an endpoint-update execution that failed, timed out or was
 * stopped (rule `endpoint-update-ended`): its input is the request, as a JSON string.
 */
export interface EndpointUpdateEnded {
  source: 'aws.states';
  detail?: { name?: string; status?: string; input?: string | null; error?: string; cause?: string };
}

/** What Finalize was asked to conclude: the workflow's state and the error a Catch left. */
interface Verdict {
  state?: EndpointUpdateState;
  error?: StepInput['error'];
}

/** The clients Finalize calls. */
type FinalizeDeps = Pick<EndpointDeps, 'sagemaker' | 'ledger' | 'events' | 'now'>;

/** How an execution ended that Finalize concludes for from its status change. */
interface Ended {
  status: string;
  /** Whether Finalize had recorded its verdict before the execution ended. */
  verdict: boolean;
  error?: string;
}

/**
 * Ends every execution, whatever happened: prunes this endpoint's old configurations (only after a
 * success; only those tagged as deployed here; never one in use, a target or a rollback target), gives the
 * endpoint back once DescribeEndpoint shows it settled (one still moving stays held, the reason says until
 * when), and announces `Endpoint Update Completed` (plus `Endpoint Rolled Back` when caretaker rolled back).
 *
 * It also runs for the status change of an execution that failed, timed out or was stopped (the
 * `endpoint-update-ended` rule), so that every execution reports: from the verdict the workflow's own Finalize
 * recorded before it failed, or, when the execution ended before Finalize, from the ledger's hold and
 * DescribeEndpoint — `rejected` if it never held the endpoint, else `failed` naming what is live.
 */
export async function finalize(
  input: StepInput | EndpointUpdateEnded,
  deps: FinalizeDeps,
): Promise<EndpointUpdateOutput> {
  if (input.source === 'aws.states') return concludeEnded(input as EndpointUpdateEnded, deps);
  const step = input as StepInput;
  // Before any change: should this step fail for good, the status-change rule concludes the same from it.
  if (typeof step.requestId === 'string') {
    const verdict: Verdict = {
      ...(step.state ? { state: step.state } : {}),
      ...(step.error ? { error: step.error } : {}),
    };
    await recordVerdict(deps.ledger, step.requestId, verdict, deps.now());
  }
  return conclude(step, deps);
}

async function concludeEnded(event: EndpointUpdateEnded, deps: FinalizeDeps): Promise<EndpointUpdateOutput> {
  const detail = event.detail ?? {};
  let request: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(detail.input ?? 'null');
    if (parsed && typeof parsed === 'object') request = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: no request to read; the execution's name still finds the verdict its Finalize recorded.
  }
  const requestId = typeof request.requestId === 'string' ? request.requestId : detail.name;
  const verdict = requestId
    ? ((await readVerdict(deps.ledger, requestId)) as Verdict | undefined)
    : undefined;
  return conclude({ ...request, ...(requestId ? { requestId } : {}), ...verdict }, deps, {
    status: detail.status ?? 'FAILED',
    verdict: verdict !== undefined,
    ...(detail.error ? { error: `${detail.error}${detail.cause ? `: ${detail.cause}` : ''}` } : {}),
  });
}

const isRequest = (input: Partial<EndpointUpdateRequest>) =>
  typeof input.requestId === 'string' &&
  typeof input.endpointName === 'string' &&
  typeof input.targetEndpointConfigName === 'string';

/** The outcome of a step input: the state's verdict, else what the error (or its absence) means. */
function verdictOf(
  input: StepInput,
  request: EndpointUpdateRequest | undefined,
  endpoint: EndpointView | undefined,
): { outcome: EndpointOutcome; reason: string } {
  const state = input.state;
  if (state?.outcome && state.reason) return { outcome: state.outcome, reason: state.reason };
  if (!input.error)
    return { outcome: state?.outcome ?? OUTCOME.failed, reason: state?.reason ?? 'ended without a verdict' };
  // An error before UpdateEndpoint was accepted changed nothing, unless the call took effect and only its
  // answer was lost: the endpoint moving to the target tells.
  const startedUnseen =
    !state?.startedAt && endpoint?.pendingEndpointConfigName === request?.targetEndpointConfigName;
  const error = errorText(input.error);
  if (state?.startedAt) {
    const name = request?.endpointName ?? 'the endpoint';
    return { outcome: OUTCOME.failed, reason: `${error}: ${whatIsLive(endpoint, name)}; needs attention` };
  }
  if (startedUnseen)
    return {
      outcome: OUTCOME.failed,
      reason: `${error}; the update started nevertheless (${endpoint?.name} is ${endpoint?.status} to ${endpoint?.pendingEndpointConfigName}): needs attention`,
    };
  return { outcome: OUTCOME.rejected, reason: `${error}; nothing was changed` };
}

/**
 * The verdict for an execution that ended before its Finalize recorded one: judged by the ledger's hold (the
 * execution took it before its UpdateEndpoint, and gives it back only in Finalize) and by DescribeEndpoint.
 */
async function endedVerdict(
  request: EndpointUpdateRequest,
  endpoint: EndpointView | undefined,
  ended: Ended,
  deps: Pick<EndpointDeps, 'ledger'>,
): Promise<{ outcome: EndpointOutcome; reason: string }> {
  const how = `the execution ended ${ended.status}${ended.error ? ` (${ended.error})` : ''} before its verdict`;
  const record = await readEndpointRecord(deps.ledger, request.endpointName);
  if (record.holder !== request.requestId) {
    return {
      outcome: OUTCOME.rejected,
      reason: `${how}, before it held ${request.endpointName}: nothing was changed`,
    };
  }
  // Its hold came before its UpdateEndpoint: an endpoint unchanged since the hold was never updated.
  const unchanged =
    endpoint?.status === ENDPOINT_STATUS.inService &&
    endpoint.endpointConfigName === record.rollbackTarget &&
    endpoint.lastModifiedAt !== undefined &&
    record.heldSince !== undefined &&
    Date.parse(endpoint.lastModifiedAt) < Date.parse(record.heldSince);
  if (unchanged) {
    return {
      outcome: OUTCOME.rejected,
      reason: `${how}: ${whatIsLive(endpoint, request.endpointName)} as before; nothing was changed`,
    };
  }
  const live = whatIsLive(endpoint, request.endpointName);
  const onTarget =
    endpoint?.status === ENDPOINT_STATUS.inService &&
    endpoint.endpointConfigName === request.targetEndpointConfigName;
  return {
    outcome: OUTCOME.failed,
    reason: `${how}: ${live}${onTarget ? ', its target, not proven by a bake' : ` (the deployment was from ${record.rollbackTarget} to ${request.targetEndpointConfigName})`}; needs attention`,
  };
}

async function conclude(input: StepInput, deps: FinalizeDeps, ended?: Ended): Promise<EndpointUpdateOutput> {
  const state = input.state;
  const raw = input as Partial<EndpointUpdateRequest>;
  const request = isRequest(raw) ? requestOf(input) : undefined;
  const now = deps.now();
  const pruned: string[] = [];
  const pruneErrors: string[] = [];
  const endpoint = request ? await describeEndpoint(deps.sagemaker, request.endpointName) : undefined;
  const live = endpoint?.endpointConfigName;
  const verdict =
    ended && !ended.verdict
      ? request
        ? await endedVerdict(request, endpoint, ended, deps)
        : {
            outcome: OUTCOME.rejected,
            reason: `the execution ended ${ended.status}; its input is no endpoint update request`,
          }
      : verdictOf(input, request, endpoint);
  const outcome = verdict.outcome;
  let reason = verdict.reason;
  let heldUntil: string | undefined;
  if (request) {
    let configs: Record<string, string> | undefined;
    if (state?.startedAt && outcome === OUTCOME.succeeded) {
      const record = await readEndpointRecord(deps.ledger, request.endpointName);
      const result = await prune(request, state.previousEndpointConfigName, record.configs, deps);
      pruned.push(...result.pruned);
      pruneErrors.push(...result.errors);
      configs = Object.fromEntries(
        Object.entries(record.configs).filter(([name]) => !result.forgotten.includes(name)),
      );
    }
    // The hold lasts until DescribeEndpoint shows where the endpoint ended: one still moving stays held.
    if (endpoint && IN_PROGRESS_STATUSES.includes(endpoint.status)) {
      const until = now + HOLD_WHILE_MOVING_SECONDS * 1000;
      if (await extendHold(deps.ledger, request.endpointName, request.requestId, until)) {
        heldUntil = iso(until);
        reason = `${reason}; caretaker keeps holding ${endpoint.name} until ${heldUntil}: it is ${endpoint.status}`;
      }
    } else {
      // A no-op when this request does not hold it (refused before the hold, or released already).
      await releaseEndpoint(deps.ledger, request.endpointName, request.requestId, configs);
    }
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
    ...(state?.noData ? { noDataAlarms: state.noData } : {}),
    prunedConfigs: pruned,
    ...(pruneErrors.length > 0 ? { pruneErrors } : {}),
    ...(state?.notTagged ? { notTagged: state.notTagged } : {}),
    ...(state?.startedAt ? { startedAt: state.startedAt } : {}),
    ...(state?.rollbackStartedAt ? { rolledBackAt: state.rollbackStartedAt } : {}),
    ...(heldUntil ? { heldUntil } : {}),
    ...(ended ? { executionEnded: ended.status } : {}),
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
  publishCounts({ [`EndpointUpdates.${outcome}`]: 1 });
  return output;
}

/**
 * Deletes the configurations caretaker deployed to this endpoint beyond `retainConfigs`: in its ledger
 * history AND tagged `caretaker:deployed-to:<endpoint>` (a history entry without the tag is forgotten, not
 * deleted). What is protected is only asked when there is something to delete, because it costs a
 * DescribeEndpoint and a ledger read per endpoint of the account: every configuration an endpoint runs or
 * moves to, and the target and rollback target of every open deployment (AWS itself deletes a configuration
 * in use without a word).
 */
async function prune(
  request: EndpointUpdateRequest,
  previous: string | undefined,
  configs: Record<string, string>,
  deps: Pick<EndpointDeps, 'sagemaker' | 'ledger' | 'now'>,
): Promise<{ pruned: string[]; errors: string[]; forgotten: string[] }> {
  const deployed = Object.entries(configs).map(([name, deployedAt]) => ({ name, deployedAt }));
  // The configuration deployed and the one it replaced always stay, whatever `retainConfigs` says.
  const keep = {
    protected: new Set([request.targetEndpointConfigName, ...(previous ? [previous] : [])]),
    retain: request.retainConfigs,
  };
  const result = { pruned: [] as string[], errors: [] as string[], forgotten: [] as string[] };
  if (configsToPrune(deployed, keep).length === 0) return result;
  const now = deps.now();
  for (const name of await listEndpoints(deps.sagemaker)) {
    const [endpoint, record] = await Promise.all([
      describeEndpoint(deps.sagemaker, name),
      readEndpointRecord(deps.ledger, name),
    ]);
    for (const config of [endpoint?.endpointConfigName, endpoint?.pendingEndpointConfigName])
      if (config) keep.protected.add(config);
    if (record.holder && (record.heldUntil ?? 0) > now) {
      for (const config of [record.target, record.rollbackTarget]) if (config) keep.protected.add(config);
    }
  }
  const tag = DEPLOYED_TO_TAG(request.endpointName);
  for (const name of configsToPrune(deployed, keep)) {
    const config = await describeEndpointConfig(deps.sagemaker, name);
    // Already gone counts as pruned: it leaves the history too.
    if (config && !(tag in (await listEndpointConfigTags(deps.sagemaker, config.arn)))) {
      result.forgotten.push(name);
      result.errors.push(`${name}: kept, it is not tagged ${tag} (caretaker did not deploy it here)`);
      continue;
    }
    try {
      if (config) await deleteEndpointConfig(deps.sagemaker, name);
      result.pruned.push(name);
      result.forgotten.push(name);
    } catch (err) {
      // The deployment has succeeded regardless; a configuration we may not delete stays and is reported.
      if (!(err instanceof AwsRequestError)) throw err;
      result.errors.push(`${name}: ${err.message}`);
    }
  }
  return result;
}

export const recordAlarmPermissions = /* @__PURE__ */ permissionsOf(recordEndpointAlarm);

interface AlarmStateChange {
  time?: string;
  detail?: {
    alarmName?: string;
    state?: { value?: string; reason?: string; reasonData?: string; timestamp?: string };
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
 * burst of 5XX), and the words and numbers of the breach itself. So the breach is written down as the event
 * carried it (reason, values, time) where the bake looks anyway, the endpoint's ledger item, and
 * `watchAlarms` rolls back on it at its next look, citing it. A `.waitForTaskToken` bake would react a few
 * seconds sooner, at the price of storing task tokens and a second way for the bake to end.
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
  const at = iso(Date.parse(event.detail.state.timestamp ?? event.time ?? '') || deps.now());
  const breach = {
    ...alarmCause({
      name: alarm,
      state: 'ALARM',
      ...(event.detail.state.reason ? { stateReason: event.detail.state.reason } : {}),
      ...(event.detail.state.reasonData ? { stateReasonData: event.detail.state.reasonData } : {}),
    }),
    at,
  };
  const recorded: string[] = [];
  for (const name of endpoints) {
    if (await recordEndpointAlarm(deps.ledger, name, breach)) recorded.push(name);
  }
  if (recorded.length === 0) {
    return ignored(
      `alarm ${alarm}: no caretaker deployment holds ${endpoints.join(', ')}, or a breach was already recorded for it`,
    );
  }
  return { started: [], duplicates: [], recorded };
}
