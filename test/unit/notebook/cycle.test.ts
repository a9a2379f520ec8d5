import { describe, expect, it } from 'vitest';
import {
  abandon,
  capacityBackoffSeconds,
  decide,
  GIVE_UP_TROUBLES,
  MAX_CAPACITY_RETRIES,
  MAX_REISSUES,
  MAX_START_ATTEMPTS,
  MAX_TROUBLES,
  notAdmitted,
  refused,
  startFailure,
  type CycleFacts,
  type Decision,
  type Lease,
} from '#lib/notebook/cycle';
import { S, seen, settings, T0, terms } from '../../support/window.ts';

const mine = (lease: Partial<Lease>): Lease => ({
  owner: 'w1',
  expiresAt: T0 + 49 * 3600 * S,
  takenAt: T0,
  initialStatus: 'InService',
  snapshot: settings,
  applied: {},
  phaseSince: T0,
  attempts: 1,
  startAttempts: 1,
  capacityRetries: 0,
  slot: 'group:weekly',
  ...lease,
});
const facts = (f: Partial<CycleFacts>): CycleFacts => ({
  terms,
  name: 'nb-1',
  lease: undefined,
  observed: seen('InService'),
  now: T0,
  ...f,
});
const finished = (d: Decision) => {
  if (d.kind !== 'finish') throw new Error(`expected a finish, got ${JSON.stringify(d)}`);
  return d;
};

describe('a cycle begins', () => {
  it('takes the lease and a notebooks-down slot before it stops a running notebook, remembering its settings', () => {
    const d = decide(facts({}));
    expect(d).toMatchObject({
      kind: 'act',
      action: { op: 'stop' },
      admit: { slot: true },
      seconds: 90,
      lease: {
        phase: 'stopping',
        initialStatus: 'InService',
        snapshot: settings,
        takenAt: T0,
        phaseSince: T0,
      },
    });
  });

  it('updates a stopped notebook without a slot (it was not running) and leaves one with nothing to change alone', () => {
    const withChange = decide(
      facts({ terms: { ...terms, desired: { rootAccess: 'Disabled' } }, observed: seen('Stopped') }),
    );
    expect(withChange).toMatchObject({
      kind: 'act',
      action: { op: 'update', change: { rootAccess: 'Disabled' } },
      admit: { slot: false },
      lease: { phase: 'updating', applied: { rootAccess: 'Disabled' }, initialStatus: 'Stopped' },
    });
    expect(finished(decide(facts({ observed: seen('Stopped') })))).toMatchObject({
      owned: false,
      result: { outcome: 'settings-applied' },
    });
  });

  it('starts a Failed notebook (it cannot be stopped), updating it first when settings change', () => {
    expect(decide(facts({ observed: seen('Failed', { failureReason: 'boom' }) }))).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
      lease: { phase: 'starting', initialStatus: 'Failed', failureReason: 'boom' },
    });
    expect(
      decide(facts({ terms: { ...terms, desired: { rootAccess: 'Disabled' } }, observed: seen('Failed') })),
    ).toMatchObject({
      kind: 'act',
      action: { op: 'update' },
    });
  });

  it('starts a stopped notebook that an earlier window left down, as the running notebook it was', () => {
    const lease = { leftDown: { requestId: 'w0', status: 'Stopped', at: T0 - S } };
    expect(decide(facts({ lease, observed: seen('Stopped') }))).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
      lease: { initialStatus: 'InService', phase: 'starting' },
    });
  });

  it('waits for a notebook another window owns, and gives up only at its own end', () => {
    const owned = { owner: 'w0', expiresAt: T0 + 3600 * S };
    expect(decide(facts({ lease: owned }))).toMatchObject({ kind: 'wait', seconds: 60 });
    const late = finished(
      decide(facts({ lease: { ...owned, expiresAt: terms.hardEnd + S }, now: terms.hardEnd - 300 * S })),
    );
    expect(late.result).toMatchObject({
      outcome: 'not-started',
      reason: expect.stringMatching(/window w0 owned it/),
    });
  });

  it('takes over a lease whose window is gone (expired)', () => {
    expect(decide(facts({ lease: { owner: 'w0', expiresAt: T0 - S } }))).toMatchObject({
      kind: 'act',
      admit: { slot: true },
    });
  });

  it('does not cycle again a notebook another window restarted after this request with the requested settings', () => {
    const lease = { lastCycle: { requestId: 'w0', restartedAt: T0 + 600 * S, outcome: 'patched' as const } };
    const d = finished(decide(facts({ lease, now: T0 + 700 * S })));
    expect(d.result.outcome).toBe('already-patched');
    expect(d.result.reason).toMatch(/window w0 restarted it at 2026-11-23T02:10:00.000Z, after this request/);
    // …but it does when that restart came before this request, or lacked the requested settings.
    const before = { lastCycle: { ...lease.lastCycle, restartedAt: T0 - S } };
    expect(decide(facts({ lease: before, now: T0 + 700 * S })).kind).toBe('act');
    const other = facts({
      lease,
      now: T0 + 700 * S,
      terms: { ...terms, desired: { rootAccess: 'Disabled' } },
    });
    expect(decide(other).kind).toBe('act');
  });

  it('does not stop a notebook for a finding whose settings are already in effect', () => {
    const finding = { ...terms, reason: 'finding' as const, desired: { rootAccess: 'Enabled' } };
    expect(finished(decide(facts({ terms: finding }))).result).toMatchObject({
      outcome: 'already-patched',
      reason: expect.stringMatching(/already in effect/),
    });
  });

  it('never stops a notebook for a setting it cannot take, or after the deadline, or without time to finish', () => {
    const shrink = facts({ terms: { ...terms, desired: { volumeSizeInGB: 10 } } });
    expect(finished(decide(shrink)).result).toMatchObject({
      outcome: 'not-started',
      reason: expect.stringMatching(/volumes only grow/),
    });
    const deadline = facts({ terms: { ...terms, stopBy: T0 }, now: T0 });
    expect(finished(decide(deadline)).result.outcome).toBe('not-started');
    const noTime = facts({ now: terms.hardEnd - 600 * S });
    expect(finished(decide(noTime)).result).toMatchObject({
      outcome: 'not-started',
      reason: expect.stringMatching(/not enough time/),
    });
  });

  it("lets somebody else's transition settle before it decides, and skips a notebook that never settles", () => {
    expect(decide(facts({ observed: seen('Pending', { lastModifiedAt: T0 }) }))).toMatchObject({
      kind: 'wait',
      seconds: 30,
    });
    const stuck = facts({ observed: seen('Stopping', { lastModifiedAt: T0 }), now: T0 + 1300 * S });
    expect(finished(decide(stuck)).result.outcome).toBe('skipped-busy');
  });

  it('reports a notebook that does not exist or is being deleted as not found', () => {
    expect(finished(decide(facts({ observed: undefined }))).result).toMatchObject({
      outcome: 'not-found',
      reason: 'no such notebook',
    });
    expect(finished(decide(facts({ observed: seen('Deleting') }))).result.reason).toBe('being deleted');
  });
});

