import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  paginateQuery,
  type AttributeValue,
  type UpdateItemCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { stackKeySchema } from '../../sandbox/emulator/dynamodb.ts';
import { startEmulator, type Emulator, type KeySchema } from '../../sandbox/emulator/index.ts';
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

/** The ledger as a partition + sort key table, as it may become (pk, sk). */
const WITH_SORT_KEY: Record<string, KeySchema> = {
  [TABLE]: { partition: { name: 'pk', type: 'S' }, sort: { name: 'sk', type: 'S' } },
};

async function ledger(tables?: Record<string, KeySchema>) {
  const emulator = await startEmulator(parseFleet('{}', 'empty.yml'), tables ? { tables } : {});
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

const S = (s: string): AttributeValue => ({ S: s });
/** A result item of a window: partition `window#r-1`, sort key `notebook#<name>`. */
const result = (name: string, outcome = 'patched') => ({
  pk: S('window#r-1'),
  sk: S(`notebook#${name}`),
  outcome: S(outcome),
});
const putAll = (items: Array<Record<string, AttributeValue>>): WriteRequest[] =>
  items.map((Item) => ({ PutRequest: { Item } }));

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
    [
      'DELETE (a set action)',
      { UpdateExpression: 'DELETE tags :t', ExpressionAttributeValues: { ':t': { SS: ['a'] } } },
      /DELETE/,
    ],
    [
      'a nested path',
      { UpdateExpression: 'SET a.b = :one', ExpressionAttributeValues: { ':one': { N: '1' } } },
      /\.b/,
    ],
    [
      'an unsupported function',
      {
        UpdateExpression: 'SET a = :one',
        ConditionExpression: 'contains(a, :one)',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
      /contains/,
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
      'ReturnValues outside its enum',
      {
        UpdateExpression: 'ADD a :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'EVERYTHING' as never,
      },
      /'EVERYTHING' at 'returnValues'.*\[NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW\]/,
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

describe('conditional writes and ReturnValues, as the DynamoDB API reference documents them', () => {
  it('returns the old or new item, or only the updated attributes, as ReturnValues asks', async () => {
    // Prepare
    const { client, update } = await ledger();
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...KEY, admitted: { N: '1' }, note: S('first') } }),
    );
    const change = (ReturnValues: UpdateItemCommandInput['ReturnValues']) =>
      update({
        UpdateExpression: 'ADD admitted :one REMOVE note',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues,
      }).then((out) => out.Attributes);

    // Act
    const allOld = await change('ALL_OLD');
    const updatedOld = await change('UPDATED_OLD');
    const allNew = await change('ALL_NEW');
    const updatedNew = await change('UPDATED_NEW');
    const none = await change('NONE');
    const replaced = await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...KEY, admitted: { N: '0' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const deleted = await client.send(
      new DeleteItemCommand({ TableName: TABLE, Key: KEY, ReturnValues: 'ALL_OLD' }),
    );

    // Assess: UpdateItem's ReturnValues (UPDATED_* hold only the attributes the update touched, as they were
    // before or are after it: a removed attribute has no new value); PutItem and DeleteItem ALL_OLD.
    expect(allOld).toEqual({ ...KEY, admitted: { N: '1' }, note: S('first') });
    expect(updatedOld).toEqual({ admitted: { N: '2' } });
    expect(allNew).toEqual({ ...KEY, admitted: { N: '4' } });
    expect(updatedNew).toEqual({ admitted: { N: '5' } });
    expect(none).toBeUndefined();
    expect(replaced.Attributes).toEqual({ ...KEY, admitted: { N: '6' } });
    expect(deleted.Attributes).toEqual({ ...KEY, admitted: { N: '0' } });
  });

  it('takes a lease naming the execution once, says who holds it when refused, and releases it only for its holder', async () => {
    // Prepare
    const { client, emulator } = await ledger();
    const lease = { pk: S('notebook#nb-1') };
    const take = (owner: string) =>
      client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: lease,
          UpdateExpression: 'SET #owner = :me',
          ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': S(owner) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    const release = (owner: string) =>
      client.send(
        new DeleteItemCommand({
          TableName: TABLE,
          Key: lease,
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': S(owner) },
        }),
      );

    // Act
    await take('arn:execution:a');
    await take('arn:execution:a');
    const refused = await take('arn:execution:b').catch((e: Error) => e);
    const wrongRelease = await release('arn:execution:b').catch((e: Error) => e);
    const held = emulator.ledger.get(TABLE, lease);
    await release('arn:execution:a');
    await take('arn:execution:b');

    // Assess: ReturnValuesOnConditionCheckFailure ALL_OLD puts the item in the exception (API reference,
    // UpdateItem); a DeleteItem's condition guards it like any write.
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((refused as ConditionalCheckFailedException).Item).toEqual({
      ...lease,
      owner: S('arn:execution:a'),
    });
    expect(wrongRelease).toBeInstanceOf(ConditionalCheckFailedException);
    expect((wrongRelease as ConditionalCheckFailedException).Item).toBeUndefined();
    expect(held?.owner).toEqual(S('arn:execution:a'));
    expect(emulator.ledger.get(TABLE, lease)?.owner).toEqual(S('arn:execution:b'));
  });

  it('reads its own writes with or without ConsistentRead (the emulator is always strongly consistent)', async () => {
    // Prepare
    const { client, open } = await ledger();
    await open();

    // Act
    const read = (ConsistentRead: boolean) =>
      client.send(new GetItemCommand({ TableName: TABLE, Key: KEY, ConsistentRead }));
    const consistent = await read(true);
    const eventual = await read(false);

    // Assess
    expect(consistent.Item).toEqual(eventual.Item);
    expect(consistent.Item?.admitted).toEqual({ N: '0' });
  });
});

