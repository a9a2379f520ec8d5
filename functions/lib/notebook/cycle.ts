/**
 * lib/notebook — the notebook patch window: which notebooks (`targets.ts`, `selection.ts`), what to change
 * (`settings.ts`, `request.ts`), one notebook's cycle (this file decides, `cycle-steps.ts` acts), and the
 * report (`report.ts`, `report-step.ts`). It may import the gateways (`../aws`) and the shared core
 * (`../*.ts`); never the endpoint or trigger domains.
 */
import type { NotebookSettings } from '../aws/sagemaker/notebooks.ts';
import type { NotebookResult, Outcome } from './outcomes.ts';
import type { QueuedSettings } from './settings-schema.ts';
import { desiredSettings, isEmptyChange, restoreChange, settingsChange } from './settings.ts';

/**
 * One notebook's trip through a patch window, decided step by step from what is durable: the notebook's
 * lease in the ledger (who owns it, what caretaker was doing to it: the phase, written BEFORE each change)
 * and the notebook as SageMaker describes it now. Nothing is taken from the step's own input but the
 * window's terms, so a retried step, a step whose answer was lost or a step that crashed after its call
 * took effect decides the same thing again: "nothing stranded" rests on this.
 *
 *   free ─admit (lease + slot)→ stopping ─Stopped→ updating? ─Stopped→ starting ─InService→ patched
 *                                  │ Stopping: watched until the window's end, the slot held
 *                                  └ InService again: stop again            Failed ┬ capacity → retrying → starting
 *                                                                                  ├ new settings → restoring → restarting
 *                                                                                  └ otherwise → retrying (2×) → failed
 *   owned by another window → wait for it (bounded); restarted by it since this request with the
 *   requested settings → already-patched
 */

export type Phase =
  | 'stopping'
  | 'updating'
  | 'starting'
  | 'retrying'
  | 'restoring'
  | 'restarting'
  | 'recovering';

export interface CycleTiming {
  expectedStopSeconds: number;
  expectedStartSeconds: number;
  /** Past this, a stop still in progress is polled less often (it is watched until the window's end). */
  stopTimeoutSeconds: number;
  /** Past this, a start still in progress is polled less often (it is watched until the window's end). */
  startTimeoutSeconds: number;
}

/** What the window hands every cycle: small, because it travels in the state between steps. */
export interface WindowTerms {
  requestId: string;
  reason: 'schedule' | 'finding' | 'request' | 'audit';
  /** When the request was made (epoch ms): a restart after it by another window counts for this one. */
  requestedAt: number;
  desired: NotebookSettings;
  /** Whose notebooks-down slots this window uses (its patch group, or its targets). */
  scope: string;
  maxConcurrency: number;
  /** How many notebooks may end badly before no new one is admitted. */
  tolerated: number;
  /** No notebook is taken down after this (the request's deadline), epoch ms. */
  stopBy?: number | undefined;
  /** Every cycle has reported by then (the execution's own time limit, less the report's margin), epoch ms. */
  hardEnd: number;
  timing: CycleTiming;
}

/** The notebook's page in the ledger: its owner and caretaker's memory of what it did to it. */
export interface Lease {
  /** The request (execution name) that owns the notebook now; absent when free. */
  owner?: string | undefined;
  /** The owner's hardEnd: a lease of an execution that is gone stops counting then. */
  expiresAt?: number | undefined;
  takenAt?: number | undefined;
  initialStatus?: string | undefined;
  snapshot?: NotebookSettings | undefined;
  /** The change caretaker sent (the settings it must find in effect); `{}` after a restore. */
  applied?: NotebookSettings | undefined;
  phase?: Phase | undefined;
  phaseSince?: number | undefined;
  /** The phase a `retrying` wait goes back to, and when. */
  resume?: 'starting' | 'restarting' | undefined;
  retryAt?: number | undefined;
  /** Calls made in this phase (re-issued after a crash or a refusal), and starts made in this cycle. */
  attempts?: number | undefined;
  startAttempts?: number | undefined;
  capacityRetries?: number | undefined;
  /** Whose notebooks-down slot this cycle holds (taken for a notebook that was running). */
  slot?: string | undefined;
  failureReason?: string | undefined;
  /** The last error a change met (a call that failed beyond its retries): the report says it. */
  lastError?: string | undefined;
  /** The outcome to report once the notebook is back in service (after a restore or a recovery). */
  pending?: { outcome: Outcome; reason: string } | undefined;
  /** The last cycle that ended (any window): when it brought the notebook back, and how it ended. */
  lastCycle?: { requestId: string; restartedAt?: number | undefined; outcome: Outcome } | undefined;
  /** Set when a window ended with the notebook down after taking it down: the next window starts it. */
  leftDown?: { requestId: string; status: string; at: number } | undefined;
  /** Settings findings queued for the notebook's patch group's next window (see request.ts). */
  queued?: QueuedSettings | undefined;
}