describe('while the notebook stops', () => {
  const stopping = (f: Partial<CycleFacts>) => facts({ lease: mine({ phase: 'stopping' }), ...f });

  it('keeps watching a slow stop, less often once it is late, and never lets go of its slot before the end', () => {
    expect(decide(stopping({ observed: seen('Stopping'), now: T0 + 90 * S }))).toMatchObject({
      kind: 'wait',
      seconds: 30,
    });
    expect(decide(stopping({ observed: seen('Stopping'), now: T0 + 1000 * S }))).toMatchObject({
      kind: 'wait',
      seconds: 120,
    });
    expect(decide(stopping({ observed: seen('Stopping'), now: T0 + 5000 * S }))).toMatchObject({
      kind: 'wait',
      seconds: 300,
    });
    const end = finished(decide(stopping({ observed: seen('Stopping'), now: terms.hardEnd - 60 * S })));
    expect(end).toMatchObject({
      releaseSlot: false,
      leftDown: 'Stopping',
      result: { outcome: 'needs-attention', status: 'Stopping' },
    });
  });

  it('makes the stop again when it never reached SageMaker (a crash before the call), a bounded number of times', () => {
    expect(decide(stopping({ observed: seen('InService') }))).toMatchObject({
      kind: 'act',
      action: { op: 'stop' },
      lease: { attempts: 2 },
    });
    const tired = finished(
      decide(
        stopping({ lease: mine({ phase: 'stopping', attempts: MAX_REISSUES }), observed: seen('InService') }),
      ),
    );
    expect(tired).toMatchObject({
      releaseSlot: true,
      result: { outcome: 'failed', reason: expect.stringMatching(/left running unchanged/) },
    });
  });

  it('applies the settings once stopped, or starts it when nothing changes', () => {
    const change = stopping({
      terms: { ...terms, desired: { rootAccess: 'Disabled' } },
      observed: seen('Stopped'),
    });
    expect(decide(change)).toMatchObject({
      kind: 'act',
      action: { op: 'update', change: { rootAccess: 'Disabled' } },
      lease: { phase: 'updating' },
    });
    expect(decide(stopping({ observed: seen('Stopped') }))).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
      lease: { phase: 'starting', startAttempts: 2 },
    });
  });
});