describe('the stack’s key schema', () => {
  it('reads the ledger’s key schema from serverless.yml', () => {
    // Act
    const schema = stackKeySchema('LedgerTable');

    // Assess
    expect(schema.partition).toEqual({ name: 'pk', type: 'S' });
  });

  it('refuses keys the table does not have, and an unknown table, in DynamoDB’s words', async () => {
    // Prepare
    const { client } = await ledger({ [TABLE]: { partition: { name: 'pk', type: 'S' } } });
    const put = (Item: Record<string, AttributeValue>, TableName = TABLE) =>
      client.send(new PutItemCommand({ TableName, Item })).catch((e: Error) => e);

    // Act
    const missing = await put({ id: S('x') });
    const mistyped = await put({ pk: { N: '1' } });
    const empty = await put({ pk: S('') });
    const unknownTable = await put({ pk: S('x') }, 'caretaker-other');
    const extraKey = await client
      .send(new GetItemCommand({ TableName: TABLE, Key: { pk: S('x'), sk: S('y') } }))
      .catch((e: Error) => e);
    const sortCondition = await client
      .send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': S('x'), ':p': S('n') },
        }),
      )
      .catch((e: Error) => e);

    // Assess: the texts DynamoDB answers for each (ValidationException, ResourceNotFoundException).
    expect(missing).toMatchObject({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Missing the key pk in the item',
    });
    expect(mistyped).toMatchObject({
      message: 'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N',
    });
    expect((empty as Error).message).toMatch(/cannot contain an empty string value\. Key: pk/);
    expect(unknownTable).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found',
    });
    expect(extraKey).toMatchObject({ message: 'The provided key element does not match the schema' });
    expect(sortCondition).toMatchObject({ message: 'Query key condition not supported' });
  });

  it('keeps one item per partition key in a table without a sort key: an sk attribute is only an attribute', async () => {
    // Prepare
    const { client, emulator } = await ledger({ [TABLE]: { partition: { name: 'pk', type: 'S' } } });

    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: result('nb-1') }));
    await client.send(new PutItemCommand({ TableName: TABLE, Item: result('nb-2') }));

    // Assess
    expect(emulator.ledger.items(TABLE)).toEqual([result('nb-2')]);
  });
});