export interface Observed {
  status: string;
  failureReason?: string | undefined;
  settings: NotebookSettings;
  /** When SageMaker last changed it (epoch ms): tells a start's result from the status before it. */
  lastModifiedAt?: number | undefined;
}

export type Action = { op: 'stop' } | { op: 'start' } | { op: 'update'; change: NotebookSettings };

export type Decision =
  | { kind: 'wait'; seconds: number; lease?: Partial<Lease> | undefined; why: string }
  | {
      kind: 'act';
      action: Action;
      /** The lease as it must be written (intent) before the call is made. */
      lease: Partial<Lease>;
      /** The first change of a cycle takes the lease, and a notebooks-down slot when `slot`, in one write. */
      admit?: { slot: boolean } | undefined;
      seconds: number;
    }
  | {
      kind: 'finish';
      result: NotebookResult;
      /** Whether this cycle holds the lease (and releases it). */
      owned: boolean;
      /** Give the notebooks-down slot back: the notebook is back, or never went down. */
      releaseSlot: boolean;
      /** The notebook was running and is not now: it keeps its slot until the window reports it. */
      leftDown?: string | undefined;
      restartedAt?: number | undefined;
    };

export type Act = Extract<Decision, { kind: 'act' }>;

export interface CycleFacts {
  terms: WindowTerms;
  name: string;
  lease: Lease | undefined;
  observed: Observed | undefined;
  now: number;
  /** The previous attempt of this step failed beyond its retries (Step Functions' `{Error, Cause}`, in words). */
  error?: string | undefined;
  /** How many times this cycle's steps failed beyond their retries. */
  troubles?: number | undefined;
}

export const POLL_SECONDS = 30;
export const UPDATE_WAIT_SECONDS = 30;
/** How often a cycle looks again at a notebook another window owns, or for a free slot. */
export const OWNER_POLL_SECONDS = 60;
export const SLOT_POLL_SECONDS = 30;
/** Polls of a transition that outlived its patience come this far apart at most. */
export const MAX_POLL_SECONDS = 300;
/** Starts of one cycle that fail for another reason than capacity, before it is reported. */
export const MAX_START_ATTEMPTS = 3;
/** Capacity failures clear with time: retries back off from 2 minutes up to 15, while the window lasts. */
export const MAX_CAPACITY_RETRIES = 6;
export const capacityBackoffSeconds = (retry: number) => Math.min(900, 120 * 2 ** retry);
/** A call that SageMaker did not act on (a crash before it, a refusal) is made again this many times. */
export const MAX_REISSUES = 3;
/** After this many failed steps the cycle stops trying to finish its work and makes the notebook safe. */
export const MAX_TROUBLES = 3;
/** ... and after this many more it reports the notebook as it is. */
export const GIVE_UP_TROUBLES = 6;
/** Time a cycle leaves itself at the end for a last look and its report. */
const REPORT_SLACK_SECONDS = 300;

/** The log stream SageMaker writes a notebook's OnStart script output to. */
export const lifecycleLogStream = (name: string) =>
  `/aws/sagemaker/NotebookInstances/${name}/LifecycleConfigOnStart`;

const iso = (ms: number) => new Date(ms).toISOString();

/** Why a start failed, from SageMaker's FailureReason: only a failure the settings can cause is rolled back. */
export type StartFailure = 'capacity' | 'lifecycle' | 'other';

/**
 * @example startFailure('InsufficientInstanceCapacity: There is not enough capacity …') // → 'capacity'
 */
export function startFailure(reason: string | undefined): StartFailure {
  if (/InsufficientInstanceCapacity|insufficient[\w\s]*capacity|not enough capacity/i.test(reason ?? ''))
    return 'capacity';
  if (/lifecycle|OnStart|took longer than 5 minutes/i.test(reason ?? '')) return 'lifecycle';
  return 'other';
}

/** A notebook caretaker may have to start again at the end: it ran before the window (or an earlier one left it down). */
const wasRunning = (lease: Lease | undefined) =>
  lease?.initialStatus === 'InService' || lease?.initialStatus === 'Failed' || lease?.leftDown !== undefined;

