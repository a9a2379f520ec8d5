import { DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

/** A ledger gateway's clients on a mocked DynamoDB client (one attempt per call), and the mock. */
export function mockedLedger(tableName = 'ledger') {
  const dynamodb = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1 });
  return { ddb: mockClient(dynamodb), clients: { dynamodb, tableName } };
}

/** What DynamoDB answers a conditional write whose condition does not hold. */
export const conditionFailed = () =>
  new DynamoDBServiceException({
    name: 'ConditionalCheckFailedException',
    message: 'The conditional request failed',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
