import {
  _InstanceType,
  NotebookInstanceStatus,
  type DescribeNotebookInstanceLifecycleConfigOutput,
  type DescribeNotebookInstanceOutput,
  type ListNotebookInstanceLifecycleConfigsOutput,
  type ListNotebookInstancesOutput,
  type ListTagsOutput,
  type NotebookInstanceSummary,
} from '@aws-sdk/client-sagemaker';
import type { Fleet, NotebookSeed } from '../fleet.ts';
import { AwsApiError, type OperationContext, type ServiceEmulator } from './types.ts';

/**
 * SageMaker notebook instances as the API shows them: states move on virtual time (Stop → Stopping →
 * Stopped after `stopSeconds`, Start → Pending → InService or Failed, Update → Updating → Stopped), every
 * change is kept in `history` and announced as the `SageMaker Notebook Instance State Change` event at the
 * moment it happens.
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
}

// A type alias so that it is assignable to `Record<string, unknown>` (the contract document's type).
export type NotebookSnapshot = {
  name: string;
  status: string;
  instanceType: string;
  platformRelease: string;
  lifecycleConfigName: string | null;
  rootAccess: string;
};

export interface NotebookWorld {
  /** Every status a notebook has had, with the virtual time it began (initial statuses at fleet start). */
  readonly history: Array<{ name: string; status: string; at: number }>;
  /** The contract's `fleet.notebooks`, in fleet order. */
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
const IMDS_VERSIONS = ['1', '2'];
const ROOT_ACCESS = ['Enabled', 'Disabled'];
const PLATFORMS = /^notebook-(al1|al2|al2023)-v\d+$/;
const INSTANCE_TYPES = new Set<string>(Object.values(_InstanceType));
const STATUSES = new Set<string>(Object.values(NotebookInstanceStatus));
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
const notInStatus = (status: string, allowed: string[]) =>
  validation(`Status (${status}) not in ([${allowed.join(', ')}])`);

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
function page<T>(operation: string, items: T[], input: Json, defaultSize: number, range: [number, number]) {
  const max = input.MaxResults ?? defaultSize;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < range[0] || max > range[1]) {
    throw validation(
      `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value between ${range[0]} and ${range[1]}`,
    );
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
export function createNotebookService(fleet: Fleet, context: OperationContext): NotebookService {
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
      pending: undefined,
    };
    notebooks.set(seed.name, notebook);
    byArn.set(notebook.arn, notebook);
    history.push({ name: seed.name, status: seed.status, at: fleet.start });
  });
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

  const startOutcome = (nb: Notebook): Next => {
    const lc = nb.lifecycleConfigName;
    const failsOnLc = lc !== undefined && lc === nb.behavior.failStartsWithLifecycleConfig;
    const fails = failsOnLc || nb.behavior.failStarts > 0;
    if (!failsOnLc && fails) nb.behavior.failStarts--;
    if (!fails) {
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
    const reason = lc
      ? `Notebook Instance Lifecycle Config '${lcArnOf(lc)}' for Notebook Instance '${nb.arn}' took longer than 5 minutes. Please check your CloudWatch logs for more details if your Notebook Instance has Internet access.`
      : 'InsufficientInstanceCapacity: There is not enough capacity to fulfill your request. Please try again later.';
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
      const [by, direction] = sortOrder(input, 'SortBy', ['Name', 'CreationTime', 'Status'], 'CreationTime');
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
      if (nb.status !== 'InService') throw notInStatus(nb.status, ['InService']);
      begin(nb, 'Stopping', now, stopOutcome(nb));
      return {};
    },

    StartNotebookInstance: (input, ctx) => {
      const nb = find(input);
      const now = ctx.now();
      settle(nb, now);
      if (nb.status !== 'Stopped' && nb.status !== 'Failed')
        throw notInStatus(nb.status, ['Stopped', 'Failed']);
      begin(nb, 'Pending', now, startOutcome(nb));
      return {};
    },

    UpdateNotebookInstance: (input, ctx) => {
      const nb = find(input);
      const now = ctx.now();
      settle(nb, now);
      const unsupported = Object.keys(input).filter((m) => !UPDATE_MEMBERS.has(m));
      if (unsupported.length > 0)
        throw validation(
          `The sandbox emulator does not model UpdateNotebookInstance member(s) ${unsupported.join(', ')}`,
        );
      if (nb.status !== 'Stopped' && nb.status !== 'Failed')
        throw notInStatus(nb.status, ['Stopped', 'Failed']);
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
      const arn = requiredString(input, 'ResourceArn');
      const nb = byArn.get(arn);
      if (!nb) throw validation(`Resource ${arn} not found: RecordNotFound`);
      const tags = Object.entries(nb.tags).map(([Key, Value]) => ({ Key, Value }));
      const { items, NextToken } = page('ListTags', tags, input, 50, [50, 100]);
      return { Tags: items, ...(NextToken ? { NextToken } : {}) };
    },

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

  /** The API's checks on an update, in the order it makes them; returns the changes to apply. */
  function validateUpdate(input: Json, nb: Notebook): Partial<NotebookRecord> {
    const change: Partial<NotebookRecord> = {};
    const instanceType = optionalString(input, 'InstanceType');
    if (instanceType !== undefined) {
      if (!INSTANCE_TYPES.has(instanceType))
        throw validation(
          `Value '${instanceType}' at 'instanceType' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      change.instanceType = instanceType;
    }
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
    const volume = input.VolumeSizeInGB;
    if (volume !== undefined) {
      if (typeof volume !== 'number' || !Number.isInteger(volume) || volume < 5 || volume > 16384)
        throw validation(
          `Value '${String(volume)}' at 'volumeSizeInGB' failed to satisfy constraint: Member must have value between 5 and 16384`,
        );
      if (volume < nb.volumeSizeInGB)
        throw validation(
          `The volume size can only be increased: requested ${volume} GB, current ${nb.volumeSizeInGB} GB`,
        );
      change.volumeSizeInGB = volume;
    }
    const rootAccess = optionalString(input, 'RootAccess');
    if (rootAccess !== undefined) {
      if (!ROOT_ACCESS.includes(rootAccess))
        throw validation(
          `Value '${rootAccess}' at 'rootAccess' failed to satisfy constraint: Member must satisfy enum value set: [Enabled, Disabled]`,
        );
      change.rootAccess = rootAccess;
    }
    const imds = input.InstanceMetadataServiceConfiguration as Json | undefined;
    if (imds !== undefined) {
      const version = imds?.MinimumInstanceMetadataServiceVersion;
      if (typeof version !== 'string' || !IMDS_VERSIONS.includes(version))
        throw validation(
          `Value '${String(version)}' at 'instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: 1|2`,
        );
      change.minimumInstanceMetadataServiceVersion = version;
    }
    const platform = optionalString(input, 'PlatformIdentifier');
    if (platform !== undefined) {
      if (!PLATFORMS.test(platform))
        throw validation(
          `Value '${platform}' at 'platformIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(notebook-al1|notebook-al2|notebook-al2023)-v\\d+$`,
        );
      change.platformIdentifier = platform;
    }
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
