import { cycleStep } from '#lib/notebook/deps';
import { startCycle, startPermissions } from '#lib/notebook/cycle-steps';

export const { handler, permissions } = cycleStep(startCycle, startPermissions);
