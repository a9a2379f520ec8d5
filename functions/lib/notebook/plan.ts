import type { NotebookSettings } from '../aws/sagemaker/notebooks.ts';
import { cycleSeconds, decide, type Lease, type Observed, type WindowTerms } from './cycle.ts';
import type { NotebookResult, Outcome } from './outcomes.ts';
import { settingsChange } from './settings.ts';

/**
 * What a window would do to each notebook, said before it happens: `caretaker plan` and a dry-run window
 * both give it. Nothing here decides anew: a planned notebook's entry is the cycle's own first decision
 * (`decide` in cycle.ts, on the lease and the notebook as they are now), and a skipped one is the selection's
 * verdict (`planTargets`). Pure: the caller describes the notebooks and reads their leases.
 *
 *   decide() → act stop            → cycle: stopped, changed while stopped, started, verified
 *            → act update          → update: settings applied while stopped (a Failed or left-down one is started)
 *            → act start           → start: a Failed notebook (or one a window left down) is started
 *            → wait                → wait: owned by another window, or a person's change is settling
 *            → finish (untouched)  → skip: with the outcome the window would report
 */

export type PlanAction = 'cycle' | 'update' | 'start' | 'wait' | 'skip';

export interface SettingChange {
  setting: string;
  before: string | number | null;
  after: string | number | null;
}

export interface PlanEntry {
  name: string;
  /** The notebook's status now (`gone` when it does not exist). */
  status: string;
  action: PlanAction;
  /** Whether the window would stop it (it is running now and would be down for its cycle). */
  stops: boolean;
  /** Each setting the window would change, before → after. */
  changes: SettingChange[];
  /** For a notebook the window would leave alone: the outcome it would report. */
  outcome?: Outcome;
  reason: string;
  /** Whether its cycle fits the window's time (its deadline and its end), for a notebook the window would act on. */
  fits?: boolean;
}

/** A notebook as the plan sees it: its lease in the ledger (if read) and SageMaker's description. */
export interface PlanFacts {
  name: string;
  lease?: Lease | undefined;
  observed: Observed | undefined;
}

const shown = (value: unknown): string | number | null =>
  value === undefined || value === null ? null : (value as string | number);

/**
 * Each setting that would change, as before → after.
 *
 * @example changesOf({ rootAccess: 'Enabled' }, { rootAccess: 'Disabled' })
 *   // → [{ setting: 'rootAccess', before: 'Enabled', after: 'Disabled' }]
 */
export function changesOf(current: NotebookSettings, desired: NotebookSettings): SettingChange[] {
  const change = settingsChange(current, desired);
  return Object.entries(change).map(([setting, after]) => ({
    setting,
    before: shown((current as Record<string, unknown>)[setting]),
    after: shown(after),
  }));
}

/**
 * One planned notebook's entry: the cycle's first decision, in words.
 *
 * @example planNotebook(terms, { name: 'nb-1', observed: { status: 'InService', settings: {} } }, now).action // → 'cycle'
 */
export function planNotebook(terms: WindowTerms, facts: PlanFacts, now: number): PlanEntry {
  const { name, lease, observed } = facts;
  const status = observed?.status ?? 'gone';
  const changes = observed ? changesOf(observed.settings, terms.desired) : [];
  const decision = decide({ terms, name, lease, observed, now });
  const base = { name, status, changes };
  const what = changes.length > 0 ? 'changed while stopped' : 'nothing to change';
  switch (decision.kind) {
    case 'finish':
      return {
        ...base,
        action: 'skip',
        stops: false,
        changes: [],
        outcome: decision.result.outcome,
        reason: decision.result.reason ?? decision.result.outcome,
      };
    case 'wait':
      return {
        ...base,
        action: 'wait',
        stops: status === 'InService',
        reason: `would wait (${decision.why}), then decide again: ${what}`,
      };
    case 'act': {
      const { action } = decision;
      if (action.op === 'stop')
        return {
          ...base,
          action: 'cycle',
          stops: true,
          reason: `would be stopped, ${what}, started and verified`,
        };
      const starts = action.op === 'start' || status === 'Failed' || lease?.leftDown !== undefined;
      const from =
        lease?.leftDown !== undefined
          ? `left ${lease.leftDown.status} by window ${lease.leftDown.requestId}`
          : status === 'Failed'
            ? 'Failed'
            : status;
      if (action.op === 'start')
        return { ...base, action: 'start', stops: false, reason: `${from}: would be started (${what})` };
      return {
        ...base,
        action: 'update',
        stops: false,
        reason: starts
          ? `${from}: settings applied, then started`
          : `${from}: settings applied; stays stopped and picks them up at its next start`,
      };
    }
  }
}

/** A notebook the selection leaves alone (exempt, not found, stopped with includeStopped false). */
export function skippedEntry(result: NotebookResult, status?: string): PlanEntry {
  return {
    name: result.name,
    status: status ?? result.status ?? (result.outcome === 'not-found' ? 'gone' : 'unknown'),
    action: 'skip',
    stops: false,
    changes: [],
    outcome: result.outcome,
    reason: result.reason ?? result.outcome,
  };
}

/**
 * The window's plan: every planned notebook's entry, with whether its cycle fits the window's time. The
 * notebooks that go down are taken `maxConcurrency` at a time in plan order (as the Map admits them); a wave
 * that would start after the deadline, or end after the window, does not fit and would be `not-started`.
 *
 * @example planWindowEntries(terms, facts, skipped, now).filter((e) => e.stops).length // → how many go down
 */
export function planWindowEntries(
  terms: WindowTerms,
  planned: readonly PlanFacts[],
  skipped: readonly NotebookResult[],
  now: number,
  /** The status of each notebook the selection listed (a skipped one's entry says it too). */
  statuses: ReadonlyMap<string, string> = new Map(),
): PlanEntry[] {
  let down = 0;
  const entries = planned.map((facts) => {
    const entry = planNotebook(terms, facts, now);
    if (entry.action === 'skip') return entry;
    const wave = entry.stops ? Math.floor(down++ / terms.maxConcurrency) : 0;
    const seconds = cycleSeconds(terms.timing, entry.changes.length > 0);
    const startsAt = now + wave * seconds * 1000;
    const endsAt = startsAt + seconds * 1000;
    const late = terms.stopBy !== undefined && startsAt >= terms.stopBy;
    const fits = !late && endsAt <= terms.hardEnd;
    if (fits) return { ...entry, fits };
    const why = late
      ? `its turn (about ${new Date(startsAt).toISOString()}) comes after the deadline ${new Date(terms.stopBy!).toISOString()}`
      : `its cycle would end about ${new Date(endsAt).toISOString()}, after the window's end ${new Date(terms.hardEnd).toISOString()}`;
    return { ...entry, fits, reason: `${entry.reason}; but ${why}: it would be not-started` };
  });
  return [...entries, ...skipped.map((r) => skippedEntry(r, statuses.get(r.name)))].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}

/** Whether an entry needs a person's eye before the window runs: it would not act, or not in time. */
export const planNeedsLook = (entry: PlanEntry) =>
  entry.fits === false ||
  entry.action === 'wait' ||
  (entry.action === 'skip' && entry.outcome !== 'skipped-exempt' && entry.outcome !== 'settings-applied');

/** How many notebooks each action concerns, for a one-line summary. */
export function planCounts(entries: readonly PlanEntry[]): Partial<Record<PlanAction, number>> {
  const counts: Partial<Record<PlanAction, number>> = {};
  for (const entry of entries) counts[entry.action] = (counts[entry.action] ?? 0) + 1;
  return counts;
}
