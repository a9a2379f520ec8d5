import { endpointStep } from '#lib/endpoint-deps';
import { startUpdate, startUpdatePermissions } from '#lib/endpoint-update';

export const { handler, permissions } = endpointStep(startUpdate, startUpdatePermissions);
