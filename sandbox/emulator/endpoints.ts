import {
  ProductionVariantInstanceType,
  type CapacitySize,
  type DeploymentConfig,
} from '@aws-sdk/client-sagemaker';
import type { EndpointConfigSeed, EndpointSeed, Fleet } from '../fleet.ts';
import type { AlarmWorld, TrafficSample } from './cloudwatch.ts';
import { AwsApiError, type OperationContext, type ServiceEmulator } from './types.ts';

/**
 * SageMaker real-time endpoints of the sandbox: endpoint configurations, and `UpdateEndpoint` with the
 * deployment guardrails run on the virtual clock (blue/green all-at-once, canary, linear; rolling batches),
 * auto-rollback on alarms, instance quotas and the refusals the real API answers with.
 */

/** How long SageMaker takes to bring up the new fleet (or a rolling batch) until it passes health checks. */
export const PROVISION_SECONDS = 120;
/**
 * How long a blue/green auto-rollback takes: traffic goes back to the old fleet at once, the new fleet is
 * torn down meanwhile and the endpoint stays `Updating` (a rolling rollback re-provisions old batches).
 */
export const ROLLBACK_SECONDS = 60;
/** How long SageMaker waits for an unhealthy fleet when the deployment sets no timeout. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

/** The traffic split at one moment, in percent of requests: the old (blue) and the new (green) fleet. */
export interface TrafficStep {
  /** Seconds after the new fleet became healthy. */
  offsetSeconds: number;
  weights: { old: number; new: number };
}

export interface TrafficPlan {
  steps: TrafficStep[];
  /**
   * Seconds after the new fleet became healthy when the last baking period ends: until then an alarm in
   * `ALARM` makes SageMaker roll back (the guardrail window).
   */
  guardedUntilSeconds: number;
  /** Seconds after the new fleet became healthy when the old fleet is removed and the deployment ends. */
  doneAtSeconds: number;
}

const percentOf = (instances: number, capacity: number) => Math.round((instances / capacity) * 100);
const split = (offsetSeconds: number, newPercent: number): TrafficStep => ({
  offsetSeconds,
  weights: { old: 100 - newPercent, new: newPercent },
});

/** A capacity size in instances of a fleet of `capacity` (a percentage rounds up: at least one instance). */
function instancesOf(size: CapacitySize, capacity: number): number {
  const value = size.Value ?? 0;
  return size.Type === 'INSTANCE_COUNT' ? value : Math.max(1, Math.ceil((value / 100) * capacity));
}

/**
 * The traffic steps of a deployment, from the moment the new fleet is healthy. Pure: the emulator plays it
 * on the virtual clock.
 *
 * Timelines (W = WaitIntervalInSeconds, the baking period; T = TerminationWaitInSeconds):
 *   ALL_AT_ONCE  0: 100% ── bake W ── T ── done
 *   CANARY       0: canary ── bake W ── 100% ── final bake W ── T ── done
 *   LINEAR       0: step ── bake W ── 2·step ── bake W … 100% ── final bake W ── T ── done
 *   rolling      0: batch ── bake W ── 2·batch ── bake W … 100% ── bake W ── done
 *   none         0: 100% ── done
 * Alarms are watched during the baking periods only: T is "additional waiting time after the completion of
 * an endpoint deployment" (API reference, BlueGreenUpdatePolicy), so an alarm then rolls nothing back.
 *
 * The final bake: "If none of the alarms trip, then all of the traffic shifts to the green fleet and there
 * is a final baking period" (developer guide, "Use canary traffic shifting"); W is "the duration of the
 * baking period" and T runs "after the final baking period" (ibid. and "Use linear traffic shifting"). The
 * guide names no other length for it, so the final bake lasts W. Without a `DeploymentConfig` SageMaker
 * shifts all traffic at once with "no final baking period" ("Exclusions") and removes the old fleet.
 *
 * @example trafficPlan({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY',
 *   WaitIntervalInSeconds: 300, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 } },
 *   TerminationWaitInSeconds: 60 } }, 4)
 *   // → { steps: [{ offsetSeconds: 0, weights: { old: 75, new: 25 } },
 *   //             { offsetSeconds: 300, weights: { old: 0, new: 100 } }],
 *   //     guardedUntilSeconds: 600, doneAtSeconds: 660 }
 */
export function trafficPlan(deployment: DeploymentConfig | undefined, capacity: number): TrafficPlan {
  const rolling = deployment?.RollingUpdatePolicy;
  if (rolling) {
    const wait = rolling.WaitIntervalInSeconds ?? 0;
    const batch = instancesOf(
      rolling.MaximumBatchSize ?? { Type: 'INSTANCE_COUNT', Value: capacity },
      capacity,
    );
    const batches = Math.ceil(capacity / batch);
    const steps = Array.from({ length: batches }, (_, k) =>
      split(k * wait, percentOf(Math.min(capacity, (k + 1) * batch), capacity)),
    );
    return { steps, guardedUntilSeconds: batches * wait, doneAtSeconds: batches * wait };
  }
  const blueGreen = deployment?.BlueGreenUpdatePolicy;
  const routing = blueGreen?.TrafficRoutingConfiguration;
  const wait = routing?.WaitIntervalInSeconds ?? 0;
  const termination = blueGreen?.TerminationWaitInSeconds ?? 0;
  // The last shift brings the new fleet to 100%, then its final bake runs W, then T.
  const ending = (steps: TrafficStep[]): TrafficPlan => {
    const guardedUntilSeconds = steps.at(-1)!.offsetSeconds + wait;
    return { steps, guardedUntilSeconds, doneAtSeconds: guardedUntilSeconds + termination };
  };
  switch (routing?.Type) {
    case 'CANARY': {
      const canary = routing.CanarySize;
      const percent =
        canary?.Type === 'INSTANCE_COUNT' ? percentOf(canary.Value ?? 0, capacity) : (canary?.Value ?? 0);
      return ending([split(0, percent), split(wait, 100)]);
    }
    case 'LINEAR': {
      const step = routing.LinearStepSize;
      const stepPercent =
        step?.Type === 'INSTANCE_COUNT' ? ((step.Value ?? 0) / capacity) * 100 : (step?.Value ?? 100);
      const count = Math.ceil(100 / stepPercent - 1e-9);
      return ending(
        Array.from({ length: count }, (_, k) =>
          split(k * wait, Math.min(100, Math.round((k + 1) * stepPercent))),
        ),
      );
    }
    case 'ALL_AT_ONCE':
      return ending([split(0, 100)]);
    default:
      return { steps: [split(0, 100)], guardedUntilSeconds: 0, doneAtSeconds: 0 };
  }
}

