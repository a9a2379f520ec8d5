import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { callAws, translateAwsError } from '../errors.ts';
import { TransientAwsError } from '../../errors.ts';
import { needs } from '../../iam.ts';
import { conditionalWrite, type LedgerClients } from './client.ts';
import { ledgerKeys } from './keys.ts';

/**
 * The notebook patch window's pages in the ledger (DynamoDB, key `pk`):
 *
 * - `window#<request>`: the window's error budget (`tolerated`, `failures`), what it admitted, its rounds.
 * - `window#<request>#round#<i>`: the names of round i of the plan (a plan too large for one state payload
 *   is cut into rounds, so no state grows with the fleet).
 * - `result#<request>#<notebook>`: one notebook's result, written once: the report reads these, so a
 *   window's state stays small at any fleet size.
 * - `slots#<scope>`: how many notebooks of a scope (a patch group, or a request's targets) caretaker has down
 *   now. Taken before a running notebook is stopped, given back when it runs again: `maxConcurrency` counts
 *   notebooks down, not cycles in flight, across every window of the scope.
 * - `notebook#<name>`: the notebook's lease (`owner`, `leaseUntil`) and the owner's memory of what it did
 *   (`state`, written before each change), the last cycle that ended (`lastCycle`) and, when a window left
 *   it down, `leftDown`; and `queued`: settings a finding asked for, waiting for its patch group's next window.
 *
 * Why not the distributed Map's ToleratedFailureCount for the budget: when that threshold is crossed, Step
 * Functions fails the Map Run and ABORTS the child executions still running — a notebook caught between
 * Stop and Start would be left down with nobody to report it. Instead every cycle is admitted through the
 * ledger before its first change; once failures exceed the tolerance no new notebook is admitted while the
 * ones in flight finish cleanly.
 *
 * Values this gateway stores for the domain (`state`, results, …) are JSON strings: the gateway keeps their
 * shape opaque, the notebook domain owns it.
 */

const RETENTION_SECONDS = 30 * 24 * 3600;
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const key = (pk: string) => ({ pk: S(pk) });
const {
  window: windowKey,
  round: roundKey,
  result: resultKey,
  slots: slotsKey,
  notebook: notebookKey,
} = ledgerKeys;
const expiry = (nowMs: number) => N(Math.floor(nowMs / 1000) + RETENTION_SECONDS);
const json = (value: unknown) => S(JSON.stringify(value));
const parsed = <T>(value: AttributeValue | undefined): T | undefined =>
  value?.S === undefined ? undefined : (JSON.parse(value.S) as T);

export interface WindowRecord {
  requestId: string;
  tolerated: number;
  rounds: number;
  failures: number;
  admitted: number;
  /** Set once the report has run (and given back the slots of notebooks left down). */
  reported: boolean;
}

/** Creates the window's record. Idempotent: a retried or redriven selection keeps the counts it has. */
export const putWindow = /* @__PURE__ */ needs(
  'dynamodb:PutItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    window: { requestId: string; tolerated: number; rounds: number },
    nowMs: number,
  ): Promise<void> => {
    await conditionalWrite(windowKey(window.requestId), () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...key(windowKey(window.requestId)),
            tolerated: N(window.tolerated),
            failures: N(0),
            admitted: N(0),
            rounds: N(window.rounds),
            expiresAt: expiry(nowMs),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },
);

/**
 * Writes the names of each round of the window's plan, and the notebooks it skipped: their names (round
 * `skipped`) and their results.
 */
