import {
  _InstanceType,
  NotebookInstanceStatus,
  type DescribeNotebookInstanceLifecycleConfigOutput,
  type DescribeNotebookInstanceOutput,
  type ListNotebookInstanceLifecycleConfigsOutput,
  type ListNotebookInstancesOutput,
  type AddTagsOutput,
  type ListTagsOutput,
  type NotebookInstanceSummary,
} from '@aws-sdk/client-sagemaker';
import type { Fleet, NotebookSeed } from '../fleet.ts';
import { addTags } from './tags.ts';
import { AwsApiError, type OperationContext, type ServiceEmulator } from './types.ts';

/**
 * SageMaker notebook instances as the API shows them: states move on virtual time (Stop → Stopping →
 * Stopped after `stopSeconds`, Start → Pending → InService or Failed, Update → Updating → Stopped, a
 * deletion → Deleting → gone), every change is kept in `history` and announced as the `SageMaker Notebook
 * Instance State Change` event at the moment it happens. Inputs are checked against botocore's SageMaker
 * model and refusals use AWS's own words, so that code which parses them is tested against the real thing.
 */

/** An output shape as the JSON protocol carries it: timestamps are epoch seconds. */
type Wire<T> = T extends Date
  ? number
  : T extends Array<infer U>
    ? Array<Wire<U>>
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;
type Json = Record<string, unknown>;

export interface NotebookRecord {
  name: string;
  arn: string;
  status: string;
  instanceType: string;
  platformRelease: string;
  lifecycleConfigName: string | undefined;
  rootAccess: string;
  volumeSizeInGB: number;
  platformIdentifier: string;
  minimumInstanceMetadataServiceVersion: string;
  directInternetAccess: string;
  roleArn: string;
  failureReason: string | undefined;
  /** Epoch ms. */
  lastStartedAt: number;
  creationTime: number;
  lastModifiedTime: number;
  tags: Record<string, string>;
  behavior: NotebookSeed['behavior'];
  /** How many Stop / Start calls took effect (were accepted) during the run. */
  stops: number;
  starts: number;
}

// A type alias so that it is assignable to `Record<string, unknown>` (the contract document's type).
export type NotebookSnapshot = {
  name: string;
  status: string;
  instanceType: string;
  platformRelease: string;
  lifecycleConfigName: string | null;
  rootAccess: string;
  volumeSizeInGB: number;
  platformIdentifier: string;
  minimumInstanceMetadataServiceVersion: string;
  /** Only while the notebook is `Failed`. */
  failureReason?: string;
  stops: number;
  starts: number;
};

/**
 * A status a notebook took on at virtual time `at`. `gone` marks the moment a deleted notebook disappears
 * from the API (its status stays `Deleting`: the API has no status for "deleted").
 */
export type NotebookChange = { name: string; status: string; at: number; gone?: true };

export interface NotebookWorld {
  /** Every status a notebook has had, with the virtual time it began (initial statuses at fleet start). */
  readonly history: NotebookChange[];
  /** The contract's `fleet.notebooks`, in fleet order; a notebook deleted during the run is no longer there. */
  snapshot(): NotebookSnapshot[];
  /** The notebook as it is now (a copy), for tests. */
  get(name: string): NotebookRecord | undefined;
}

interface Transition {
  at: number;
  status: string;
  apply(notebook: NotebookRecord, at: number): void;
}

interface Notebook extends NotebookRecord {
  pending: Transition | undefined;
}

