import { sagemaker } from '#lib/aws/clients/sagemaker';
import { endpointStep } from '#lib/endpoint/deps';
import { recover, recoverPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(recover, recoverPermissions, { sagemaker });
