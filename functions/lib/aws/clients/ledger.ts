import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lambdaClient } from '../config.ts';
import type { LedgerClients } from '../ledger/client.ts';
import { readEnvironment } from '../../env.ts';

/** The ledger's client and table, built once per container and handed to the gateway functions. */
export const ledger: LedgerClients = {
  dynamodb: lambdaClient(DynamoDBClient),
  tableName: readEnvironment().ledgerTableName,
};
