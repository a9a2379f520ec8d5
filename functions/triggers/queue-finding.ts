import { lambdaHandler } from '#lib/handler';
import { ledger } from '#lib/aws/clients/ledger';
import { queueFinding, queueFindingPermissions } from '#lib/triggers/queue-findings';

export const permissions = queueFindingPermissions;
export const handler = lambdaHandler((event: unknown) => queueFinding(event, { ledger }));
