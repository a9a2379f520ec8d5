import { lambdaHandler } from '#lib/handler';
import { notebookDeps } from '#lib/notebook/deps';
import { selectTargets, selectTargetsPermissions } from '#lib/notebook/selection';

export const permissions = selectTargetsPermissions;
export const handler = lambdaHandler((request: unknown) => selectTargets(request, notebookDeps));
