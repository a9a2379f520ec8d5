import type { GetResourcesOutput } from '@aws-sdk/client-resource-groups-tagging-api';
import type { NotebookWorld } from './notebooks.ts';
import { AwsApiError, type ServiceEmulator } from './types.ts';

/**
 * The Resource Groups Tagging API's `GetResources` over the sandbox's notebook instances (JSON 1.1, target
 * `ResourceGroupsTaggingAPI_20170126`), as its API reference describes it: resource type filters
 * `service:resourceType`, tag filters ANDed across keys and ORed across a key's values (no values: the key is
 * present), or an explicit `ResourceARNList` of at most 100 ARNs (not with tag filters); only resources that
 * carry tags are returned; pages of `ResourcesPerPage` (1–100) and a `PaginationToken` that is empty on the
 * last page.
 */
const NOTEBOOK_TYPE = 'sagemaker:notebook-instance';

const invalid = (message: string) => new AwsApiError('InvalidParameterException', message);

export function createTaggingService(notebooks: NotebookWorld): ServiceEmulator {
  const tagged = () =>
    notebooks
      .snapshot()
      .map((n) => notebooks.get(n.name)!)
      .filter((n) => Object.keys(n.tags).length > 0);
  return {
    targetPrefix: 'ResourceGroupsTaggingAPI_20170126',
    service: 'tagging',
    operations: {
      GetResources: (input): Omit<GetResourcesOutput, '$metadata'> => {
        const arns = input.ResourceARNList as string[] | undefined;
        const types = (input.ResourceTypeFilters as string[] | undefined) ?? [];
        const filters = (input.TagFilters as Array<{ Key?: string; Values?: string[] }> | undefined) ?? [];
        if (arns !== undefined && (filters.length > 0 || types.length > 0))
          throw invalid('ResourceARNList cannot be combined with TagFilters or ResourceTypeFilters');
        if (arns !== undefined && (arns.length < 1 || arns.length > 100))
          throw invalid('ResourceARNList must hold 1 to 100 ARNs');
        const perPage = (input.ResourcesPerPage as number | undefined) ?? 50;
        if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
          throw invalid(`ResourcesPerPage ${String(perPage)} must be from 1 to 100`);
        const unknown = types.filter((t) => !/^[a-z0-9-]+(:[A-Za-z0-9-]+)?$/.test(t));
        if (unknown.length > 0) throw invalid(`Unsupported resource type filter(s): ${unknown.join(', ')}`);
        const wantsNotebooks =
          types.length === 0 || types.some((t) => t === 'sagemaker' || t === NOTEBOOK_TYPE);
        const matching = (wantsNotebooks ? tagged() : [])
          .filter((n) => arns === undefined || arns.includes(n.arn))
          .filter((n) =>
            filters.every(
              ({ Key, Values }) =>
                Key !== undefined && Key in n.tags && (!Values?.length || Values.includes(n.tags[Key]!)),
            ),
          );
        const offset = input.PaginationToken
          ? Number(Buffer.from(String(input.PaginationToken), 'base64url').toString())
          : 0;
        if (!Number.isInteger(offset) || offset < 0) throw invalid('The pagination token is not valid');
        const page = matching.slice(offset, offset + perPage);
        const next =
          offset + perPage < matching.length
            ? Buffer.from(String(offset + perPage)).toString('base64url')
            : '';
        return {
          ResourceTagMappingList: page.map((n) => ({
            ResourceARN: n.arn,
            Tags: Object.entries(n.tags).map(([Key, Value]) => ({ Key, Value })),
          })),
          PaginationToken: next,
        };
      },
    },
  };
}