interface VariantRecord {
  VariantName: string;
  InstanceType: string;
  InitialInstanceCount: number;
  InitialVariantWeight: number;
  ModelName?: string;
}

interface EndpointConfigRecord {
  name: string;
  arn: string;
  createdAt: number;
  variants: VariantRecord[];
  behavior: EndpointConfigSeed['behavior'];
  tags: Record<string, string>;
}

/**
 * The instances a configuration described when SageMaker deployed it. They outlive the configuration: a
 * deleted config's endpoint keeps serving (and billing) under the config's name.
 */
type ServingFleet = Pick<EndpointConfigRecord, 'name' | 'variants' | 'behavior'>;

type Phase = 'provisioning' | 'shifting' | 'rolling-back' | 'rollback-failed';

interface Deployment {
  target: ServingFleet;
  previous: ServingFleet;
  startedAt: number;
  config: DeploymentConfig | undefined;
  alarms: string[];
  phase: Phase;
  /** Percent of traffic on the new fleet. */
  newWeight: number;
  /** Inside the guardrail window: from the first traffic shift until the last baking period ends. */
  guarding: boolean;
  healthyAt?: number;
  over: boolean;
  /** Instances the deployment holds beside the live fleet, by instance type (they count against quotas). */
  extra: Record<string, number>;
}

interface EndpointRecord {
  name: string;
  arn: string;
  tags: Record<string, string>;
  /** What serves the endpoint's traffic, under the name `EndpointConfigName` shows. */
  live: ServingFleet;
  status: string;
  failureReason?: string;
  createdAt: number;
  modifiedAt: number;
  lastDeploymentConfig?: DeploymentConfig;
  deployment?: Deployment;
  invocationsPerMinute: number;
  autoRollbackWithDeletedConfig: EndpointSeed['autoRollbackWithDeletedConfig'];
}

/** Statuses in which an endpoint serves no requests. */
const NOT_SERVING = new Set(['OutOfService', 'Creating', 'Failed', 'Deleting']);

/** The instance types a production variant may use (the API model's enum, as the installed SDK has it). */
const INSTANCE_TYPES: readonly string[] = Object.values(ProductionVariantInstanceType);

const NO_BEHAVIOR: EndpointConfigSeed['behavior'] = { alarmsWhileServing: [], failsHealthCheck: false };

const validation = (message: string) => new AwsApiError('ValidationException', message);

/** AWS's wording for a member outside its limits (the member path in the API's camelCase). */
const constraint = (member: string, value: unknown, rule: string) =>
  validation(
    `1 validation error detected: Value '${typeof value === 'object' ? JSON.stringify(value) : String(value)}' at '${member}' failed to satisfy constraint: ${rule}`,
  );

function requireString(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value.length === 0) {
    const camel = member[0]!.toLowerCase() + member.slice(1);
    throw validation(
      `1 validation error detected: Value null at '${camel}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function checkRange(
  member: string,
  value: number | undefined,
  min: number,
  max: number,
  required = false,
): void {
  if (value === undefined || value === null) {
    if (required) throw constraint(member, null, 'Member must not be null');
    return;
  }
  if (!Number.isInteger(value) || value < min) {
    throw constraint(member, value, `Member must have value greater than or equal to ${min}`);
  }
  if (value > max) throw constraint(member, value, `Member must have value less than or equal to ${max}`);
}

/**
 * A capacity size as a share of each variant's instance count, checked against `[min, max]` percent: the
 * API reference states every size limit per variant ("Value must be between 5% to 50% of the variant's total
 * instance count"). The message is the sandbox's (AWS's text for these refusals is not published); it
 * names the member, the value, the variant and the limit.
 */
function checkSize(
  member: string,
  size: CapacitySize | undefined,
  variants: readonly VariantRecord[],
  percent: { min: number; max: number },
): void {
  if (!size) throw constraint(member, null, 'Member must not be null');
  if (size.Type !== 'INSTANCE_COUNT' && size.Type !== 'CAPACITY_PERCENT') {
    throw constraint(
      `${member}.type`,
      size.Type,
      'Member must satisfy enum value set: [INSTANCE_COUNT, CAPACITY_PERCENT]',
    );
  }
  checkRange(`${member}.value`, size.Value, 1, Number.MAX_SAFE_INTEGER, true);
  for (const variant of variants) {
    const count = variant.InitialInstanceCount;
    const share = size.Type === 'INSTANCE_COUNT' ? ((size.Value ?? 0) / count) * 100 : (size.Value ?? 0);
    if (share < percent.min || share > percent.max) {
      throw validation(
        `${member} ${size.Value} ${size.Type} is ${Math.round(share)}% of variant ${variant.VariantName}'s ` +
          `${count} instance(s); it must be between ${percent.min}% and ${percent.max}% of the variant's ` +
          'total instance count.',
      );
    }
  }
}