export const putWindowItems = /* @__PURE__ */ needs(
  'dynamodb:BatchWriteItem',
  'ledger-table',
  async (
    clients: LedgerClients,
    requestId: string,
    rounds: string[][],
    skipped: Array<{ name: string }>,
    nowMs: number,
  ): Promise<void> => {
    const items = [
      ...rounds.map((names, i) => ({
        ...key(roundKey(requestId, i)),
        names: json(names),
        expiresAt: expiry(nowMs),
      })),
      {
        ...key(roundKey(requestId, 'skipped')),
        names: json(skipped.map((r) => r.name)),
        expiresAt: expiry(nowMs),
      },
      ...skipped.map((result) => ({
        ...key(resultKey(requestId, result.name)),
        result: json(result),
        expiresAt: expiry(nowMs),
      })),
    ];
    await batchWrite(clients, items, windowKey(requestId));
  },
);

async function batchWrite(
  { dynamodb, tableName }: LedgerClients,
  items: Array<Record<string, AttributeValue>>,
  resource: string,
): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    // DynamoDB may leave part of a batch unprocessed under load: those go again until none is left.
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt === 10)
        throw translateAwsError(
          Object.assign(new Error(`${requests.length} item(s) stayed unprocessed`), {
            name: 'ThrottlingException',
          }),
          resource,
        );
      const out = await callAws(resource, () =>
        dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } })),
      );
      requests = (out.UnprocessedItems?.[tableName] ?? []).map((r) => ({
        PutRequest: { Item: r.PutRequest!.Item! },
      }));
    }
  }
}

export const readWindow = /* @__PURE__ */ needs(
  'dynamodb:GetItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, requestId: string): Promise<WindowRecord | undefined> => {
    const out = await callAws(windowKey(requestId), () =>
      dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: key(windowKey(requestId)), ConsistentRead: true }),
      ),
    );
    const item = out.Item;
    if (!item) return undefined;
    return {
      requestId,
      tolerated: Number(item.tolerated?.N ?? 0),
      rounds: Number(item.rounds?.N ?? 0),
      failures: Number(item.failures?.N ?? 0),
      admitted: Number(item.admitted?.N ?? 0),
      reported: item.reported?.BOOL === true,
    };
  },
);

/** The names of one round of the window's plan, or of the notebooks it skipped. */
export const readRound = /* @__PURE__ */ needs(
  'dynamodb:GetItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    requestId: string,
    index: number | 'skipped',
  ): Promise<string[]> => {
    const out = await callAws(roundKey(requestId, index), () =>
      dynamodb.send(
        new GetItemCommand({
          TableName: tableName,
          Key: key(roundKey(requestId, index)),
          ConsistentRead: true,
        }),
      ),
    );
    return parsed<string[]>(out.Item?.names) ?? [];
  },
);

/** A notebook's page: its lease and what caretaker remembers of it (JSON values the domain owns). */
export interface NotebookRecord {
  owner?: string;
  leaseUntil?: number;
  state?: unknown;
  lastCycle?: unknown;
  leftDown?: unknown;
  queued?: unknown;
}

function toNotebookRecord(item: Record<string, AttributeValue> | undefined): NotebookRecord | undefined {
  if (!item) return undefined;
  return {
    ...(item.owner?.S ? { owner: item.owner.S } : {}),
    ...(item.leaseUntil?.N ? { leaseUntil: Number(item.leaseUntil.N) } : {}),
    ...(item.state?.S ? { state: parsed(item.state) } : {}),
    ...(item.lastCycle?.S ? { lastCycle: parsed(item.lastCycle) } : {}),
    ...(item.leftDown?.S ? { leftDown: parsed(item.leftDown) } : {}),
    ...(item.queued?.S ? { queued: parsed(item.queued) } : {}),
  };
}

/** Many notebooks' pages at once (the audit, the report), 100 to a request as the API allows. */
export const readNotebooks = /* @__PURE__ */ needs(
  'dynamodb:BatchGetItem',
  'ledger-table',
  async (clients: LedgerClients, names: readonly string[]): Promise<Map<string, NotebookRecord>> => {
    const items = await batchGet(clients, names.map(notebookKey));
    return new Map(
      [...items].map(([pk, item]) => [pk.slice('notebook#'.length), toNotebookRecord(item)!] as const),
    );
  },
);