describe('Query by partition key, with a sort key condition and pagination', () => {
  const names = ['nb-05', 'nb-01', 'nb-04', 'nb-02', 'nb-03'];

  async function withResults() {
    const opened = await ledger(WITH_SORT_KEY);
    await opened.client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: putAll([
            ...names.map((n) => result(n)),
            { pk: S('window#r-1'), sk: S('lease') },
            { pk: S('window#r-2'), sk: S('notebook#nb-01') },
          ]),
        },
      }),
    );
    const query = (extra: Partial<ConstructorParameters<typeof QueryCommand>[0]> = {}) =>
      opened.client.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': S('window#r-1'), ':prefix': S('notebook#') },
          ...extra,
        }),
      );
    return { ...opened, query };
  }

  it('returns the partition’s items whose sort key begins with the prefix, in sort key order', async () => {
    // Prepare
    const { query } = await withResults();

    // Act
    const forward = await query();
    const backward = await query({ ScanIndexForward: false });

    // Assess
    const sortKeys = (out: { Items?: Array<Record<string, AttributeValue>> }) =>
      out.Items!.map((i) => i.sk!.S);
    expect(sortKeys(forward)).toEqual(
      ['nb-01', 'nb-02', 'nb-03', 'nb-04', 'nb-05'].map((n) => `notebook#${n}`),
    );
    expect(sortKeys(backward)).toEqual([...sortKeys(forward)].reverse());
    expect(forward).toMatchObject({ Count: 5, ScannedCount: 5 });
    expect(forward.LastEvaluatedKey).toBeUndefined();
  });

  it('pages with Limit and ExclusiveStartKey, and answers a LastEvaluatedKey even when nothing is left', async () => {
    // Prepare
    const { query, client } = await withResults();

    // Act
    const first = await query({ Limit: 2 });
    const second = await query({ Limit: 2, ExclusiveStartKey: first.LastEvaluatedKey });
    const third = await query({ Limit: 2, ExclusiveStartKey: second.LastEvaluatedKey });
    const exact = await query({ Limit: 5 });
    const afterExact = await query({ Limit: 5, ExclusiveStartKey: exact.LastEvaluatedKey });
    const all: string[] = [];
    for await (const page of paginateQuery(
      { client, pageSize: 2 },
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S('window#r-1') },
      },
    ))
      all.push(...page.Items!.map((i) => i.sk!.S!));

    // Assess: "If LastEvaluatedKey is not empty, it does not necessarily mean that there is more data in the
    // result set" (DynamoDB developer guide, "Paginating table query results").
    expect(first.LastEvaluatedKey).toEqual({ pk: S('window#r-1'), sk: S('notebook#nb-02') });
    expect(second.Items!.map((i) => i.sk!.S)).toEqual(['notebook#nb-03', 'notebook#nb-04']);
    expect(third.Items!.map((i) => i.sk!.S)).toEqual(['notebook#nb-05']);
    expect(third.LastEvaluatedKey).toBeUndefined();
    expect(exact.LastEvaluatedKey).toEqual({ pk: S('window#r-1'), sk: S('notebook#nb-05') });
    expect(afterExact).toMatchObject({ Items: [], Count: 0 });
    expect(afterExact.LastEvaluatedKey).toBeUndefined();
    expect(all).toEqual(['lease', ...names.map((n) => `notebook#${n}`).sort()]);
  });

  it('filters after reading: Limit counts the items read, Count the items that passed the filter', async () => {
    // Prepare
    const { client, query } = await withResults();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: result('nb-02', 'failed') }));

    // Act
    const page = await query({
      Limit: 3,
      FilterExpression: '#o = :failed',
      ExpressionAttributeNames: { '#o': 'outcome' },
      ExpressionAttributeValues: {
        ':pk': S('window#r-1'),
        ':prefix': S('notebook#'),
        ':failed': S('failed'),
      },
    });

    // Assess: the API reference's Query: "Count … after FilterExpression", "ScannedCount … before".
    expect(page).toMatchObject({ Count: 1, ScannedCount: 3, Items: [result('nb-02', 'failed')] });
    expect(page.LastEvaluatedKey).toEqual({ pk: S('window#r-1'), sk: S('notebook#nb-03') });
  });

  it.each([
    ['no partition key condition', 'begins_with(sk, :p)', 'Query condition missed key schema element: pk'],
    ['a partition key range', 'pk > :pk', 'Query key condition not supported'],
    ['a begins_with on the partition key', 'begins_with(pk, :pk)', 'Query key condition not supported'],
    ['a non-key attribute', 'pk = :pk AND outcome = :p', 'Query key condition not supported'],
  ])('refuses a key condition with %s', async (_what, KeyConditionExpression, message) => {
    // Prepare
    const { client } = await withResults();
    const values = {
      ...(KeyConditionExpression.includes(':pk') ? { ':pk': S('window#r-1') } : {}),
      ...(KeyConditionExpression.includes(':p)') || KeyConditionExpression.endsWith(':p')
        ? { ':p': S('n') }
        : {}),
    };

    // Act
    const error = await client
      .send(new QueryCommand({ TableName: TABLE, KeyConditionExpression, ExpressionAttributeValues: values }))
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', message });
  });

  it('refuses a starting key outside the query', async () => {
    // Prepare
    const { query } = await withResults();

    // Act
    const otherPartition = await query({
      ExclusiveStartKey: { pk: S('window#r-2'), sk: S('notebook#nb-01') },
    }).catch((e: Error) => e);
    const otherPrefix = await query({ ExclusiveStartKey: { pk: S('window#r-1'), sk: S('lease') } }).catch(
      (e: Error) => e,
    );

    // Assess: DynamoDB's texts, as dynalite (tested against DynamoDB) and DynamoDB Local answer them.
    expect(otherPartition).toMatchObject({
      message: 'The provided starting key is outside query boundaries based on provided conditions',
    });
    expect(otherPrefix).toMatchObject({
      message: 'The provided starting key does not match the range key predicate',
    });
  });
});

