import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { callAws } from '../errors.ts';
import { needs } from '../../iam.ts';
import { conditionalWrite, type LedgerClients } from './client.ts';

/**
 * The window ledger (DynamoDB): a patch window's error budget, shared by its notebook cycles.
 *
 * Why not the distributed Map's ToleratedFailureCount: when that threshold is crossed, Step Functions fails
 * the Map Run and ABORTS the child executions still running — a notebook caught between Stop and Start
 * would be left down with nobody to report it. Instead every cycle asks the ledger for admission before
 * its first change, and a cycle that ends badly records a failure; once failures exceed the tolerance no new
 * notebook is admitted while the ones in flight finish cleanly.
 */
const key = (requestId: string) => ({ pk: { S: `window#${requestId}` } });
const RETENTION_SECONDS = 30 * 24 * 3600;

/** Creates the window's record; a redriven execution keeps the counts it already has. */
export const openWindow = needs(
  'dynamodb:PutItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, requestId: string, nowMs: number): Promise<void> => {
    await conditionalWrite(`window#${requestId}`, () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...key(requestId),
            failures: { N: '0' },
            admitted: { N: '0' },
            expiresAt: { N: String(Math.floor(nowMs / 1000) + RETENTION_SECONDS) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },
);

/** Admits one more notebook unless the failures so far exceed `tolerated`. */
export const admitNotebook = needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, requestId: string, tolerated: number): Promise<boolean> => {
    const written = await conditionalWrite(`window#${requestId}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(requestId),
          UpdateExpression: 'SET admitted = if_not_exists(admitted, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(failures) OR failures <= :tolerated',
          ExpressionAttributeValues: {
            ':zero': { N: '0' },
            ':one': { N: '1' },
            ':tolerated': { N: String(tolerated) },
          },
        }),
      ),
    );
    return written !== undefined;
  },
);

export const recordFailure = needs(
  'dynamodb:UpdateItem',
  'ledger-table',
  async ({ dynamodb, tableName }: LedgerClients, requestId: string): Promise<void> => {
    await callAws(`window#${requestId}`, () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(requestId),
          UpdateExpression: 'ADD failures :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
    );
  },
);