describe('while the settings are applied', () => {
  const applied = { rootAccess: 'Disabled' };
  const updating = (f: Partial<CycleFacts>) => facts({ lease: mine({ phase: 'updating', applied }), ...f });

  it('starts the notebook once the update is in effect', () => {
    expect(
      decide(updating({ observed: seen('Stopped', { settings: { ...settings, ...applied } }) })),
    ).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
    });
  });

  it('makes the update again when it did not take effect (its call was lost before SageMaker acted)', () => {
    expect(decide(updating({ observed: seen('Stopped') }))).toMatchObject({
      kind: 'act',
      action: { op: 'update', change: applied },
      lease: { attempts: 2 },
    });
  });

  it('leaves a notebook that was stopped stopped, with its settings applied', () => {
    const d = finished(
      decide(
        facts({
          lease: mine({ phase: 'updating', applied, initialStatus: 'Stopped', slot: undefined }),
          observed: seen('Stopped', { settings: { ...settings, ...applied } }),
        }),
      ),
    );
    expect(d.result.outcome).toBe('settings-applied');
    expect(d.leftDown).toBeUndefined();
  });
});

describe('while the notebook starts', () => {
  const starting = (f: Partial<CycleFacts>) =>
    facts({ lease: mine({ phase: 'starting', phaseSince: T0 + 100 * S }), now: T0 + 400 * S, ...f });

  it('reports it patched once InService with the settings it was given, and gives the slot back', () => {
    const d = finished(decide(starting({ observed: seen('InService') })));
    expect(d).toMatchObject({
      owned: true,
      releaseSlot: true,
      restartedAt: T0 + 400 * S,
      result: { outcome: 'patched', reason: 'restarted' },
    });
  });

  it('fails a restart whose settings are not in effect', () => {
    const d = finished(
      decide(
        starting({
          lease: mine({ phase: 'starting', applied: { rootAccess: 'Disabled' } }),
          observed: seen('InService'),
        }),
      ),
    );
    expect(d.result).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/settings not in effect: rootAccess/),
    });
  });

  it('keeps the new settings through capacity failures and starts again after a growing back-off', () => {
    const capacity = seen('Failed', {
      failureReason: 'InsufficientInstanceCapacity: not enough capacity',
      lastModifiedAt: T0 + 400 * S,
    });
    const lease = mine({ phase: 'starting', applied: { rootAccess: 'Disabled' }, phaseSince: T0 + 100 * S });
    const d = decide(starting({ lease, observed: capacity }));
    expect(d).toMatchObject({
      kind: 'wait',
      seconds: capacityBackoffSeconds(0),
      lease: { phase: 'retrying', resume: 'starting', capacityRetries: 1, retryAt: T0 + 520 * S },
    });
    const retry = decide(
      facts({
        lease: mine({
          phase: 'retrying',
          resume: 'starting',
          retryAt: T0 + 520 * S,
          applied: { rootAccess: 'Disabled' },
        }),
        observed: capacity,
        now: T0 + 520 * S,
      }),
    );
    expect(retry).toMatchObject({ kind: 'act', action: { op: 'start' }, lease: { phase: 'starting' } });
    const exhausted = finished(
      decide(starting({ lease: { ...lease, capacityRetries: MAX_CAPACITY_RETRIES }, observed: capacity })),
    );
    expect(exhausted).toMatchObject({
      releaseSlot: false,
      leftDown: 'Failed',
      result: {
        outcome: 'failed',
        status: 'Failed',
        reason: expect.stringMatching(/insufficient capacity.*settings kept; left Failed/),
      },
    });
  });

  it('restores the snapshot at once when the start fails with a new lifecycle config, then restarts and reports rolled-back', () => {
    const lifecycle = seen('Failed', {
      settings: { ...settings, lifecycleConfigName: 'lc-v2' },
      failureReason: "Notebook Instance Lifecycle Config 'arn:…/lc-v2' … took longer than 5 minutes.",
      lastModifiedAt: T0 + 400 * S,
    });
    const lease = mine({ phase: 'starting', applied: { lifecycleConfigName: 'lc-v2' } });
    const d = decide(starting({ lease, observed: lifecycle }));
    expect(d).toMatchObject({
      kind: 'act',
      action: { op: 'update', change: { lifecycleConfigName: 'lc-v1' } },
      lease: { phase: 'restoring', applied: {}, pending: { outcome: 'rolled-back' } },
    });
    const restored = mine({
      phase: 'restoring',
      applied: {},
      pending: { outcome: 'rolled-back', reason: 'restored lifecycleConfigName' },
    });
    expect(decide(facts({ lease: restored, observed: seen('Stopped') }))).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
      lease: { phase: 'restarting' },
    });
    const back = finished(
      decide(facts({ lease: { ...restored, phase: 'restarting' }, observed: seen('InService') })),
    );
    expect(back.result).toMatchObject({ outcome: 'rolled-back', reason: 'restored lifecycleConfigName' });
  });

  it('starts again after a failure with no new settings, and reports it failed and left down after the last attempt', () => {
    const broken = seen('Failed', {
      failureReason: 'An internal error occurred',
      lastModifiedAt: T0 + 400 * S,
    });
    expect(decide(starting({ observed: broken }))).toMatchObject({
      kind: 'wait',
      seconds: 120,
      lease: { phase: 'retrying' },
    });
    const last = finished(
      decide(
        starting({ lease: mine({ phase: 'starting', startAttempts: MAX_START_ATTEMPTS }), observed: broken }),
      ),
    );
    expect(last).toMatchObject({
      leftDown: 'Failed',
      result: { outcome: 'failed', status: 'Failed', failureReason: 'An internal error occurred' },
    });
    expect(last.result.lifecycleLog).toBe('/aws/sagemaker/NotebookInstances/nb-1/LifecycleConfigOnStart');
  });

  it('makes the start again when the notebook is still Failed from before it (the call never took effect)', () => {
    const old = seen('Failed', { failureReason: 'old', lastModifiedAt: T0 });
    expect(decide(starting({ observed: old }))).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
      lease: { attempts: 2 },
    });
  });

  it('waits out a retry back-off before it starts again', () => {
    const lease = mine({ phase: 'retrying', resume: 'starting', retryAt: T0 + 600 * S });
    expect(decide(facts({ lease, observed: seen('Failed'), now: T0 + 500 * S }))).toMatchObject({
      kind: 'wait',
      seconds: 100,
    });
  });
});

