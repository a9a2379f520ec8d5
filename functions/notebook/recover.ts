import { cycleStep } from '#lib/notebook-deps';
import { recoverCycle, recoverPermissions } from '#lib/notebook-patch';

export const { handler, permissions } = cycleStep(recoverCycle, recoverPermissions);