/** The polling interval of a transition that has lasted `elapsed` seconds against a usual `patience`. */
export function pollSeconds(elapsedSeconds: number, patienceSeconds: number): number {
  if (elapsedSeconds < patienceSeconds) return POLL_SECONDS;
  if (elapsedSeconds < 2 * patienceSeconds) return 120;
  return MAX_POLL_SECONDS;
}

/** The seconds a cycle needs at least from admission: stop, update, start and a last look. */
export function cycleSeconds(timing: CycleTiming, withUpdate: boolean): number {
  return (
    timing.expectedStopSeconds +
    (withUpdate ? UPDATE_WAIT_SECONDS : 0) +
    timing.expectedStartSeconds +
    REPORT_SLACK_SECONDS
  );
}

function wait(facts: CycleFacts, seconds: number, why: string, lease?: Partial<Lease>): Decision {
  const left = Math.floor((facts.terms.hardEnd - facts.now) / 1000);
  return { kind: 'wait', seconds: Math.max(1, Math.min(seconds, left)), why, ...(lease ? { lease } : {}) };
}

/** Whether waiting `seconds` more still leaves the cycle time to end before the window does. */
const fits = (facts: CycleFacts, seconds: number) => facts.now + seconds * 1000 < facts.terms.hardEnd;

/**
 * Whether a transition that does not end (a notebook stuck Stopping or Pending) is still watched: until the
 * window's deadline and one stop-and-start after it, or, without a deadline, until the window's end. Its
 * notebooks-down slot stays held all that time.
 */
function stillWatching(facts: CycleFacts): boolean {
  const { stopBy, timing, hardEnd } = facts.terms;
  const until =
    stopBy === undefined
      ? hardEnd
      : Math.min(hardEnd, stopBy + (timing.stopTimeoutSeconds + timing.startTimeoutSeconds) * 1000);
  return facts.now + (POLL_SECONDS + REPORT_SLACK_SECONDS) * 1000 < until;
}

function result(facts: CycleFacts, outcome: Outcome, reason: string): NotebookResult {
  const { lease, observed, now, name } = facts;
  const failureReason = observed?.failureReason ?? lease?.failureReason;
  const quiet = outcome === 'patched' || outcome === 'settings-applied' || outcome === 'already-patched';
  const changed =
    lease?.snapshot && observed && !isEmptyChange(settingsChange(lease.snapshot, observed.settings));
  return {
    name,
    outcome,
    reason,
    ...(failureReason && !quiet ? { failureReason, lifecycleLog: lifecycleLogStream(name) } : {}),
    ...(observed && observed.status !== 'InService' && !quiet ? { status: observed.status } : {}),
    ...(observed === undefined && !quiet ? { status: 'gone' } : {}),
    ...(changed ? { before: { ...lease.snapshot }, after: { ...observed.settings } } : {}),
    ...(lease?.takenAt !== undefined ? { seconds: Math.round((now - lease.takenAt) / 1000) } : {}),
  };
}

/** Ends a cycle this window does not own: nothing was changed. */
const untouched = (facts: CycleFacts, outcome: Outcome, reason: string): Decision => ({
  kind: 'finish',
  result: result({ ...facts, lease: undefined }, outcome, reason),
  owned: false,
  releaseSlot: false,
});

/** Ends a cycle this window owns, saying what state the notebook is left in. */
function finish(facts: CycleFacts, outcome: Outcome, reason: string): Decision {
  const status = facts.observed?.status;
  const back = status === 'InService';
  const down = wasRunning(facts.lease) && !back && facts.observed !== undefined;
  const left = !back && facts.observed && outcome !== 'settings-applied' ? `; left ${status}` : '';
  // The error that brought the cycle here (a step or a change that failed beyond its retries) belongs in
  // the report.
  const error = facts.error ?? facts.lease?.lastError;
  const cause = error && !reason.includes(error) ? `; last error: ${error}` : '';
  return {
    kind: 'finish',
    result: result(facts, outcome, `${reason}${cause}${left}`),
    owned: true,
    releaseSlot: back || facts.observed === undefined,
    ...(down ? { leftDown: status } : {}),
    ...(back ? { restartedAt: facts.now } : {}),
  };
}

function act(facts: CycleFacts, action: Action, lease: Partial<Lease>, seconds: number): Act {
  // A new change starts with a clean slate: an error an earlier change met no longer explains anything.
  return { kind: 'act', action, lease: { ...lease, phaseSince: facts.now, lastError: undefined }, seconds };
}