/**
 * The DeploymentConfig limits UpdateEndpoint enforces (API reference: DeploymentConfig, BlueGreenUpdatePolicy,
 * TrafficRoutingConfig, RollingUpdatePolicy, AutoRollbackConfig), for a move from the `old` fleet's variants
 * to the `target` config's.
 */
function validateDeploymentConfig(
  config: DeploymentConfig,
  target: readonly VariantRecord[],
  old: readonly VariantRecord[],
): void {
  const blueGreen = config.BlueGreenUpdatePolicy;
  const rolling = config.RollingUpdatePolicy;
  if (!blueGreen === !rolling) {
    throw validation(
      'DeploymentConfig must set exactly one of BlueGreenUpdatePolicy and RollingUpdatePolicy' +
        (blueGreen ? ', not both.' : '.'),
    );
  }
  if (blueGreen) {
    const path = 'deploymentConfig.blueGreenUpdatePolicy';
    const routing = blueGreen.TrafficRoutingConfiguration;
    if (!routing) throw constraint(`${path}.trafficRoutingConfiguration`, null, 'Member must not be null');
    const routingPath = `${path}.trafficRoutingConfiguration`;
    if (!['ALL_AT_ONCE', 'CANARY', 'LINEAR'].includes(routing.Type as string)) {
      throw constraint(
        `${routingPath}.type`,
        routing.Type ?? null,
        'Member must satisfy enum value set: [ALL_AT_ONCE, CANARY, LINEAR]',
      );
    }
    checkRange(`${routingPath}.waitIntervalInSeconds`, routing.WaitIntervalInSeconds, 0, 3600, true);
    // CanarySize: "less than or equal to 50% of the variant's total instance count"; LinearStepSize:
    // "10-50% of the variant's total instance count" (API reference, TrafficRoutingConfig).
    if (routing.Type === 'CANARY')
      checkSize(`${routingPath}.canarySize`, routing.CanarySize, target, { min: 0, max: 50 });
    if (routing.Type === 'LINEAR') {
      checkSize(`${routingPath}.linearStepSize`, routing.LinearStepSize, target, { min: 10, max: 50 });
    }
    checkRange(`${path}.terminationWaitInSeconds`, blueGreen.TerminationWaitInSeconds, 0, 3600);
    checkRange(
      `${path}.maximumExecutionTimeoutInSeconds`,
      blueGreen.MaximumExecutionTimeoutInSeconds,
      600,
      28_800,
    );
  }
  if (rolling) {
    const path = 'deploymentConfig.rollingUpdatePolicy';
    // "If you're doing a rolling deployment, there are additional feature-based exclusions: … Multi-variant
    // inference endpoints" (developer guide, deployment guardrails "Exclusions").
    if (target.length > 1 || old.length > 1) {
      throw validation(
        `RollingUpdatePolicy supports endpoints with a single production variant only; the endpoint runs ` +
          `${old.length} and the new endpoint configuration has ${target.length}.`,
      );
    }
    // MaximumBatchSize: "Value must be between 5% to 50% of the variant's total instance count" (API
    // reference, RollingUpdatePolicy).
    checkSize(`${path}.maximumBatchSize`, rolling.MaximumBatchSize, target, { min: 5, max: 50 });
    checkRange(`${path}.waitIntervalInSeconds`, rolling.WaitIntervalInSeconds, 0, 3600, true);
    checkRange(
      `${path}.maximumExecutionTimeoutInSeconds`,
      rolling.MaximumExecutionTimeoutInSeconds,
      600,
      28_800,
    );
    // RollbackMaximumBatchSize brings the old fleet back; its default is "100% of total capacity".
    if (rolling.RollbackMaximumBatchSize) {
      checkSize(`${path}.rollbackMaximumBatchSize`, rolling.RollbackMaximumBatchSize, old, {
        min: 0,
        max: 100,
      });
    }
  }
  const auto = config.AutoRollbackConfiguration;
  if (auto) {
    const alarms = auto.Alarms ?? [];
    const member = 'deploymentConfig.autoRollbackConfiguration.alarms';
    if (alarms.length < 1)
      throw constraint(member, alarms, 'Member must have length greater than or equal to 1');
    if (alarms.length > 10)
      throw constraint(
        member,
        `[${alarms.length} alarms]`,
        'Member must have length less than or equal to 10',
      );
    alarms.forEach((alarm, i) => {
      if (typeof alarm.AlarmName !== 'string' || alarm.AlarmName.length === 0) {
        throw constraint(`${member}.${i + 1}.member.alarmName`, null, 'Member must not be null');
      }
    });
  }
}

/** The instances of `type` among `variants`. */
const instancesOfType = (variants: readonly VariantRecord[], type: string) =>
  variants.filter((v) => v.InstanceType === type).reduce((n, v) => n + v.InitialInstanceCount, 0);

/**
 * The instances a deployment holds beside the live fleet, by type: blue/green brings up the whole new fleet
 * next to the old one (an UpdateEndpoint without DeploymentConfig too: SageMaker "uses a blue/green
 * deployment strategy with all at once traffic shifting by default", API reference, BlueGreenUpdatePolicy);
 * rolling brings up one batch before it removes as many old instances.
 */
function deploymentExtra(target: ServingFleet, config: DeploymentConfig | undefined): Record<string, number> {
  const batch = config?.RollingUpdatePolicy?.MaximumBatchSize;
  const extra: Record<string, number> = {};
  for (const v of target.variants) {
    const count = v.InitialInstanceCount;
    extra[v.InstanceType] =
      (extra[v.InstanceType] ?? 0) + (batch ? Math.min(count, instancesOf(batch, count)) : count);
  }
  return extra;
}

