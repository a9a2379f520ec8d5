import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { lambdaClient } from '../config.ts';

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const serviceQuotas = lambdaClient(ServiceQuotasClient);
