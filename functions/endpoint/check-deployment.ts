import { sagemaker } from '#lib/aws/clients/sagemaker';
import { cloudwatch } from '#lib/aws/clients/cloudwatch';
import { ledger } from '#lib/aws/clients/ledger';
import { endpointStep } from '#lib/endpoint/deps';
import { checkDeployment, checkDeploymentPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(checkDeployment, checkDeploymentPermissions, {
  sagemaker,
  cloudwatch,
  ledger,
});
