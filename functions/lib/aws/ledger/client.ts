import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { translateAwsError } from '../errors.ts';

/**
 * The DynamoDB gateway: caretaker's ledger, one table, one item per thing that must outlive a step or an
 * execution (a window's error budget in `windows.ts`, an endpoint's hold and history in `endpoints.ts`).
 * A Lambda function's ledger clients: clients/ledger.ts.
 */
export interface LedgerClients {
  dynamodb: DynamoDBClient;
  tableName: string;
}

/** A write guarded by a condition: its output, or `undefined` when the condition did not hold. */
export async function conditionalWrite<T>(resource: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send();
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw translateAwsError(err, resource);
  }
}
