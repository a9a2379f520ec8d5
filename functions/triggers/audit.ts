import { lambdaHandler } from '#lib/handler';
import { ledgerClients } from '#lib/aws/ledger/client';
import { sagemaker } from '#lib/aws/sagemaker/client';
import { tagging } from '#lib/aws/tagging';
import { triggerDeps } from '#lib/triggers/deps';
import { audit, auditPermissions } from '#lib/triggers/audit';

const deps = { ...triggerDeps, sagemaker, tagging, ledger: ledgerClients };

export const permissions = auditPermissions;
export const handler = lambdaHandler((input: unknown) => audit(input, deps));
