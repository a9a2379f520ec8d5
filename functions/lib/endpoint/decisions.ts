/**
 * lib/endpoint — the guarded endpoint update: the request and its limits (`request.ts`,
 * `deployment-config.ts`), what decides (this file: verdicts, bake, preflight refusals, pruning) and the
 * steps that act on it (`preflight.ts`, `steps.ts`). It may import the gateways (`../aws`) and the shared
 * core (`../*.ts`); never the notebook or trigger domains.
 */
import type { AlarmView } from '../aws/cloudwatch.ts';
import {
  ALARM_STATE,
  ENDPOINT_STATUS,
  IN_PROGRESS_STATUSES,
  OUTCOME,
  POLL_SECONDS,
  type EndpointOutcome,
} from './constants.ts';
import { instancesOf, rollbackBatchInstances } from './deployment-config.ts';
import type { CapacitySize, EndpointUpdateRequest, TreatMissingDataAs } from './request.ts';
import type { EndpointConfigView, EndpointView } from '../aws/sagemaker/endpoints.ts';

/**
 * The decisions of the endpoint-update workflow, pure: did the deployment succeed, must the bake roll
 * back, may this request start at all, which old configurations may go. The steps in
 * `steps.ts` only fetch what these functions need and act on what they return.
 */

export type DeploymentVerdict =
  | { verdict: 'in-progress'; reason: string }
  | { verdict: Exclude<EndpointOutcome, 'rolled-back' | 'rejected'>; reason: string };

/**
 * Where a deployment stands. SageMaker's auto-rollback is silent: it ends `InService` on the OLD
 * configuration, often without a `FailureReason`, so success is decided by the configuration name, never
 * by the status alone.
 *
 * @example classifyDeployment({ status: 'InService', endpointConfigName: 'cfg-v1', … }, 'cfg-v2', 'cfg-v1')
 *   // → { verdict: 'auto-rolled-back', reason: 'SageMaker rolled ep-1 back to cfg-v1 …' }
 */
export function classifyDeployment(
  endpoint: Pick<EndpointView, 'name' | 'status' | 'endpointConfigName' | 'failureReason'>,
  target: string,
  previous: string,
): DeploymentVerdict {
  const why = endpoint.failureReason ? `: ${endpoint.failureReason}` : '';
  if (IN_PROGRESS_STATUSES.includes(endpoint.status)) {
    return { verdict: 'in-progress', reason: `${endpoint.name} is ${endpoint.status}` };
  }
  if (endpoint.status === ENDPOINT_STATUS.inService) {
    if (endpoint.endpointConfigName === target) {
      return { verdict: OUTCOME.succeeded, reason: `${endpoint.name} is InService on ${target}` };
    }
    if (endpoint.endpointConfigName === previous) {
      return {
        verdict: OUTCOME.autoRolledBack,
        reason: `SageMaker rolled ${endpoint.name} back to ${previous}${why || ' (an auto-rollback alarm fired or the new fleet did not become healthy)'}`,
      };
    }
    return {
      verdict: OUTCOME.failed,
      reason: `${endpoint.name} is InService on ${endpoint.endpointConfigName}, neither ${target} nor ${previous}: someone else changed it`,
    };
  }
  return {
    verdict: OUTCOME.failed,
    reason: `${endpoint.name} ended ${endpoint.status} on ${endpoint.endpointConfigName}${why}`,
  };
}

/** Why an alarm stands where it stands, in the words and numbers CloudWatch gave. */
export interface AlarmCause {
  name: string;
  state: string;
  stateReason?: string;
  values?: number[];
  threshold?: number;
  at?: string;
}

export function alarmCause(alarm: AlarmView): AlarmCause {
  let data: { recentDatapoints?: unknown; threshold?: unknown } = {};
  try {
    data = alarm.stateReasonData ? (JSON.parse(alarm.stateReasonData) as typeof data) : {};
  } catch {
    // StateReasonData is informative only; a composite alarm's or a malformed one adds no numbers.
  }
  const values = Array.isArray(data.recentDatapoints)
    ? data.recentDatapoints.filter((v): v is number => typeof v === 'number')
    : undefined;
  return {
    name: alarm.name,
    state: alarm.state,
    ...(alarm.stateReason ? { stateReason: alarm.stateReason } : {}),
    ...(values && values.length > 0 ? { values } : {}),
    ...(typeof data.threshold === 'number' ? { threshold: data.threshold } : {}),
    ...(alarm.stateUpdatedAt ? { at: alarm.stateUpdatedAt } : {}),
  };
}

