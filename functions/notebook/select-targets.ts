import { lambdaHandler } from '#lib/handler';
import { tagging } from '#lib/aws/clients/tagging';
import { notebookDeps } from '#lib/notebook/deps';
import { selectTargets, selectTargetsPermissions } from '#lib/notebook/selection';

const deps = { ...notebookDeps, tagging };

export const permissions = selectTargetsPermissions;
export const handler = lambdaHandler((input: Parameters<typeof selectTargets>[0]) =>
  selectTargets(input, deps),
);
