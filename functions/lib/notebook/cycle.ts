/**
 * lib/notebook — the notebook patch window: which notebooks (`targets.ts`, `selection.ts`), what to change
 * (`settings.ts`, `request.ts`), one notebook's cycle (this file decides, `cycle-steps.ts` acts), and the
 * report (`report.ts`, `report-step.ts`). It may import the gateways (`../aws`) and the shared core
 * (`../*.ts`); never the endpoint or trigger domains.
 */
import type { NotebookSettings } from '../aws/sagemaker/notebooks.ts';
import type { NotebookResult, Outcome } from './outcomes.ts';

/**
 * One notebook's trip through a patch window, as the state machine carries it between steps. Every step
 * reads the notebook's real status first and decides from it (never from what it expected), so a retried
 * or repeated step is a no-op, not an error.
 *
 *   InService ─Stop→ Stopping ─(expectedStop, then every 30 s)→ Stopped ─Update?→ Updating → Stopped
 *     ─Start→ Pending ─(expectedStart, then every 30 s)→ InService ✓
 *                                                     └→ Failed → Restore snapshot → Start → InService (rolled-back)
 */
export const NEXT = {
  waitForStopped: 'WaitForStopped',
  applySettings: 'ApplySettings',
  waitForUpdate: 'WaitForUpdate',
  start: 'Start',
  waitForInService: 'WaitForInService',
  waitBeforeRetry: 'WaitBeforeRetry',
  restore: 'Restore',
  done: 'Done',
} as const;

export type Next = (typeof NEXT)[keyof typeof NEXT];

export type Phase = 'stopping' | 'updating' | 'starting' | 'restoring' | 'restarting' | 'recovering';

export const POLL_SECONDS = 30;
export const UPDATE_WAIT_SECONDS = 30;
export const MAX_START_ATTEMPTS = 3;
/** Capacity failures clear with time: wait longer before each new attempt. */
export const retryDelaySeconds = (attempt: number) => 120 * attempt;

export interface CycleTiming {
  expectedStopSeconds: number;
  expectedStartSeconds: number;
  stopTimeoutSeconds: number;
  startTimeoutSeconds: number;
  deadline?: string | undefined;
}

export interface Cycle {
  requestId: string;
  name: string;
  desired: NotebookSettings;
  tolerated: number;
  timing: CycleTiming;
  beganAt?: number;
  initialStatus?: string;
  snapshot?: NotebookSettings;
  applied?: NotebookSettings;
  phase?: Phase;
  phaseDeadline?: number;
  startAttempts?: number;
  /** What to report once the notebook is back in service (after a restore or a recovery). */
  pendingOutcome?: Outcome;
  pendingReason?: string;
  failureReason?: string;
  wait?: number;
  next: Next;
  result?: NotebookResult;
}

export interface Observed {
  status: string;
  failureReason?: string;
  settings: NotebookSettings;
}

/** The log stream SageMaker writes a notebook's OnStart script output to. */
export const lifecycleLogStream = (name: string) =>
  `/aws/sagemaker/NotebookInstances/${name}/LifecycleConfigOnStart`;

export function finish(
  cycle: Cycle,
  nowMs: number,
  outcome: Outcome,
  reason?: string,
  observed?: Observed,
): Cycle {
  const failureReason = observed?.failureReason ?? cycle.failureReason;
  const result: NotebookResult = {
    name: cycle.name,
    outcome,
    ...(reason ? { reason } : {}),
    ...(failureReason && outcome !== 'patched' && outcome !== 'settings-applied'
      ? { failureReason, lifecycleLog: lifecycleLogStream(cycle.name) }
      : {}),
    // Settings are reported where they changed: a window of thousands stays within Step Functions' payload limit.
    ...(cycle.snapshot && observed && JSON.stringify(cycle.snapshot) !== JSON.stringify(observed.settings)
      ? { before: { ...cycle.snapshot }, after: { ...observed.settings } }
      : {}),
    ...(cycle.beganAt !== undefined ? { seconds: Math.round((nowMs - cycle.beganAt) / 1000) } : {}),
  };
  return { ...cycle, next: NEXT.done, result };
}

function waitIn(cycle: Cycle, next: Next, seconds: number, patch: Partial<Cycle> = {}): Cycle {
  return { ...cycle, ...patch, next, wait: seconds };
}

const wasRunning = (cycle: Cycle) => cycle.initialStatus === 'InService' || cycle.initialStatus === 'Failed';