/** A notebook's result in a window, and the scope whose slot it still holds (a notebook left down). */
export interface StoredResult {
  result: unknown;
  holdsSlot?: string;
}

/** The results of the window's notebooks that have one, by name. */
export const readResults = /* @__PURE__ */ needs(
  'dynamodb:BatchGetItem',
  'ledger-table',
  async (
    clients: LedgerClients,
    requestId: string,
    names: readonly string[],
  ): Promise<Map<string, StoredResult>> => {
    const prefix = resultKey(requestId, '');
    const items = await batchGet(
      clients,
      names.map((name) => resultKey(requestId, name)),
    );
    return new Map(
      [...items].map(([pk, item]) => [
        pk.slice(prefix.length),
        { result: parsed(item.result), ...(item.holdsSlot?.S ? { holdsSlot: item.holdsSlot.S } : {}) },
      ]),
    );
  },
);

/**
 * What a cycle step reads first: the notebook's page and whether this window already has its result (a
 * step repeated after the cycle ended must not begin it again), in one request.
 */
export const readCycle = /* @__PURE__ */ needs(
  'dynamodb:BatchGetItem',
  'ledger-table',
  async (
    clients: LedgerClients,
    requestId: string,
    name: string,
  ): Promise<{ notebook: NotebookRecord | undefined; finished: boolean }> => {
    const items = await batchGet(clients, [notebookKey(name), resultKey(requestId, name)]);
    return {
      notebook: toNotebookRecord(items.get(notebookKey(name))),
      finished: items.has(resultKey(requestId, name)),
    };
  },
);

async function batchGet(
  { dynamodb, tableName }: LedgerClients,
  pks: readonly string[],
): Promise<Map<string, Record<string, AttributeValue>>> {
  const found = new Map<string, Record<string, AttributeValue>>();
  for (let i = 0; i < pks.length; i += 100) {
    let keys = [...new Set(pks.slice(i, i + 100))].map(key);
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === 10)
        throw translateAwsError(
          Object.assign(new Error(`${keys.length} key(s) stayed unprocessed`), {
            name: 'ThrottlingException',
          }),
          'ledger',
        );
      const out = await callAws('ledger', () =>
        dynamodb.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
        ),
      );
      for (const item of out.Responses?.[tableName] ?? []) found.set(item.pk!.S!, item);
      keys = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof keys;
    }
  }
  return found;
}

export type AdmissionRefusal = 'budget' | 'slot' | 'lease';

/**
 * Admits a notebook to a window before its first change, in one transaction: the window's error budget is
 * not spent, a notebooks-down slot of its scope is free (`slot`, for a notebook that is running) and the
 * notebook's lease is free, expired or already this window's. The lease then names the window and holds
 * `state`, the intent of the change that follows.
 */
export const admitNotebook = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    admission: {
      requestId: string;
      name: string;
      state: unknown;
      leaseUntil: number;
      slot?: { scope: string; max: number } | undefined;
      nowMs: number;
    },
  ): Promise<{ admitted: true } | { admitted: false; why: AdmissionRefusal }> => {
    const { requestId, name, slot } = admission;
    const items: Array<{ why: AdmissionRefusal; item: TransactWriteItem }> = [
      {
        why: 'budget',
        item: {
          Update: {
            TableName: tableName,
            Key: key(windowKey(requestId)),
            UpdateExpression: 'ADD admitted :one',
            ConditionExpression: 'attribute_exists(pk) AND failures <= tolerated',
            ExpressionAttributeValues: { ':one': N(1) },
          },
        },
      },
      ...(slot
        ? [
            {
              why: 'slot' as const,
              item: {
                Update: {
                  TableName: tableName,
                  Key: key(slotsKey(slot.scope)),
                  UpdateExpression: 'ADD down :one',
                  ConditionExpression: 'attribute_not_exists(down) OR down < :max',
                  ExpressionAttributeValues: { ':one': N(1), ':max': N(slot.max) },
                },
              },
            },
          ]
        : []),
      {
        why: 'lease',
        item: {
          Update: {
            TableName: tableName,
            Key: key(notebookKey(name)),
            UpdateExpression: 'SET #owner = :me, leaseUntil = :until, #state = :state',
            ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :me OR leaseUntil < :now',
            ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: {
              ':me': S(requestId),
              ':until': N(admission.leaseUntil),
              ':now': N(admission.nowMs),
              ':state': json(admission.state),
            },
          },
        },
      },
    ];
    const refusal = await transact(dynamodb, items, notebookKey(name));
    return refusal ? { admitted: false, why: refusal } : { admitted: true };
  },
);

