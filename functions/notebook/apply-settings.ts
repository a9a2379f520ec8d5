import { cycleStep } from '#lib/notebook-deps';
import { applySettings, applySettingsPermissions } from '#lib/notebook-patch';

export const { handler, permissions } = cycleStep(applySettings, applySettingsPermissions);
