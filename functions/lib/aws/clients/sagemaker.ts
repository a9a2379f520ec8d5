import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { lambdaClient } from '../config.ts';

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const sagemaker = lambdaClient(SageMakerClient);
