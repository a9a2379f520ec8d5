import { notebookDeps } from '#lib/notebook/deps';
import { lambdaHandler } from '#lib/handler';
import { advanceCycle, cyclePermissions, type CycleInput } from '#lib/notebook/cycle-steps';

export const permissions = cyclePermissions;
export const handler = lambdaHandler((input: CycleInput) => advanceCycle(input, notebookDeps));
