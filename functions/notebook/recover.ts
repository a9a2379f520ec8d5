import { cycleStep } from '#lib/notebook/deps';
import { recoverCycle, recoverPermissions } from '#lib/notebook/cycle-steps';

export const { handler, permissions } = cycleStep(recoverCycle, recoverPermissions);