/**
 * The one decision of a cycle step: what to do next with this notebook.
 *
 * @example decide({ terms, name: 'nb-1', lease: undefined, observed: { status: 'InService', settings }, now })
 *   // → { kind: 'act', action: { op: 'stop' }, admit: { slot: true }, lease: { phase: 'stopping', … }, seconds: 90 }
 */
export function decide(given: CycleFacts): Decision {
  const facts = withQueued(given);
  if (facts.lease?.owner !== facts.terms.requestId) return begin(facts);
  if ((facts.troubles ?? 0) >= MAX_TROUBLES) return makeSafe(facts);
  return proceed(facts);
}

/**
 * A window of the patch group that findings queued settings for wants them too, for this notebook: what the
 * window asks for and what they asked for, merged (the window's own settings win a setting both name).
 */
export function withQueued(facts: CycleFacts): CycleFacts {
  const queued = facts.lease?.queued;
  if (!queued || !queuedFor(facts.terms, queued)) return facts;
  return {
    ...facts,
    terms: { ...facts.terms, desired: { ...desiredSettings(queued.settings), ...facts.terms.desired } },
  };
}

/** Whether a window is the one a queue waits for: a window (or an audit) of its patch group. */
export const queuedFor = (terms: Pick<WindowTerms, 'scope'>, queued: QueuedSettings) =>
  terms.scope === `group:${queued.group}`;

/**
 * Whether the notebook has every queued setting now: only then is the queue done (a setting queued while
 * the window ran, or one a rollback took back, stays queued for the next window).
 */
export const queuedInEffect = (queued: QueuedSettings, observed: Observed | undefined) =>
  observed !== undefined &&
  isEmptyChange(settingsChange(observed.settings, desiredSettings(queued.settings)));

/** The notebook is not (yet) this window's: take it, wait for its owner, or leave it alone. */
function begin(facts: CycleFacts): Decision {
  const { terms, lease, observed, now } = facts;
  if ((facts.troubles ?? 0) >= GIVE_UP_TROUBLES)
    return untouched(
      facts,
      'failed',
      `could not begin: ${facts.error ?? 'its steps kept failing'}; nothing was changed`,
    );
  if (!observed || observed.status === 'Deleting')
    return untouched(facts, 'not-found', observed ? 'being deleted' : 'no such notebook');
  if (lease?.owner && (lease.expiresAt ?? 0) > now) {
    // Another window owns it: its work must end first, then this one looks again (a finding is never lost).
    if (!fits(facts, OWNER_POLL_SECONDS + cycleSeconds(terms.timing, false)))
      return untouched(
        facts,
        'not-started',
        `window ${lease.owner} owned it until this window's end; nothing was changed`,
      );
    return wait(facts, OWNER_POLL_SECONDS, `owned by window ${lease.owner}`);
  }
  const satisfied = alreadySatisfied(facts);
  if (satisfied) return untouched(facts, 'already-patched', satisfied);
  if (terms.stopBy !== undefined && now >= terms.stopBy)
    return untouched(
      facts,
      'not-started',
      `the window's deadline ${iso(terms.stopBy)} had passed; nothing was changed`,
    );
  const invalid = invalidSettings(terms.desired, observed.settings);
  if (invalid) return untouched(facts, 'not-started', `${invalid}; it was not stopped`);

  const change = settingsChange(observed.settings, terms.desired);
  const leftDown = lease?.leftDown;
  const start = {
    takenAt: now,
    snapshot: observed.settings,
    attempts: 1,
    startAttempts: 0,
    capacityRetries: 0,
    ...(observed.failureReason ? { failureReason: observed.failureReason } : {}),
  };
  switch (observed.status) {
    case 'InService':
      if (!fits(facts, cycleSeconds(terms.timing, !isEmptyChange(change))))
        return untouched(
          facts,
          'not-started',
          `not enough time left before the window's end (${iso(terms.hardEnd)}) to stop and start it; nothing was changed`,
        );
      return {
        ...act(
          facts,
          { op: 'stop' },
          { ...start, initialStatus: 'InService', phase: 'stopping' },
          terms.timing.expectedStopSeconds,
        ),
        admit: { slot: true },
      };
    case 'Stopped':
    case 'Failed': {
      // A Failed notebook cannot be stopped but can be updated and started: it was meant to run. A stopped one
      // that an earlier window left down was running before caretaker took it down: it is started too.
      const initialStatus = leftDown ? 'InService' : observed.status;
      const base = { ...start, initialStatus, ...(leftDown ? { leftDown } : {}) };
      if (!isEmptyChange(change))
        return {
          ...act(
            facts,
            { op: 'update', change },
            { ...base, applied: change, phase: 'updating' },
            UPDATE_WAIT_SECONDS,
          ),
          admit: { slot: false },
        };
      if (observed.status === 'Stopped' && !leftDown)
        return untouched(
          facts,
          'settings-applied',
          'stopped and nothing to change: picks the update up at its next start',
        );
      return {
        ...act(
          facts,
          { op: 'start' },
          { ...base, applied: {}, phase: 'starting', startAttempts: 1 },
          terms.timing.expectedStartSeconds,
        ),
        admit: { slot: false },
      };
    }
    case 'Pending':
    case 'Stopping':
    case 'Updating': {
      // Somebody else's transition (a person, not caretaker: caretaker holds leases): let it settle first.
      const since = observed.lastModifiedAt ?? now;
      const patience = Math.max(terms.timing.stopTimeoutSeconds, terms.timing.startTimeoutSeconds);
      if ((now - since) / 1000 >= patience || !fits(facts, POLL_SECONDS + cycleSeconds(terms.timing, false)))
        return untouched(
          facts,
          'skipped-busy',
          `status was ${observed.status} for more than ${patience} s; nothing was changed`,
        );
      return wait(facts, POLL_SECONDS, `waiting for ${observed.status} to settle`);
    }
    default:
      return untouched(facts, 'skipped-busy', `status was ${observed.status}; nothing was changed`);
  }
}

