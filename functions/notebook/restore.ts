import { cycleStep } from '#lib/notebook/deps';
import { restoreCycle, restorePermissions } from '#lib/notebook/cycle-steps';

export const { handler, permissions } = cycleStep(restoreCycle, restorePermissions);
