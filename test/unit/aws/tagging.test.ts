import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { notebookTags } from '#lib/aws/tagging';

const client = new ResourceGroupsTaggingAPIClient({ region: 'us-east-1', maxAttempts: 1 });
const api = mockClient(client);
const arn = (n: number) => `arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-${n}`;

beforeEach(() => api.reset());

describe('the tagging gateway', () => {
  it('finds notebooks by tag across pages, asking for notebook instances only', async () => {
    api
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [{ ResourceARN: arn(1), Tags: [{ Key: 'patch-group', Value: 'weekly' }] }],
        PaginationToken: 'p2',
      })
      .resolvesOnce({
        ResourceTagMappingList: [{ ResourceARN: arn(2), Tags: [{ Key: 'patch-group', Value: 'weekly' }] }],
        PaginationToken: '',
      });
    const tags = await notebookTags(client, { tags: { 'patch-group': 'weekly' } });
    expect([...tags.keys()]).toEqual([arn(1), arn(2)]);
    const [first, second] = api.commandCalls(GetResourcesCommand).map((c) => c.args[0].input);
    expect(first).toEqual({
      ResourceTypeFilters: ['sagemaker:notebook-instance'],
      TagFilters: [{ Key: 'patch-group', Values: ['weekly'] }],
      ResourcesPerPage: 100,
    });
    expect(second?.PaginationToken).toBe('p2');
    expect(notebookTags.permission).toEqual({ action: 'tag:GetResources', resources: ['account'] });
  });

  it('reads the tags of named notebooks 100 ARNs to a request', async () => {
    api.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    await notebookTags(client, { arns: Array.from({ length: 250 }, (_, i) => arn(i)) });
    expect(api.commandCalls(GetResourcesCommand).map((c) => c.args[0].input.ResourceARNList?.length)).toEqual(
      [100, 100, 50],
    );
  });
});