/**
 * Another window did this request's work already: it restarted the notebook after this request was made and
 * left it with the requested settings; or a finding's settings are simply in effect already.
 */
function alreadySatisfied({ terms, lease, observed }: CycleFacts): string | undefined {
  if (observed?.status !== 'InService') return undefined;
  const inEffect = isEmptyChange(settingsChange(observed.settings, terms.desired));
  if (!inEffect) return undefined;
  const last = lease?.lastCycle;
  if (
    last?.restartedAt !== undefined &&
    last.requestId !== terms.requestId &&
    last.restartedAt > terms.requestedAt
  )
    return `window ${last.requestId} restarted it at ${iso(last.restartedAt)}, after this request (${iso(terms.requestedAt)}), with the requested settings`;
  if (terms.reason === 'finding' && !isEmptyChange(terms.desired))
    return `the requested settings are already in effect (${Object.keys(terms.desired).join(', ')})`;
  return undefined;
}

/** A setting this notebook cannot take, decided before anything is stopped. */
function invalidSettings(desired: NotebookSettings, current: NotebookSettings): string | undefined {
  if (
    desired.volumeSizeInGB !== undefined &&
    current.volumeSizeInGB !== undefined &&
    desired.volumeSizeInGB < current.volumeSizeInGB
  )
    return `volumeSizeInGB ${desired.volumeSizeInGB} is smaller than its ${current.volumeSizeInGB} GB (volumes only grow)`;
  return undefined;
}

/** This window owns the notebook: the next move from its phase and its status. */
function proceed(facts: CycleFacts): Decision {
  const { lease, observed } = facts;
  if (!observed || observed.status === 'Deleting')
    return finish({ ...facts, observed: undefined }, 'not-found', 'deleted during the window');
  switch (lease!.phase) {
    case 'stopping':
      return afterStop(facts, observed);
    case 'updating':
    case 'restoring':
      return afterUpdate(facts, observed);
    case 'retrying':
      if (facts.now < (lease!.retryAt ?? 0))
        return wait(
          facts,
          Math.ceil((lease!.retryAt! - facts.now) / 1000),
          'backing off before the next start',
        );
      return startAgain(facts, lease!.resume ?? 'starting');
    default:
      return afterStart(facts, observed);
  }
}

function afterStop(facts: CycleFacts, observed: Observed): Decision {
  const { lease, terms } = facts;
  const elapsed = (facts.now - (lease!.phaseSince ?? facts.now)) / 1000;
  switch (observed.status) {
    case 'Stopped':
    case 'Failed':
      return stopped(facts, observed);
    case 'Stopping':
      if (!stillWatching(facts))
        return finish(
          facts,
          'needs-attention',
          `still Stopping after ${Math.round(elapsed)} s, watched until the window's deadline; it cannot be started until it stops`,
        );
      return wait(facts, pollSeconds(elapsed, terms.timing.stopTimeoutSeconds), 'stopping');
    case 'InService':
      // The stop never reached SageMaker (a crash before the call) or somebody started it again.
      if ((lease!.attempts ?? 1) >= MAX_REISSUES)
        return finish(
          facts,
          'failed',
          `SageMaker did not stop it after ${lease!.attempts} requests; left running unchanged`,
        );
      return act(
        facts,
        { op: 'stop' },
        { phase: 'stopping', attempts: (lease!.attempts ?? 1) + 1 },
        terms.timing.expectedStopSeconds,
      );
    default:
      // Pending or Updating: somebody else moved it; its next stable status decides.
      return wait(facts, POLL_SECONDS, `${observed.status} while caretaker was stopping it`);
  }
}

