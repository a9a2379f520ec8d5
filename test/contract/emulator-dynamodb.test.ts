import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sandbox/emulator/index.ts';
import { parseFleet } from '../../sandbox/fleet.ts';

const TABLE = 'caretaker-ledger';
const KEY = { pk: { S: 'window#r-1' } };
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };

let opened: { emulator: Emulator; client: DynamoDBClient } | undefined;

afterEach(async () => {
  opened?.client.destroy();
  await opened?.emulator.close();
  opened = undefined;
});

async function ledger() {
  const emulator = await startEmulator(parseFleet('{}', 'empty.yml'));
  const client = new DynamoDBClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  opened = { emulator, client };
  const update = (input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>) =>
    client.send(new UpdateItemCommand({ TableName: TABLE, Key: KEY, ...input }));
  const open = () =>
    client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...KEY, admitted: { N: '0' }, failures: { N: '0' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  const admit = (tolerated: number) =>
    update({
      UpdateExpression: 'SET admitted = if_not_exists(admitted, :zero) + :one',
      ConditionExpression: 'attribute_not_exists(failures) OR failures <= :tolerated',
      ExpressionAttributeValues: {
        ':zero': { N: '0' },
        ':one': { N: '1' },
        ':tolerated': { N: String(tolerated) },
      },
      ReturnValues: 'ALL_NEW',
    });
  const fail = () =>
    update({ UpdateExpression: 'ADD failures :one', ExpressionAttributeValues: { ':one': { N: '1' } } });
  return { emulator, client, update, open, admit, fail };
}

describe('the DynamoDB subset, through the real client', () => {
  it('creates the ledger item once: a second conditional put fails with ConditionalCheckFailedException', async () => {
    // Prepare
    const { open, emulator } = await ledger();

    // Act
    await open();
    const second = await open().catch((e: Error) => e);

    // Assess
    expect(second).toBeInstanceOf(ConditionalCheckFailedException);
    expect(emulator.ledger.get(TABLE, KEY)).toEqual({ ...KEY, admitted: { N: '0' }, failures: { N: '0' } });
  });

  it('admits while failures stay within the tolerance and refuses once they exceed it', async () => {
    // Prepare
    const { open, admit, fail, client } = await ledger();
    await open();

    // Act
    const first = await admit(1);
    await fail();
    await fail();
    const refused = await admit(1).catch((e: Error) => e);
    const item = await client.send(new GetItemCommand({ TableName: TABLE, Key: KEY }));

    // Assess
    expect(first.Attributes).toMatchObject({ admitted: { N: '1' }, failures: { N: '0' } });
    expect(refused).toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(item.Item).toMatchObject({ admitted: { N: '1' }, failures: { N: '2' } });
  });

  it('upserts with if_not_exists and ADD on an item that does not exist yet, returning UPDATED_NEW', async () => {
    // Prepare
    const { update } = await ledger();

    // Act
    const out = await update({
      UpdateExpression: 'SET #a = if_not_exists(#a, :zero) + :one, note = :note ADD failures :one',
      ExpressionAttributeNames: { '#a': 'admitted' },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':note': { S: 'first' } },
      ReturnValues: 'UPDATED_NEW',
    });

    // Assess
    expect(out.Attributes).toEqual({ admitted: { N: '1' }, note: { S: 'first' }, failures: { N: '1' } });
  });

  it('evaluates comparisons, AND, OR and parentheses', async () => {
    // Prepare
    const { open, update, emulator } = await ledger();
    await open();
    const tryIf = (condition: string, values: Record<string, { N: string }>) =>
      update({
        UpdateExpression: 'ADD admitted :one',
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':one': { N: '1' }, ...values },
      }).then(
        () => true,
        (e: Error) => (e.name === 'ConditionalCheckFailedException' ? false : Promise.reject(e)),
      );

    // Act
    const outcomes = [
      await tryIf('failures = :z AND (admitted < :one OR admitted >= :ten)', {
        ':z': { N: '0' },
        ':ten': { N: '10' },
      }),
      await tryIf('failures <> :z', { ':z': { N: '0' } }),
      await tryIf('(admitted > :z) AND attribute_exists(failures)', { ':z': { N: '0' } }),
      await tryIf('admitted <= :z OR attribute_not_exists(pk)', { ':z': { N: '0' } }),
    ];

    // Assess
    expect(outcomes).toEqual([true, false, true, false]);
    expect(emulator.ledger.get(TABLE, KEY)?.admitted).toEqual({ N: '2' });
  });

  it.each([
    ['REMOVE', { UpdateExpression: 'REMOVE failures' }, /REMOVE/],
    [
      'a nested path',
      { UpdateExpression: 'SET a.b = :one', ExpressionAttributeValues: { ':one': { N: '1' } } },
      /\.b/,
    ],
    [
      'an unsupported function',
      {
        UpdateExpression: 'SET a = :one',
        ConditionExpression: 'begins_with(a, :one)',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
      /begins_with/,
    ],
    ['an undefined value', { UpdateExpression: 'SET a = :nope' }, /:nope/],
    [
      'an unused value',
      {
        UpdateExpression: 'SET a = :one',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':two': { N: '2' } },
      },
      /:two/,
    ],
    [
      'ReturnValues ALL_OLD',
      {
        UpdateExpression: 'ADD a :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_OLD' as const,
      },
      /ALL_OLD/,
    ],
    [
      'updating the key',
      { UpdateExpression: 'SET pk = :s', ExpressionAttributeValues: { ':s': { S: 'x' } } },
      /pk/,
    ],
  ])('refuses %s with a ValidationException naming it', async (_what, input, message) => {
    // Prepare
    const { update, emulator } = await ledger();

    // Act
    const error = await update(input as Omit<UpdateItemCommandInput, 'TableName' | 'Key'>).catch(
      (e: Error) => e,
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect((error as Error).message).toMatch(message);
    expect(emulator.ledger.items(TABLE)).toEqual([]);
  });

  it('leaves the item unchanged when an update fails half-way', async () => {
    // Prepare
    const { open, update, emulator } = await ledger();
    await open();

    // Act
    const error = await update({
      UpdateExpression: 'SET admitted = admitted + :one, failures = note + :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    }).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(emulator.ledger.get(TABLE, KEY)?.admitted).toEqual({ N: '0' });
  });
});
