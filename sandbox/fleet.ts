import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as CloudWatchApi from '@aws-sdk/client-cloudwatch';
import * as DynamoDbApi from '@aws-sdk/client-dynamodb';
import * as EventBridgeApi from '@aws-sdk/client-eventbridge';
import * as SageMakerApi from '@aws-sdk/client-sagemaker';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '#lib/errors';
import { discoverFunctions } from '../deploy/functions.ts';

/**
 * The fleet file: the world a sandbox run starts from (DESIGN.md, "Sandbox contract"). Every field but a
 * resource's `name` has a default; objects are strict so that a misspelt key is an error, not a silently
 * ignored setting.
 */

export const NOTEBOOK_STATUSES = [
  'Pending',
  'InService',
  'Stopping',
  'Stopped',
  'Failed',
  'Deleting',
  'Updating',
] as const;
export type NotebookStatus = (typeof NOTEBOOK_STATUSES)[number];

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export interface NotebookBehavior {
  stopSeconds: number;
  startSeconds: number;
  updateSeconds: number;
  /** The next N starts end `Failed` for capacity (InsufficientInstanceCapacity), whatever is attached. */
  failStarts: number;
  /** Every start ends `Failed` (OnStart over 5 minutes) while this lifecycle config is attached. */
  failStartsWithLifecycleConfig?: string;
  stuckStopping: boolean;
  /** The notebook is deleted at this virtual second of the run (`Deleting`, then gone). */
  deleteAtSeconds?: number;
}

export interface NotebookSeed {
  name: string;
  status: NotebookStatus;
  instanceType: string;
  platformRelease: string;
  lifecycleConfigName?: string;
  rootAccess: 'Enabled' | 'Disabled';
  volumeSizeInGB: number;
  platformIdentifier: string;
  minimumInstanceMetadataServiceVersion: '1' | '2';
  directInternetAccess: 'Enabled' | 'Disabled';
  /** Epoch ms. */
  lastStartedAt?: number;
  tags: Record<string, string>;
  behavior: NotebookBehavior;
}

export interface EndpointConfigSeed {
  name: string;
  variants: Array<{ name: string; instanceType: string; instanceCount: number }>;
  behavior: { alarmsWhileServing: string[]; failsHealthCheck: boolean };
}

export const AUTO_ROLLBACK_WITH_DELETED_CONFIG = ['restores', 'fails'] as const;

export interface EndpointSeed {
  name: string;
  endpointConfigName: string;
  status: string;
  /**
   * Requests the endpoint receives per minute; 0: none, so every alarm on its metrics has no datapoints
   * (CloudWatch publishes SageMaker's invocation metrics only for requests that happen).
   */
  invocationsPerMinute: number;
  /**
   * What SageMaker's auto-rollback does when the configuration it rolls back to was deleted during the
   * deployment (AWS documents neither): `restores` the old fleet anyway, or `fails` (UpdateRollbackFailed).
   */
  autoRollbackWithDeletedConfig: (typeof AUTO_ROLLBACK_WITH_DELETED_CONFIG)[number];
}

export const TREAT_MISSING_DATA = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

export interface AlarmSeed {
  name: string;
  /** The state at the run's start, and what the metric shows: `INSUFFICIENT_DATA` means no datapoints. */
  state: AlarmState;
  flips: Array<{ atSeconds: number; state: AlarmState }>;
  /** What a period without datapoints means (CloudWatch's `TreatMissingData`; default `missing`). */
  treatMissingData: TreatMissingData;
  metricName?: string;
  namespace?: string;
  dimensions?: Record<string, string>;
}

/** Shares of calls per operation: throttled (400 ThrottlingException) or answered 500 InternalFailure. */
export interface ServiceFaults {
  throttle: Record<string, number>;
  serverErrors: Record<string, number>;
}

export const LAMBDA_FAULT_TIMES = ['before-call', 'after-call'] as const;

/**
 * A fault of one Lambda function (keyed `notebook/stop`: its file under functions/ without `.ts`), around
 * its first mutating AWS call (a SageMaker change, StartExecution or PutEvents; the ledger is caretaker's own
 * bookkeeping and has its own knobs): `before-call` fails the invocation instead of making it, `after-call`
 * fails it once the call took effect. A function that makes no mutating call fails when its handler returns.
 * `error` is the error name Step Functions sees, or `timeout`: the function's own timeout elapses
 * (`Sandbox.Timedout`). `times` invocations fail (default 1), or a `rate` share of them.
 */
export interface LambdaFault {
  error: string;
  when: (typeof LAMBDA_FAULT_TIMES)[number];
  times?: number;
  rate?: number;
}