/**
 * A rollback says why: the alarm, CloudWatch's StateReason and the values it saw.
 *
 * @example rollbackReason({ name: 'caretaker-ep-1-5xx', state: 'ALARM', stateReason: 'Threshold Crossed…',
 *   values: [12], threshold: 5 }) // → 'alarm caretaker-ep-1-5xx is ALARM: Threshold Crossed… (values 12; threshold 5)'
 */
export function rollbackReason(cause: AlarmCause): string {
  const numbers = [
    cause.values ? `values ${cause.values.join(', ')}` : '',
    cause.threshold !== undefined ? `threshold ${cause.threshold}` : '',
  ].filter(Boolean);
  return [
    `alarm ${cause.name} is ${cause.state}`,
    cause.stateReason ? `: ${cause.stateReason}` : '',
    numbers.length > 0 ? ` (${numbers.join('; ')})` : '',
  ].join('');
}

export interface BakeInput {
  /** The request's alarm names. */
  watched: string[];
  /** The watched alarms as DescribeAlarms returned them now (a deleted alarm is absent). */
  alarms: AlarmView[];
  /** The first breach the `alarm-fired` function recorded for this deployment, as its event carried it. */
  recorded?: AlarmCause | undefined;
  /** The watched alarms seen with data (OK or ALARM) at an earlier look of this bake. */
  hadData: string[];
  treatMissingDataAs: TreatMissingDataAs;
  now: number;
  bakeUntil: number;
  bakeSeconds: number;
  extended: boolean;
}

export type BakeVerdict =
  | { verdict: 'rollback'; cause: AlarmCause; reason: string }
  | { verdict: 'continue'; wait: number; hadData: string[] }
  | { verdict: 'extend'; until: number; wait: number; reason: string; hadData: string[] }
  | { verdict: 'passed'; reason: string; noData?: string[] }
  | { verdict: 'unverified'; reason: string; noData: string[] };

/**
 * One look at the alarms during the bake.
 *
 *   deployment done ──poll every 30 s──▶ bakeUntil ──(an alarm never had data, inconclusive)──▶ once more ──▶ unverified
 *        any ALARM (recorded by the alarm event since the deployment began, or now) ──▶ rollback at once
 *
 * An alarm without data (INSUFFICIENT_DATA: no traffic) is not a pass: `breaching` rolls back as soon as it
 * is seen; `notBreaching` passes and names the alarms that never had data; `inconclusive` extends the bake
 * once and, if an alarm still never had data, ends `unverified` — live, not proven, for a person to look at.
 * A breach the alarm event recorded is cited as the event carried it, even when the alarm has cleared since.
 */