/**
 * AWS's ResourceLimitExceeded text for endpoint instances, as SageMaker answers CreateEndpoint and
 * UpdateEndpoint today (the older "Please contact AWS support …" ending is gone; aws-samples/aws-genai-llm-chatbot
 * #244 quotes the current one).
 */
const quotaExceeded = (type: string, quota: number, used: number, delta: number) =>
  new AwsApiError(
    'ResourceLimitExceeded',
    `The account-level service limit '${type} for endpoint usage' is ${quota} Instances, with current ` +
      `utilization of ${used} Instances and a request delta of ${delta} Instances. Please use AWS Service ` +
      'Quotas to request an increase for this quota. If AWS Service Quotas is not available, contact AWS ' +
      'support to request an increase for this quota.',
  );

/** One status change of an endpoint: DescribeEndpoint's status, config and pending config from then on. */
export interface EndpointStatusChange {
  endpoint: string;
  at: number;
  status: string;
  endpointConfigName: string;
  pendingEndpointConfigName?: string;
}

/** The endpoints' state over virtual time, with what the report draws (traffic split, status changes). */
export class EndpointWorld {
  readonly trafficHistory: Array<{ endpoint: string; at: number; weights: Record<string, number> }> = [];
  /** Every status change, with the configuration live then and, while a deployment runs, the one it moves to. */
  readonly statusHistory: EndpointStatusChange[] = [];
  readonly #configs = new Map<string, EndpointConfigRecord>();
  readonly #endpoints = new Map<string, EndpointRecord>();
  readonly #quotas: Record<string, number>;
  readonly #arn: (kind: string, name: string) => string;

