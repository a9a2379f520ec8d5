import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { clientConfig } from '../config.ts';
import { readEnvironment } from '../../env.ts';
import { tracer } from '../../observability.ts';

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const sagemaker = tracer.captureAWSv3Client(new SageMakerClient(clientConfig(readEnvironment())));
