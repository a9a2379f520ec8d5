import { endpointStep } from '#lib/endpoint-deps';
import { finalize, finalizePermissions } from '#lib/endpoint-update';

export const { handler, permissions } = endpointStep(finalize, finalizePermissions);
