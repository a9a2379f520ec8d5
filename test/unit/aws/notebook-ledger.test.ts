import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBServiceException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { conditionFailed, mockedLedger } from '../../support/ledger-mock.ts';
import * as ledger from '#lib/aws/ledger/notebooks';
import { TransientAwsError } from '#lib/errors';

const { ddb, clients } = mockedLedger();
const T0 = Date.parse('2026-11-23T02:00:00Z');

const cancelled = (...codes: string[]) =>
  Object.assign(
    new DynamoDBServiceException({
      name: 'TransactionCanceledException',
      message: 'Transaction cancelled',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    }),
    { CancellationReasons: codes.map((Code) => ({ Code })) },
  );

beforeEach(() => ddb.reset());

describe('the notebook ledger', () => {
  const admission = {
    requestId: 'w1',
    name: 'nb-1',
    state: { phase: 'stopping' },
    leaseUntil: T0 + 1,
    nowMs: T0,
  };

  it('admits a running notebook in one transaction: the budget, a slot of its scope and the lease', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const result = await ledger.admitNotebook(clients, {
      ...admission,
      slot: { scope: 'group:weekly', max: 5 },
    });
    expect(result).toEqual({ admitted: true });
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Update?.Key?.pk?.S)).toEqual([
      'window#w1',
      'slots#group:weekly',
      'notebook#nb-1',
    ]);
    expect(items[0]!.Update!.ConditionExpression).toBe('attribute_exists(pk) AND failures <= tolerated');
    expect(items[1]!.Update!.ExpressionAttributeValues![':max']).toEqual({ N: '5' });
    expect(items[2]!.Update!.ConditionExpression).toMatch(
      /attribute_not_exists\(#owner\) OR #owner = :me OR leaseUntil < :now/,
    );
    expect(JSON.parse(items[2]!.Update!.ExpressionAttributeValues![':state']!.S!)).toEqual({
      phase: 'stopping',
    });
  });

  it('takes no slot for a notebook that is not running', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await ledger.admitNotebook(clients, admission);
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Update?.Key?.pk?.S)).toEqual(['window#w1', 'notebook#nb-1']);
  });

  it.each([
    [['ConditionalCheckFailed', 'None', 'None'], 'budget'],
    [['None', 'ConditionalCheckFailed', 'None'], 'slot'],
    [['None', 'None', 'ConditionalCheckFailed'], 'lease'],
  ])('says which guard refused an admission (%j → %s)', async (codes, why) => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled(...codes));
    const result = await ledger.admitNotebook(clients, { ...admission, slot: { scope: 's', max: 1 } });
    expect(result).toEqual({ admitted: false, why });
  });

  it('lets a throttled or conflicting transaction fail as transient, to be retried', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('TransactionConflict', 'None'));
    await expect(ledger.admitNotebook(clients, admission)).rejects.toThrow(TransientAwsError);
  });

  it('finishes a cycle once: a repeated finish meets the written result and changes nothing', async () => {
    ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None'));
    const end = {
      requestId: 'w1',
      name: 'nb-1',
      result: { name: 'nb-1', outcome: 'patched' },
      failed: false,
      releaseSlot: 'group:weekly',
      lease: { lastCycle: { requestId: 'w1', outcome: 'patched', restartedAt: T0 } },
      nowMs: T0,
    };
    expect(await ledger.finishNotebook(clients, end)).toBe('already');
    ddb.on(TransactWriteItemsCommand).resolves({});
    expect(await ledger.finishNotebook(clients, end)).toBe('finished');
    const items = ddb.commandCalls(TransactWriteItemsCommand)[1]!.args[0].input.TransactItems!;
    expect(items[0]!.Put!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(items[1]!.Update!.Key!.pk!.S).toBe('slots#group:weekly');
    expect(items[2]!.Update!.UpdateExpression).toMatch(
      /REMOVE #owner, leaseUntil, #state, leftDown SET lastCycle/,
    );
  });

  it('keeps the slot of a notebook left down with its result, and marks the notebook left down', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await ledger.finishNotebook(clients, {
      requestId: 'w1',
      name: 'nb-1',
      result: { name: 'nb-1', outcome: 'needs-attention' },
      failed: true,
      holdsSlot: 'group:weekly',
      lease: { lastCycle: { requestId: 'w1', outcome: 'needs-attention' }, leftDown: { status: 'Stopped' } },
      nowMs: T0,
    });
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Put!.Item!.holdsSlot).toEqual({ S: 'group:weekly' });
    expect(items[1]!.Update!.UpdateExpression).toBe('ADD failures :one');
    expect(items[2]!.Update!.UpdateExpression).toMatch(/SET lastCycle = :last, leftDown = :down/);
  });

  it('reports a lost lease when another window owns the notebook by the time the cycle ends', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    const end = {
      requestId: 'w1',
      name: 'nb-1',
      result: {},
      failed: false,
      lease: { lastCycle: {} },
      nowMs: T0,
    };
    expect(await ledger.finishNotebook(clients, end)).toBe('lease-lost');
  });

  it('writes the owner’s intent only while it owns the notebook', async () => {
    ddb.on(UpdateItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    expect(await ledger.writeNotebookState(clients, 'nb-1', 'w1', { phase: 'starting' })).toBe(true);
    expect(await ledger.writeNotebookState(clients, 'nb-1', 'w1', { phase: 'starting' })).toBe(false);
  });

  it('reads results 100 to a request and asks again for keys DynamoDB left unprocessed', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `nb-${i}`);
    ddb
      .on(BatchGetItemCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: Array<{ pk: { S: string } }> }> }) => {
        const keys = input.RequestItems.ledger!.Keys;
        // The first answer leaves its last key unprocessed.
        const first = ddb.commandCalls(BatchGetItemCommand).length === 1;
        const served = first ? keys.slice(0, -1) : keys;
        return {
          Responses: {
            ledger: served.map((k) => ({ pk: k.pk, result: { S: JSON.stringify({ name: k.pk.S }) } })),
          },
          ...(first ? { UnprocessedKeys: { ledger: { Keys: keys.slice(-1) } } } : {}),
        };
      });
    const results = await ledger.readResults(clients, 'w1', names);
    expect(results.size).toBe(150);
    expect(
      ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems!.ledger!.Keys!.length),
    ).toEqual([100, 1, 50]);
  });

  it('writes the plan in batches of 25 and rewrites what DynamoDB left unprocessed', async () => {
    let calls = 0;
    ddb.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      calls++;
      const requests = input.RequestItems.ledger!;
      return calls === 1 ? { UnprocessedItems: { ledger: requests.slice(0, 2) } } : {};
    });
    await ledger.putWindowItems(
      clients,
      'w1',
      [['a', 'b'], ['c']],
      Array.from({ length: 30 }, (_, i) => ({ name: `s${i}` })),
      T0,
    );
    // 2 rounds + the skipped names + 30 skipped results = 33 items: 25, then 2 again, then 8.
    expect(
      ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.ledger!.length),
    ).toEqual([25, 2, 8]);
  });
});
