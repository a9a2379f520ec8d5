/**
 * Where a trigger function runs: the account and region of its own ARN (Lambda's context carries it). A
 * finding or evaluation about any other account or region is not this deployment's to act on.
 */
import { ValidationError } from '../errors.ts';

export interface Home {
  partition: string;
  region: string;
  account: string;
}

const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:/;

/**
 * @example homeOf({ invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:caretaker-dev-triggersFromFinding' })
 *   // → { partition: 'aws', region: 'us-east-1', account: '123456789012' }
 */
export function homeOf(context: { invokedFunctionArn: string }): Home {
  const match = FUNCTION_ARN.exec(context.invokedFunctionArn);
  if (!match) {
    throw new ValidationError([
      {
        field: 'context.invokedFunctionArn',
        message: `got ${JSON.stringify(context.invokedFunctionArn)}, expected a Lambda function ARN`,
      },
    ]);
  }
  const [, partition, region, account] = match as unknown as [string, string, string, string];
  return { partition, region, account };
}
