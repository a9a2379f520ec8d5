import { cycleStep } from '#lib/notebook/deps';
import { beginCycle, beginPermissions } from '#lib/notebook/cycle-steps';

export const { handler, permissions } = cycleStep(beginCycle, beginPermissions);
