import { cycleStep } from '#lib/notebook-deps';
import { checkCycle, checkPermissions } from '#lib/notebook-patch';

export const { handler, permissions } = cycleStep(checkCycle, checkPermissions);
