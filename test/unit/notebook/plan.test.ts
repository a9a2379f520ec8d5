import { describe, expect, it } from 'vitest';
import { decide, queuedInEffect, withQueued, type WindowTerms } from '#lib/notebook/cycle';
import { planNeedsLook, planNotebook, planWindowEntries } from '#lib/notebook/plan';
import { mergeQueued } from '#lib/notebook/request';
import { S, seen, settings, T0, terms as windowTerms } from '../../support/window.ts';

const terms: WindowTerms = {
  ...windowTerms,
  requestId: 'weekly-20261123T0200Z',
  desired: { rootAccess: 'Disabled' },
  maxConcurrency: 2,
};

describe('planNotebook: the cycle’s first decision, in words', () => {
  it('says a running notebook would be stopped, with each setting before → after', () => {
    // Act
    const entry = planNotebook(terms, { name: 'nb-1', observed: seen('InService') }, T0);

    // Assess
    expect(entry).toEqual({
      name: 'nb-1',
      status: 'InService',
      action: 'cycle',
      stops: true,
      changes: [{ setting: 'rootAccess', before: 'Enabled', after: 'Disabled' }],
      reason: 'would be stopped, changed while stopped, started and verified',
    });
  });

  it('says a stopped notebook gets the settings and stays stopped', () => {
    const entry = planNotebook(terms, { name: 'nb-1', observed: seen('Stopped') }, T0);
    expect(entry).toMatchObject({
      action: 'update',
      stops: false,
      reason: expect.stringMatching(/stays stopped/),
    });
  });

  it('says a Failed notebook is updated, then started', () => {
    const entry = planNotebook(terms, { name: 'nb-1', observed: seen('Failed') }, T0);
    expect(entry).toMatchObject({
      action: 'update',
      stops: false,
      reason: 'Failed: settings applied, then started',
    });
  });

  it('skips a notebook whose volume would shrink, saying why, and never stops it', () => {
    // Act
    const entry = planNotebook(
      { ...terms, desired: { volumeSizeInGB: 10 } },
      { name: 'nb-1', observed: seen('InService') },
      T0,
    );

    // Assess
    expect(entry).toMatchObject({
      action: 'skip',
      stops: false,
      outcome: 'not-started',
      reason: expect.stringMatching(/volumeSizeInGB 10 is smaller than its 20 GB/),
    });
  });

  it('says it would wait for a notebook another window owns', () => {
    // Act
    const entry = planNotebook(
      terms,
      { name: 'nb-1', lease: { owner: 'finding-x', expiresAt: T0 + 3600 * S }, observed: seen('Stopping') },
      T0,
    );

    // Assess
    expect(entry).toMatchObject({
      action: 'wait',
      reason: expect.stringMatching(/owned by window finding-x/),
    });
  });

  it('reports a notebook that is gone as not found', () => {
    expect(planNotebook(terms, { name: 'nb-1', observed: undefined }, T0)).toMatchObject({
      status: 'gone',
      action: 'skip',
      outcome: 'not-found',
    });
  });

  it('agrees with decide() on every entry: the plan is the cycle’s own decision', () => {
    for (const status of ['InService', 'Stopped', 'Failed', 'Pending']) {
      const entry = planNotebook(terms, { name: 'nb', observed: seen(status) }, T0);
      const decision = decide({ terms, name: 'nb', lease: undefined, observed: seen(status), now: T0 });
      const kind = { cycle: 'act', update: 'act', start: 'act', wait: 'wait', skip: 'finish' }[entry.action];
      expect(decision.kind).toBe(kind);
    }
  });
});

describe('planWindowEntries: whether each cycle fits the window', () => {
  it('takes running notebooks maxConcurrency at a time and marks a wave past the deadline as not fitting', () => {
    // Prepare: waves of 2; each cycle 90 + 30 + 300 + 300 = 720 s; the deadline before the third wave.
    const deadline = { ...terms, stopBy: T0 + 600 * S };
    const planned = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, observed: seen('InService') }));

    // Act
    const entries = planWindowEntries(deadline, planned, [], T0);

    // Assess
    expect(entries.map((e) => e.fits)).toEqual([true, true, false, false, false]);
    expect(entries[2]!.reason).toMatch(
      /comes after the deadline 2026-11-23T02:10:00.000Z: it would be not-started/,
    );
    expect(entries.filter(planNeedsLook).map((e) => e.name)).toEqual(['c', 'd', 'e']);
  });

  it("lists the selection's skipped notebooks with their status and outcome", () => {
    const entries = planWindowEntries(
      terms,
      [],
      [{ name: 'x', outcome: 'skipped-exempt', reason: 'tagged caretaker:exempt' }],
      T0,
      new Map([['x', 'InService']]),
    );
    expect(entries).toEqual([
      {
        name: 'x',
        status: 'InService',
        action: 'skip',
        stops: false,
        changes: [],
        outcome: 'skipped-exempt',
        reason: 'tagged caretaker:exempt',
      },
    ]);
  });
});

describe('queued settings (findings: next-window)', () => {
  const queued = {
    group: 'weekly',
    settings: { platformIdentifier: 'notebook-al2023-v1' as const },
    findingIds: ['f1'],
    queuedAt: '2026-11-20T14:00:00Z',
  };

  it("are wanted by a window of the notebook's group, with the window's own settings", () => {
    const facts = withQueued({
      terms,
      name: 'nb-1',
      lease: { queued },
      observed: seen('InService'),
      now: T0,
    });
    expect(facts.terms.desired).toEqual({ rootAccess: 'Disabled', platformIdentifier: 'notebook-al2023-v1' });
  });

  it('are not wanted by another scope’s window (a request)', () => {
    const request = { ...terms, scope: 'targets:abc' };
    const facts = withQueued({
      terms: request,
      name: 'nb-1',
      lease: { queued },
      observed: seen('InService'),
      now: T0,
    });
    expect(facts.terms.desired).toEqual({ rootAccess: 'Disabled' });
  });

  it('are done only once the notebook has them all (a rollback, or a later finding, keeps them queued)', () => {
    expect(
      queuedInEffect(
        queued,
        seen('InService', { settings: { ...settings, platformIdentifier: 'notebook-al2023-v1' } }),
      ),
    ).toBe(true);
    expect(queuedInEffect(queued, seen('InService'))).toBe(false);
    expect(queuedInEffect(queued, undefined)).toBe(false);
  });

  it('merge with what is queued: later settings win, findings listed once, the first time kept', () => {
    const merged = mergeQueued(queued, {
      group: 'weekly',
      settings: { rootAccess: 'Disabled' },
      findingIds: ['f1', 'f2'],
      queuedAt: '2026-11-21T09:00:00Z',
    });
    expect(merged).toEqual({
      group: 'weekly',
      settings: { platformIdentifier: 'notebook-al2023-v1', rootAccess: 'Disabled' },
      findingIds: ['f1', 'f2'],
      queuedAt: '2026-11-20T14:00:00Z',
    });
  });
});