/** Stopped (or Failed, which cannot be stopped): apply the change, or start. */
function stopped(facts: CycleFacts, observed: Observed): Decision {
  const { lease, terms } = facts;
  const change = settingsChange(observed.settings, terms.desired);
  if (!isEmptyChange(change))
    return act(
      facts,
      { op: 'update', change },
      { phase: 'updating', applied: { ...lease!.applied, ...change }, attempts: 1 },
      UPDATE_WAIT_SECONDS,
    );
  return startAgain(facts, 'starting');
}

function afterUpdate(facts: CycleFacts, observed: Observed): Decision {
  const { lease, terms } = facts;
  const restoring = lease!.phase === 'restoring';
  const elapsed = (facts.now - (lease!.phaseSince ?? facts.now)) / 1000;
  switch (observed.status) {
    case 'Updating':
      if (elapsed >= terms.timing.stopTimeoutSeconds)
        return finish(facts, 'needs-attention', `still Updating after ${Math.round(elapsed)} s`);
      return wait(facts, POLL_SECONDS, 'updating');
    case 'Stopped':
    case 'Failed': {
      const target = restoring
        ? restoreChange(lease!.snapshot ?? {}, observed.settings).change
        : settingsChange(observed.settings, lease!.applied ?? {});
      if (!isEmptyChange(target)) {
        // The update has not taken effect (a crash before the call): make it again, a bounded number of times.
        if ((lease!.attempts ?? 1) >= MAX_REISSUES)
          return wasRunning(lease)
            ? startAgain(facts, restoring ? 'restarting' : 'starting', {
                outcome: 'failed',
                reason: `SageMaker did not apply ${Object.keys(target).join(', ')} after ${lease!.attempts} requests; started it again`,
              })
            : finish(
                facts,
                'failed',
                `SageMaker did not apply ${Object.keys(target).join(', ')} after ${lease!.attempts} requests`,
              );
        return act(
          facts,
          { op: 'update', change: target },
          { attempts: (lease!.attempts ?? 1) + 1 },
          UPDATE_WAIT_SECONDS,
        );
      }
      if (!wasRunning(lease) && !restoring)
        return finish(facts, 'settings-applied', 'stopped: picks the update up at its next start');
      return startAgain(facts, restoring ? 'restarting' : 'starting');
    }
    default:
      // InService or Pending: somebody started it before caretaker could; the start's checks apply.
      return afterStart(facts, observed);
  }
}

function startAgain(
  facts: CycleFacts,
  phase: 'starting' | 'restarting' | 'recovering',
  pending?: Lease['pending'],
): Act {
  const { lease, terms } = facts;
  return act(
    facts,
    { op: 'start' },
    {
      phase,
      attempts: 1,
      startAttempts: (lease!.startAttempts ?? 0) + 1,
      retryAt: undefined,
      resume: undefined,
      ...(pending ? { pending } : {}),
    },
    terms.timing.expectedStartSeconds,
  );
}

function afterStart(facts: CycleFacts, observed: Observed): Decision {
  const { lease, terms } = facts;
  const elapsed = (facts.now - (lease!.phaseSince ?? facts.now)) / 1000;
  switch (observed.status) {
    case 'InService':
      return inService(facts, observed);
    case 'Pending':
      if (!stillWatching(facts))
        return finish(
          facts,
          'needs-attention',
          `still Pending after ${Math.round(elapsed)} s, watched until the window's deadline`,
        );
      return wait(facts, pollSeconds(elapsed, terms.timing.startTimeoutSeconds), 'starting');
    case 'Stopped':
      return reissueStart(facts);
    case 'Failed':
      // Failed from before the start (the call never took effect) or as the start's result.
      if ((observed.lastModifiedAt ?? Number.POSITIVE_INFINITY) < (lease!.phaseSince ?? 0))
        return reissueStart(facts);
      return startFailed(facts, observed);
    default:
      return wait(facts, POLL_SECONDS, `${observed.status} while caretaker was starting it`);
  }
}

