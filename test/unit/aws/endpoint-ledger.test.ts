import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { conditionFailed, mockedLedger } from '../../support/ledger-mock.ts';
import { extendHold, readVerdict, recordVerdict } from '#lib/aws/ledger/endpoints';

const { ddb, clients } = mockedLedger();
const T0 = Date.parse('2026-11-23T02:00:00Z');

beforeEach(() => ddb.reset());

describe('the endpoint ledger: verdicts and holds', () => {
  it("keeps Finalize's verdict per request for 30 days, and reads it back as written", async () => {
    // Prepare
    const verdict = {
      state: { next: 'Finalize', outcome: 'succeeded', reason: 'ep-1 is InService on cfg-v2' },
    };
    ddb.on(PutItemCommand).resolves({});
    ddb.on(GetItemCommand).resolves({ Item: { verdict: { S: JSON.stringify(verdict) } } });

    // Act
    await recordVerdict(clients, 'update-1', verdict, T0);
    const read = await readVerdict(clients, 'update-1');

    // Assess
    expect(ddb.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'ledger',
      Item: {
        pk: { S: 'endpoint-update#update-1' },
        verdict: { S: JSON.stringify(verdict) },
        expiresAt: { N: String(T0 / 1000 + 30 * 24 * 3600) },
      },
    });
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: { S: 'endpoint-update#update-1' } },
      ConsistentRead: true,
    });
    expect(read).toEqual(verdict);
  });

  it('reads no verdict for a request whose Finalize never ran', async () => {
    ddb.on(GetItemCommand).resolves({});
    expect(await readVerdict(clients, 'update-2')).toBeUndefined();
  });

  it('extends the hold only for the request that holds the endpoint', async () => {
    // Prepare: the second write finds another holder.
    ddb.on(UpdateItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    // Act
    const mine = await extendHold(clients, 'ep-1', 'update-1', T0 + 3600_000);
    const theirs = await extendHold(clients, 'ep-1', 'update-1', T0 + 3600_000);

    // Assess
    expect([mine, theirs]).toEqual([true, false]);
    expect(ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: { S: 'endpoint#ep-1' } },
      UpdateExpression: 'SET heldUntil = :until, kept = :yes',
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: {
        ':until': { N: String(T0 + 3600_000) },
        ':yes': { BOOL: true },
        ':me': { S: 'update-1' },
      },
    });
  });
});
