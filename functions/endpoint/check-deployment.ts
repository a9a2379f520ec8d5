import { endpointStep } from '#lib/endpoint-deps';
import { checkDeployment, checkDeploymentPermissions } from '#lib/endpoint-update';

export const { handler, permissions } = endpointStep(checkDeployment, checkDeploymentPermissions);
