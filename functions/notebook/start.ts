import { cycleStep } from '#lib/notebook-deps';
import { startCycle, startPermissions } from '#lib/notebook-patch';

export const { handler, permissions } = cycleStep(startCycle, startPermissions);
