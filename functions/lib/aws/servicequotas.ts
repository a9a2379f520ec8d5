import {
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  type ServiceQuota,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { callAws } from './errors.ts';
import { needs } from '../iam.ts';

/**
 * The Service Quotas gateway: the only code that reads the account's SageMaker quotas (its Lambda client:
 * clients/service-quotas.ts).
 */

/** SageMaker's quota on real-time endpoint instances of one type is named `<type> for endpoint usage`. */
export const endpointQuotaName = (instanceType: string) => `${instanceType} for endpoint usage`;

async function listAll(
  send: (NextToken: string | undefined) => Promise<{ Quotas?: ServiceQuota[]; NextToken?: string }>,
): Promise<ServiceQuota[]> {
  const quotas: ServiceQuota[] = [];
  let NextToken: string | undefined;
  do {
    const page = await callAws('sagemaker quotas', () => send(NextToken));
    quotas.push(...(page.Quotas ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return quotas;
}

/** SageMaker's quotas with their applied values. */
export const listSageMakerQuotas = /* @__PURE__ */ needs(
  'servicequotas:ListServiceQuotas',
  'account',
  (client: ServiceQuotasClient) =>
    listAll((NextToken) =>
      client.send(new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', MaxResults: 100, NextToken })),
    ),
);

/** SageMaker's quotas with AWS's default values. */
export const listSageMakerDefaultQuotas = /* @__PURE__ */ needs(
  'servicequotas:ListAWSDefaultServiceQuotas',
  'account',
  (client: ServiceQuotasClient) =>
    listAll((NextToken) =>
      client.send(
        new ListAWSDefaultServiceQuotasCommand({ ServiceCode: 'sagemaker', MaxResults: 100, NextToken }),
      ),
    ),
);

/**
 * The account's quota of endpoint instances for each of `instanceTypes`: the applied value, or AWS's
 * default where no value was applied (ListServiceQuotas leaves those out); absent when neither names it.
 * Callers declare {@link listSageMakerQuotas} and {@link listSageMakerDefaultQuotas}.
 */
export async function endpointInstanceQuotas(
  client: ServiceQuotasClient,
  instanceTypes: readonly string[],
): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  const take = (quotas: ServiceQuota[]) => {
    for (const type of instanceTypes) {
      const quota = quotas.find((q) => q.QuotaName === endpointQuotaName(type));
      if (found[type] === undefined && typeof quota?.Value === 'number') found[type] = quota.Value;
    }
  };
  if (instanceTypes.length === 0) return found;
  take(await listSageMakerQuotas(client));
  if (instanceTypes.some((type) => found[type] === undefined)) take(await listSageMakerDefaultQuotas(client));
  return found;
}
