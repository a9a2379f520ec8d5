import { lambdaHandler } from '#lib/handler';
import { notebookDeps } from '#lib/notebook/deps';
import { nextRound, nextRoundPermissions } from '#lib/notebook/selection';

export const permissions = nextRoundPermissions;
export const handler = lambdaHandler((input: Parameters<typeof nextRound>[0]) =>
  nextRound(input, notebookDeps),
);