  constructor(
    fleet: Pick<Fleet, 'start' | 'account' | 'region' | 'endpointConfigs' | 'endpoints' | 'quotas'>,
    readonly alarms: AlarmWorld,
  ) {
    // SageMaker ARNs carry the resource name in lower case.
    this.#arn = (kind, name) =>
      `arn:aws:sagemaker:${fleet.region}:${fleet.account}:${kind}/${name.toLowerCase()}`;
    this.#quotas = fleet.quotas;
    const count = fleet.endpointConfigs.length;
    fleet.endpointConfigs.forEach((seed, i) => {
      this.#configs.set(seed.name, {
        name: seed.name,
        arn: this.#arn('endpoint-config', seed.name),
        // Seeds were created before the run, a day apart, in file order (so sorting by time is meaningful).
        createdAt: fleet.start - (count - i) * 86_400_000,
        variants: seed.variants.map((v) => ({
          VariantName: v.name,
          InstanceType: v.instanceType,
          InitialInstanceCount: v.instanceCount,
          InitialVariantWeight: 1,
        })),
        behavior: seed.behavior,
        tags: {},
      });
    });
    fleet.endpoints.forEach((seed, i) => {
      const createdAt = fleet.start - (fleet.endpoints.length - i) * 86_400_000;
      const endpoint: EndpointRecord = {
        name: seed.name,
        arn: this.#arn('endpoint', seed.name),
        tags: {},
        // The fleet file's cross-checks make every seed endpoint's configuration exist.
        live: this.#configs.get(seed.endpointConfigName)!,
        status: seed.status,
        createdAt,
        modifiedAt: createdAt,
        invocationsPerMinute: seed.invocationsPerMinute,
        autoRollbackWithDeletedConfig: seed.autoRollbackWithDeletedConfig,
      };
      this.#endpoints.set(seed.name, endpoint);
      this.statusHistory.push({
        endpoint: seed.name,
        at: fleet.start,
        status: seed.status,
        endpointConfigName: seed.endpointConfigName,
      });
      if (seed.status === 'InService') {
        this.trafficHistory.push({
          endpoint: seed.name,
          at: fleet.start,
          weights: { [seed.endpointConfigName]: 100 },
        });
      }
      alarms.seedTraffic(seed.name, this.#sample(endpoint));
    });
    alarms.onChange((change) => {
      if (change.state !== 'ALARM') return;
      for (const endpoint of this.#endpoints.values()) {
        const d = endpoint.deployment;
        if (d?.guarding && d.alarms.includes(change.name)) this.#rollBack(endpoint, d, change.at);
      }
    });
  }

  /** Brings the world up to `ctx.now()`; every operation calls it first. */
  sync(ctx: OperationContext): void {
    this.alarms.sync(ctx);
  }

  /** The sandbox contract's `fleet` part for endpoints, configurations and alarms. */
  snapshot(): {
    endpoints: Array<{ name: string; status: string; endpointConfigName: string }>;
    endpointConfigs: string[];
    alarms: Array<{ name: string; state: string }>;
  } {
    return {
      endpoints: [...this.#endpoints.values()].map((e) => ({
        name: e.name,
        status: e.status,
        endpointConfigName: e.live.name,
      })),
      endpointConfigs: [...this.#configs.keys()],
      alarms: this.alarms.snapshot(),
    };
  }

  endpoint(name: string): EndpointRecord {
    const endpoint = this.#endpoints.get(name);
    if (!endpoint) throw validation(`Could not find endpoint "${this.#arn('endpoint', name)}".`);
    return endpoint;
  }

  config(name: string): EndpointConfigRecord {
    const config = this.#configs.get(name);
    if (!config)
      throw validation(`Could not find endpoint configuration "${this.#arn('endpoint-config', name)}".`);
    return config;
  }

  /**
   * The tags of an endpoint or a configuration, by ARN (SageMaker's ListTags and AddTags). A deleted
   * configuration has none to show: like any deleted resource, it is not found.
   */
  tagsOf(arn: string): Record<string, string> | undefined {
    for (const resource of [...this.#configs.values(), ...this.#endpoints.values()])
      if (resource.arn === arn) return resource.tags;
    return undefined;
  }

  get configs(): EndpointConfigRecord[] {
    return [...this.#configs.values()];
  }

  get endpoints(): EndpointRecord[] {
    return [...this.#endpoints.values()];
  }

  createConfig(name: string, variants: VariantRecord[], at: number): EndpointConfigRecord {
    if (this.#configs.has(name)) {
      throw validation(
        `Cannot create already existing endpoint configuration "${this.#arn('endpoint-config', name)}".`,
      );
    }
    const record = {
      name,
      arn: this.#arn('endpoint-config', name),
      createdAt: at,
      variants,
      behavior: NO_BEHAVIOR,
      tags: {},
    };
    this.#configs.set(name, record);
    return record;
  }

  /**
   * Deletes a configuration whatever uses it, as SageMaker does: the API reference only warns ("You must not
   * delete an EndpointConfig in use by an endpoint that is live or while the UpdateEndpoint or CreateEndpoint
   * operations are being performed on the endpoint"). An endpoint keeps serving a deleted config's fleet
   * and `DescribeEndpoint` keeps naming it (terraform-provider-aws #48997: "leaving the endpoint in a state
   * where it references a non-existent configuration"); `update` then refuses it.
   */
  deleteConfig(name: string): void {
    this.config(name);
    this.#configs.delete(name);
  }

  /** Instances of `type` held by all endpoints now (live fleets and deployments), `except` one deployment. */
  #usage(type: string, except?: Deployment): number {
    let used = 0;
    for (const e of this.#endpoints.values()) {
      used += instancesOfType(e.live.variants, type);
      if (e.deployment && e.deployment !== except) used += e.deployment.extra[type] ?? 0;
    }
    return used;
  }

  /** Refuses `extra` instances when a quota cannot hold them beside everything in use. */
  #checkQuota(extra: Record<string, number>, except?: Deployment): void {
    for (const [type, delta] of Object.entries(extra)) {
      const quota = this.#quotas[type];
      if (quota === undefined || delta === 0) continue;
      const used = this.#usage(type, except);
      if (used + delta > quota) throw quotaExceeded(type, quota, used, delta);
    }
  }

  /** Starts a deployment of `targetName` on `name` at `now` (UpdateEndpoint after its checks). */
  update(
    name: string,
    targetName: string,
    config: DeploymentConfig | undefined,
    now: number,
  ): EndpointRecord {
    const endpoint = this.endpoint(name);
    const target = this.config(targetName);
    if (endpoint.status !== 'InService')
      throw validation(`Cannot update in-progress endpoint "${endpoint.arn}".`);
    // SageMaker needs the endpoint's current configuration too: once it is deleted, every update fails with
    // "ValidationException: Could not find endpoint configuration "<old_endpoint_config_arn>""
    // (terraform-provider-aws #40048; #48997 and its fix #49020: "subsequent apply operations … fail").
    this.config(endpoint.live.name);
    if (config) validateDeploymentConfig(config, target.variants, endpoint.live.variants);
    const d: Deployment = {
      target,
      previous: endpoint.live,
      startedAt: now,
      config,
      alarms: (config?.AutoRollbackConfiguration?.Alarms ?? []).map((a) => a.AlarmName!),
      phase: 'provisioning',
      newWeight: 0,
      guarding: false,
      over: false,
      extra: deploymentExtra(target, config),
    };
    this.#checkQuota(d.extra);
    endpoint.deployment = d;
    delete endpoint.failureReason;
    if (config) endpoint.lastDeploymentConfig = config;
    this.#setStatus(endpoint, 'Updating', now);
    const agenda = this.alarms.agenda;
    if (target.behavior.failsHealthCheck) {
      const timeout =
        config?.BlueGreenUpdatePolicy?.MaximumExecutionTimeoutInSeconds ??
        config?.RollingUpdatePolicy?.MaximumExecutionTimeoutInSeconds ??
        DEFAULT_TIMEOUT_SECONDS;
      const at = now + timeout * 1000;
      agenda.at(at, () => this.#failHealthCheck(endpoint, d, at));
    } else {
      const healthyAt = now + PROVISION_SECONDS * 1000;
      agenda.at(healthyAt, () => this.#healthy(endpoint, d, healthyAt));
    }
    return endpoint;
  }

  //  UpdateEndpoint ── provision (120 s) ── healthy ── traffic steps and baking periods ── T ── old fleet removed:
  //                                        │                                                 InService, new config
  //                                        └── an alarm in ALARM during a baking period ── Updating while the
  //                                            old fleet takes the traffic back ── InService on the OLD config,
  //                                            no FailureReason
  #healthy(endpoint: EndpointRecord, d: Deployment, at: number): void {
    if (d.over) return;
    d.healthyAt = at;
    d.phase = 'shifting';
    const plan = trafficPlan(d.config, capacityOf(d.target));
    const agenda = this.alarms.agenda;
    for (const step of plan.steps) {
      const stepAt = at + step.offsetSeconds * 1000;
      agenda.at(stepAt, () => this.#shift(endpoint, d, step.weights.new, stepAt));
    }
    agenda.at(at + plan.guardedUntilSeconds * 1000, () => {
      d.guarding = false;
    });
    const doneAt = at + plan.doneAtSeconds * 1000;
    agenda.at(doneAt, () => this.#finish(endpoint, d, doneAt));
  }

  #shift(endpoint: EndpointRecord, d: Deployment, newWeight: number, at: number): void {
    if (d.over || d.phase !== 'shifting') return;
    d.guarding = true;
    // SageMaker checks the alarms before it moves more traffic onto the new fleet.
    if (d.alarms.some((a) => this.alarms.state(a) === 'ALARM')) {
      this.#rollBack(endpoint, d, at);
      return;
    }
    this.#setTraffic(endpoint, d, newWeight, at);
  }

  /** Who serves an endpoint's requests now, in percent. */
  #split(endpoint: EndpointRecord): Array<{ fleet: ServingFleet; percent: number }> {
    const d = endpoint.deployment;
    if (!d || d.newWeight === 0) return [{ fleet: endpoint.live, percent: 100 }];
    return [
      { fleet: d.previous, percent: 100 - d.newWeight },
      { fleet: d.target, percent: d.newWeight },
    ];
  }

  #sample(endpoint: EndpointRecord): TrafficSample {
    return {
      invocationsPerMinute: NOT_SERVING.has(endpoint.status) ? 0 : endpoint.invocationsPerMinute,
      flows: this.#split(endpoint).map(({ fleet, percent }) => ({
        config: fleet.name,
        percent,
        breaches: fleet.behavior.alarmsWhileServing,
      })),
    };
  }

  #setTraffic(endpoint: EndpointRecord, d: Deployment, newWeight: number, at: number): void {
    if (d.newWeight === newWeight) return;
    d.newWeight = newWeight;
    const weights: Record<string, number> = {};
    for (const { fleet, percent } of this.#split(endpoint)) {
      if (percent > 0) weights[fleet.name] = (weights[fleet.name] ?? 0) + percent;
    }
    this.trafficHistory.push({ endpoint: endpoint.name, at, weights });
    this.alarms.observe(endpoint.name, this.#sample(endpoint), at);
  }

  #finish(endpoint: EndpointRecord, d: Deployment, at: number): void {
    if (d.over || d.phase !== 'shifting') return;
    d.over = true;
    endpoint.live = d.target;
    delete endpoint.deployment;
    this.#setStatus(endpoint, 'InService', at);
  }

  /**
   * SageMaker's auto-rollback. The endpoint stays `Updating` until it is `InService` on the old config with
   * no FailureReason: `RollingBack` "only applies to an endpoint that has autoscaling enabled and is
   * undergoing variant weight or capacity changes as part of an UpdateEndpointWeightsAndCapacities call"
   * (API reference, DescribeEndpoint, EndpointStatus), never to a deployment's rollback.
   *
   * When the old config was deleted during the deployment, AWS documents nothing; the endpoint's
   * `autoRollbackWithDeletedConfig` says what happens: `restores` (the old fleet comes back anyway) or
   * `fails` (UpdateRollbackFailed, the traffic split left as it was).
   */
  #rollBack(endpoint: EndpointRecord, d: Deployment, at: number): void {
    if (d.over || d.phase === 'rolling-back') return;
    d.phase = 'rolling-back';
    d.guarding = false;
    if (!this.#configs.has(d.previous.name) && endpoint.autoRollbackWithDeletedConfig === 'fails') {
      this.#failRollback(
        endpoint,
        d,
        `Could not find endpoint configuration "${this.#arn('endpoint-config', d.previous.name)}".`,
        at,
      );
      return;
    }
    const rolling = d.config?.RollingUpdatePolicy;
    if (rolling && d.newWeight > 0) {
      this.#rollBackBatches(endpoint, d, rolling.RollbackMaximumBatchSize, at);
      return;
    }
    // Blue/green: the old fleet never left, so all traffic goes back to it at once.
    this.#setTraffic(endpoint, d, 0, at);
    const doneAt = at + ROLLBACK_SECONDS * 1000;
    this.alarms.agenda.at(doneAt, () => this.#rolledBack(endpoint, d, doneAt));
  }

  /**
   * A rolling deployment rolls back batch by batch: each step brings `RollbackMaximumBatchSize` old
   * instances back (default "100% of total capacity which means to bring up the whole capacity of the old
   * fleet at once", API reference, RollingUpdatePolicy) and takes their share of traffic off the new fleet.
   * The old instances need room under the instance quota; without it the rollback fails as well:
   * `UpdateRollbackFailed`, "Both the rolling deployment and auto-rollback failed. Your endpoint is in
   * service with a mix of the old and new endpoint configurations" (API reference, EndpointStatus).
   */
  #rollBackBatches(
    endpoint: EndpointRecord,
    d: Deployment,
    rollbackBatchSize: CapacitySize | undefined,
    at: number,
  ): void {
    const old = d.previous.variants[0]!;
    const capacity = old.InitialInstanceCount;
    const replaced = Math.max(1, Math.round((d.newWeight / 100) * capacity));
    const batch = Math.min(
      replaced,
      instancesOf(rollbackBatchSize ?? { Type: 'CAPACITY_PERCENT', Value: 100 }, capacity),
    );
    const extra = { [old.InstanceType]: batch };
    try {
      this.#checkQuota(extra, d);
    } catch (err) {
      this.#failRollback(endpoint, d, (err as Error).message, at);
      return;
    }
    d.extra = extra;
    const agenda = this.alarms.agenda;
    for (let step = 1; step * batch < replaced + batch; step++) {
      const stepAt = at + step * PROVISION_SECONDS * 1000;
      const remaining = Math.max(0, replaced - step * batch);
      agenda.at(stepAt, () => {
        this.#setTraffic(endpoint, d, percentOf(remaining, capacity), stepAt);
        if (remaining === 0) this.#rolledBack(endpoint, d, stepAt);
      });
    }
  }

  #rolledBack(endpoint: EndpointRecord, d: Deployment, at: number): void {
    d.over = true;
    delete endpoint.deployment;
    this.#setStatus(endpoint, 'InService', at);
  }

  /** The rollback could not bring the old fleet back: the endpoint serves the mix it had. */
  #failRollback(endpoint: EndpointRecord, d: Deployment, reason: string, at: number): void {
    d.phase = 'rollback-failed';
    d.over = true;
    endpoint.failureReason = reason;
    this.#setStatus(endpoint, 'UpdateRollbackFailed', at);
  }

  #failHealthCheck(endpoint: EndpointRecord, d: Deployment, at: number): void {
    if (d.over) return;
    d.over = true;
    delete endpoint.deployment;
    endpoint.failureReason =
      `The primary container for production variant ${d.target.variants[0]?.VariantName ?? 'AllTraffic'} did not ` +
      'pass the ping health check. Please check CloudWatch logs for this endpoint.';
    this.#setStatus(endpoint, 'InService', at);
  }

  #setStatus(endpoint: EndpointRecord, status: string, at: number): void {
    endpoint.status = status;
    endpoint.modifiedAt = at;
    const d = endpoint.deployment;
    this.statusHistory.push({
      endpoint: endpoint.name,
      at,
      status,
      endpointConfigName: endpoint.live.name,
      ...(d && !d.over ? { pendingEndpointConfigName: d.target.name } : {}),
    });
  }

  /** DescribeEndpoint's answer. */
  describe(endpoint: EndpointRecord): Record<string, unknown> {
    const d = endpoint.deployment;
    const variantStatus = (status: string, since: number) => [{ Status: status, StartTime: new Date(since) }];
    return {
      EndpointName: endpoint.name,
      EndpointArn: endpoint.arn,
      EndpointConfigName: endpoint.live.name,
      ProductionVariants: endpoint.live.variants.map((v) => ({
        VariantName: v.VariantName,
        CurrentWeight: v.InitialVariantWeight,
        DesiredWeight: v.InitialVariantWeight,
        CurrentInstanceCount: v.InitialInstanceCount,
        DesiredInstanceCount: v.InitialInstanceCount,
      })),
      EndpointStatus: endpoint.status,
      ...(endpoint.failureReason ? { FailureReason: endpoint.failureReason } : {}),
      CreationTime: new Date(endpoint.createdAt),
      LastModifiedTime: new Date(endpoint.modifiedAt),
      ...(endpoint.lastDeploymentConfig ? { LastDeploymentConfig: endpoint.lastDeploymentConfig } : {}),
      ...(d && !d.over
        ? {
            PendingDeploymentSummary: {
              EndpointConfigName: d.target.name,
              StartTime: new Date(d.startedAt),
              ProductionVariants: d.target.variants.map((v) => ({
                VariantName: v.VariantName,
                InstanceType: v.InstanceType,
                CurrentWeight: v.InitialVariantWeight,
                DesiredWeight: v.InitialVariantWeight,
                CurrentInstanceCount: d.healthyAt !== undefined ? v.InitialInstanceCount : 0,
                DesiredInstanceCount: v.InitialInstanceCount,
                VariantStatus:
                  d.phase === 'rolling-back'
                    ? variantStatus('Deleting', endpoint.modifiedAt)
                    : d.phase === 'provisioning'
                      ? variantStatus('Creating', d.startedAt)
                      : variantStatus(
                          d.newWeight < 100 ? 'ActivatingTraffic' : 'Baking',
                          d.healthyAt ?? d.startedAt,
                        ),
              })),
            },
          }
        : {}),
    };
  }
}

