/**
 * The request events of `caretaker request …`, built from flags and validated with the schemas the
 * `from-request` trigger uses, so a bad request fails on the command line, naming the flag, before it
 * reaches the bus.
 */
import { randomUUID } from 'node:crypto';
import { CAPACITY_PERCENT, INSTANCE_COUNT, parseEndpointUpdateRequest } from '#lib/endpoint/request';
import { ValidationError, type FieldIssue } from '#lib/errors';
import { patchRequestedDetailSchema, REQUEST_SOURCE } from '#lib/triggers/requests';
import { parseOrThrow } from '#lib/validation';
import { UsageError } from './usage.ts';

export const PATCH_REQUESTED = 'Notebook Patch Requested';
export const ENDPOINT_UPDATE_REQUESTED = 'Endpoint Update Requested';

export interface RequestEvent {
  version: '0';
  id: string;
  source: string;
  'detail-type': string;
  time?: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** `k=v` (split at the first `=`), or a usage error naming the flag. */
export function keyValue(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag}: got ${JSON.stringify(text)}, expected KEY=VALUE`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** A number when the text is one, else the text: the schema then says what it expected. */
function numeric(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

const SETTING_VALUE: Record<string, (text: string) => unknown> = {
  volumeSizeInGB: numeric,
  disassociateLifecycleConfig: (text) => (text === 'true' ? true : text),
};

/**
 * `--settings k=v …` as the settings of a request (numbers and `true` where the schema wants them; the
 * schema checks the rest).
 *
 * @example settingsOf(['rootAccess=Disabled', 'volumeSizeInGB=20']) // → { rootAccess: 'Disabled', volumeSizeInGB: 20 }
 */
export function settingsOf(pairs: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [key, value] = keyValue('--settings', pair);
      return [key, (SETTING_VALUE[key] ?? ((t: string) => t))(value)];
    }),
  );
}

export interface PatchFlags {
  names?: string;
  tags?: string[];
  settings?: string[];
  reason?: string;
  requestedBy?: string;
  maxConcurrency?: string;
  maxErrors?: string;
  dryRun?: boolean;
}

const PATCH_FLAGS: Array<[RegExp, string]> = [
  [/^detail\.targets\.names/, '--names'],
  [/^detail\.targets\.tags/, '--tags'],
  [/^detail\.targets/, '--names or --tags'],
  [/^detail\.settings\.?/, '--settings '],
  [/^detail\.policy\.maxConcurrency/, '--max-concurrency'],
  [/^detail\.policy\.maxErrors/, '--max-errors'],
  [/^detail\.policy\.dryRun/, '--dry-run'],
  [/^detail\.requestedBy/, '--requested-by'],
  [/^detail\.reason/, '--reason'],
];

/**
 * The flag a schema field comes from, keeping what follows it (`detail.settings.instanceType` →
 * `--settings instanceType`).
 *
 * @example patchFlagOf('detail.policy.maxErrors') // → '--max-errors'
 */
export function patchFlagOf(field: string): string {
  for (const [pattern, flag] of PATCH_FLAGS) {
    if (pattern.test(field)) {
      const rest = field.replace(pattern, '');
      return flag.endsWith(' ') ? `${flag}${rest}`.trim() : flag;
    }
  }
  return field;
}

/**
 * The `Notebook Patch Requested` detail for the flags, validated with the trigger's own schema.
 * Throws a {@link ValidationError} whose fields are the `detail.…` paths (see {@link patchFlagOf}).
 *
 * @example patchRequestDetail({ names: 'nb-1,nb-2', reason: 'CVE-2026-1234', requestedBy: 'alice' })
 *   // → { requestedBy: 'alice', reason: 'CVE-2026-1234', targets: { names: ['nb-1', 'nb-2'] } }
 */
export function patchRequestDetail(flags: PatchFlags): Record<string, unknown> {
  const issues: FieldIssue[] = [];
  const tags = flags.tags ?? [];
  if (flags.names !== undefined && tags.length > 0) {
    issues.push({
      field: 'detail.targets',
      message: 'got both, expected --names a,b or --tags k=v, not both',
    });
  } else if (flags.names === undefined && tags.length === 0) {
    issues.push({ field: 'detail.targets', message: 'got neither, expected --names a,b or --tags k=v' });
  }
  if (!flags.reason) {
    issues.push({ field: 'detail.reason', message: 'got nothing, expected why (a ticket, a CVE)' });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const targets =
    flags.names !== undefined
      ? {
          names: flags.names
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        }
      : { tags: Object.fromEntries(tags.map((t) => keyValue('--tags', t))) };
  const settings = settingsOf(flags.settings ?? []);
  const policy = {
    ...(flags.maxConcurrency !== undefined ? { maxConcurrency: numeric(flags.maxConcurrency) } : {}),
    ...(flags.maxErrors !== undefined ? { maxErrors: numeric(flags.maxErrors) } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
  };
  const detail = {
    requestedBy: flags.requestedBy ?? '',
    reason: flags.reason,
    targets,
    ...(Object.keys(settings).length > 0 ? { settings } : {}),
    ...(Object.keys(policy).length > 0 ? { policy } : {}),
  };
  parseOrThrow(patchRequestedDetailSchema, detail, 'detail');
  return detail;
}

export interface EndpointFlags {
  endpoint?: string;
  config?: string;
  strategy?: string;
  canarySize?: string;
  linearStepSize?: string;
  maxBatchSize?: string;
  waitInterval?: string;
  terminationWait?: string;
  maxExecutionTimeout?: string;
  alarms?: string;
  bakeSeconds?: string;
  retainConfigs?: string;
  treatMissingData?: string;
  requestedBy?: string;
  reason?: string;
}

export const STRATEGIES = ['all-at-once', 'canary', 'linear', 'rolling'] as const;

/** Per strategy, the flag that sizes its steps and the deployment field it fills. */
const SIZE_OF: Record<string, { key: keyof EndpointFlags; field: string; flag: string }> = {
  canary: { key: 'canarySize', field: 'canarySize', flag: '--canary-size' },
  linear: { key: 'linearStepSize', field: 'linearStepSize', flag: '--linear-step-size' },
  rolling: { key: 'maxBatchSize', field: 'maximumBatchSize', flag: '--max-batch-size' },
};

const ENDPOINT_FLAGS: Array<[RegExp, string]> = [
  [/^detail\.endpointName/, '--endpoint'],
  [/^detail\.targetEndpointConfigName/, '--config'],
  [/^detail\.deployment\.canarySize/, '--canary-size'],
  [/^detail\.deployment\.linearStepSize/, '--linear-step-size'],
  [/^detail\.deployment\.maximumBatchSize/, '--max-batch-size'],
  [/^detail\.deployment\.waitIntervalSeconds/, '--wait-interval'],
  [/^detail\.deployment\.terminationWaitSeconds/, '--termination-wait'],
  [/^detail\.deployment\.maximumExecutionTimeoutSeconds/, '--max-execution-timeout'],
  [/^detail\.deployment/, '--strategy'],
  [/^detail\.alarms/, '--alarms'],
  [/^detail\.bakeSeconds/, '--bake-seconds'],
  [/^detail\.retainConfigs/, '--retain-configs'],
  [/^detail\.treatMissingDataAs/, '--treat-missing-data'],
  [/^detail\.requestedBy/, '--requested-by'],
  [/^detail\.reason/, '--reason'],
];

/**
 * The flag an `Endpoint Update Requested` field comes from.
 *
 * @example endpointFlagOf('detail.deployment.canarySize.value') // → '--canary-size'
 */
export function endpointFlagOf(field: string): string {
  return ENDPOINT_FLAGS.find(([pattern]) => pattern.test(field))?.[1] ?? field;
}

/**
 * `25%` → a share of capacity, `2` → a number of instances (the API's two ways to size a step); the
 * ranges are checked by the request schema.
 *
 * @example capacitySize('--canary-size', '25%') // → { type: 'CAPACITY_PERCENT', value: 25 }
 */
export function capacitySize(flag: string, text: string): { type: string; value: number } {
  const match = /^(\d+)(%?)$/.exec(text);
  if (!match) {
    throw new ValidationError([
      {
        field: flag,
        message: `got ${JSON.stringify(text)}, expected an instance count (2) or a share of capacity (25%)`,
      },
    ]);
  }
  return { type: match[2] ? CAPACITY_PERCENT : INSTANCE_COUNT, value: Number(match[1]) };
}

/**
 * The `Endpoint Update Requested` detail for the flags, validated with the schema the trigger uses.
 * Throws a {@link ValidationError} whose fields are flags (`--strategy`) or `detail.…` paths (see
 * {@link endpointFlagOf}).
 *
 * @example endpointUpdateDetail({ endpoint: 'ep-1', config: 'cfg-v2', strategy: 'canary', canarySize: '25%', alarms: 'a' }).deployment
 *   // → { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } }
 */
export function endpointUpdateDetail(flags: EndpointFlags): Record<string, unknown> {
  const issues: FieldIssue[] = [];
  const strategy = flags.strategy;
  if (!STRATEGIES.includes(strategy as never)) {
    issues.push({
      field: '--strategy',
      message: `got ${strategy === undefined ? 'nothing' : JSON.stringify(strategy)}, expected one of ${STRATEGIES.join(', ')}`,
    });
  }
  const deployment: Record<string, unknown> = { strategy };
  for (const [kind, { key, field, flag }] of Object.entries(SIZE_OF)) {
    const text = flags[key];
    if (text === undefined) {
      if (strategy === kind)
        issues.push({ field: flag, message: `got nothing, expected it for --strategy ${kind}` });
    } else if (strategy !== kind) {
      issues.push({ field: flag, message: `is for --strategy ${kind}, got --strategy ${String(strategy)}` });
    } else {
      try {
        deployment[field] = capacitySize(flag, text);
      } catch (err) {
        issues.push(...(err as ValidationError).issues);
      }
    }
  }
  if (strategy === 'rolling' && flags.terminationWait !== undefined) {
    issues.push({
      field: '--termination-wait',
      message: 'is for blue/green strategies, got --strategy rolling',
    });
  }
  const number = (text: string | undefined) => (text === undefined ? undefined : numeric(text));
  const optional = (entries: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  Object.assign(
    deployment,
    optional({
      waitIntervalSeconds: number(flags.waitInterval),
      terminationWaitSeconds: number(flags.terminationWait),
      maximumExecutionTimeoutSeconds: number(flags.maxExecutionTimeout),
    }),
  );
  const detail = optional({
    endpointName: flags.endpoint,
    targetEndpointConfigName: flags.config,
    deployment,
    alarms: flags.alarms
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    bakeSeconds: number(flags.bakeSeconds),
    retainConfigs: number(flags.retainConfigs),
    treatMissingDataAs: flags.treatMissingData,
    requestedBy: flags.requestedBy || undefined,
    reason: flags.reason,
  });
  try {
    parseEndpointUpdateRequest(detail);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // A deployment the flags already found wrong is reported once, in the flags' terms.
    const flagged = issues.length > 0;
    issues.push(...err.issues.filter((i) => !(flagged && i.field.startsWith('detail.deployment'))));
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return detail;
}

/**
 * The event as EventBridge delivers it to the rules. `time` is left out unless given: EventBridge sets it,
 * and the sandbox reads a missing time as "now".
 */
export function requestEvent(
  detailType: string,
  detail: Record<string, unknown>,
  options: { id?: string; time?: string } = {},
): RequestEvent {
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    source: REQUEST_SOURCE,
    'detail-type': detailType,
    ...(options.time ? { time: options.time } : {}),
    resources: [],
    detail,
  };
}
