import { describe, expect, it } from 'vitest';
import {
  afterApply,
  afterCheck,
  afterRestore,
  afterStart,
  begin,
  MAX_START_ATTEMPTS,
  NEXT,
  recover,
  withinDeadline,
  type Cycle,
  type Observed,
} from '#lib/notebook/cycle';

const T0 = Date.parse('2026-11-23T02:00:00Z');
const timing = {
  expectedStopSeconds: 90,
  expectedStartSeconds: 300,
  stopTimeoutSeconds: 900,
  startTimeoutSeconds: 1200,
};
const base: Cycle = {
  requestId: 'r1',
  name: 'nb-1',
  desired: {},
  tolerated: 1,
  timing,
  next: 'Stop' as never,
};
const seen = (status: string, extra: Partial<Observed> = {}): Observed => ({
  status,
  settings: { lifecycleConfigName: 'lc-v1', rootAccess: 'Enabled' },
  ...extra,
});

describe('begin', () => {
  it('stops a running notebook and waits the usual stop time before the first poll', () => {
    // Act
    const { cycle, stop } = begin(base, seen('InService'), T0);
    // Assess
    expect(stop).toBe(true);
    expect(cycle).toMatchObject({
      next: NEXT.waitForStopped,
      wait: 90,
      phase: 'stopping',
      initialStatus: 'InService',
    });
    expect(cycle.phaseDeadline).toBe(T0 + 900_000);
    expect(cycle.snapshot).toEqual({ lifecycleConfigName: 'lc-v1', rootAccess: 'Enabled' });
  });

  it('goes straight to the settings for a stopped or failed notebook, which cannot be stopped', () => {
    expect(begin(base, seen('Stopped'), T0)).toMatchObject({
      stop: false,
      cycle: { next: NEXT.applySettings },
    });
    expect(begin(base, seen('Failed', { failureReason: 'boom' }), T0)).toMatchObject({
      stop: false,
      cycle: { next: NEXT.applySettings, failureReason: 'boom' },
    });
  });

  it('skips a notebook that is busy and reports a deleted one as not found', () => {
    expect(begin(base, seen('Pending'), T0).cycle.result).toMatchObject({
      outcome: 'skipped-busy',
      reason: 'status was Pending',
    });
    expect(begin(base, undefined, T0).cycle.result).toMatchObject({ outcome: 'not-found' });
    expect(begin(base, seen('Deleting'), T0).cycle.result).toMatchObject({
      outcome: 'not-found',
      reason: 'being deleted',
    });
  });
});

describe('afterCheck while stopping', () => {
  const stopping = begin(base, seen('InService'), T0).cycle;

  it('moves on to the settings once stopped', () => {
    expect(afterCheck(stopping, seen('Stopped'), T0 + 90_000).next).toBe(NEXT.applySettings);
  });

  it('polls every 30 s while still stopping', () => {
    expect(afterCheck(stopping, seen('Stopping'), T0 + 90_000)).toMatchObject({
      next: NEXT.waitForStopped,
      wait: 30,
    });
  });

  it('gives up on a notebook stuck in Stopping at the deadline and says so', () => {
    const out = afterCheck(stopping, seen('Stopping'), T0 + 900_000);
    expect(out.next).toBe(NEXT.done);
    expect(out.result).toMatchObject({ outcome: 'needs-attention' });
    expect(out.result?.reason).toMatch(/still Stopping after 900 s/);
  });
});

describe('applying settings', () => {
  const stopped = { ...begin(base, seen('InService'), T0).cycle, next: NEXT.applySettings } as Cycle;

  it('waits for the update when something changes', () => {
    const out = afterApply(stopped, { lifecycleConfigName: 'lc-v2' }, T0);
    expect(out).toMatchObject({
      next: NEXT.waitForUpdate,
      phase: 'updating',
      applied: { lifecycleConfigName: 'lc-v2' },
    });
  });

  it('starts straight away when nothing changes', () => {
    expect(afterApply(stopped, {}, T0).next).toBe(NEXT.start);
  });

  it('leaves a notebook that was stopped stopped', () => {
    const wasStopped = begin(base, seen('Stopped'), T0).cycle;
    expect(afterApply(wasStopped, {}, T0).result).toMatchObject({ outcome: 'settings-applied' });
    const updating = afterApply(wasStopped, { rootAccess: 'Disabled' }, T0);
    expect(afterCheck(updating, seen('Stopped'), T0 + 30_000).result).toMatchObject({
      outcome: 'settings-applied',
    });
  });
});

