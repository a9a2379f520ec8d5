import { lambdaHandler } from '#lib/handler';
import { triggerDeps } from '#lib/triggers/deps';
import { fromConfig, fromConfigPermissions } from '#lib/triggers/from-findings';

export const permissions = fromConfigPermissions;
export const handler = lambdaHandler((event: unknown) => fromConfig(event, triggerDeps));
