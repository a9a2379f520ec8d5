import { endpointStep } from '#lib/endpoint/deps';
import { finalize, finalizePermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(finalize, finalizePermissions);
