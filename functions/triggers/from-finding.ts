import { lambdaHandler } from '#lib/handler';
import { triggerDeps } from '#lib/trigger-deps';
import { fromFinding, fromFindingPermissions } from '#lib/triggers';

export const permissions = fromFindingPermissions;
export const handler = lambdaHandler((event: unknown) => fromFinding(event, triggerDeps));