/** Decides what the first step does, from the status found when the notebook is admitted. */
export function begin(
  cycle: Cycle,
  observed: Observed | undefined,
  nowMs: number,
): { cycle: Cycle; stop: boolean } {
  const c: Cycle = { ...cycle, beganAt: nowMs };
  if (!observed || observed.status === 'Deleting') {
    return {
      cycle: finish(c, nowMs, 'not-found', observed ? 'being deleted' : 'no such notebook'),
      stop: false,
    };
  }
  const started = { ...c, initialStatus: observed.status, snapshot: observed.settings };
  switch (observed.status) {
    case 'InService':
      return {
        cycle: waitIn(started, NEXT.waitForStopped, c.timing.expectedStopSeconds, {
          phase: 'stopping',
          phaseDeadline: nowMs + c.timing.stopTimeoutSeconds * 1000,
        }),
        stop: true,
      };
    case 'Stopped':
    case 'Failed':
      // A Failed notebook cannot be stopped but can be updated and started: treat it like a stopped one
      // that was meant to run.
      return {
        cycle: { ...started, next: NEXT.applySettings, failureReason: observed.failureReason },
        stop: false,
      };
    default:
      return { cycle: finish(c, nowMs, 'skipped-busy', `status was ${observed.status}`), stop: false };
  }
}

/** Decides what follows a status check, for whichever wait the cycle is in. */
export function afterCheck(cycle: Cycle, observed: Observed | undefined, nowMs: number): Cycle {
  if (!observed) return finish(cycle, nowMs, 'not-found', 'deleted during the window');
  const late = cycle.phaseDeadline !== undefined && nowMs >= cycle.phaseDeadline;
  const { status } = observed;
  switch (cycle.phase) {
    case 'stopping':
      if (status === 'Stopped' || status === 'Failed') return { ...cycle, next: NEXT.applySettings };
      if (status === 'Stopping' && !late) return waitIn(cycle, NEXT.waitForStopped, POLL_SECONDS);
      return finish(
        cycle,
        nowMs,
        'needs-attention',
        status === 'Stopping'
          ? `still Stopping after ${cycle.timing.stopTimeoutSeconds} s; it cannot be started until it stops`
          : `unexpected status ${status} while stopping`,
        observed,
      );
    case 'updating':
    case 'restoring':
      if (status === 'Stopped' || status === 'Failed') {
        if (!wasRunning(cycle) && cycle.phase === 'updating') {
          return finish(
            cycle,
            nowMs,
            'settings-applied',
            'stopped: picks the update up at its next start',
            observed,
          );
        }
        return { ...cycle, next: NEXT.start };
      }
      if (status === 'Updating' && !late) return waitIn(cycle, NEXT.waitForUpdate, POLL_SECONDS);
      return finish(
        cycle,
        nowMs,
        'needs-attention',
        `status ${status} after updating its settings`,
        observed,
      );
    case 'starting':
    case 'restarting':
    case 'recovering':
      return afterStartCheck(cycle, observed, nowMs, late);
    default:
      return finish(
        cycle,
        nowMs,
        'needs-attention',
        `no check defined for phase ${String(cycle.phase)}`,
        observed,
      );
  }
}

function afterStartCheck(cycle: Cycle, observed: Observed, nowMs: number, late: boolean): Cycle {
  const { status } = observed;
  if (status === 'InService') {
    if (cycle.pendingOutcome)
      return finish(cycle, nowMs, cycle.pendingOutcome, cycle.pendingReason, observed);
    const missing = Object.entries(cycle.applied ?? {}).filter(
      ([key, value]) => (observed.settings as Record<string, unknown>)[key] !== value,
    );
    if (missing.length > 0) {
      return finish(
        cycle,
        nowMs,
        'failed',
        `settings not in effect: ${missing.map(([k]) => k).join(', ')}`,
        observed,
      );
    }
    const retried = (cycle.startAttempts ?? 1) > 1 ? ` after ${cycle.startAttempts} start attempts` : '';
    const fromFailed = cycle.initialStatus === 'Failed' ? 'was Failed; ' : '';
    return finish(cycle, nowMs, 'patched', `${fromFailed}restarted${retried}`.trim(), observed);
  }
  if (status === 'Pending' && !late) return waitIn(cycle, NEXT.waitForInService, POLL_SECONDS);
  if (status === 'Failed') {
    const failed = { ...cycle, failureReason: observed.failureReason };
    if (cycle.phase === 'starting' && Object.keys(cycle.applied ?? {}).length > 0) {
      return { ...failed, next: NEXT.restore };
    }
    const attempts = cycle.startAttempts ?? 1;
    if (attempts < MAX_START_ATTEMPTS)
      return waitIn(failed, NEXT.waitBeforeRetry, retryDelaySeconds(attempts));
    const outcome = cycle.phase === 'restarting' ? 'needs-attention' : 'failed';
    const what =
      cycle.phase === 'restarting' ? 'restored settings, but it still fails to start' : 'start failed';
    return finish(failed, nowMs, outcome, `${what} ${attempts} times; left Failed`, observed);
  }
  return finish(
    cycle,
    nowMs,
    'needs-attention',
    status === 'Pending'
      ? `still Pending after ${cycle.timing.startTimeoutSeconds} s`
      : `status ${status} after a start`,
    observed,
  );
}

