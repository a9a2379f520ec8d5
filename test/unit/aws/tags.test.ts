import { ListTagsCommand, SageMakerClient, SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listEndpointTags } from '#lib/aws/sagemaker/tags';

const client = new SageMakerClient({ region: 'us-east-1', maxAttempts: 1 });
const sm = mockClient(client);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-1';

beforeEach(() => sm.reset());

describe('the endpoint tags gateway', () => {
  it('reads every page of an endpoint tags with ListTags, declared on the endpoint resource', async () => {
    // Prepare
    sm.on(ListTagsCommand, { ResourceArn: ARN })
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }], NextToken: 'p2' })
      .resolvesOnce({ Tags: [{ Key: 'caretaker:updates', Value: 'allowed' }] });

    // Act
    const tags = await listEndpointTags(client, ARN);

    // Assess
    expect(tags).toEqual({ team: 'ml', 'caretaker:updates': 'allowed' });
    expect(sm.commandCalls(ListTagsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'p2']);
    expect(listEndpointTags.permission).toMatchObject({ action: 'sagemaker:ListTags' });
    // Declared on the endpoint kind, however a declaration spells its kinds (one, or a list).
    expect(JSON.stringify(listEndpointTags.permission)).toContain('"endpoint"');
  });

  it('gives an endpoint that does not exist no tags, so a limit by tags refuses it', async () => {
    // Prepare: SageMaker's word for a missing resource.
    sm.on(ListTagsCommand).rejects(
      new SageMakerServiceException({
        name: 'ValidationException',
        message: `Resource ${ARN} not found: RecordNotFound`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const tags = await listEndpointTags(client, ARN);

    // Assess
    expect(tags).toEqual({});
  });
});