function reissueStart(facts: CycleFacts): Decision {
  const { lease, terms } = facts;
  if ((lease!.attempts ?? 1) >= MAX_REISSUES)
    return finish(facts, 'needs-attention', `SageMaker did not start it after ${lease!.attempts} requests`);
  return act(
    facts,
    { op: 'start' },
    { attempts: (lease!.attempts ?? 1) + 1 },
    terms.timing.expectedStartSeconds,
  );
}

function inService(facts: CycleFacts, observed: Observed): Decision {
  const { lease } = facts;
  if (lease!.pending) return finish(facts, lease!.pending.outcome, lease!.pending.reason);
  const missing = Object.entries(lease!.applied ?? {}).filter(
    ([key, value]) => ((observed.settings as Record<string, unknown>)[key] ?? null) !== (value ?? null),
  );
  if (missing.length > 0)
    return finish(
      facts,
      'failed',
      `restarted, but settings not in effect: ${missing.map(([k]) => k).join(', ')}`,
    );
  const starts = lease!.startAttempts ?? 1;
  const retried = starts > 1 ? ` after ${starts} start attempts` : '';
  const capacity =
    (lease!.capacityRetries ?? 0) > 0 ? ` (${lease!.capacityRetries} for capacity, settings kept)` : '';
  const from =
    lease!.initialStatus === 'Failed'
      ? 'was Failed; '
      : lease!.leftDown
        ? `left down by window ${lease!.leftDown.requestId}; `
        : '';
  return finish(facts, 'patched', `${from}restarted${retried}${capacity}`);
}

function startFailed(facts: CycleFacts, observed: Observed): Decision {
  const { lease, terms } = facts;
  const why = startFailure(observed.failureReason);
  const failed = { failureReason: observed.failureReason };
  // A start made before the settings were restored (or without new settings) is the first start.
  const restored = lease!.phase === 'restarting' || lease!.phase === 'recovering';
  const resume = restored ? 'restarting' : 'starting';
  if (why === 'capacity') {
    // Not the new settings' fault: keep them and try again later in the window.
    const retries = lease!.capacityRetries ?? 0;
    const backoff = capacityBackoffSeconds(retries);
    if (
      retries < MAX_CAPACITY_RETRIES &&
      fits(facts, backoff + terms.timing.expectedStartSeconds + REPORT_SLACK_SECONDS)
    )
      return wait(facts, backoff, 'insufficient capacity: retrying later', {
        ...failed,
        phase: 'retrying',
        resume,
        retryAt: facts.now + backoff * 1000,
        capacityRetries: retries + 1,
        phaseSince: facts.now,
      });
    return finish(
      facts,
      restored ? 'needs-attention' : 'failed',
      `insufficient capacity: ${retries + 1} starts failed; settings kept`,
    );
  }
  if (!restored && !isEmptyChange(lease!.applied ?? {})) {
    // A failure the new settings can cause (a lifecycle script, the platform): put the snapshot back at once.
    const { change, kept } = restoreChange(lease!.snapshot ?? {}, observed.settings);
    const reason = [
      `start failed with the new settings; restored ${Object.keys(lease!.applied ?? {}).join(', ')}`,
      ...kept,
    ].join('; ');
    const pending = { outcome: 'rolled-back' as const, reason };
    if (isEmptyChange(change))
      return startAgain({ ...facts, lease: { ...lease!, applied: {} } }, 'restarting', pending);
    return act(
      facts,
      { op: 'update', change },
      { ...failed, phase: 'restoring', applied: {}, attempts: 1, pending },
      UPDATE_WAIT_SECONDS,
    );
  }
  const starts = lease!.startAttempts ?? 1;
  if (
    starts < MAX_START_ATTEMPTS &&
    fits(facts, 120 * starts + terms.timing.expectedStartSeconds + REPORT_SLACK_SECONDS)
  )
    return wait(facts, 120 * starts, 'start failed: retrying', {
      ...failed,
      phase: 'retrying',
      resume,
      retryAt: facts.now + 120 * starts * 1000,
      phaseSince: facts.now,
    });
  if (!restored) return finish(facts, 'failed', `start failed ${starts} times`);
  return finish(
    facts,
    'needs-attention',
    `${lease!.pending?.reason ?? 'restarted'}; but it still fails to start (${starts} attempts)`,
  );
}

/**
 * The cycle's steps kept failing: stop pursuing the change and make sure a notebook that was running runs
 * again (with its old settings when new ones were applied), then report it as it is. A transition in
 * progress is waited out first: giving up on a notebook that is stopping would leave it stopped.
 */