const DAY_MS = 86_400_000;
const DEFAULT_PAGE = 10;
const MAX_PAGE = 100;
// ListTagsMaxResults in the model has a minimum of 50 and no maximum (a resource holds at most 50 tags).
const TAGS_PAGE = 50;
// AWS documents no duration for a deletion; a minute lets a poll every 30 s (the SDK's NotebookInstanceDeleted
// waiter) see `Deleting` before the notebook is gone.
const DELETE_SECONDS = 60;
const IMDS_VERSIONS = ['1', '2'];
const ROOT_ACCESS = ['Enabled', 'Disabled'];
/** The PlatformIdentifier pattern of botocore's SageMaker model (1.43.67): a closed set, not a family. */
export const PLATFORM_IDENTIFIERS = [
  'notebook-al1-v1',
  'notebook-al2-v1',
  'notebook-al2-v2',
  'notebook-al2-v3',
  'notebook-al2023-v1',
];
// The SDK's `_InstanceType` is the model's notebook InstanceType enum (the same 189 values as botocore 1.43.67).
const INSTANCE_TYPES = Object.values(_InstanceType) as string[];
const STATUSES = new Set<string>(Object.values(NotebookInstanceStatus));
/**
 * SageMaker's FailureReason when a start finds no capacity for the instance type
 * (aws/amazon-sagemaker-examples#207: a start that ended Failed "due to: Insufficient notebook instance
 * capacity. …").
 */
export const CAPACITY_FAILURE =
  'Insufficient notebook instance capacity. Retry later or with a different instance type.';
// The members this emulator applies; any other UpdateNotebookInstance member is refused, not ignored.
const UPDATE_MEMBERS = new Set([
  'NotebookInstanceName',
  'InstanceType',
  'RoleArn',
  'LifecycleConfigName',
  'DisassociateLifecycleConfig',
  'VolumeSizeInGB',
  'RootAccess',
  'InstanceMetadataServiceConfiguration',
  'PlatformIdentifier',
]);

const validation = (message: string) => new AwsApiError('ValidationException', message);
const seconds = (ms: number) => ms / 1000;
/**
 * AWS's refusal of a transition from the wrong status, e.g. "Status (Stopping) not in ([InService]). Unable to
 * transition to (Stopping) for Notebook Instance (arn:…)." (aws/amazon-sagemaker-examples#1798 and #1094,
 * hashicorp/terraform-provider-aws#16767).
 */
const notInStatus = (nb: { status: string; arn: string }, allowed: string[], to: string) =>
  validation(
    `Status (${nb.status}) not in ([${allowed.join(', ')}]). Unable to transition to (${to}) for Notebook Instance (${nb.arn}).`,
  );

/** The API front's constraint errors, all at once, in its words ("2 validation errors detected: …; …"). */
function constraintErrors(violations: string[]): AwsApiError | undefined {
  if (violations.length === 0) return undefined;
  const count = violations.length === 1 ? '1 validation error' : `${violations.length} validation errors`;
  return validation(`${count} detected: ${violations.join('; ')}`);
}

const violation = (value: unknown, member: string, constraint: string) =>
  `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must ${constraint}`;

function optionalString(input: Json, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`Value '${String(value)}' at '${member}' must be a string`);
  return value;
}

function requiredString(input: Json, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined)
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function optionalTime(input: Json, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number')
    throw validation(`Value '${String(value)}' at '${member}' must be a timestamp`);
  return value * 1000;
}

/** Opaque page tokens: the offset into the sorted, filtered list, bound to the operation that issued it. */
function page<T>(operation: string, items: T[], input: Json, defaultSize: number, range: [number, number?]) {
  const max = input.MaxResults ?? defaultSize;
  const [min, upTo] = range;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < min || (upTo !== undefined && max > upTo)) {
    throw constraintErrors([
      violation(
        max,
        'maxResults',
        upTo === undefined
          ? `have value greater than or equal to ${min}`
          : `have value between ${min} and ${upTo}`,
      ),
    ])!;
  }
  let offset = 0;
  const token = optionalString(input, 'NextToken');
  if (token !== undefined) {
    const decoded = /^(\w+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded || decoded[1] !== operation) throw validation(`Invalid pagination token: ${token}`);
    offset = Number(decoded[2]);
  }
  const next = offset + max;
  return {
    items: items.slice(offset, next),
    NextToken: next < items.length ? Buffer.from(`${operation}:${next}`).toString('base64url') : undefined,
  };
}

