import { lambdaHandler } from '#lib/handler';
import { events } from '#lib/aws/clients/events';
import { notebookDeps } from '#lib/notebook/deps';
import {
  fromStatusChange,
  reportPermissions,
  reportWindow,
  type ReportInput,
} from '#lib/notebook/report-step';

type StatusChange = Parameters<typeof fromStatusChange>[0] & { source: string };

const deps = { ...notebookDeps, events };

export const permissions = reportPermissions;
// The workflow's last step, and the rule for executions that ended before it (aws.states status changes).
export const handler = lambdaHandler((input: ReportInput | StatusChange) =>
  reportWindow('source' in input ? fromStatusChange(input) : input, deps),
);
