import { cycleStep } from '#lib/notebook-deps';
import { restoreCycle, restorePermissions } from '#lib/notebook-patch';

export const { handler, permissions } = cycleStep(restoreCycle, restorePermissions);
