import { endpointStep } from '#lib/endpoint/deps';
import { checkDeployment, checkDeploymentPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(checkDeployment, checkDeploymentPermissions);
