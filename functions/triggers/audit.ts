import { lambdaHandler } from '#lib/handler';
import { sagemaker } from '#lib/aws/sagemaker/client';
import { triggerDeps } from '#lib/triggers/deps';
import { audit, auditPermissions } from '#lib/triggers/audit';

const deps = { ...triggerDeps, sagemaker };

export const permissions = auditPermissions;
export const handler = lambdaHandler((input: unknown) => audit(input, deps));