function capacityOf(config: ServingFleet): number {
  return config.variants.reduce((n, v) => n + v.InitialInstanceCount, 0);
}

/** List paging as SageMaker does it: an opaque token, `MaxResults` 1–100 (default 10). */
function page<T>(items: T[], input: Record<string, unknown>): { slice: T[]; next?: string } {
  const max = input.MaxResults === undefined ? 10 : Number(input.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw constraint('maxResults', input.MaxResults, 'Member must have value between 1 and 100');
  }
  let offset = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^sm:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString('utf8'));
    if (!decoded) throw validation('Invalid pagination token because of an unexpected value.');
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + max);
  return offset + max < items.length
    ? { slice, next: Buffer.from(`sm:${offset + max}`).toString('base64') }
    : { slice };
}

function sorted<T>(
  items: T[],
  input: Record<string, unknown>,
  keys: Record<string, (item: T) => string | number>,
): T[] {
  const sortBy = (input.SortBy as string | undefined) ?? 'CreationTime';
  const key = keys[sortBy];
  if (!key)
    throw constraint(
      'sortBy',
      sortBy,
      `Member must satisfy enum value set: [${Object.keys(keys).join(', ')}]`,
    );
  const order = (input.SortOrder as string | undefined) ?? 'Descending';
  if (order !== 'Ascending' && order !== 'Descending') {
    throw constraint('sortOrder', order, 'Member must satisfy enum value set: [Ascending, Descending]');
  }
  const sign = order === 'Ascending' ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  });
}

