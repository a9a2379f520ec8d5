import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { lambdaClient } from '../config.ts';

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const tagging = lambdaClient(ResourceGroupsTaggingAPIClient);
