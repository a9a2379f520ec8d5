import { AddTagsCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { callAws, orUndefined } from '../errors.ts';
import { needs } from '../../iam.ts';
import { listNotebookTags } from './notebooks.ts';

/** A resource's tags by its ARN; a resource that does not exist has none. */
const tagsOf = async (client: SageMakerClient, arn: string): Promise<Record<string, string>> =>
  (await orUndefined(listNotebookTags(client, arn))) ?? {};

/**
 * The tags of an endpoint, and of an endpoint configuration: SageMaker's one ListTags, declared for the
 * resource each reads (IAM authorizes ListTags on the resource named).
 */
export const listEndpointTags = /* @__PURE__ */ needs(
  'sagemaker:ListTags',
  'endpoint',
  (client: SageMakerClient, arn: string) => tagsOf(client, arn),
);
export const listEndpointConfigTags = /* @__PURE__ */ needs(
  'sagemaker:ListTags',
  'endpoint-config',
  (client: SageMakerClient, arn: string) => tagsOf(client, arn),
);

/** Adds (or overwrites) tags on an endpoint configuration: SageMaker's AddTags, by the configuration's ARN. */
export const tagEndpointConfig = /* @__PURE__ */ needs(
  'sagemaker:AddTags',
  'endpoint-config',
  async (client: SageMakerClient, arn: string, tags: Record<string, string>): Promise<void> => {
    await callAws(arn, () =>
      client.send(
        new AddTagsCommand({
          ResourceArn: arn,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  },
);
