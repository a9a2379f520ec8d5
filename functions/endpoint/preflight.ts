import { sagemaker } from '#lib/aws/clients/sagemaker';
import { cloudwatch } from '#lib/aws/clients/cloudwatch';
import { serviceQuotas } from '#lib/aws/clients/service-quotas';
import { ledger } from '#lib/aws/clients/ledger';
import { endpointStep } from '#lib/endpoint/deps';
import { preflight, preflightPermissions } from '#lib/endpoint/preflight';

export const { handler, permissions } = endpointStep(preflight, preflightPermissions, {
  sagemaker,
  cloudwatch,
  serviceQuotas,
  ledger,
});
