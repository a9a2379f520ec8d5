import { lambdaHandler } from '#lib/handler';
import { fromRequest, fromRequestPermissions } from '#lib/triggers/requests';
import { triggerDeps } from '#lib/triggers/deps';

export const permissions = fromRequestPermissions;
export const handler = lambdaHandler((event: unknown) => fromRequest(event, triggerDeps));