const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** Runs a transaction; `undefined` when it was written, else which guarded item refused it. */
async function transact<W extends string>(
  dynamodb: LedgerClients['dynamodb'],
  items: Array<{ why: W; item: TransactWriteItem }>,
  resource: string,
): Promise<W | undefined> {
  try {
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items.map((i) => i.item) }));
    return undefined;
  } catch (err) {
    const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
    if ((err as Error).name === 'TransactionCanceledException' && reasons) {
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failed >= 0 && reasons.every((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'None'))
        return items[failed]!.why;
      // Another transaction on the same items, or throttling: nothing was written, and trying again will do.
      if (reasons.some((r) => TRANSIENT_REASONS.has(r.Code ?? '')))
        throw new TransientAwsError(
          `TransactionCanceledException: ${reasons.map((r) => r.Code).join(', ')}`,
          {
            cause: err,
            resource,
          },
        );
    }
    throw translateAwsError(err, resource);
  }
}

/**
 * Writes the owner's memory of the notebook (the intent of the change it is about to make). `false` when the
 * window no longer owns the notebook: it must not touch it.
 */
export const writeNotebookState = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    name: string,
    owner: string,
    state: unknown,
  ): Promise<boolean> => {
    const written = await conditionalWrite(notebookKey(name), () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(notebookKey(name)),
          UpdateExpression: 'SET #state = :state',
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
          ExpressionAttributeValues: { ':me': S(owner), ':state': json(state) },
        }),
      ),
    );
    return written !== undefined;
  },
);

/**
 * Ends a notebook's cycle in one transaction: its result (written once: a repeated finish is a no-op), the
 * window's failures when it ended badly, its notebooks-down slot when it runs again, and its lease (with the
 * last cycle, and whether it is left down).
 */
