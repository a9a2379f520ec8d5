import { lambdaHandler } from '#lib/handler';
import { advanceCycle, cyclePermissions, type CycleInput } from '#lib/notebook/cycle-steps';
import { notebookDeps } from '#lib/notebook/deps';

export const permissions = cyclePermissions.Start;
export const handler = lambdaHandler((input: CycleInput) => advanceCycle('Start', input, notebookDeps));
