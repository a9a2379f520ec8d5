import { endpointStep } from '#lib/endpoint-deps';
import { rollback, rollbackPermissions } from '#lib/endpoint-update';

export const { handler, permissions } = endpointStep(rollback, rollbackPermissions);
