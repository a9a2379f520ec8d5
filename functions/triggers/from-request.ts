import { lambdaHandler } from '#lib/handler';
import { fromRequest, fromRequestPermissions } from '#lib/requests';
import { triggerDeps } from '#lib/trigger-deps';

export const permissions = fromRequestPermissions;
export const handler = lambdaHandler((event: unknown) => fromRequest(event, triggerDeps));