describe('afterCheck while starting', () => {
  const started = afterStart({ ...begin(base, seen('InService'), T0).cycle, phase: 'stopping' }, T0);

  it('reports patched when the notebook is back in service', () => {
    const out = afterCheck(started, seen('InService'), T0 + 300_000);
    expect(out.result).toMatchObject({ outcome: 'patched', seconds: 300 });
  });

  it('restores the snapshot when a start with new settings fails', () => {
    const withChange = { ...started, applied: { lifecycleConfigName: 'lc-v2' } };
    const out = afterCheck(
      withChange,
      seen('Failed', { failureReason: 'OnStart took longer than 5 minutes' }),
      T0,
    );
    expect(out.next).toBe(NEXT.restore);
    expect(out.failureReason).toMatch(/5 minutes/);
  });

  it('retries a start that failed without a change, waiting longer each time, then reports failed', () => {
    let cycle = afterCheck(started, seen('Failed', { failureReason: 'InsufficientInstanceCapacity' }), T0);
    expect(cycle).toMatchObject({ next: NEXT.waitBeforeRetry, wait: 120 });
    for (let attempt = 2; attempt <= MAX_START_ATTEMPTS; attempt++) cycle = afterStart(cycle, T0);
    const out = afterCheck(cycle, seen('Failed', { failureReason: 'InsufficientInstanceCapacity' }), T0);
    expect(out.result).toMatchObject({ outcome: 'failed', failureReason: 'InsufficientInstanceCapacity' });
    expect(out.result?.lifecycleLog).toBe('/aws/sagemaker/NotebookInstances/nb-1/LifecycleConfigOnStart');
  });

  it('reports rolled-back with the failure reason once the restored notebook runs', () => {
    const failed = {
      ...started,
      applied: { lifecycleConfigName: 'lc-v2' },
      failureReason: 'OnStart timed out',
    };
    const restoring = afterRestore(failed, { lifecycleConfigName: 'lc-v1' }, [], T0);
    expect(restoring).toMatchObject({ next: NEXT.waitForUpdate, phase: 'restoring' });
    const restarted = afterStart({ ...afterCheck(restoring, seen('Stopped'), T0), phase: 'restoring' }, T0);
    expect(restarted.phase).toBe('restarting');
    const out = afterCheck(restarted, seen('InService'), T0 + 300_000);
    expect(out.result).toMatchObject({ outcome: 'rolled-back', failureReason: 'OnStart timed out' });
    expect(out.result?.reason).toMatch(/restored lifecycleConfigName/);
  });

  it('fails a start whose settings did not take effect', () => {
    const withChange = { ...started, applied: { rootAccess: 'Disabled' } };
    expect(afterCheck(withChange, seen('InService'), T0).result).toMatchObject({ outcome: 'failed' });
  });
});

describe('recover', () => {
  const stopping = begin(base, seen('InService'), T0).cycle;

  it('starts a notebook that was running and is now stopped', () => {
    const { cycle, start } = recover(stopping, seen('Stopped'), 'AwsRequestError: refused', T0);
    expect(start).toBe(true);
    expect(cycle).toMatchObject({ phase: 'recovering', pendingOutcome: 'failed' });
  });

  it('does not loop when recovery itself fails', () => {
    const { cycle, start } = recover({ ...stopping, phase: 'recovering' }, seen('Stopped'), 'again', T0);
    expect(start).toBe(false);
    expect(cycle.result).toMatchObject({ outcome: 'needs-attention', reason: 'again; left Stopped' });
  });

  it('asks for attention when the notebook cannot be started', () => {
    const { cycle } = recover(stopping, seen('Stopping'), 'boom', T0);
    expect(cycle.result).toMatchObject({ outcome: 'needs-attention', reason: 'boom; left Stopping' });
  });
});

describe('withinDeadline', () => {
  it('admits notebooks until the window deadline, and always without one', () => {
    const deadline = '2026-11-23T04:00:00Z';
    expect(withinDeadline({ ...timing, deadline }, Date.parse(deadline) - 1)).toBe(true);
    expect(withinDeadline({ ...timing, deadline }, Date.parse(deadline))).toBe(false);
    expect(withinDeadline(timing, Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});
