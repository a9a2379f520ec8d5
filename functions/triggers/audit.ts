import { lambdaHandler } from '#lib/handler';
import { sagemaker } from '#lib/sagemaker/client';
import { triggerDeps } from '#lib/trigger-deps';
import { audit, auditPermissions } from '#lib/triggers';

const deps = { ...triggerDeps, sagemaker };

export const permissions = auditPermissions;
export const handler = lambdaHandler((input: unknown) => audit(input, deps));