export function bakeVerdict(input: BakeInput): BakeVerdict {
  const watched = new Set(input.watched);
  const alarms = input.alarms.filter((a) => watched.has(a.name));
  if (input.recorded && watched.has(input.recorded.name)) {
    const cause = input.recorded;
    const now = alarms.find((a) => a.name === cause.name)?.state ?? 'missing';
    return {
      verdict: 'rollback',
      cause,
      reason: `${rollbackReason(cause)}${cause.at ? ` at ${cause.at}` : ''} (its state change event; it is ${now} now)`,
    };
  }
  const firing = alarms.find((a) => a.state === ALARM_STATE.alarm);
  if (firing) {
    const cause = alarmCause(firing);
    return { verdict: 'rollback', cause, reason: rollbackReason(cause) };
  }
  const seen = new Set(alarms.map((a) => a.name));
  const withoutData = [
    ...alarms.filter((a) => a.state === ALARM_STATE.insufficientData).map((a) => a.name),
    ...input.watched.filter((name) => !seen.has(name)),
  ];
  if (withoutData.length > 0 && input.treatMissingDataAs === 'breaching') {
    const first = alarms.find((a) => a.name === withoutData[0]);
    const cause = first ? alarmCause(first) : { name: withoutData[0]!, state: 'missing' };
    return {
      verdict: 'rollback',
      cause,
      reason: `${rollbackReason(cause)}; the request treats missing data as breaching`,
    };
  }
  const hadData = [
    ...new Set([...input.hadData, ...alarms.filter((a) => !withoutData.includes(a.name)).map((a) => a.name)]),
  ].sort();
  if (input.now < input.bakeUntil) {
    return { verdict: 'continue', wait: waitSeconds(input.bakeUntil - input.now), hadData };
  }
  const noData = input.watched.filter((name) => !hadData.includes(name));
  if (noData.length > 0 && input.treatMissingDataAs === 'inconclusive') {
    if (!input.extended) {
      const until = input.now + input.bakeSeconds * 1000;
      return {
        verdict: 'extend',
        until,
        wait: waitSeconds(until - input.now),
        hadData,
        reason: `alarm(s) ${noData.join(', ')} had no data during the bake: baking ${input.bakeSeconds} s more`,
      };
    }
    return {
      verdict: 'unverified',
      noData,
      reason: `alarm(s) ${noData.join(', ')} never had data, even after the bake was extended once: the new configuration is live but not proven; a person should look`,
    };
  }
  if (noData.length > 0) {
    return {
      verdict: 'passed',
      noData,
      reason: `no alarm fired during the ${input.bakeSeconds} s bake; alarm(s) ${noData.join(', ')} never had data (treated as not breaching, as the request says)`,
    };
  }
  return { verdict: 'passed', reason: `no alarm fired during the ${input.bakeSeconds} s bake` };
}

/** The next poll: every interval, but never past the moment the bake ends. */
function waitSeconds(remainingMs: number): number {
  return Math.max(1, Math.min(POLL_SECONDS, Math.ceil(remainingMs / 1000)));
}

export interface PreflightFacts {
  request: EndpointUpdateRequest;
  endpoint: EndpointView | undefined;
  /**
   * The request that holds the endpoint in the ledger, and until when its hold counts; `kept` when its
   * execution has concluded and the hold only waits for the endpoint to settle.
   */
  hold?: { requestId: string; since?: string | undefined; until: number; kept?: boolean } | undefined;
  currentConfig: EndpointConfigView | undefined;
  targetConfig: EndpointConfigView | undefined;
  alarms: AlarmView[];
  now: number;
}

/**
 * Everything that forbids starting this deployment, each as a sentence. Empty means go. Nothing has changed
 * when this is asked, so a refusal leaves the endpoint exactly as it was.
 */
export function preflightRefusals(facts: PreflightFacts): string[] {
  const { request, endpoint, currentConfig, targetConfig } = facts;
  const name = request.endpointName;
  const target = request.targetEndpointConfigName;
  if (!endpoint) return [`endpoint ${name} does not exist`];
  const refusals: string[] = [];
  if (IN_PROGRESS_STATUSES.includes(endpoint.status)) {
    const moving = endpoint.pendingEndpointConfigName ? ` to ${endpoint.pendingEndpointConfigName}` : '';
    refusals.push(
      `endpoint ${name} is ${endpoint.status}${moving}: a deployment is in flight (one deployment per endpoint at a time)`,
    );
  } else if (endpoint.status !== ENDPOINT_STATUS.inService) {
    refusals.push(
      `endpoint ${name} is ${endpoint.status}, expected InService${endpoint.failureReason ? ` (${endpoint.failureReason})` : ''}`,
    );
  }
  const hold = facts.hold;
  // A kept hold has done its work once DescribeEndpoint shows the endpoint settled: the next request takes it.
  const settled = !IN_PROGRESS_STATUSES.includes(endpoint.status);
  if (hold && hold.requestId !== request.requestId && facts.now < hold.until && !(hold.kept && settled)) {
    refusals.push(
      `request ${hold.requestId} has held endpoint ${name}${hold.since ? ` since ${hold.since}` : ''} (its deployment or bake is in flight; one deployment per endpoint at a time)`,
    );
  }
  if (endpoint.endpointConfigName === target) {
    refusals.push(`endpoint ${name} already runs ${target}: nothing to deploy`);
  }
  if (!targetConfig) {
    refusals.push(`endpoint configuration ${target} does not exist`);
  } else if (currentConfig) {
    const names = (c: EndpointConfigView) =>
      c.variants
        .map((v) => v.name)
        .sort()
        .join(', ');
    if (names(targetConfig) !== names(currentConfig)) {
      refusals.push(
        `${target} has variants [${names(targetConfig)}] but ${name} runs [${names(currentConfig)}] on ${currentConfig.name}: an update must keep the variant names`,
      );
    }
    refusals.push(...sizeRefusals(request, targetConfig));
  }
  const found = new Map(facts.alarms.map((a) => [a.name, a]));
  const missing = request.alarms.filter((a) => !found.has(a));
  if (missing.length > 0) refusals.push(`alarm(s) ${missing.join(', ')} do not exist`);
  for (const alarm of request.alarms.map((a) => found.get(a))) {
    if (alarm?.state === ALARM_STATE.alarm) {
      refusals.push(
        `${rollbackReason(alarmCause(alarm))} already, before the deployment: fix the endpoint or the alarm first`,
      );
    }
    if (alarm?.state === ALARM_STATE.insufficientData && request.treatMissingDataAs === 'breaching') {
      refusals.push(
        `alarm ${alarm.name} has no data (INSUFFICIENT_DATA) and the request treats missing data as breaching: the deployment would be rolled back as soon as it is live`,
      );
    }
  }
  return refusals;
}