/**
 * `SortBy` defaults to what the model documents per operation; `SortOrder` is documented as `Descending` for
 * SageMaker's other List operations (ListEndpoints, ListEndpointConfigs) and undocumented for these two.
 */
function sortOrder(input: Json, member: string, keys: string[], fallback: string): [string, number] {
  const by = optionalString(input, member) ?? fallback;
  if (!keys.includes(by))
    throw validation(`Value '${by}' at '${member}' must be one of [${keys.join(', ')}]`);
  const order = optionalString(input, 'SortOrder') ?? 'Descending';
  if (order !== 'Ascending' && order !== 'Descending')
    throw validation(`Value '${order}' at 'SortOrder' must be one of [Ascending, Descending]`);
  return [by, order === 'Ascending' ? 1 : -1];
}

export interface NotebookService extends ServiceEmulator {
  world: NotebookWorld;
}

/**
 * The notebook half of the `SageMaker.` target. `context` schedules the fleet's own transitions (a notebook
 * seeded `Stopping` reaches `Stopped` on time) and announces them.
 *
 * @example
 *   const notebooks = createNotebookService(fleet, context);
 *   notebooks.operations.StopNotebookInstance({ NotebookInstanceName: 'nb-1' }, context);
 *   notebooks.world.get('nb-1')?.status; // → 'Stopping'
 */
