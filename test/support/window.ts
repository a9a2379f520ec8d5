import type { Observed, WindowTerms } from '#lib/notebook/cycle';

/** A weekly window's terms at T0, for the notebook cycle's pure decisions. */
export const T0 = Date.parse('2026-11-23T02:00:00Z');
export const S = 1000;
export const terms: WindowTerms = {
  requestId: 'w1',
  reason: 'schedule',
  requestedAt: T0,
  desired: {},
  scope: 'group:weekly',
  maxConcurrency: 5,
  tolerated: 1,
  hardEnd: T0 + 48 * 3600 * S,
  timing: {
    expectedStopSeconds: 90,
    expectedStartSeconds: 300,
    stopTimeoutSeconds: 900,
    startTimeoutSeconds: 1200,
  },
};
export const settings = { lifecycleConfigName: 'lc-v1', rootAccess: 'Enabled', volumeSizeInGB: 20 };
/** The notebook as SageMaker describes it: a status, the settings above unless said otherwise. */
export const seen = (status: string, extra: Partial<Observed> = {}): Observed => ({
  status,
  settings,
  ...extra,
});