function makeSafe(facts: CycleFacts): Decision {
  const { lease, observed } = facts;
  const error = facts.error ?? 'its steps kept failing';
  if (!observed || observed.status === 'Deleting')
    return finish({ ...facts, observed: undefined }, 'not-found', `deleted during the window (${error})`);
  if ((facts.troubles ?? 0) >= GIVE_UP_TROUBLES) return finish(facts, 'needs-attention', error);
  const recovering = lease!.phase === 'recovering' || lease!.pending?.outcome === 'failed';
  switch (observed.status) {
    case 'InService':
      if (lease!.pending) return finish(facts, lease!.pending.outcome, lease!.pending.reason);
      return finish(facts, 'failed', `${error}; it is running`);
    case 'Stopping':
    case 'Pending':
    case 'Updating':
      if (!stillWatching(facts)) return finish(facts, 'needs-attention', error);
      return wait(facts, POLL_SECONDS, `${observed.status} after a failed step`);
    default: {
      if (!wasRunning(lease)) return finish(facts, 'failed', error);
      // The recovery's own start failed (a status change after it): nothing more to try.
      if (recovering && (observed.lastModifiedAt ?? 0) >= (lease!.phaseSince ?? 0))
        return finish(facts, 'needs-attention', `${error}; starting it again failed too`);
      const { change } = restoreChange(lease!.snapshot ?? {}, observed.settings);
      if (!isEmptyChange(change) && observed.status === 'Stopped' && lease!.phase !== 'restoring')
        return act(
          facts,
          { op: 'update', change },
          {
            phase: 'restoring',
            applied: {},
            attempts: 1,
            pending: { outcome: 'failed', reason: `${error}; settings restored and started again` },
          },
          UPDATE_WAIT_SECONDS,
        );
      return startAgain(facts, 'recovering', { outcome: 'failed', reason: `${error}; started again` });
    }
  }
}

/**
 * SageMaker refused a change outright (not a status race): what the cycle does instead. The one refusal
 * caretaker expects is an update of a Failed notebook, which AWS does not document either way.
 */
export function refused(facts: CycleFacts, action: Action, message: string): Decision {
  const { lease, observed } = facts;
  if (action.op === 'update' && observed?.status === 'Failed') {
    if (lease?.phase === 'restoring' || lease?.pending?.outcome === 'rolled-back')
      return finish(
        facts,
        'needs-attention',
        `${lease?.pending?.reason ?? 'start failed with the new settings'}, but SageMaker refused to update the Failed notebook (${message}), so the previous settings could not be put back`,
      );
    return startAgain(facts, 'starting', {
      outcome: 'failed',
      reason: `SageMaker refused to update it while Failed (${message}); started it without the new settings`,
    });
  }
  return finish(
    facts,
    wasRunning(lease) ? 'needs-attention' : 'failed',
    `SageMaker refused ${action.op}: ${message}`,
  );
}

/** The notebook is owned by another window, or no slot is free: the admission could not be made. */
export function notAdmitted(facts: CycleFacts, why: 'budget' | 'slot' | 'lease', holder?: string): Decision {
  if (why === 'budget')
    return untouched(
      facts,
      'not-started',
      `error budget spent: more than ${facts.terms.tolerated} notebook(s) failed; nothing was changed`,
    );
  if (why === 'lease')
    return wait(facts, OWNER_POLL_SECONDS, `owned by window ${holder ?? 'another window'}`);
  if (facts.terms.stopBy !== undefined && facts.now + SLOT_POLL_SECONDS * 1000 >= facts.terms.stopBy)
    return untouched(
      facts,
      'not-started',
      `no slot was free before the window's deadline; nothing was changed`,
    );
  return wait(
    facts,
    SLOT_POLL_SECONDS,
    `${facts.terms.maxConcurrency} notebook(s) of ${facts.terms.scope} are down`,
  );
}

/**
 * The window ends and this notebook's cycle has not (its execution timed out, failed or was stopped, and the
 * Map's children with it): report the notebook as it is, so nothing is left down under a silent report. A
 * notebook left down is marked so, and the next window starts it.
 */
export function abandon(facts: CycleFacts, why: string): Decision {
  if (!facts.observed || facts.observed.status === 'Deleting')
    return finish({ ...facts, observed: undefined }, 'not-found', `deleted; ${why}`);
  if (facts.observed.status === 'InService' && facts.lease?.pending)
    return finish(facts, facts.lease.pending.outcome, facts.lease.pending.reason);
  if (facts.observed.status === 'InService')
    return finish(facts, 'failed', `${why}; it is running, not verified`);
  return finish(facts, 'needs-attention', why);
}
