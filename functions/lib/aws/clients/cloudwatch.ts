import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { lambdaClient } from '../config.ts';

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const cloudwatch = lambdaClient(CloudWatchClient);
