import { lambdaHandler } from '#lib/handler';
import { triggerDeps } from '#lib/trigger-deps';
import { fromConfig, fromConfigPermissions } from '#lib/triggers';

export const permissions = fromConfigPermissions;
export const handler = lambdaHandler((event: unknown) => fromConfig(event, triggerDeps));
