import { endpointStep } from '#lib/endpoint/deps';
import { startUpdate, startUpdatePermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(startUpdate, startUpdatePermissions);
