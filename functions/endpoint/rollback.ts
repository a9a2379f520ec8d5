import { sagemaker } from '#lib/aws/clients/sagemaker';
import { endpointStep } from '#lib/endpoint/deps';
import { rollback, rollbackPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(rollback, rollbackPermissions, { sagemaker });