/** After Stopped: the change to apply, or straight to Start / done when there is nothing to change. */
export function afterApply(cycle: Cycle, change: NotebookSettings, nowMs: number): Cycle {
  if (Object.keys(change).length > 0) {
    return waitIn(cycle, NEXT.waitForUpdate, UPDATE_WAIT_SECONDS, {
      applied: change,
      phase: 'updating',
      phaseDeadline: nowMs + cycle.timing.stopTimeoutSeconds * 1000,
    });
  }
  if (!wasRunning(cycle)) {
    return finish(
      cycle,
      nowMs,
      'settings-applied',
      'stopped and nothing to change: picks the update up at its next start',
      {
        status: cycle.initialStatus ?? 'Stopped',
        settings: cycle.snapshot ?? {},
      },
    );
  }
  return { ...cycle, next: NEXT.start };
}

export function afterStart(cycle: Cycle, nowMs: number): Cycle {
  const phase: Phase =
    cycle.phase === 'restoring'
      ? 'restarting'
      : cycle.phase === 'recovering'
        ? 'recovering'
        : cycle.phase === 'restarting'
          ? 'restarting'
          : 'starting';
  return waitIn(cycle, NEXT.waitForInService, cycle.timing.expectedStartSeconds, {
    phase,
    startAttempts: (cycle.startAttempts ?? 0) + 1,
    phaseDeadline: nowMs + cycle.timing.startTimeoutSeconds * 1000,
  });
}

/** The start failed with new settings: put the snapshot back and start again. */
export function afterRestore(cycle: Cycle, change: NotebookSettings, kept: string[], nowMs: number): Cycle {
  const reason = [
    `start failed with the new settings; restored ${Object.keys(cycle.applied ?? {}).join(', ')}`,
    ...kept,
  ].join('; ');
  const restored: Cycle = {
    ...cycle,
    pendingOutcome: 'rolled-back',
    pendingReason: reason,
    startAttempts: 0,
    applied: {},
  };
  if (Object.keys(change).length === 0) return { ...restored, phase: 'restoring', next: NEXT.start };
  return waitIn(restored, NEXT.waitForUpdate, UPDATE_WAIT_SECONDS, {
    phase: 'restoring',
    phaseDeadline: nowMs + cycle.timing.stopTimeoutSeconds * 1000,
  });
}

/**
 * A step failed in a way its retries did not fix. Whatever happened, a notebook that was running must not
 * be left down silently: start it if it can be started, and report.
 */
export function recover(
  cycle: Cycle,
  observed: Observed | undefined,
  error: string,
  nowMs: number,
): { cycle: Cycle; start: boolean } {
  if (!observed)
    return { cycle: finish(cycle, nowMs, 'not-found', `deleted during the window (${error})`), start: false };
  if (cycle.phase === 'recovering') {
    // Recovery itself failed: stop trying, so a persistent fault cannot loop Recover → Check → Recover.
    return {
      cycle: finish(cycle, nowMs, 'needs-attention', `${error}; left ${observed.status}`, observed),
      start: false,
    };
  }
  const canStart = observed.status === 'Stopped' || observed.status === 'Failed';
  if (wasRunning(cycle) && canStart) {
    return {
      cycle: {
        ...cycle,
        phase: 'recovering',
        pendingOutcome: 'failed',
        pendingReason: `${error}; started again unchanged`,
        startAttempts: 0,
      },
      start: true,
    };
  }
  if (observed.status === 'InService' || !wasRunning(cycle)) {
    return { cycle: finish(cycle, nowMs, 'failed', error, observed), start: false };
  }
  return {
    cycle: finish(cycle, nowMs, 'needs-attention', `${error}; left ${observed.status}`, observed),
    start: false,
  };
}

/** Whether the window may still stop a notebook (its deadline, if any, has not passed). */
export function withinDeadline(timing: CycleTiming, nowMs: number): boolean {
  return timing.deadline === undefined || nowMs < Date.parse(timing.deadline);
}