export const finishNotebook = /* @__PURE__ */ needs(
  ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    end: {
      requestId: string;
      name: string;
      result: unknown;
      /** The scope whose slot the result keeps (a notebook left down holds it until the report). */
      holdsSlot?: string | undefined;
      failed: boolean;
      releaseSlot?: string | undefined;
      lease?: { lastCycle: unknown; leftDown?: unknown } | undefined;
      nowMs: number;
    },
  ): Promise<'finished' | 'already' | 'lease-lost'> => {
    const { requestId, name } = end;
    const items: Array<{ why: 'already' | 'lease-lost'; item: TransactWriteItem }> = [
      {
        why: 'already',
        item: {
          Put: {
            TableName: tableName,
            Item: {
              ...key(resultKey(requestId, name)),
              result: json(end.result),
              ...(end.holdsSlot ? { holdsSlot: S(end.holdsSlot) } : {}),
              expiresAt: expiry(end.nowMs),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      },
    ];
    if (end.failed)
      items.push({
        why: 'already',
        item: {
          Update: {
            TableName: tableName,
            Key: key(windowKey(requestId)),
            UpdateExpression: 'ADD failures :one',
            ExpressionAttributeValues: { ':one': N(1) },
          },
        },
      });
    if (end.releaseSlot)
      items.push({
        why: 'already',
        item: {
          Update: {
            TableName: tableName,
            Key: key(slotsKey(end.releaseSlot)),
            UpdateExpression: 'ADD down :minus',
            ExpressionAttributeValues: { ':minus': N(-1) },
          },
        },
      });
    if (end.lease)
      items.push({
        why: 'lease-lost',
        item: {
          Update: {
            TableName: tableName,
            Key: key(notebookKey(name)),
            UpdateExpression: end.lease.leftDown
              ? 'REMOVE #owner, leaseUntil, #state SET lastCycle = :last, leftDown = :down'
              : 'REMOVE #owner, leaseUntil, #state, leftDown SET lastCycle = :last',
            ConditionExpression: '#owner = :me',
            ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: {
              ':me': S(requestId),
              ':last': json(end.lease.lastCycle),
              ...(end.lease.leftDown ? { ':down': json(end.lease.leftDown) } : {}),
            },
          },
        },
      });
    const refusal = await transact(dynamodb, items, notebookKey(name));
    return refusal ?? 'finished';
  },
);

/**
 * Closes the window once its report has run: the slots its notebooks left down still hold go back to their
 * scope (they were counted until the window reported them). Idempotent: a repeated report gives nothing
 * back twice.
 */
export const closeWindow = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    requestId: string,
    heldSlots: ReadonlyMap<string, number>,
  ): Promise<boolean> => {
    const items: Array<{ why: 'reported'; item: TransactWriteItem }> = [
      {
        why: 'reported',
        item: {
          Update: {
            TableName: tableName,
            Key: key(windowKey(requestId)),
            UpdateExpression: 'SET reported = :yes',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(reported)',
            ExpressionAttributeValues: { ':yes': { BOOL: true } },
          },
        },
      },
      ...[...heldSlots].map(([scope, count]) => ({
        why: 'reported' as const,
        item: {
          Update: {
            TableName: tableName,
            Key: key(slotsKey(scope)),
            UpdateExpression: 'ADD down :minus',
            ExpressionAttributeValues: { ':minus': N(-count) },
          },
        },
      })),
    ];
    return (await transact(dynamodb, items, windowKey(requestId))) === undefined;
  },
);

/** Tries of a queue write that met another writer's change (each reads the queue again and merges). */
const QUEUE_TRIES = 5;

/**
 * Queues work for a notebook's next window on its page (`queued`): `merge` turns what is queued now (or
 * nothing) into what must be. Optimistic: the write holds only if nobody changed the queue since it was read.
 */
export const queueOnNotebook = /* @__PURE__ */ needs(
  ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    name: string,
    merge: (queued: unknown) => unknown,
  ): Promise<unknown> => {
    for (let attempt = 0; attempt < QUEUE_TRIES; attempt++) {
      const out = await callAws(notebookKey(name), () =>
        dynamodb.send(
          new GetItemCommand({ TableName: tableName, Key: key(notebookKey(name)), ConsistentRead: true }),
        ),
      );
      const before = out.Item?.queued;
      const queued = merge(parsed(before));
      const written = await conditionalWrite(notebookKey(name), () =>
        dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(notebookKey(name)),
            UpdateExpression: 'SET queued = :queued',
            ConditionExpression: before ? 'queued = :before' : 'attribute_not_exists(queued)',
            ExpressionAttributeValues: { ':queued': json(queued), ...(before ? { ':before': before } : {}) },
          }),
        ),
      );
      if (written !== undefined) return queued;
    }
    throw new TransientAwsError(`the queue of ${name} kept changing while caretaker wrote to it`, {
      resource: notebookKey(name),
    });
  },
);

/**
 * Takes queued work off a notebook's page once a window carried it out; a queue that changed since (a new
 * finding) stays, for the next window.
 */
export const clearQueue = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, name: string, carriedOut: unknown): Promise<boolean> => {
    const written = await conditionalWrite(notebookKey(name), () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(notebookKey(name)),
          UpdateExpression: 'REMOVE queued',
          ConditionExpression: 'queued = :done',
          ExpressionAttributeValues: { ':done': json(carriedOut) },
        }),
      ),
    );
    return written !== undefined;
  },
);