describe('BatchWriteItem', () => {
  it('puts and deletes up to 25 items in one call, with nothing left unprocessed', async () => {
    // Prepare
    const { client, emulator } = await ledger(WITH_SORT_KEY);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: result('old') }));
    const items = Array.from({ length: 24 }, (_, i) => result(`nb-${i}`));

    // Act
    const out = await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: [
            ...putAll(items),
            { DeleteRequest: { Key: { pk: S('window#r-1'), sk: S('notebook#old') } } },
          ],
        },
      }),
    );

    // Assess
    expect(out.UnprocessedItems).toEqual({});
    expect(emulator.ledger.items(TABLE)).toHaveLength(24);
  });

  it.each([
    [
      '26 requests',
      putAll(Array.from({ length: 26 }, (_, i) => result(`nb-${i}`))),
      'Too many items requested for the BatchWriteItem call',
    ],
    [
      'two writes of one item',
      [
        ...putAll([result('nb-1'), result('nb-2')]),
        { DeleteRequest: { Key: { pk: S('window#r-1'), sk: S('notebook#nb-1') } } },
      ],
      'Provided list of item keys contains duplicates',
    ],
    [
      'an item without its sort key',
      putAll([result('nb-1'), { pk: S('window#r-1') }]),
      'One or more parameter values were invalid: Missing the key sk in the item',
    ],
  ])('refuses the whole batch with %s, writing nothing', async (_what, requests, message) => {
    // Prepare
    const { client, emulator } = await ledger(WITH_SORT_KEY);

    // Act
    const error = await client
      .send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests as WriteRequest[] } }))
      .catch((e: Error) => e);

    // Assess: the API reference's BatchWriteItem lists these among the cases that reject the entire batch.
    expect(error).toMatchObject({ name: 'ValidationException', message });
    expect(emulator.ledger.items(TABLE)).toEqual([]);
  });
});

