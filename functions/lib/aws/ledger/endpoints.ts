import { GetItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { callAws } from '../errors.ts';
import { needs } from '../../iam.ts';
import { conditionalWrite, type LedgerClients } from './client.ts';

/**
 * The endpoint's page in the caretaker ledger (DynamoDB, item `endpoint#<name>`): the workflow's memory
 * that outlives one step or one execution.
 *
 * - `holder`: the request that holds the endpoint from its UpdateEndpoint to its Finalize, the bake
 *   included. Taken with a conditional write, so two requests can never both hold it (one deployment per
 *   endpoint at a time, and no second deployment under a running bake, when the endpoint looks InService).
 * - `alarm`/`alarmAt`: the last caretaker alarm that went to ALARM for the endpoint, written by the
 *   `alarm-fired` function from CloudWatch's state change event and read by the bake.
 * - `configs`: the configurations this endpoint has run and when they went live, so pruning only ever
 *   considers this endpoint's own.
 */

export interface EndpointLedgerRecord {
  holder?: string;
  heldSince?: string;
  heldUntil?: number;
  alarm?: { name: string; at: string };
  configs: Record<string, string>;
}

const FREE = '';
const key = (endpointName: string) => ({ pk: { S: `endpoint#${endpointName}` } });

function toRecord(item: Record<string, AttributeValue> | undefined): EndpointLedgerRecord {
  const configs = Object.fromEntries(
    Object.entries(item?.configs?.M ?? {}).map(([name, value]) => [name, value.S ?? '']),
  );
  const holder = item?.holder?.S;
  return {
    ...(holder ? { holder } : {}),
    ...(holder && item?.heldSince?.S ? { heldSince: item.heldSince.S } : {}),
    ...(holder && item?.heldUntil?.N ? { heldUntil: Number(item.heldUntil.N) } : {}),
    ...(item?.alarm?.S && item.alarmAt?.S ? { alarm: { name: item.alarm.S, at: item.alarmAt.S } } : {}),
    configs,
  };
}

const configsValue = (configs: Record<string, string>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(configs).map(([name, at]) => [name, { S: at }])),
});

export const readEndpointRecord = needs(
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
  | { held: false; holder: string; since: string | undefined };

/**
 * Takes the endpoint for `requestId` unless another request holds it and its hold has not expired (an
 * execution that ended without finalizing cannot block the endpoint for longer than `untilMs`).
 */
export const holdEndpoint = needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    endpointName: string,
    requestId: string,
    nowMs: number,
    untilMs: number,
  ): Promise<HoldResult> => {
    const out = await conditionalWrite(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(endpointName),
          UpdateExpression: 'SET holder = :me, heldSince = :since, heldUntil = :until',
          ConditionExpression:
            'attribute_not_exists(holder) OR holder = :free OR holder = :me OR heldUntil < :now',
          ExpressionAttributeValues: {
            ':me': { S: requestId },
            ':free': { S: FREE },
            ':since': { S: new Date(nowMs).toISOString() },
            ':until': { N: String(untilMs) },
            ':now': { N: String(nowMs) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (out) return { held: true, record: toRecord(out.Attributes) };
    const record = await readEndpointRecord({ dynamodb, tableName }, endpointName);
    return { held: false, holder: record.holder ?? 'another request', since: record.heldSince };
  },
);

/**
 * Gives the endpoint back, and writes its configuration history when given. A no-op when `requestId` does
 * not hold it (a refused start, a repeated Finalize).
 */
export const releaseEndpoint = needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    endpointName: string,
    requestId: string,
    configs?: Record<string, string>,
  ): Promise<boolean> => {
    const written = await conditionalWrite(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(endpointName),
          UpdateExpression: `SET holder = :free, heldUntil = :zero${configs ? ', configs = :configs' : ''}`,
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: {
            ':free': { S: FREE },
            ':zero': { N: '0' },
            ':me': { S: requestId },
            ...(configs ? { ':configs': configsValue(configs) } : {}),
          },
        }),
      ),
    );
    return written !== undefined;
  },
);

/** Records the configurations the endpoint has run, while `requestId` holds it. */
export const recordEndpointConfigs = needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    endpointName: string,
    requestId: string,
    configs: Record<string, string>,
  ): Promise<void> => {
    await callAws(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(endpointName),
          UpdateExpression: 'SET configs = :configs',
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':configs': configsValue(configs), ':me': { S: requestId } },
        }),
      ),
    );
  },
);

/**
 * Notes that a caretaker alarm for the endpoint went to ALARM at `at`, if a caretaker deployment holds the
 * endpoint; `false` when none does (nothing to roll back, nothing written).
 */
export const recordEndpointAlarm = needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async (
    { dynamodb, tableName }: LedgerClients,
    endpointName: string,
    alarmName: string,
    at: string,
  ): Promise<boolean> => {
    const written = await conditionalWrite(`endpoint#${endpointName}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(endpointName),
          UpdateExpression: 'SET alarm = :alarm, alarmAt = :at',
          ConditionExpression: 'attribute_exists(holder) AND holder <> :free',
          ExpressionAttributeValues: { ':alarm': { S: alarmName }, ':at': { S: at }, ':free': { S: FREE } },
        }),
      ),
    );
    return written !== undefined;
  },
);