export interface Fleet {
  /** Epoch ms. */
  start: number;
  platformRelease: string;
  account: string;
  region: string;
  notebooks: NotebookSeed[];
  lifecycleConfigs: string[];
  endpointConfigs: EndpointConfigSeed[];
  endpoints: EndpointSeed[];
  alarms: AlarmSeed[];
  quotas: Record<string, number>;
  /** AWS behaviour the documentation leaves open: the sandbox models each possibility. */
  sagemaker: { updateWhenFailed: 'allowed' | 'refused' };
  faults: ServiceFaults & {
    /** Varies which calls the shares hit (and which invocations a Lambda `rate` hits); default 0. */
    seed: number;
    /** SageMaker or CloudWatch operations whose call takes effect, then the caller gets a 500. */
    lostResponses: Record<string, number>;
    dynamodb: ServiceFaults;
    eventbridge: ServiceFaults;
    lambda: Record<string, LambdaFault>;
  };
}

const DEFAULT_START = '2026-11-23T02:00:00Z';
const DAY_MS = 86_400_000;

const name = z.string().min(1, 'expected a non-empty name');
const seconds = z.number().int('expected a whole number of seconds').min(0, 'expected seconds ≥ 0');
const isoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'expected an ISO 8601 time with a zone, such as 2026-11-23T02:00:00Z',
  })
  .transform((s) => Date.parse(s));
const tags = z.record(z.string(), z.string('expected a string tag value (quote numbers)'));
const alarmState = z.enum(ALARM_STATES);

const behaviorSchema = z.strictObject({
  stopSeconds: seconds.default(90),
  startSeconds: seconds.default(300),
  updateSeconds: seconds.default(20),
  failStarts: z.number().int().min(0).default(0),
  failStartsWithLifecycleConfig: name.optional(),
  stuckStopping: z.boolean().default(false),
  deleteAtSeconds: seconds.optional(),
});

const notebookSchema = z.strictObject({
  name,
  status: z.enum(NOTEBOOK_STATUSES).default('InService'),
  instanceType: z.string().default('ml.t3.medium'),
  platformRelease: z.string('expected a string (quote it, e.g. "2026.08")').default('2026.08'),
  lifecycleConfigName: name.optional(),
  rootAccess: z.enum(['Enabled', 'Disabled']).default('Enabled'),
  volumeSizeInGB: z.number().int().min(5).max(16384).default(5),
  platformIdentifier: z.string().default('notebook-al2-v3'),
  minimumInstanceMetadataServiceVersion: z
    .union([z.literal(1), z.literal(2), z.literal('1'), z.literal('2')])
    .transform((v) => String(v) as '1' | '2')
    .default('1'),
  directInternetAccess: z.enum(['Enabled', 'Disabled']).default('Enabled'),
  lastStartedAt: isoTime.optional(),
  tags: tags.default({}),
  behavior: behaviorSchema.prefault({}),
});

const endpointConfigSchema = z.strictObject({
  name,
  variants: z
    .array(
      z.strictObject({
        name: name.default('AllTraffic'),
        instanceType: z
          .enum(
            Object.values(SageMakerApi.ProductionVariantInstanceType),
            'expected an endpoint instance type of the SageMaker API, such as ml.m5.large',
          )
          .default('ml.m5.large'),
        instanceCount: z.number().int().min(1).default(1),
      }),
    )
    .min(1, 'expected at least one variant')
    .prefault([{}]),
  behavior: z
    .strictObject({
      alarmsWhileServing: z.array(name).default([]),
      failsHealthCheck: z.boolean().default(false),
    })
    .prefault({}),
});

const endpointSchema = z.strictObject({
  name,
  endpointConfigName: name,
  status: z.string().default('InService'),
  invocationsPerMinute: z
    .number('expected a number of requests per minute (0: no traffic)')
    .min(0, 'expected requests per minute ≥ 0 (0: no traffic)')
    .default(60),
  autoRollbackWithDeletedConfig: z
    .enum(AUTO_ROLLBACK_WITH_DELETED_CONFIG, 'expected restores or fails')
    .default('restores'),
});

const alarmSchema = z.strictObject({
  name,
  state: alarmState.default('OK'),
  flips: z.array(z.strictObject({ atSeconds: seconds, state: alarmState })).default([]),
  treatMissingData: z
    .enum(TREAT_MISSING_DATA, `expected one of ${TREAT_MISSING_DATA.join(', ')}`)
    .default('missing'),
  metricName: z.string().optional(),
  namespace: z.string().optional(),
  dimensions: z.record(z.string(), z.string()).optional(),
});