/** The account's endpoint instances by type, and its quotas (a type without a known quota is not limited). */
export interface CapacityFacts {
  deployment: EndpointUpdateRequest['deployment'];
  current: EndpointConfigView;
  target: EndpointConfigView;
  /** Instances of each type that the account's endpoints hold now (live fleets and deployments). */
  inUse: Record<string, number>;
  quotas: Record<string, number>;
}

const instancesOfType = (config: EndpointConfigView, type: string) =>
  config.variants.filter((v) => v.instanceType === type).reduce((n, v) => n + v.instanceCount, 0);

/**
 * Whether the deployment AND caretaker's rollback of it fit the instance quotas, each as a sentence when
 * not. A blue/green deployment brings the whole new fleet up beside the live one, and its rollback the whole
 * previous fleet beside the new one; a rolling one adds a batch at a time either way (see
 * `rollbackDeploymentConfig`). The rollback is counted from the moment the new configuration is live.
 *
 * @example capacityRefusals({ deployment: { strategy: 'all-at-once', … }, current: 4 × ml.m5.large,
 *   target: 4 × ml.m5.large, inUse: { 'ml.m5.large': 4 }, quotas: { 'ml.m5.large': 6 } })
 *   // → ['ml.m5.large for endpoint usage is 6: the deployment needs 8 (4 in use, 4 for the new fleet)', …]
 */
export function capacityRefusals(facts: CapacityFacts): string[] {
  const { deployment, current, target, inUse, quotas } = facts;
  const types = new Set([...current.variants, ...target.variants].map((v) => v.instanceType ?? ''));
  const refusals: string[] = [];
  for (const type of [...types].filter((t) => quotas[t] !== undefined).sort()) {
    const quota = quotas[type]!;
    const live = inUse[type] ?? 0;
    const before = instancesOfType(current, type);
    const after = instancesOfType(target, type);
    const rolling = deployment.strategy === 'rolling';
    const deployAdds = rolling ? Math.min(after, instancesOf(deployment.maximumBatchSize, after)) : after;
    const rollbackAdds = rolling ? Math.min(before, rollbackBatchInstances(deployment, before)) : before;
    const deploying = live + deployAdds;
    const rollingBack = live - before + after + rollbackAdds;
    if (deploying > quota) {
      refusals.push(
        `${type} for endpoint usage is ${quota} instance(s): the deployment needs ${deploying} (${live} in use, ${deployAdds} for the new fleet${rolling ? "'s first batch" : ''})`,
      );
    } else if (rollingBack > quota) {
      refusals.push(
        `${type} for endpoint usage is ${quota} instance(s): a rollback to ${current.name} would need ${rollingBack} (${live - before + after} in use once ${target.name} is live, ${rollbackAdds} for the previous fleet${rolling ? "'s first batch" : ''}), so it could not happen`,
      );
    }
  }
  return refusals;
}

