import { cycleStep } from '#lib/notebook/deps';
import { applySettings, applySettingsPermissions } from '#lib/notebook/cycle-steps';

export const { handler, permissions } = cycleStep(applySettings, applySettingsPermissions);