const share = z.number().min(0, 'expected a share from 0 to 1').max(1, 'expected a share from 0 to 1');
const shares = z.record(z.string(), share).default({});
const serviceFaults = z.strictObject({ throttle: shares, serverErrors: shares }).prefault({});
const lambdaFault = z
  .strictObject({
    error: z.string().min(1, 'expected an error name (e.g. Lambda.ServiceException) or timeout'),
    when: z.enum(LAMBDA_FAULT_TIMES, 'expected before-call or after-call'),
    times: z.number().int('expected a whole number of invocations').min(1).optional(),
    rate: share.optional(),
  })
  .refine((f) => f.times === undefined || f.rate === undefined, {
    message: 'expected times or rate, not both',
    path: ['rate'],
  });

const fleetSchema = z.strictObject({
  start: isoTime.default(Date.parse(DEFAULT_START)),
  platformRelease: z.string('expected a string (quote it, e.g. "2026.11")').default('2026.11'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit account id (quote it)')
    .default('123456789012'),
  region: z.string().default('us-east-1'),
  notebooks: z.array(notebookSchema).default([]),
  lifecycleConfigs: z.array(name).default([]),
  endpointConfigs: z.array(endpointConfigSchema).default([]),
  endpoints: z.array(endpointSchema).default([]),
  alarms: z.array(alarmSchema).default([]),
  quotas: z.record(z.string(), z.number().int().min(0)).default({}),
  sagemaker: z
    .strictObject({
      updateWhenFailed: z.enum(['allowed', 'refused'], 'expected allowed or refused').default('allowed'),
    })
    .prefault({}),
  faults: z
    .strictObject({
      throttle: shares,
      serverErrors: shares,
      lostResponses: shares,
      seed: z.number().int().default(0),
      dynamodb: serviceFaults,
      eventbridge: serviceFaults,
      lambda: z.record(z.string(), lambdaFault).default({}),
    })
    .prefault({}),
});

type Path = ReadonlyArray<PropertyKey>;

function fieldOf(path: Path): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const shown = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

/** Whether the installed SDK client knows an operation: it exports an `<Operation>Command`. */
const knows = (api: object, operation: string) =>
  typeof (api as Record<string, unknown>)[`${operation}Command`] === 'function';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The operation names each fault setting accepts, checked against the installed SDK clients. */
const FAULT_OPERATIONS: Array<{
  field: string;
  ops: (f: Fleet['faults']) => object;
  known: (op: string) => boolean;
  what: string;
}> = [
  ...(['throttle', 'serverErrors', 'lostResponses'] as const).map((kind) => ({
    field: kind,
    ops: (f: Fleet['faults']) => f[kind],
    known: (op: string) => knows(SageMakerApi, op) || knows(CloudWatchApi, op),
    what: 'a SageMaker or CloudWatch API operation, such as DescribeNotebookInstance or DescribeAlarms',
  })),
  ...(['throttle', 'serverErrors'] as const).flatMap((kind) => [
    {
      field: `dynamodb.${kind}`,
      ops: (f: Fleet['faults']) => f.dynamodb[kind],
      known: (op: string) => knows(DynamoDbApi, op),
      what: 'a DynamoDB API operation, such as UpdateItem',
    },
    {
      field: `eventbridge.${kind}`,
      ops: (f: Fleet['faults']) => f.eventbridge[kind],
      known: (op: string) => knows(EventBridgeApi, op),
      what: 'an EventBridge API operation, such as PutEvents',
    },
  ]),
];

function crossChecks(fleet: Fleet): Array<{ field: string; value: unknown; message: string }> {
  const issues: Array<{ field: string; value: unknown; message: string }> = [];
  const unique = (list: Array<{ name: string }> | string[], field: string, what: string) => {
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      const key = typeof entry === 'string' ? entry : entry.name;
      const at = typeof entry === 'string' ? `${field}[${i}]` : `${field}[${i}].name`;
      if (seen.has(key)) issues.push({ field: at, value: key, message: `expected a unique ${what} name` });
      seen.add(key);
    });
  };
  unique(fleet.notebooks, 'notebooks', 'notebook');
  unique(fleet.lifecycleConfigs, 'lifecycleConfigs', 'lifecycle config');
  unique(fleet.endpointConfigs, 'endpointConfigs', 'endpoint config');
  unique(fleet.endpoints, 'endpoints', 'endpoint');
  unique(fleet.alarms, 'alarms', 'alarm');

  const lifecycleConfigs = new Set([
    ...fleet.lifecycleConfigs,
    ...fleet.notebooks.flatMap((n) => (n.lifecycleConfigName ? [n.lifecycleConfigName] : [])),
  ]);
  fleet.notebooks.forEach((n, i) => {
    const lc = n.behavior.failStartsWithLifecycleConfig;
    if (lc !== undefined && !lifecycleConfigs.has(lc))
      issues.push({
        field: `notebooks[${i}].behavior.failStartsWithLifecycleConfig`,
        value: lc,
        message: `expected one of the fleet's lifecycle configs (${[...lifecycleConfigs].join(', ') || 'none'})`,
      });
  });
  const configs = new Set(fleet.endpointConfigs.map((c) => c.name));
  fleet.endpoints.forEach((e, i) => {
    if (!configs.has(e.endpointConfigName))
      issues.push({
        field: `endpoints[${i}].endpointConfigName`,
        value: e.endpointConfigName,
        message: `expected one of endpointConfigs (${[...configs].join(', ') || 'none'})`,
      });
  });
  const alarms = new Set(fleet.alarms.map((a) => a.name));
  fleet.endpointConfigs.forEach((c, i) =>
    c.behavior.alarmsWhileServing.forEach((alarm, j) => {
      if (!alarms.has(alarm))
        issues.push({
          field: `endpointConfigs[${i}].behavior.alarmsWhileServing[${j}]`,
          value: alarm,
          message: `expected one of alarms (${[...alarms].join(', ') || 'none'})`,
        });
    }),
  );
  for (const { field, ops, known, what } of FAULT_OPERATIONS) {
    for (const operation of Object.keys(ops(fleet.faults))) {
      if (!known(operation))
        issues.push({ field: `faults.${field}.${operation}`, value: operation, message: `expected ${what}` });
    }
  }
  const functions = discoverFunctions(ROOT).map((f) => f.path);
  for (const name of Object.keys(fleet.faults.lambda)) {
    if (!functions.includes(name))
      issues.push({
        field: `faults.lambda.${name}`,
        value: name,
        message: `expected a function as <dir>/<file> under functions/: ${functions.join(', ')}`,
      });
  }
  return issues;
}

