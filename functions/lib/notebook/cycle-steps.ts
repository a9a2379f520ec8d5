import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AwsRequestError } from '../errors.ts';
import type { EventClients } from '../aws/eventbridge.ts';
import { permissionsOf } from '../iam.ts';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { admitNotebook, recordFailure } from '../aws/ledger/windows.ts';
import {
  afterApply,
  afterCheck,
  afterRestore,
  afterStart,
  begin,
  finish,
  recover,
  withinDeadline,
  type Cycle,
  type Observed,
} from './cycle.ts';
import { restoreChange, settingsChange } from './settings.ts';
import { ERROR_OUTCOMES } from './outcomes.ts';
import { describeNotebook, startNotebook, stopNotebook, updateNotebook } from '../aws/sagemaker/notebooks.ts';

/**
 * The steps of one notebook's cycle (see cycle.ts for the decisions). Kept apart from the
 * window-level steps (selection.ts, report-step.ts) so these functions do not bundle the request schemas.
 */

/** What the notebook steps talk to; handlers pass the module-level clients, tests their own. */
export interface NotebookDeps {
  sagemaker: SageMakerClient;
  ledger: LedgerClients;
  events: EventClients;
  now: () => number;
}

async function observe(deps: NotebookDeps, name: string): Promise<Observed | undefined> {
  const d = await describeNotebook(deps.sagemaker, name);
  return (
    d && {
      status: d.status,
      ...(d.failureReason ? { failureReason: d.failureReason } : {}),
      settings: d.settings,
    }
  );
}

/** Records a bad ending in the window's error budget, so later notebooks are not admitted past it. */
async function settle(cycle: Cycle, deps: NotebookDeps): Promise<Cycle> {
  if (cycle.result && ERROR_OUTCOMES.has(cycle.result.outcome))
    await recordFailure(deps.ledger, cycle.requestId);
  return cycle;
}

export const beginPermissions = permissionsOf(admitNotebook, describeNotebook, stopNotebook, recordFailure);

/** Admits the notebook (error budget, deadline), snapshots its settings and stops it if it is running. */
export async function beginCycle(cycle: Cycle, deps: NotebookDeps): Promise<Cycle> {
  const now = deps.now();
  if (!withinDeadline(cycle.timing, now)) {
    return finish(cycle, now, 'not-started', `the window's deadline ${cycle.timing.deadline} had passed`);
  }
  if (!(await admitNotebook(deps.ledger, cycle.requestId, cycle.tolerated))) {
    return finish(
      cycle,
      now,
      'not-started',
      `error budget spent: more than ${cycle.tolerated} notebook(s) failed`,
    );
  }
  const decided = begin(cycle, await observe(deps, cycle.name), now);
  if (!decided.stop) return decided.cycle;
  try {
    await stopNotebook(deps.sagemaker, cycle.name);
  } catch (err) {
    // Someone else (another window, a person) changed it between our look and our stop: theirs to finish.
    const status =
      err instanceof AwsRequestError ? /Status \((\w+)\) not in/.exec(err.message)?.[1] : undefined;
    if (!status) throw err;
    return finish(cycle, now, 'skipped-busy', `status became ${status} before caretaker could stop it`);
  }
  return decided.cycle;
}

export const checkPermissions = permissionsOf(describeNotebook, recordFailure);

export async function checkCycle(cycle: Cycle, deps: NotebookDeps): Promise<Cycle> {
  return settle(afterCheck(cycle, await observe(deps, cycle.name), deps.now()), deps);
}

export const applySettingsPermissions = permissionsOf(updateNotebook);

/** Applies the requested settings that differ from the snapshot (the notebook is stopped or failed here). */
export async function applySettings(cycle: Cycle, deps: NotebookDeps): Promise<Cycle> {
  const change = settingsChange(cycle.snapshot ?? {}, cycle.desired);
  if (Object.keys(change).length > 0) await updateNotebook(deps.sagemaker, cycle.name, change);
  return afterApply(cycle, change, deps.now());
}

export const startPermissions = permissionsOf(startNotebook);

export async function startCycle(cycle: Cycle, deps: NotebookDeps): Promise<Cycle> {
  await startNotebook(deps.sagemaker, cycle.name);
  return afterStart(cycle, deps.now());
}

export const restorePermissions = permissionsOf(updateNotebook);

/** The start failed with the new settings: put the snapshot's settings back (the next step starts it). */
export async function restoreCycle(cycle: Cycle, deps: NotebookDeps): Promise<Cycle> {
  const current = { ...cycle.snapshot, ...cycle.applied };
  const { change, kept } = restoreChange(cycle.snapshot ?? {}, current);
  if (Object.keys(change).length > 0) await updateNotebook(deps.sagemaker, cycle.name, change);
  return afterRestore(cycle, change, kept, deps.now());
}

export const recoverPermissions = permissionsOf(describeNotebook, startNotebook, recordFailure);

/** The catch-all: a step failed beyond its retries. Bring a notebook that was running back, and report. */
export async function recoverCycle(
  cycle: Cycle & { error?: { Error?: string; Cause?: string } },
  deps: NotebookDeps,
): Promise<Cycle> {
  const { error, ...rest } = cycle;
  const message = describeStepError(error);
  const decided = recover(rest, await observe(deps, cycle.name), message, deps.now());
  if (!decided.start) return settle(decided.cycle, deps);
  try {
    await startNotebook(deps.sagemaker, cycle.name);
  } catch (err) {
    const reason = `${message}; restarting it failed too: ${(err as Error).message}`;
    return settle(finish(rest, deps.now(), 'needs-attention', reason), deps);
  }
  return afterStart(decided.cycle, deps.now());
}

/** Step Functions hands a caught error over as `{Error, Cause}`; Cause is the Lambda's JSON error. */
function describeStepError(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'a step failed';
  try {
    const cause = JSON.parse(error.Cause ?? '{}') as { errorMessage?: string };
    return `${error.Error}: ${cause.errorMessage ?? error.Cause}`;
  } catch {
    return `${error.Error}: ${error.Cause}`;
  }
}
