import { endpointStep } from '#lib/endpoint/deps';
import { preflight, preflightPermissions } from '#lib/endpoint/preflight';

export const { handler, permissions } = endpointStep(preflight, preflightPermissions);
