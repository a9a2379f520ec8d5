import {
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { callAws } from '../errors.ts';
import { needs } from '../../iam.ts';
import { conditionalWrite, type LedgerClients } from './client.ts';

/**
 * The endpoint's page in the caretaker ledger (DynamoDB, item `endpoint#<name>`): the workflow's memory
 * that outlives one step or one execution.
 *
 * - `holder`: the request that holds the endpoint from before its UpdateEndpoint until its final state is
 *   verified, the bake included. Taken with a conditional write, so two requests can never both hold it (one
 *   deployment per endpoint at a time, and no second deployment under a running bake, when the endpoint
 *   looks InService). With it, the open deployment's `target` and `rollbackTarget`: pruning on ANY
 *   endpoint reads them, so no open deployment's rollback target is ever deleted.
 * - `alarmEvent`/`alarmFor`: the first caretaker alarm that went to ALARM for the endpoint during the
 *   holder's deployment, as CloudWatch's state change event carried it (reason, values, time), written by
 *   the `alarm-fired` function and read by the bake and the deployment's verdict.
 * - `configs`: the configurations caretaker deployed to this endpoint and when, so pruning only ever
 *   considers configurations caretaker itself deployed here.
 *
 * And one item per request (`endpoint-update#<requestId>`): what its Finalize was asked to conclude, written
 * before Finalize changes anything, so that the status-change rule can conclude the same if Finalize fails.
 */

/** An alarm's breach as the `CloudWatch Alarm State Change` event carried it. */
export interface RecordedAlarm {
  name: string;
  state: string;
  stateReason?: string;
  values?: number[];
  threshold?: number;
  at: string;
}

export interface EndpointLedgerRecord {
  holder?: string;
  heldSince?: string;
  heldUntil?: number;
  /** The holder's execution has concluded; the hold only waits for the endpoint to settle (extendHold). */
  kept?: true;
  /** The configuration the holder deploys, and the one it rolls back to. */
  target?: string;
  rollbackTarget?: string;
  /** The first breach recorded during the holder's deployment. */
  alarm?: RecordedAlarm;
  configs: Record<string, string>;
}

const FREE = '';
const key = (endpointName: string) => ({ pk: { S: `endpoint#${endpointName}` } });

function toRecord(item: Record<string, AttributeValue> | undefined): EndpointLedgerRecord {
  const configs = Object.fromEntries(
    Object.entries(item?.configs?.M ?? {}).map(([name, value]) => [name, value.S ?? '']),
  );
  const holder = item?.holder?.S;
  const alarm = holder && item?.alarmFor?.S === holder ? parseAlarm(item.alarmEvent?.S) : undefined;
  return {
    ...(holder ? { holder } : {}),
    ...(holder && item?.heldSince?.S ? { heldSince: item.heldSince.S } : {}),
    ...(holder && item?.heldUntil?.N ? { heldUntil: Number(item.heldUntil.N) } : {}),
    ...(holder && item?.kept?.BOOL ? { kept: true as const } : {}),
    ...(holder && item?.target?.S ? { target: item.target.S } : {}),
    ...(holder && item?.rollbackTarget?.S ? { rollbackTarget: item.rollbackTarget.S } : {}),
    ...(alarm ? { alarm } : {}),
    configs,
  };
}

function parseAlarm(text: string | undefined): RecordedAlarm | undefined {
  if (!text) return undefined;
  try {
    const alarm = JSON.parse(text) as RecordedAlarm;
    return typeof alarm.name === 'string' && typeof alarm.at === 'string' ? alarm : undefined;
  } catch {
    // Written by caretaker only; an unreadable note is no breach to act on, and the alarms are polled anyway.
    return undefined;
  }
}

const configsValue = (configs: Record<string, string>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(configs).map(([name, at]) => [name, { S: at }])),
});

export const readEndpointRecord = /* @__PURE__ */ needs(
  'dynamodb:GetItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, endpointName: string): Promise<EndpointLedgerRecord> => {
    const out = await callAws(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: key(endpointName), ConsistentRead: true }),
      ),
    );
    return toRecord(out.Item);
  },
);

export type HoldResult =
  | { held: true; record: EndpointLedgerRecord }
  | { held: false; holder: string; since: string | undefined; kept: boolean };

export interface HoldRequest {
  requestId: string;
  /** When the request was checked (preflight): the same on every retry, so the hold reads the same. */
  since: string;
  nowMs: number;
  untilMs: number;
  target: string;
  rollbackTarget: string;
  /** Take over the kept hold of this request: the caller saw the endpoint settled since. */
  overKeptHoldOf?: string;
}

/**
 * Takes the endpoint for `requestId` unless another request holds it and its hold has not expired (an
 * execution that ended without finalizing cannot block the endpoint for longer than `untilMs`), or is the
 * kept hold `overKeptHoldOf` names, and records the deployment's target and rollback target with it in the
 * same write. Taking it again is a no-op.
 */
