import {
  AddTagsCommand,
  ListTagsCommand,
  SageMakerClient,
  SageMakerServiceException,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listEndpointConfigTags, listEndpointTags, tagEndpointConfig } from '#lib/aws/sagemaker/tags';
import { AwsRequestError } from '#lib/errors';

const client = new SageMakerClient({ region: 'us-east-1', maxAttempts: 1 });
const sm = mockClient(client);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-1';

beforeEach(() => sm.reset());

/** SageMaker's refusals are ValidationExceptions, a resource that does not exist included (not a 404). */
const refusal = (message: string) =>
  new SageMakerServiceException({
    name: 'ValidationException',
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
const notFound = (arn: string) => refusal(`Resource ${arn} not found: RecordNotFound`);

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
    sm.on(ListTagsCommand).rejects(notFound(ARN));

    // Act
    const tags = await listEndpointTags(client, ARN);

    // Assess
    expect(tags).toEqual({});
  });
});

describe('the endpoint configuration tags gateway', () => {
  const CONFIG_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/cfg-v2';

  it('tags a configuration with AddTags, declared on the endpoint-config resource', async () => {
    // Prepare
    sm.on(AddTagsCommand).resolves({});

    // Act
    await tagEndpointConfig(client, CONFIG_ARN, { 'caretaker:deployed-to:ep-1': '2026-11-23T02:00:00.000Z' });

    // Assess
    expect(sm.commandCalls(AddTagsCommand).map((c) => c.args[0].input)).toEqual([
      {
        ResourceArn: CONFIG_ARN,
        Tags: [{ Key: 'caretaker:deployed-to:ep-1', Value: '2026-11-23T02:00:00.000Z' }],
      },
    ]);
    expect(tagEndpointConfig.permission).toEqual({
      action: 'sagemaker:AddTags',
      resources: ['endpoint-config'],
    });
    expect(listEndpointConfigTags.permission).toEqual({
      action: 'sagemaker:ListTags',
      resources: ['endpoint-config'],
    });
  });

  it("surfaces SageMaker's refusal of a tag as a request error, with its words", async () => {
    // Prepare
    sm.on(AddTagsCommand).rejects(refusal("Tag keys beginning with 'aws:' are reserved for AWS use: aws:x"));

    // Act
    const refused = await tagEndpointConfig(client, CONFIG_ARN, { 'aws:x': 'y' }).catch(
      (err: unknown) => err,
    );

    // Assess
    expect(refused).toBeInstanceOf(AwsRequestError);
    expect((refused as Error).message).toMatch(/reserved for AWS use/);
  });

  it('reads the tags of a configuration, none once it is gone', async () => {
    // Prepare
    sm.on(ListTagsCommand, { ResourceArn: CONFIG_ARN })
      .resolvesOnce({ Tags: [{ Key: 'caretaker:deployed-to:ep-1', Value: 't' }] })
      .rejectsOnce(notFound(CONFIG_ARN));

    // Act
    const before = await listEndpointConfigTags(client, CONFIG_ARN);
    const after = await listEndpointConfigTags(client, CONFIG_ARN);

    // Assess
    expect(before).toEqual({ 'caretaker:deployed-to:ep-1': 't' });
    expect(after).toEqual({});
  });
});
