import { cycleStep } from '#lib/notebook/deps';
import { checkCycle, checkPermissions } from '#lib/notebook/cycle-steps';

export const { handler, permissions } = cycleStep(checkCycle, checkPermissions);