// TransactWriteItems and BatchGetItem, as the DynamoDB API reference describes them: a transaction is all or
// nothing (every condition first, a CancellationReasons entry per action, "None" for those that held), and a
// ClientRequestToken makes a repeat within 10 minutes a no-op; BatchGetItem takes up to 100 distinct keys.
describe('the ledger in transactions', () => {
  const pk = (value: string) => ({ pk: { S: value } });

  it('writes every action of a transaction whose conditions hold, comparing attributes with each other', async () => {
    // Prepare
    const { client } = await ledger();
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...pk('window#w'), failures: { N: '0' }, tolerated: { N: '1' } },
      }),
    );
    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: pk('window#w'),
              UpdateExpression: 'ADD admitted :one',
              ConditionExpression: 'attribute_exists(pk) AND failures <= tolerated',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          {
            Update: {
              TableName: TABLE,
              Key: pk('notebook#nb-1'),
              UpdateExpression: 'SET #owner = :me REMOVE leftDown',
              ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :me',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':me': { S: 'w' } },
            },
          },
        ],
      }),
    );
    // Assess
    const window = await client.send(new GetItemCommand({ TableName: TABLE, Key: pk('window#w') }));
    const notebook = await client.send(new GetItemCommand({ TableName: TABLE, Key: pk('notebook#nb-1') }));
    expect(window.Item?.admitted).toEqual({ N: '1' });
    expect(notebook.Item?.owner).toEqual({ S: 'w' });
  });

  it('cancels the whole transaction when one condition fails, with a reason per action, and writes nothing', async () => {
    // Prepare
    const { client } = await ledger();
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...pk('notebook#nb-1'), owner: { S: 'other' } } }),
    );
    // Act
    const error = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { ...pk('result#w#nb-1'), outcome: { S: 'patched' } } } },
            {
              Update: {
                TableName: TABLE,
                Key: pk('notebook#nb-1'),
                UpdateExpression: 'REMOVE #owner',
                ConditionExpression: '#owner = :me',
                ExpressionAttributeNames: { '#owner': 'owner' },
                ExpressionAttributeValues: { ':me': { S: 'w' } },
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => e as TransactionCanceledException);
    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    const result = await client.send(new GetItemCommand({ TableName: TABLE, Key: pk('result#w#nb-1') }));
    expect(result.Item).toBeUndefined();
  });

  it('does not apply a transaction twice for the same client request token, and refuses two actions on one item', async () => {
    // Prepare
    const { client } = await ledger();
    const add = (token: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: token,
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: pk('slots#g'),
              UpdateExpression: 'ADD down :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      });
    // Act
    await client.send(add('t-1'));
    await client.send(add('t-1'));
    await client.send(add('t-2'));
    const twice = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: pk('x') } },
            { Delete: { TableName: TABLE, Key: pk('x') } },
          ],
        }),
      )
      .catch((e: Error) => e);
    // Assess
    const slots = await client.send(new GetItemCommand({ TableName: TABLE, Key: pk('slots#g') }));
    expect(slots.Item?.down).toEqual({ N: '2' });
    expect((twice as Error).message).toMatch(/multiple operations on one item/);
  });

  it('reads up to 100 distinct keys in one BatchGetItem, leaving out the ones that do not exist', async () => {
    // Prepare
    const { client } = await ledger();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...pk('a'), v: { N: '1' } } }));
    // Act
    const out = await client.send(
      new BatchGetItemCommand({
        RequestItems: { [TABLE]: { Keys: [pk('a'), pk('b')], ConsistentRead: true } },
      }),
    );
    const tooMany = await client
      .send(
        new BatchGetItemCommand({
          RequestItems: { [TABLE]: { Keys: Array.from({ length: 101 }, (_, i) => pk(`k${i}`)) } },
        }),
      )
      .catch((e: Error) => e);
    // Assess
    expect(out.Responses?.[TABLE]).toEqual([{ ...pk('a'), v: { N: '1' } }]);
    expect((tooMany as Error).message).toMatch(/Too many items requested for the BatchGetItem call/);
  });
});