export function createNotebookService(
  fleet: Fleet,
  context: OperationContext,
  // ListTags and AddTags serve every SageMaker resource: the tags of those other services own, by ARN.
  otherTags: (arn: string) => Record<string, string> | undefined = () => undefined,
): NotebookService {
  const { region, account } = fleet;
  const arnOf = (name: string) =>
    `arn:aws:sagemaker:${region}:${account}:notebook-instance/${name.toLowerCase()}`;
  const lcArnOf = (name: string) =>
    `arn:aws:sagemaker:${region}:${account}:notebook-instance-lifecycle-config/${name.toLowerCase()}`;
  const roleArn = `arn:aws:iam::${account}:role/service-role/AmazonSageMaker-ExecutionRole-caretaker`;
  // The world existed before the run: creation times precede it, in fleet order so sorting is stable.
  const createdBefore = fleet.start - 90 * DAY_MS;

  const history: NotebookWorld['history'] = [];
  const notebooks = new Map<string, Notebook>();
  const byArn = new Map<string, Notebook>();
  fleet.notebooks.forEach((seed, index) => {
    const lastStartedAt = seed.lastStartedAt ?? fleet.start - DAY_MS;
    const notebook: Notebook = {
      name: seed.name,
      arn: arnOf(seed.name),
      status: seed.status,
      instanceType: seed.instanceType,
      platformRelease: seed.platformRelease,
      lifecycleConfigName: seed.lifecycleConfigName,
      rootAccess: seed.rootAccess,
      volumeSizeInGB: seed.volumeSizeInGB,
      platformIdentifier: seed.platformIdentifier,
      minimumInstanceMetadataServiceVersion: seed.minimumInstanceMetadataServiceVersion,
      directInternetAccess: seed.directInternetAccess,
      roleArn,
      failureReason: undefined,
      lastStartedAt,
      creationTime: Math.min(createdBefore, lastStartedAt - DAY_MS) + index * 1000,
      lastModifiedTime: lastStartedAt,
      tags: { ...seed.tags },
      behavior: { ...seed.behavior },
      stops: 0,
      starts: 0,
      pending: undefined,
    };
    notebooks.set(seed.name, notebook);
    byArn.set(notebook.arn, notebook);
    history.push({ name: seed.name, status: seed.status, at: fleet.start });
  });
  const tagsOf = (arn: string) => {
    const tags = byArn.get(arn)?.tags ?? otherTags(arn);
    if (!tags) throw validation(`Resource ${arn} not found: RecordNotFound`);
    return tags;
  };
  const lifecycleConfigs = new Map(
    fleet.lifecycleConfigs.map((name, index) => [name, { name, createdAt: createdBefore + index * 1000 }]),
  );

  const describe = (nb: NotebookRecord): Wire<DescribeNotebookInstanceOutput> => ({
    NotebookInstanceArn: nb.arn,
    NotebookInstanceName: nb.name,
    NotebookInstanceStatus: nb.status as NotebookInstanceStatus,
    ...(nb.failureReason ? { FailureReason: nb.failureReason } : {}),
    Url: `${nb.name.toLowerCase()}.notebook.${region}.sagemaker.aws`,
    InstanceType: nb.instanceType as _InstanceType,
    RoleArn: nb.roleArn,
    LastModifiedTime: seconds(nb.lastModifiedTime),
    CreationTime: seconds(nb.creationTime),
    ...(nb.lifecycleConfigName ? { NotebookInstanceLifecycleConfigName: nb.lifecycleConfigName } : {}),
    DirectInternetAccess: nb.directInternetAccess as 'Enabled' | 'Disabled',
    VolumeSizeInGB: nb.volumeSizeInGB,
    RootAccess: nb.rootAccess as 'Enabled' | 'Disabled',
    PlatformIdentifier: nb.platformIdentifier,
    InstanceMetadataServiceConfiguration: {
      MinimumInstanceMetadataServiceVersion: nb.minimumInstanceMetadataServiceVersion,
    },
  });

  /** Records a status change and announces it, as SageMaker does, with the instance's description. */
  const changeStatus = (nb: Notebook, status: string, at: number) => {
    nb.status = status;
    nb.lastModifiedTime = at;
    history.push({ name: nb.name, status, at });
    const { LastModifiedTime, CreationTime, ...rest } = describe(nb);
    context.emit({
      source: 'aws.sagemaker',
      'detail-type': 'SageMaker Notebook Instance State Change',
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: [nb.arn],
      // The event carries epoch milliseconds where the API carries seconds.
      detail: {
        ...rest,
        LastModifiedTime: LastModifiedTime! * 1000,
        CreationTime: CreationTime! * 1000,
        Tags: { ...nb.tags },
      },
    });
  };

  /** Applies a transition that is due: a read at exactly its time already sees the new status. */
  const settle = (nb: Notebook, now: number) => {
    const due = nb.pending;
    if (!due || due.at > now) return;
    nb.pending = undefined;
    due.apply(nb, due.at);
    changeStatus(nb, due.status, due.at);
  };
  const settleAll = (now: number) => notebooks.forEach((nb) => settle(nb, now));

  type Next = Omit<Transition, 'at'> & { after: number };
  const schedule = (nb: Notebook, from: number, then: Next) => {
    const transition: Transition = { at: from + then.after * 1000, status: then.status, apply: then.apply };
    nb.pending = transition;
    context.schedule(transition.at, () => {
      if (nb.pending === transition) settle(nb, transition.at);
    });
  };

  const begin = (nb: Notebook, status: string, now: number, then: Next | undefined) => {
    changeStatus(nb, status, now);
    if (then) schedule(nb, now, then);
  };

  /**
   * How a start ends. Capacity is found (or not) before the instance boots, so a capacity failure comes first
   * whatever lifecycle config is attached; only a start that gets an instance runs the OnStart script.
   */
  const startOutcome = (nb: Notebook): Next => {
    const lc = nb.lifecycleConfigName;
    let reason: string | undefined;
    if (nb.behavior.failStarts > 0) {
      nb.behavior.failStarts--;
      reason = CAPACITY_FAILURE;
    } else if (lc !== undefined && lc === nb.behavior.failStartsWithLifecycleConfig) {
      // SageMaker's words when OnStart runs over 5 minutes
      // (aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples#86, fastai/course-v3#518).
      reason = `Notebook Instance Lifecycle Config '${lcArnOf(lc)}' for Notebook Instance '${nb.arn}' took longer than 5 minutes. Please check your CloudWatch logs for more details if your Notebook Instance has Internet access.`;
    }
    if (reason === undefined) {
      return {
        after: nb.behavior.startSeconds,
        status: 'InService',
        apply: (n, at) => {
          n.platformRelease = fleet.platformRelease;
          n.lastStartedAt = at;
          n.failureReason = undefined;
        },
      };
    }
    return {
      after: nb.behavior.startSeconds,
      status: 'Failed',
      apply: (n) => {
        n.failureReason = reason;
      },
    };
  };

  const stopOutcome = (nb: Notebook): Next | undefined =>
    nb.behavior.stuckStopping
      ? undefined
      : { after: nb.behavior.stopSeconds, status: 'Stopped', apply: () => undefined };

  // A notebook seeded mid-transition finishes it like any other.
  for (const nb of notebooks.values()) {
    const then =
      nb.status === 'Stopping'
        ? stopOutcome(nb)
        : nb.status === 'Pending'
          ? startOutcome(nb)
          : nb.status === 'Updating'
            ? { after: nb.behavior.updateSeconds, status: 'Stopped', apply: () => undefined }
            : undefined;
    if (then) schedule(nb, fleet.start, then);
  }

  /** `behavior.deleteAtSeconds`: whatever it is doing, the notebook goes `Deleting`, then it is gone. */
  const deleteAt = (nb: Notebook, at: number) => {
    settle(nb, at);
    // Cancels a pending transition: its timer finds another (or no) transition pending and does nothing.
    nb.pending = undefined;
    changeStatus(nb, 'Deleting', at);
    const goneAt = at + DELETE_SECONDS * 1000;
    context.schedule(goneAt, () => {
      notebooks.delete(nb.name);
      byArn.delete(nb.arn);
      history.push({ name: nb.name, status: nb.status, at: goneAt, gone: true });
    });
  };
  for (const nb of notebooks.values()) {
    const after = nb.behavior.deleteAtSeconds;
    if (after !== undefined)
      context.schedule(fleet.start + after * 1000, () => deleteAt(nb, fleet.start + after * 1000));
  }

  const find = (input: Json): Notebook => {
    const name = requiredString(input, 'NotebookInstanceName');
    const nb = notebooks.get(name);
    if (!nb) throw validation('RecordNotFound');
    return nb;
  };

  const summary = (nb: Notebook): Wire<NotebookInstanceSummary> => ({
    NotebookInstanceName: nb.name,
    NotebookInstanceArn: nb.arn,
    NotebookInstanceStatus: nb.status as NotebookInstanceStatus,
    Url: `${nb.name.toLowerCase()}.notebook.${region}.sagemaker.aws`,
    InstanceType: nb.instanceType as _InstanceType,
    CreationTime: seconds(nb.creationTime),
    LastModifiedTime: seconds(nb.lastModifiedTime),
    ...(nb.lifecycleConfigName ? { NotebookInstanceLifecycleConfigName: nb.lifecycleConfigName } : {}),
  });

  const operations: ServiceEmulator['operations'] = {
    ListNotebookInstances: (input, ctx): Wire<ListNotebookInstancesOutput> => {
      const now = ctx.now();
      settleAll(now);
      const [by, direction] = sortOrder(input, 'SortBy', ['Name', 'CreationTime', 'Status'], 'Name');
      const status = optionalString(input, 'StatusEquals');
      if (status !== undefined && !STATUSES.has(status))
        throw validation(
          `Value '${status}' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [${[...STATUSES].join(', ')}]`,
        );
      const nameContains = optionalString(input, 'NameContains');
      const lcContains = optionalString(input, 'NotebookInstanceLifecycleConfigNameContains');
      const times = {
        createdBefore: optionalTime(input, 'CreationTimeBefore'),
        createdAfter: optionalTime(input, 'CreationTimeAfter'),
        modifiedBefore: optionalTime(input, 'LastModifiedTimeBefore'),
        modifiedAfter: optionalTime(input, 'LastModifiedTimeAfter'),
      };
      const key = (nb: Notebook): string | number =>
        by === 'Name' ? nb.name : by === 'Status' ? nb.status : nb.creationTime;
      const matching = [...notebooks.values()]
        .filter(
          (nb) =>
            (status === undefined || nb.status === status) &&
            (nameContains === undefined || nb.name.includes(nameContains)) &&
            (lcContains === undefined || (nb.lifecycleConfigName ?? '').includes(lcContains)) &&
            (times.createdBefore === undefined || nb.creationTime < times.createdBefore) &&
            (times.createdAfter === undefined || nb.creationTime > times.createdAfter) &&
            (times.modifiedBefore === undefined || nb.lastModifiedTime < times.modifiedBefore) &&
            (times.modifiedAfter === undefined || nb.lastModifiedTime > times.modifiedAfter),
        )
        .sort((a, b) => {
          const [ka, kb] = [key(a), key(b)];
          return (ka < kb ? -1 : ka > kb ? 1 : a.name.localeCompare(b.name)) * direction;
        });
      const { items, NextToken } = page('ListNotebookInstances', matching, input, DEFAULT_PAGE, [
        1,
        MAX_PAGE,
      ]);
      return { NotebookInstances: items.map(summary), ...(NextToken ? { NextToken } : {}) };
    },

    DescribeNotebookInstance: (input, ctx): Wire<DescribeNotebookInstanceOutput> => {
      const nb = find(input);
      settle(nb, ctx.now());
      return describe(nb);
    },

    StopNotebookInstance: (input, ctx) => {
      const nb = find(input);
      const now = ctx.now();
      settle(nb, now);
      if (nb.status !== 'InService') throw notInStatus(nb, ['InService'], 'Stopping');
      nb.stops++;
      begin(nb, 'Stopping', now, stopOutcome(nb));
      return {};
    },

    StartNotebookInstance: (input, ctx) => {
      const nb = find(input);
      const now = ctx.now();
      settle(nb, now);
      if (nb.status !== 'Stopped' && nb.status !== 'Failed')
        throw notInStatus(nb, ['Stopped', 'Failed'], 'Pending');
      nb.starts++;
      begin(nb, 'Pending', now, startOutcome(nb));
      return {};
    },

    UpdateNotebookInstance: (input, ctx) => {
      const unsupported = Object.keys(input).filter((m) => !UPDATE_MEMBERS.has(m));
      if (unsupported.length > 0)
        throw validation(
          `The sandbox emulator does not model UpdateNotebookInstance member(s) ${unsupported.join(', ')}`,
        );
      // The API front checks the input against the model before it looks at the notebook.
      const invalid = constraintErrors(updateViolations(input));
      if (invalid) throw invalid;
      const nb = find(input);
      const now = ctx.now();
      settle(nb, now);
      if (!updatableFrom.includes(nb.status)) throw notInStatus(nb, updatableFrom, 'Updating');
      const change = validateUpdate(input, nb);
      begin(nb, 'Updating', now, {
        after: nb.behavior.updateSeconds,
        status: 'Stopped',
        apply: (n) => {
          Object.assign(n, change);
          // A notebook that failed to start is no longer failed once it has been updated and stopped.
          n.failureReason = undefined;
        },
      });
      return {};
    },

    ListTags: (input): Wire<ListTagsOutput> => {
      const tags = Object.entries(tagsOf(requiredString(input, 'ResourceArn'))).map(([Key, Value]) => ({
        Key,
        Value,
      }));
      const { items, NextToken } = page('ListTags', tags, input, TAGS_PAGE, [TAGS_PAGE]);
      return { Tags: items, ...(NextToken ? { NextToken } : {}) };
    },

    AddTags: (input): Wire<AddTagsOutput> => ({
      Tags: addTags(tagsOf(requiredString(input, 'ResourceArn')), input.Tags),
    }),

    ListNotebookInstanceLifecycleConfigs: (input): Wire<ListNotebookInstanceLifecycleConfigsOutput> => {
      const [by, direction] = sortOrder(
        input,
        'SortBy',
        ['Name', 'CreationTime', 'LastModifiedTime'],
        'CreationTime',
      );
      const nameContains = optionalString(input, 'NameContains');
      const createdBefore = optionalTime(input, 'CreationTimeBefore');
      const createdAfter = optionalTime(input, 'CreationTimeAfter');
      const matching = [...lifecycleConfigs.values()]
        .filter(
          (lc) =>
            (nameContains === undefined || lc.name.includes(nameContains)) &&
            (createdBefore === undefined || lc.createdAt < createdBefore) &&
            (createdAfter === undefined || lc.createdAt > createdAfter),
        )
        .sort(
          (a, b) =>
            (by === 'Name'
              ? a.name.localeCompare(b.name)
              : a.createdAt - b.createdAt || a.name.localeCompare(b.name)) * direction,
        );
      const { items, NextToken } = page(
        'ListNotebookInstanceLifecycleConfigs',
        matching,
        input,
        DEFAULT_PAGE,
        [1, MAX_PAGE],
      );
      return {
        NotebookInstanceLifecycleConfigs: items.map((lc) => ({
          NotebookInstanceLifecycleConfigName: lc.name,
          NotebookInstanceLifecycleConfigArn: lcArnOf(lc.name),
          CreationTime: seconds(lc.createdAt),
          LastModifiedTime: seconds(lc.createdAt),
        })),
        ...(NextToken ? { NextToken } : {}),
      };
    },

    DescribeNotebookInstanceLifecycleConfig: (input): Wire<DescribeNotebookInstanceLifecycleConfigOutput> => {
      const name = requiredString(input, 'NotebookInstanceLifecycleConfigName');
      const lc = lifecycleConfigs.get(name);
      if (!lc) throw validation(`Notebook Instance Lifecycle Config '${lcArnOf(name)}' does not exist.`);
      return {
        NotebookInstanceLifecycleConfigArn: lcArnOf(name),
        NotebookInstanceLifecycleConfigName: name,
        OnCreate: [],
        OnStart: [
          { Content: Buffer.from(`#!/bin/bash\n# ${name}: sandbox lifecycle script\n`).toString('base64') },
        ],
        CreationTime: seconds(lc.createdAt),
        LastModifiedTime: seconds(lc.createdAt),
      };
    },
  };

  // Not documented either way (DESIGN.md): the fleet file says whether a Failed notebook may be updated.
  const updatableFrom = fleet.sagemaker.updateWhenFailed === 'allowed' ? ['Stopped', 'Failed'] : ['Stopped'];

  /** The model's constraints on the members an update may carry (enum values, patterns, ranges). */
  function updateViolations(input: Json): string[] {
    const violations: string[] = [];
    const enumeration = (member: string, wire: string, values: string[]) => {
      const value = input[member];
      if (value !== undefined && (typeof value !== 'string' || !values.includes(value)))
        violations.push(violation(value, wire, `satisfy enum value set: [${values.join(', ')}]`));
    };
    enumeration('InstanceType', 'instanceType', INSTANCE_TYPES);
    enumeration('RootAccess', 'rootAccess', ROOT_ACCESS);
    const platform = input.PlatformIdentifier;
    if (platform !== undefined && (typeof platform !== 'string' || !PLATFORM_IDENTIFIERS.includes(platform)))
      violations.push(
        violation(
          platform,
          'platformIdentifier',
          `satisfy regular expression pattern: (${PLATFORM_IDENTIFIERS.join('|')})`,
        ),
      );
    const volume = input.VolumeSizeInGB;
    if (
      volume !== undefined &&
      (typeof volume !== 'number' || !Number.isInteger(volume) || volume < 5 || volume > 16384)
    )
      violations.push(violation(volume, 'volumeSizeInGB', 'have value between 5 and 16384'));
    const imds = input.InstanceMetadataServiceConfiguration as Json | undefined;
    if (imds !== undefined) {
      const version = imds?.MinimumInstanceMetadataServiceVersion;
      if (typeof version !== 'string' || !IMDS_VERSIONS.includes(version))
        violations.push(
          violation(
            version,
            'instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion',
            'satisfy regular expression pattern: 1|2',
          ),
        );
    }
    return violations;
  }

  /** The checks an update meets once its input is well-formed; returns the changes to apply. */
  function validateUpdate(input: Json, nb: Notebook): Partial<NotebookRecord> {
    const change: Partial<NotebookRecord> = {};
    const instanceType = optionalString(input, 'InstanceType');
    if (instanceType !== undefined) change.instanceType = instanceType;
    const role = optionalString(input, 'RoleArn');
    if (role !== undefined) change.roleArn = role;
    const lc = optionalString(input, 'LifecycleConfigName');
    const disassociate = input.DisassociateLifecycleConfig === true;
    if (lc !== undefined && disassociate)
      throw validation('Cannot specify both LifecycleConfigName and DisassociateLifecycleConfig');
    if (lc !== undefined) {
      if (!lifecycleConfigs.has(lc))
        throw validation(`Notebook Instance Lifecycle Config '${lcArnOf(lc)}' does not exist.`);
      change.lifecycleConfigName = lc;
    }
    if (disassociate) change.lifecycleConfigName = undefined;
    const volume = input.VolumeSizeInGB as number | undefined;
    if (volume !== undefined) {
      if (volume < nb.volumeSizeInGB)
        throw validation(
          `The volume size can only be increased: requested ${volume} GB, current ${nb.volumeSizeInGB} GB`,
        );
      change.volumeSizeInGB = volume;
    }
    const rootAccess = optionalString(input, 'RootAccess');
    if (rootAccess !== undefined) change.rootAccess = rootAccess;
    const imds = input.InstanceMetadataServiceConfiguration as Json | undefined;
    if (imds !== undefined)
      change.minimumInstanceMetadataServiceVersion = imds.MinimumInstanceMetadataServiceVersion as string;
    const platform = optionalString(input, 'PlatformIdentifier');
    if (platform !== undefined) change.platformIdentifier = platform;
    if (Object.keys(change).length === 0)
      throw validation('Nothing to update: specify at least one setting to change');
    return change;
  }

  const copy = (nb: Notebook): NotebookRecord => {
    const { pending: _pending, ...record } = nb;
    return { ...record, tags: { ...nb.tags }, behavior: { ...nb.behavior } };
  };

  const world: NotebookWorld = {
    history,
    snapshot: () => {
      settleAll(Date.now());
      return [...notebooks.values()].map((nb) => ({
        name: nb.name,
        status: nb.status,
        instanceType: nb.instanceType,
        platformRelease: nb.platformRelease,
        lifecycleConfigName: nb.lifecycleConfigName ?? null,
        rootAccess: nb.rootAccess,
        volumeSizeInGB: nb.volumeSizeInGB,
        platformIdentifier: nb.platformIdentifier,
        minimumInstanceMetadataServiceVersion: nb.minimumInstanceMetadataServiceVersion,
        ...(nb.status === 'Failed' && nb.failureReason ? { failureReason: nb.failureReason } : {}),
        stops: nb.stops,
        starts: nb.starts,
      }));
    },
    get: (name) => {
      const nb = notebooks.get(name);
      if (!nb) return undefined;
      settle(nb, Date.now());
      return copy(nb);
    },
  };

  return { targetPrefix: 'SageMaker', service: 'sagemaker', operations, world };
}
