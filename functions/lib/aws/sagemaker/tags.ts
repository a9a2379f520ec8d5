import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { orUndefined } from '../errors.ts';
import { needs } from '../../iam.ts';
import { listNotebookTags } from './notebooks.ts';

/**
 * The tags of an endpoint: SageMaker's one ListTags, declared for the endpoint resource it reads (IAM
 * authorizes ListTags on the resource named). An endpoint that does not exist has no tags.
 */
export const listEndpointTags = needs(
  'sagemaker:ListTags',
  'endpoint',
  async (client: SageMakerClient, arn: string): Promise<Record<string, string>> =>
    (await orUndefined(listNotebookTags(client, arn))) ?? {},
);
