import { lambdaHandler } from '#lib/handler';
import { notebookDeps } from '#lib/notebook/deps';
import { reportPermissions, reportWindow } from '#lib/notebook/report-step';

export const permissions = reportPermissions;
export const handler = lambdaHandler((input: Parameters<typeof reportWindow>[0]) =>
  reportWindow(input, notebookDeps),
);