const timeFilter = (input: Record<string, unknown>, member: string) =>
  input[member] === undefined ? undefined : Number(input[member]) * 1000;

function parseVariants(input: Record<string, unknown>): VariantRecord[] {
  const raw = input.ProductionVariants;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw constraint('productionVariants', raw ?? null, 'Member must have length greater than or equal to 1');
  }
  return raw.map((v: Record<string, unknown>, i) => {
    const member = `productionVariants.${i + 1}.member`;
    if (typeof v.VariantName !== 'string')
      throw constraint(`${member}.variantName`, null, 'Member must not be null');
    if (typeof v.InstanceType !== 'string') {
      throw validation(
        `${member}.instanceType: the sandbox serves instance-based variants only; InstanceType is missing.`,
      );
    }
    if (!INSTANCE_TYPES.includes(v.InstanceType)) {
      throw constraint(
        `${member}.instanceType`,
        v.InstanceType,
        `Member must satisfy enum value set: [${INSTANCE_TYPES.join(', ')}]`,
      );
    }
    const count = v.InitialInstanceCount;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw constraint(
        `${member}.initialInstanceCount`,
        count ?? null,
        'Member must have value greater than or equal to 1',
      );
    }
    return {
      VariantName: v.VariantName,
      InstanceType: v.InstanceType,
      InitialInstanceCount: count,
      InitialVariantWeight: typeof v.InitialVariantWeight === 'number' ? v.InitialVariantWeight : 1,
      ...(typeof v.ModelName === 'string' ? { ModelName: v.ModelName } : {}),
    };
  });
}

