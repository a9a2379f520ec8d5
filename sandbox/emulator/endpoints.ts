import type { CapacitySize, DeploymentConfig } from '@aws-sdk/client-sagemaker';
import type { EndpointConfigSeed, Fleet } from '../fleet.ts';
import type { AlarmWorld } from './cloudwatch.ts';
import { AwsApiError, type OperationContext, type ServiceEmulator } from './types.ts';

/**
 * SageMaker real-time endpoints of the sandbox: endpoint configurations, and `UpdateEndpoint` with the
 * deployment guardrails run on the virtual clock (blue/green all-at-once, canary, linear; rolling batches),
 * auto-rollback on alarms, instance quotas and the refusals the real API answers with.
 */

/** How long SageMaker takes to bring up the new fleet (or a rolling batch) until it passes health checks. */
export const PROVISION_SECONDS = 120;
/** How long an auto-rollback takes: traffic goes back at once, the endpoint is `RollingBack` meanwhile. */
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
   * Seconds after the new fleet became healthy when the old fleet is removed and the deployment ends: the
   * end of the guardrail window, in which an alarm makes SageMaker roll back.
   */
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
 * on the virtual clock. Without a `DeploymentConfig` SageMaker shifts all traffic at once and removes the
 * old fleet right away.
 *
 * Timelines (W = WaitIntervalInSeconds, T = TerminationWaitInSeconds):
 *   ALL_AT_ONCE  0: 100% ── bake W ── T ── done
 *   CANARY       0: canary ── W ── 100% ── T ── done
 *   LINEAR       0: step ── W ── 2·step ── W … 100% ── T ── done
 *   rolling      0: batch ── W ── 2·batch ── W … 100% ── W ── done (every batch bakes W)
 *
 * @example trafficPlan({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY',
 *   WaitIntervalInSeconds: 300, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 } },
 *   TerminationWaitInSeconds: 60 } }, 4)
 *   // → { steps: [{ offsetSeconds: 0, weights: { old: 75, new: 25 } },
 *   //             { offsetSeconds: 300, weights: { old: 0, new: 100 } }], doneAtSeconds: 360 }
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
    return { steps, doneAtSeconds: batches * wait };
  }
  const blueGreen = deployment?.BlueGreenUpdatePolicy;
  const routing = blueGreen?.TrafficRoutingConfiguration;
  const wait = routing?.WaitIntervalInSeconds ?? 0;
  const termination = blueGreen?.TerminationWaitInSeconds ?? 0;
  switch (routing?.Type) {
    case 'CANARY': {
      const canary = routing.CanarySize;
      const percent =
        canary?.Type === 'INSTANCE_COUNT' ? percentOf(canary.Value ?? 0, capacity) : (canary?.Value ?? 0);
      return { steps: [split(0, percent), split(wait, 100)], doneAtSeconds: wait + termination };
    }
    case 'LINEAR': {
      const step = routing.LinearStepSize;
      const stepPercent =
        step?.Type === 'INSTANCE_COUNT' ? ((step.Value ?? 0) / capacity) * 100 : (step?.Value ?? 100);
      const count = Math.ceil(100 / stepPercent - 1e-9);
      const steps = Array.from({ length: count }, (_, k) =>
        split(k * wait, Math.min(100, Math.round((k + 1) * stepPercent))),
      );
      return { steps, doneAtSeconds: (count - 1) * wait + termination };
    }
    case 'ALL_AT_ONCE':
      return { steps: [split(0, 100)], doneAtSeconds: wait + termination };
    default:
      return { steps: [split(0, 100)], doneAtSeconds: termination };
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
}

type Phase = 'provisioning' | 'shifting' | 'rolling-back';

interface Deployment {
  target: string;
  previous: string;
  startedAt: number;
  config: DeploymentConfig | undefined;
  alarms: string[];
  phase: Phase;
  /** Percent of traffic on the new fleet. */
  newWeight: number;
  /** Inside the guardrail window: from the first traffic shift until the old fleet is removed. */
  guarding: boolean;
  healthyAt?: number;
  over: boolean;
}

interface EndpointRecord {
  name: string;
  arn: string;
  configName: string;
  status: string;
  failureReason?: string;
  createdAt: number;
  modifiedAt: number;
  lastDeploymentConfig?: DeploymentConfig;
  deployment?: Deployment;
}

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

/** A capacity size as a share of the new fleet, checked against `[min, max]` percent. */
function checkSize(
  member: string,
  size: CapacitySize | undefined,
  capacity: number,
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
  const share = size.Type === 'INSTANCE_COUNT' ? ((size.Value ?? 0) / capacity) * 100 : (size.Value ?? 0);
  if (share < percent.min || share > percent.max) {
    throw validation(
      `${member} ${size.Value} ${size.Type} is ${Math.round(share)}% of the new fleet's ${capacity} instance(s); ` +
        `it must be between ${percent.min}% and ${percent.max}% of capacity.`,
    );
  }
}

