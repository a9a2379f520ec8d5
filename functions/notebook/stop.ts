import { cycleStep } from '#lib/notebook-deps';
import { beginCycle, beginPermissions } from '#lib/notebook-patch';

export const { handler, permissions } = cycleStep(beginCycle, beginPermissions);
