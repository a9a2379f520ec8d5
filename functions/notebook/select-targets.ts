import { lambdaHandler } from '#lib/handler';
import { selectionDeps } from '#lib/notebook/deps';
import { selectTargets, selectTargetsPermissions } from '#lib/notebook/selection';

export const permissions = selectTargetsPermissions;
export const handler = lambdaHandler((input: Parameters<typeof selectTargets>[0]) =>
  selectTargets(input, selectionDeps),
);