/**
 * The SageMaker endpoint operations (merged by the server with the notebook operations under the same
 * `SageMaker` prefix). `ListTags` and `AddTags` are the notebooks module's, for every family: this one
 * lends them its resources' tags (`tagsOf`).
 *
 * @example
 *   const cloudwatch = createCloudWatchService(fleet);
 *   const endpoints = createEndpointService(fleet, cloudwatch.world);
 *   endpoints.world.trafficHistory // → [{ endpoint: 'ep-1', at, weights: { 'cfg-v1': 100 } }, …]
 */
export function createEndpointService(
  fleet: Pick<Fleet, 'start' | 'account' | 'region' | 'endpointConfigs' | 'endpoints' | 'quotas'>,
  alarms: AlarmWorld,
): ServiceEmulator & { world: EndpointWorld; attach(context: OperationContext): void } {
  const world = new EndpointWorld(fleet, alarms);
  return {
    targetPrefix: 'SageMaker',
    service: 'sagemaker',
    world,
    attach: (context) => world.sync(context),
    tagsOf: (arn) => world.tagsOf(arn),
    operations: {
      DescribeEndpoint: (input, ctx) => {
        world.sync(ctx);
        return world.describe(world.endpoint(requireString(input, 'EndpointName')));
      },
      ListEndpoints: (input, ctx) => {
        world.sync(ctx);
        const contains = input.NameContains as string | undefined;
        const status = input.StatusEquals as string | undefined;
        const [createdBefore, createdAfter, modifiedBefore, modifiedAfter] = [
          'CreationTimeBefore',
          'CreationTimeAfter',
          'LastModifiedTimeBefore',
          'LastModifiedTimeAfter',
        ].map((m) => timeFilter(input, m));
        const matching = world.endpoints.filter(
          (e) =>
            (contains === undefined || e.name.includes(contains)) &&
            (status === undefined || e.status === status) &&
            (createdBefore === undefined || e.createdAt < createdBefore) &&
            (createdAfter === undefined || e.createdAt > createdAfter) &&
            (modifiedBefore === undefined || e.modifiedAt < modifiedBefore) &&
            (modifiedAfter === undefined || e.modifiedAt > modifiedAfter),
        );
        const { slice, next } = page(
          sorted(matching, input, {
            Name: (e) => e.name,
            CreationTime: (e) => e.createdAt,
            Status: (e) => e.status,
          }),
          input,
        );
        return {
          Endpoints: slice.map((e) => ({
            EndpointName: e.name,
            EndpointArn: e.arn,
            CreationTime: new Date(e.createdAt),
            LastModifiedTime: new Date(e.modifiedAt),
            EndpointStatus: e.status,
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },
      DescribeEndpointConfig: (input, ctx) => {
        world.sync(ctx);
        const config = world.config(requireString(input, 'EndpointConfigName'));
        return {
          EndpointConfigName: config.name,
          EndpointConfigArn: config.arn,
          ProductionVariants: config.variants,
          CreationTime: new Date(config.createdAt),
        };
      },
      ListEndpointConfigs: (input, ctx) => {
        world.sync(ctx);
        const contains = input.NameContains as string | undefined;
        const before = timeFilter(input, 'CreationTimeBefore');
        const after = timeFilter(input, 'CreationTimeAfter');
        const matching = world.configs.filter(
          (c) =>
            (contains === undefined || c.name.includes(contains)) &&
            (before === undefined || c.createdAt < before) &&
            (after === undefined || c.createdAt > after),
        );
        const { slice, next } = page(
          sorted(matching, input, { Name: (c) => c.name, CreationTime: (c) => c.createdAt }),
          input,
        );
        return {
          EndpointConfigs: slice.map((c) => ({
            EndpointConfigName: c.name,
            EndpointConfigArn: c.arn,
            CreationTime: new Date(c.createdAt),
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },
      CreateEndpointConfig: (input, ctx) => {
        world.sync(ctx);
        const name = requireString(input, 'EndpointConfigName');
        const config = world.createConfig(name, parseVariants(input), ctx.now());
        return { EndpointConfigArn: config.arn };
      },
      DeleteEndpointConfig: (input, ctx) => {
        world.sync(ctx);
        world.deleteConfig(requireString(input, 'EndpointConfigName'));
        return {};
      },
      UpdateEndpoint: (input, ctx) => {
        world.sync(ctx);
        const name = requireString(input, 'EndpointName');
        const target = requireString(input, 'EndpointConfigName');
        const endpoint = world.endpoint(name);
        const config =
          (input.DeploymentConfig as DeploymentConfig | undefined) ??
          (input.RetainDeploymentConfig === true ? endpoint.lastDeploymentConfig : undefined);
        world.update(name, target, config, ctx.now());
        return { EndpointArn: endpoint.arn };
      },
    },
  };
}
