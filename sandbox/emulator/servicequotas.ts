import type { Fleet } from '../fleet.ts';
import { unitInterval } from './faults.ts';
import { AwsApiError, type ServiceEmulator } from './types.ts';

/**
 * Service Quotas of the sandbox (AWS JSON 1.1, target `ServiceQuotasV20190624`): the fleet file's
 * `quotas` (`{ ml.m5.large: 4 }`) are SageMaker's `<type> for endpoint usage` quotas, the same numbers the
 * endpoint emulator enforces with `ResourceLimitExceeded`. The sandbox has no quota increases, so the
 * applied and the default value are the same.
 */

interface Quota {
  ServiceCode: string;
  ServiceName: string;
  QuotaArn: string;
  QuotaCode: string;
  QuotaName: string;
  Value: number;
  Unit: string;
  Adjustable: boolean;
  GlobalQuota: boolean;
}

/** A stable quota code in AWS's shape (`L-` and 8 hex digits), derived from the quota's name. */
const quotaCode = (name: string) =>
  `L-${Math.floor(unitInterval(name) * 0x1_0000_0000)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0')}`;

function page(quotas: Quota[], input: Record<string, unknown>): { Quotas: Quota[]; NextToken?: string } {
  const max = input.MaxResults === undefined ? 100 : Number(input.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  let offset = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^sq:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString('utf8'));
    if (!decoded) throw new AwsApiError('InvalidPaginationTokenException', 'Invalid pagination token.');
    offset = Number(decoded[1]);
  }
  const slice = quotas.slice(offset, offset + max);
  return offset + max < quotas.length
    ? { Quotas: slice, NextToken: Buffer.from(`sq:${offset + max}`).toString('base64') }
    : { Quotas: slice };
}

/**
 * @example
 *   createServiceQuotasService(fleet).operations.ListServiceQuotas({ ServiceCode: 'sagemaker' }, ctx)
 *   // → { Quotas: [{ QuotaName: 'ml.m5.large for endpoint usage', Value: 4, … }] }
 */
export function createServiceQuotasService(
  fleet: Pick<Fleet, 'quotas' | 'account' | 'region'>,
): ServiceEmulator {
  const quotas: Quota[] = Object.entries(fleet.quotas)
    .map(([type, value]) => {
      const name = `${type} for endpoint usage`;
      const code = quotaCode(name);
      return {
        ServiceCode: 'sagemaker',
        ServiceName: 'Amazon SageMaker',
        QuotaArn: `arn:aws:servicequotas:${fleet.region}:${fleet.account}:sagemaker/${code}`,
        QuotaCode: code,
        QuotaName: name,
        Value: value,
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false,
      };
    })
    .sort((a, b) => a.QuotaCode.localeCompare(b.QuotaCode));
  const list = (input: Record<string, unknown>) => {
    if (typeof input.ServiceCode !== 'string' || input.ServiceCode === '') {
      throw new AwsApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'serviceCode' failed to satisfy constraint: Member must not be null",
      );
    }
    return page(input.ServiceCode === 'sagemaker' ? quotas : [], input);
  };
  return {
    targetPrefix: 'ServiceQuotasV20190624',
    service: 'servicequotas',
    resourceKey: (_operation, input) => String(input.ServiceCode ?? ''),
    operations: {
      ListServiceQuotas: (input) => list(input),
      ListAWSDefaultServiceQuotas: (input) => list(input),
    },
  };
}
