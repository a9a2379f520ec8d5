import { SFNClient } from '@aws-sdk/client-sfn';
import { lambdaClient } from '../config.ts';

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const sfn = lambdaClient(SFNClient);
