import { lambdaHandler } from '#lib/handler';
import { triggerDeps } from '#lib/triggers/deps';
import { fromFinding, fromFindingPermissions } from '#lib/triggers/from-findings';

export const permissions = fromFindingPermissions;
export const handler = lambdaHandler((event: unknown) => fromFinding(event, triggerDeps));