describe('when the cycle keeps failing (troubles)', () => {
  const troubled = (f: Partial<CycleFacts>) =>
    facts({ troubles: MAX_TROUBLES, error: 'Lambda.Unknown: boom', ...f });

  it('restores and starts a notebook it had stopped with new settings, reporting failed once it runs', () => {
    const lease = mine({ phase: 'updating', applied: { rootAccess: 'Disabled' } });
    const d = decide(
      troubled({ lease, observed: seen('Stopped', { settings: { ...settings, rootAccess: 'Disabled' } }) }),
    );
    expect(d).toMatchObject({
      kind: 'act',
      action: { op: 'update', change: { rootAccess: 'Enabled' } },
      lease: { phase: 'restoring', pending: { outcome: 'failed' } },
    });
  });

  it('starts a notebook it had stopped, and waits out a stop in progress rather than giving up on it', () => {
    expect(decide(troubled({ lease: mine({ phase: 'stopping' }), observed: seen('Stopped') }))).toMatchObject(
      {
        kind: 'act',
        action: { op: 'start' },
        lease: {
          phase: 'recovering',
          pending: { outcome: 'failed', reason: 'Lambda.Unknown: boom; started again' },
        },
      },
    );
    expect(
      decide(troubled({ lease: mine({ phase: 'stopping' }), observed: seen('Stopping') })),
    ).toMatchObject({ kind: 'wait' });
  });

  it('reports a running notebook failed, and gives up saying where it left a notebook after too many troubles', () => {
    expect(
      finished(decide(troubled({ lease: mine({ phase: 'starting' }), observed: seen('InService') }))).result
        .outcome,
    ).toBe('failed');
    const gaveUp = finished(
      decide(
        troubled({
          troubles: GIVE_UP_TROUBLES,
          lease: mine({ phase: 'stopping' }),
          observed: seen('Stopped'),
        }),
      ),
    );
    expect(gaveUp).toMatchObject({
      leftDown: 'Stopped',
      result: { outcome: 'needs-attention', reason: 'Lambda.Unknown: boom; left Stopped' },
    });
  });

  it('fails a cycle that could not even begin, having changed nothing', () => {
    expect(finished(decide(facts({ troubles: GIVE_UP_TROUBLES, error: 'x' }))).result).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/nothing was changed/),
    });
  });
});