/** The DeploymentConfig limits UpdateEndpoint enforces (API reference, DeploymentConfig and members). */
function validateDeploymentConfig(config: DeploymentConfig, capacity: number): void {
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
    if (routing.Type === 'CANARY')
      checkSize(`${routingPath}.canarySize`, routing.CanarySize, capacity, { min: 0, max: 50 });
    if (routing.Type === 'LINEAR') {
      checkSize(`${routingPath}.linearStepSize`, routing.LinearStepSize, capacity, { min: 10, max: 50 });
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
    checkSize(`${path}.maximumBatchSize`, rolling.MaximumBatchSize, capacity, { min: 0, max: 50 });
    checkRange(`${path}.waitIntervalInSeconds`, rolling.WaitIntervalInSeconds, 0, 3600, true);
    checkRange(
      `${path}.maximumExecutionTimeoutInSeconds`,
      rolling.MaximumExecutionTimeoutInSeconds,
      600,
      28_800,
    );
    if (rolling.RollbackMaximumBatchSize) {
      checkSize(`${path}.rollbackMaximumBatchSize`, rolling.RollbackMaximumBatchSize, capacity, {
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

/** The endpoints' state over virtual time, with what the report draws (traffic split, status changes). */
export class EndpointWorld {
  readonly trafficHistory: Array<{ endpoint: string; at: number; weights: Record<string, number> }> = [];
  readonly statusHistory: Array<{
    endpoint: string;
    at: number;
    status: string;
    endpointConfigName: string;
  }> = [];
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
      });
    });
    fleet.endpoints.forEach((seed, i) => {
      const createdAt = fleet.start - (fleet.endpoints.length - i) * 86_400_000;
      this.#endpoints.set(seed.name, {
        name: seed.name,
        arn: this.#arn('endpoint', seed.name),
        configName: seed.endpointConfigName,
        status: seed.status,
        createdAt,
        modifiedAt: createdAt,
      });
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
        endpointConfigName: e.configName,
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
    };
    this.#configs.set(name, record);
    return record;
  }

  deleteConfig(name: string): void {
    this.config(name);
    for (const e of this.#endpoints.values()) {
      const role =
        e.configName === name
          ? 'uses it'
          : e.deployment?.target === name
            ? 'is being updated to it'
            : undefined;
      if (role) {
        throw validation(
          `Cannot delete endpoint configuration "${name}": endpoint "${e.name}" ${role} (status ${e.status}).`,
        );
      }
    }
    this.#configs.delete(name);
  }

  /** Instances of `type` held by all endpoints now: their live fleets and any fleet a deployment adds. */
  #usage(type: string): number {
    let used = 0;
    for (const e of this.#endpoints.values()) {
      used += this.#instances(this.#configs.get(e.configName), type);
      if (e.deployment) used += this.#deploymentDelta(e.deployment, type);
    }
    return used;
  }

  #instances(config: EndpointConfigRecord | undefined, type: string): number {
    return (config?.variants ?? [])
      .filter((v) => v.InstanceType === type)
      .reduce((n, v) => n + v.InitialInstanceCount, 0);
  }

  /** Blue/green brings up the whole new fleet beside the old one; rolling, one batch at a time. */
  #deploymentDelta(d: Pick<Deployment, 'target' | 'config'>, type: string): number {
    const target = this.#configs.get(d.target);
    const full = this.#instances(target, type);
    const batchSize = d.config?.RollingUpdatePolicy?.MaximumBatchSize;
    if (!batchSize || !target) return full;
    return Math.min(full, instancesOf(batchSize, capacityOf(target)));
  }

  #checkQuota(d: Pick<Deployment, 'target' | 'config'>): void {
    const types = new Set(this.config(d.target).variants.map((v) => v.InstanceType));
    for (const type of types) {
      const quota = this.#quotas[type];
      if (quota === undefined) continue;
      const used = this.#usage(type);
      const delta = this.#deploymentDelta(d, type);
      if (used + delta > quota) {
        throw new AwsApiError(
          'ResourceLimitExceeded',
          `The account-level service limit '${type} for endpoint usage' is ${quota} Instances, with current ` +
            `utilization of ${used} Instances and a request delta of ${delta} Instances. Please use AWS Service ` +
            `Quotas to request an increase for this quota.`,
        );
      }
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
    if (config) validateDeploymentConfig(config, capacityOf(target));
    this.#checkQuota({ target: targetName, config });
    const d: Deployment = {
      target: targetName,
      previous: endpoint.configName,
      startedAt: now,
      config,
      alarms: (config?.AutoRollbackConfiguration?.Alarms ?? []).map((a) => a.AlarmName!),
      phase: 'provisioning',
      newWeight: 0,
      guarding: false,
      over: false,
    };
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
      agenda.at(at, () => this.#failHealthCheck(endpoint, d, target, at));
    } else {
      const healthyAt = now + PROVISION_SECONDS * 1000;
      agenda.at(healthyAt, () => this.#healthy(endpoint, d, target, healthyAt));
    }
    return endpoint;
  }

  //  UpdateEndpoint ── provision (120 s) ── healthy ── traffic steps … ── old fleet removed: InService, new
  //                                        └── an alarm in ALARM (guardrail window) ── RollingBack (60 s)
  //                                            ── InService on the OLD config, no FailureReason
  #healthy(endpoint: EndpointRecord, d: Deployment, target: EndpointConfigRecord, at: number): void {
    if (d.over) return;
    d.healthyAt = at;
    d.phase = 'shifting';
    const plan = trafficPlan(d.config, capacityOf(target));
    const agenda = this.alarms.agenda;
    for (const step of plan.steps) {
      const stepAt = at + step.offsetSeconds * 1000;
      agenda.at(stepAt, () => this.#shift(endpoint, d, step.weights.new, stepAt));
    }
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

  #setTraffic(endpoint: EndpointRecord, d: Deployment, newWeight: number, at: number): void {
    const before = d.newWeight;
    if (before === newWeight) return;
    d.newWeight = newWeight;
    const weights: Record<string, number> = {};
    if (newWeight < 100) weights[d.previous] = 100 - newWeight;
    if (newWeight > 0) weights[d.target] = (weights[d.target] ?? 0) + newWeight;
    this.trafficHistory.push({ endpoint: endpoint.name, at, weights });
    const alarmsOf = (name: string) => this.#configs.get(name)?.behavior.alarmsWhileServing ?? [];
    if (before === 0) this.alarms.serving(alarmsOf(d.target), true, at);
    if (newWeight === 0) this.alarms.serving(alarmsOf(d.target), false, at);
    if (before < 100 && newWeight === 100) this.alarms.serving(alarmsOf(d.previous), false, at);
    if (before === 100 && newWeight < 100) this.alarms.serving(alarmsOf(d.previous), true, at);
  }

  #finish(endpoint: EndpointRecord, d: Deployment, at: number): void {
    if (d.over || d.phase !== 'shifting') return;
    d.over = true;
    endpoint.configName = d.target;
    delete endpoint.deployment;
    this.#setStatus(endpoint, 'InService', at);
  }

  #rollBack(endpoint: EndpointRecord, d: Deployment, at: number): void {
    if (d.over || d.phase === 'rolling-back') return;
    d.phase = 'rolling-back';
    d.guarding = false;
    this.#setStatus(endpoint, 'RollingBack', at);
    this.#setTraffic(endpoint, d, 0, at);
    const doneAt = at + ROLLBACK_SECONDS * 1000;
    this.alarms.agenda.at(doneAt, () => {
      d.over = true;
      delete endpoint.deployment;
      this.#setStatus(endpoint, 'InService', doneAt);
    });
  }

  #failHealthCheck(endpoint: EndpointRecord, d: Deployment, target: EndpointConfigRecord, at: number): void {
    if (d.over) return;
    d.over = true;
    delete endpoint.deployment;
    endpoint.failureReason =
      `The primary container for production variant ${target.variants[0]?.VariantName ?? 'AllTraffic'} did not ` +
      'pass the ping health check. Please check CloudWatch logs for this endpoint.';
    this.#setStatus(endpoint, 'InService', at);
  }

  #setStatus(endpoint: EndpointRecord, status: string, at: number): void {
    endpoint.status = status;
    endpoint.modifiedAt = at;
    this.statusHistory.push({ endpoint: endpoint.name, at, status, endpointConfigName: endpoint.configName });
  }

  /** DescribeEndpoint's answer. */
  describe(endpoint: EndpointRecord): Record<string, unknown> {
    const config = this.#configs.get(endpoint.configName);
    const d = endpoint.deployment;
    const variantStatus = (status: string, since: number) => [{ Status: status, StartTime: new Date(since) }];
    const pending = d && this.#configs.get(d.target);
    return {
      EndpointName: endpoint.name,
      EndpointArn: endpoint.arn,
      EndpointConfigName: endpoint.configName,
      ProductionVariants: (config?.variants ?? []).map((v) => ({
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
      ...(d && pending
        ? {
            PendingDeploymentSummary: {
              EndpointConfigName: d.target,
              StartTime: new Date(d.startedAt),
              ProductionVariants: pending.variants.map((v) => ({
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

function capacityOf(config: EndpointConfigRecord): number {
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
 * `SageMaker` prefix). `ListTags` is the notebooks module's.
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
