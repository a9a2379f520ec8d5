import { lambdaHandler } from '#lib/handler';
import { events } from '#lib/aws/clients/events';
import { ledger } from '#lib/aws/clients/ledger';
import { sagemaker } from '#lib/aws/clients/sagemaker';
import { tagging } from '#lib/aws/clients/tagging';
import { audit, auditPermissions } from '#lib/triggers/audit';

const deps = { events, sagemaker, tagging, ledger };

export const permissions = auditPermissions;
export const handler = lambdaHandler((input: unknown) => audit(input, deps));