describe('refusals and admissions', () => {
  it('starts a Failed notebook without the settings when SageMaker refuses to update it, and says so', () => {
    const f = facts({
      lease: mine({ phase: 'updating', initialStatus: 'Failed', applied: { rootAccess: 'Disabled' } }),
      observed: seen('Failed'),
    });
    expect(
      refused(f, { op: 'update', change: { rootAccess: 'Disabled' } }, 'Status (Failed) not in ([Stopped])'),
    ).toMatchObject({
      kind: 'act',
      action: { op: 'start' },
      lease: {
        pending: { outcome: 'failed', reason: expect.stringMatching(/refused to update it while Failed/) },
      },
    });
  });

  it('reports a rollback that SageMaker will not allow on a Failed notebook as needing attention, left Failed', () => {
    const f = facts({
      lease: mine({
        phase: 'restoring',
        pending: { outcome: 'rolled-back', reason: 'start failed with the new settings' },
      }),
      observed: seen('Failed'),
    });
    const d = finished(refused(f, { op: 'update', change: {} }, 'Status (Failed) not in ([Stopped])'));
    expect(d).toMatchObject({
      leftDown: 'Failed',
      result: {
        outcome: 'needs-attention',
        reason: expect.stringMatching(/could not be put back; left Failed/),
      },
    });
  });

  it('waits for a slot, stops waiting at the deadline, and never admits past a spent budget', () => {
    expect(notAdmitted(facts({}), 'slot')).toMatchObject({ kind: 'wait', seconds: 30 });
    expect(
      finished(notAdmitted(facts({ terms: { ...terms, stopBy: T0 + 10 * S } }), 'slot')).result.outcome,
    ).toBe('not-started');
    expect(finished(notAdmitted(facts({}), 'budget')).result).toMatchObject({
      outcome: 'not-started',
      reason: expect.stringMatching(/error budget spent/),
    });
    expect(notAdmitted(facts({}), 'lease', 'w0')).toMatchObject({ kind: 'wait', seconds: 60 });
  });
});

describe('a window ending before a cycle', () => {
  it('reports a notebook it left down as needing attention (marked for the next window) and a running one as failed', () => {
    const down = finished(
      abandon(
        facts({ lease: mine({ phase: 'stopping' }), observed: seen('Stopped') }),
        'the execution timed out',
      ),
    );
    expect(down).toMatchObject({
      leftDown: 'Stopped',
      releaseSlot: false,
      result: { outcome: 'needs-attention', reason: 'the execution timed out; left Stopped' },
    });
    const up = finished(abandon(facts({ lease: mine({ phase: 'starting' }) }), 'the execution timed out'));
    expect(up).toMatchObject({ releaseSlot: true, result: { outcome: 'failed' } });
  });
});

describe('startFailure', () => {
  it.each([
    ['InsufficientInstanceCapacity: There is not enough capacity to fulfill your request.', 'capacity'],
    ['Insufficient notebook instance capacity. Please try again later.', 'capacity'],
    [
      "Notebook Instance Lifecycle Config 'arn:…' for Notebook Instance 'arn:…' took longer than 5 minutes.",
      'lifecycle',
    ],
    ['An internal error occurred.', 'other'],
    [undefined, 'other'],
  ])('classifies %s as %s', (reason, kind) => {
    expect(startFailure(reason)).toBe(kind);
  });
});
