import {
  GetResourcesCommand,
  type GetResourcesCommandInput,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { callAws } from './errors.ts';
import { needs } from '../iam.ts';

/**
 * The Resource Groups Tagging API gateway: the tags of many notebooks in pages of 100, where SageMaker's
 * ListTags takes one request per notebook (1,000 requests for a 1,000-notebook window, each a chance to be
 * throttled). Its Lambda client: clients/tagging.ts.
 */

const NOTEBOOK_TYPE = 'sagemaker:notebook-instance';

/**
 * The tags of notebook instances, by ARN: those carrying every tag of `tags`, or those of `arns` (100 to a
 * request). A notebook that has never been tagged is absent: it has no tags.
 */
export const notebookTags = /* @__PURE__ */ needs(
  'tag:GetResources',
  'account',
  async (
    client: ResourceGroupsTaggingAPIClient,
    query: { tags: Record<string, string> } | { arns: readonly string[] },
  ): Promise<Map<string, Record<string, string>>> => {
    const found = new Map<string, Record<string, string>>();
    const requests: GetResourcesCommandInput[] =
      'tags' in query
        ? [
            {
              ResourceTypeFilters: [NOTEBOOK_TYPE],
              TagFilters: Object.entries(query.tags).map(([Key, value]) => ({ Key, Values: [value] })),
              ResourcesPerPage: 100,
            },
          ]
        : Array.from({ length: Math.ceil(query.arns.length / 100) }, (_, i) => ({
            ResourceARNList: query.arns.slice(i * 100, i * 100 + 100),
          }));
    for (const request of requests) {
      let PaginationToken: string | undefined;
      do {
        const page = await callAws(NOTEBOOK_TYPE, () =>
          client.send(
            new GetResourcesCommand({ ...request, ...(PaginationToken ? { PaginationToken } : {}) }),
          ),
        );
        for (const resource of page.ResourceTagMappingList ?? []) {
          found.set(
            resource.ResourceARN!,
            Object.fromEntries((resource.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])),
          );
        }
        PaginationToken = page.PaginationToken || undefined;
      } while (PaginationToken);
    }
    return found;
  },
);