/**
 * Parses and validates a fleet file's text. Throws a `ValidationError` whose issues name the file, the
 * field path (`notebooks[2].behavior.stopSeconds`), the value found and what was expected.
 *
 * @example parseFleet('notebooks:\n  - name: nb-1\n', 'fleet.yml').notebooks[0].status // → 'InService'
 */
export function parseFleet(text: string, fileName: string): Fleet {
  const fail = (issues: FieldIssue[]): never => {
    throw new ValidationError(issues, { resource: fileName });
  };
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    fail(
      document.errors.map((e) => ({
        field: '(file)',
        message: `${fileName}: not valid YAML at line ${e.linePos?.[0].line ?? '?'}: ${e.message.split(/ at line |\n/)[0]}`,
      })),
    );
  }
  const raw: unknown = document.toJS() ?? {};
  const parsed = fleetSchema.safeParse(raw);
  if (!parsed.success) {
    fail(
      parsed.error.issues.flatMap((issue) => {
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({
            field: fieldOf([...issue.path, key]),
            message: `${fileName}: unknown field (value ${shown(valueAt(raw, [...issue.path, key]))}); expected one of the documented fields (a typo?)`,
          }));
        }
        return [
          {
            field: fieldOf(issue.path) || '(root)',
            message: `${fileName}: got ${shown(valueAt(raw, issue.path))}; ${issue.message}`,
          },
        ];
      }),
    );
  }
  const data = parsed.data!;
  const start = data.start;
  const fleet: Fleet = {
    ...data,
    notebooks: data.notebooks.map((n) => ({
      ...n,
      lastStartedAt: n.lastStartedAt ?? start - DAY_MS,
    })),
    lifecycleConfigs: [
      ...new Set([
        ...data.lifecycleConfigs,
        ...data.notebooks.flatMap((n) => (n.lifecycleConfigName ? [n.lifecycleConfigName] : [])),
      ]),
    ],
  };
  const issues = crossChecks({ ...fleet, lifecycleConfigs: data.lifecycleConfigs });
  if (issues.length > 0) {
    fail(
      issues.map((i) => ({
        field: i.field,
        message: `${fileName}: got ${shown(i.value)}; ${i.message}`,
      })),
    );
  }
  return fleet;
}

/** Reads and validates a fleet file (see `parseFleet`). */
export async function loadFleet(file: string): Promise<Fleet> {
  return parseFleet(await readFile(file, 'utf8'), file);
}
