import { sagemaker } from '#lib/aws/clients/sagemaker';
import { ledger } from '#lib/aws/clients/ledger';
import { endpointStep } from '#lib/endpoint/deps';
import { startUpdate, startUpdatePermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(startUpdate, startUpdatePermissions, {
  sagemaker,
  ledger,
});