/** An INSTANCE_COUNT must fit the variant as the API's percentages do (canary ≤ half, linear 10–50 %). */
function sizeRefusals(request: EndpointUpdateRequest, config: EndpointConfigView): string[] {
  const d = request.deployment;
  const sized: Array<[string, CapacitySize | undefined, number, number]> =
    d.strategy === 'canary'
      ? [['deployment.canarySize', d.canarySize, 0, 50]]
      : d.strategy === 'linear'
        ? [['deployment.linearStepSize', d.linearStepSize, 10, 50]]
        : d.strategy === 'rolling'
          ? [
              ['deployment.maximumBatchSize', d.maximumBatchSize, 0, 50],
              ['deployment.rollbackMaximumBatchSize', d.rollbackMaximumBatchSize, 0, 100],
            ]
          : [];
  const refusals: string[] = [];
  for (const [field, size, minPercent, maxPercent] of sized) {
    if (size?.type !== 'INSTANCE_COUNT') continue;
    for (const variant of config.variants.filter((v) => v.instanceCount > 0)) {
      const share = (size.value / variant.instanceCount) * 100;
      if (share < minPercent || share > maxPercent) {
        refusals.push(
          `${field} is ${size.value} instance(s), ${Math.round(share)}% of variant ${variant.name}'s ${variant.instanceCount}; expected ${minPercent > 0 ? `${minPercent}% to ` : 'at most '}${maxPercent}% of its instances`,
        );
      }
    }
  }
  return refusals;
}

/**
 * The configurations to delete after a deployment: those caretaker deployed to this endpoint (its ledger
 * history), beyond the `retain` most recently deployed, never a protected one — in use by any endpoint of
 * the account (live or pending), the target or rollback target of any open deployment, this one's included.
 *
 * @example configsToPrune([{ name: 'v3', deployedAt: '…03' }, { name: 'v2', deployedAt: '…02' },
 *   { name: 'v1', deployedAt: '…01' }], { protected: ['v3', 'v2'], retain: 1 })
 *   // → ['v1']
 */
export function configsToPrune(
  deployed: Array<{ name: string; deployedAt: string }>,
  keep: { protected: Iterable<string>; retain: number },
): string[] {
  const protectedNames = new Set(keep.protected);
  return [...deployed]
    .sort((a, b) => Date.parse(b.deployedAt) - Date.parse(a.deployedAt))
    .slice(keep.retain)
    .map((c) => c.name)
    .filter((name) => !protectedNames.has(name));
}

/**
 * Whether an UpdateEndpoint toward `wanted` has (maybe) taken effect, judged by what DescribeEndpoint
 * shows rather than by an answer that may have been lost: the endpoint moves to it, runs it, or changed at
 * all since `since` (our own call, perhaps already rolled back by SageMaker) — while we hold the endpoint,
 * any of these is ours.
 *
 * @example updateTookEffect({ status: 'Updating', pendingEndpointConfigName: 'cfg-v2', … }, 'cfg-v2', since) // → true
 */
export function updateTookEffect(
  endpoint: Pick<
    EndpointView,
    'status' | 'endpointConfigName' | 'pendingEndpointConfigName' | 'lastModifiedAt'
  >,
  wanted: string,
  since: string | undefined,
): boolean {
  if (endpoint.pendingEndpointConfigName === wanted) return true;
  if (endpoint.endpointConfigName === wanted && endpoint.status === ENDPOINT_STATUS.inService) return true;
  return (
    since !== undefined &&
    endpoint.lastModifiedAt !== undefined &&
    Date.parse(endpoint.lastModifiedAt) > Date.parse(since)
  );
}

/**
 * The alarms that explain SageMaker's own rollback: every watched alarm that entered ALARM during the
 * deployment (its history), else the breach the alarm event recorded; the first breach first.
 */
export function breachesDuring(
  entered: AlarmView[],
  recorded: AlarmCause | undefined,
  watched: readonly string[],
): AlarmCause[] {
  const causes = entered
    .filter((a) => a.state === ALARM_STATE.alarm && watched.includes(a.name))
    .map(alarmCause)
    .sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''));
  const first = new Map<string, AlarmCause>();
  for (const cause of causes) if (!first.has(cause.name)) first.set(cause.name, cause);
  if (first.size === 0 && recorded && watched.includes(recorded.name)) return [recorded];
  return [...first.values()];
}