export const holdEndpoint = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    endpointName: string,
    hold: HoldRequest,
  ): Promise<HoldResult> => {
    const out = await conditionalWrite(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(endpointName),
          UpdateExpression:
            'SET holder = :me, heldSince = :since, heldUntil = :until, target = :target, rollbackTarget = :rollback REMOVE kept',
          ConditionExpression: `attribute_not_exists(holder) OR holder = :free OR holder = :me OR heldUntil < :now${
            hold.overKeptHoldOf ? ' OR (holder = :kept AND kept = :yes)' : ''
          }`,
          ExpressionAttributeValues: {
            ...(hold.overKeptHoldOf ? { ':kept': { S: hold.overKeptHoldOf }, ':yes': { BOOL: true } } : {}),
            ':me': { S: hold.requestId },
            ':free': { S: FREE },
            ':since': { S: hold.since },
            ':until': { N: String(hold.untilMs) },
            ':now': { N: String(hold.nowMs) },
            ':target': { S: hold.target },
            ':rollback': { S: hold.rollbackTarget },
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (out) return { held: true, record: toRecord(out.Attributes) };
    const record = await readEndpointRecord({ dynamodb, tableName }, endpointName);
    return {
      held: false,
      holder: record.holder ?? 'another request',
      since: record.heldSince,
      kept: record.kept === true,
    };
  },
);

/**
 * Gives the endpoint back, and writes its configuration history when given. A no-op when `requestId` does
 * not hold it (a refused start, a repeated Finalize).
 */
export const releaseEndpoint = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  (ledger: LedgerClients, endpointName: string, requestId: string, configs?: Record<string, string>) =>
    updateAsHolder(
      ledger,
      endpointName,
      requestId,
      `holder = :free, heldUntil = :zero${configs ? ', configs = :configs' : ''}`,
      {
        ':free': { S: FREE },
        ':zero': { N: '0' },
        ...(configs ? { ':configs': configsValue(configs) } : {}),
      },
    ),
);

/** Records the configurations the endpoint has run, while `requestId` holds it (a no-op otherwise). */
export const recordEndpointConfigs = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (ledger: LedgerClients, endpointName: string, requestId: string, configs: Record<string, string>) => {
    await updateAsHolder(ledger, endpointName, requestId, 'configs = :configs', {
      ':configs': configsValue(configs),
    });
  },
);

/**
 * Notes a caretaker alarm's breach for the endpoint, as its state change event carried it, if a caretaker
 * deployment holds the endpoint and no breach was noted for that deployment yet (the first breach is the
 * one that explains a rollback); `false` when nothing was written.
 */
export const recordEndpointAlarm = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    endpointName: string,
    alarm: RecordedAlarm,
  ): Promise<boolean> => {
    const written = await conditionalWrite(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(endpointName),
          UpdateExpression: 'SET alarmEvent = :alarm, alarmFor = holder',
          ConditionExpression:
            'attribute_exists(holder) AND holder <> :free AND (attribute_not_exists(alarmFor) OR alarmFor <> holder)',
          ExpressionAttributeValues: { ':alarm': { S: JSON.stringify(alarm) }, ':free': { S: FREE } },
        }),
      ),
    );
    return written !== undefined;
  },
);

/** Kept as long as the notebook windows' records: a status-change rule acts within minutes, a person within days. */
const VERDICT_RETENTION_SECONDS = 30 * 24 * 3600;
const verdictKey = (requestId: string) => ({ pk: { S: `endpoint-update#${requestId}` } });

/** Records what Finalize concludes for a request (any JSON value); writing it again replaces it. */
export const recordVerdict = /* @__PURE__ */ needs(
  'dynamodb:PutItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    requestId: string,
    verdict: unknown,
    nowMs: number,
  ): Promise<void> => {
    await callAws(`endpoint-update#${requestId}`, () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...verdictKey(requestId),
            verdict: { S: JSON.stringify(verdict) },
            expiresAt: { N: String(Math.floor(nowMs / 1000) + VERDICT_RETENTION_SECONDS) },
          },
        }),
      ),
    );
  },
);

/** What Finalize was asked to conclude for a request; `undefined` when it never got that far. */
export const readVerdict = /* @__PURE__ */ needs(
  'dynamodb:GetItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, requestId: string): Promise<unknown> => {
    const out = await callAws(`endpoint-update#${requestId}`, () =>
      dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: verdictKey(requestId), ConsistentRead: true }),
      ),
    );
    const text = out.Item?.verdict?.S;
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  },
);

/**
 * Keeps the endpoint held by `requestId` until `untilMs`, for an endpoint still moving when its execution
 * concludes: no other deployment starts, and pruning anywhere spares its target and rollback target, until
 * SageMaker is done with it. The hold is marked kept: the next request that sees the endpoint settled takes
 * it over (holdEndpoint's `overKeptHoldOf`). `false` when `requestId` does not hold it.
 */
export const extendHold = /* @__PURE__ */ needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  (ledger: LedgerClients, endpointName: string, requestId: string, untilMs: number) =>
    updateAsHolder(ledger, endpointName, requestId, 'heldUntil = :until, kept = :yes', {
      ':until': { N: String(untilMs) },
      ':yes': { BOOL: true },
    }),
);

/** SETs `assignments` on the endpoint's item if `requestId` holds it; `false` when it does not. */
async function updateAsHolder(
  { dynamodb, tableName }: LedgerClients,
  endpointName: string,
  requestId: string,
  assignments: string,
  values: Record<string, AttributeValue>,
): Promise<boolean> {
  const written = await conditionalWrite(`endpoint#${endpointName}`, () =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(endpointName),
        UpdateExpression: `SET ${assignments}`,
        ConditionExpression: 'holder = :me',
        ExpressionAttributeValues: { ...values, ':me': { S: requestId } },
      }),
    ),
  );
  return written !== undefined;
}
