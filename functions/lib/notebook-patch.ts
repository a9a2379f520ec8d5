import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ValidationError } from './errors.ts';
import { putEvents, type EventClients } from './eventbridge.ts';
import { permissionsOf } from './iam.ts';
import { admitNotebook, openWindow, recordFailure, type LedgerClients } from './ledger.ts';
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
} from './notebook-cycle.ts';
import { desiredSettings, restoreChange, settingsChange } from './notebook-settings.ts';
import { metrics } from './observability.ts';
import { ERROR_OUTCOMES, type NotebookResult } from './outcomes.ts';
import { buildReport, type PatchReport } from './patch-report.ts';
import { parsePatchRequest, toleratedFailures, type PatchRequest } from './patch-request.ts';
import {
  describeNotebook,
  lifecycleConfigExists,
  listNotebooks,
  listNotebookTags,
  startNotebook,
  stopNotebook,
  updateNotebook,
} from './sagemaker/notebooks.ts';
import { planTargets } from './target-selection.ts';

/** What the notebook steps talk to; handlers pass the module-level clients, tests their own. */
export interface NotebookDeps {
  sagemaker: SageMakerClient;
  ledger: LedgerClients;
  events: EventClients;
  now: () => number;
}

export interface Selection {
  requestId: string;
  dryRun: boolean;
  maxConcurrency: number;
  plan: Array<{ name: string }>;
  skipped: NotebookResult[];
  /** The fields every notebook's cycle starts with. */
  cycle: Omit<Cycle, 'name' | 'next'>;
}

export const selectTargetsPermissions = permissionsOf(
  listNotebooks,
  listNotebookTags,
  lifecycleConfigExists,
  openWindow,
);

/**
 * Validates the request and decides which notebooks the window will cycle. Nothing is changed here, so a
 * bad request or a missing lifecycle configuration stops the workflow before its first change.
 */
export async function selectTargets(input: unknown, deps: NotebookDeps): Promise<Selection> {
  const request = parsePatchRequest(input);
  const lifecycle = request.settings.lifecycleConfigName;
  if (lifecycle && !(await lifecycleConfigExists(deps.sagemaker, lifecycle))) {
    throw new ValidationError([
      {
        field: 'settings.lifecycleConfigName',
        message: `lifecycle configuration ${JSON.stringify(lifecycle)} does not exist`,
      },
    ]);
  }
  const listed = await listNotebooks(deps.sagemaker);
  const wanted = 'names' in request.targets ? new Set(request.targets.names) : undefined;
  const candidates = [];
  for (const nb of listed) {
    if (wanted && !wanted.has(nb.name)) continue;
    candidates.push({ ...nb, tags: await listNotebookTags(deps.sagemaker, nb.arn) });
  }
  const { plan, skipped } = planTargets(request.targets, candidates, request.policy);
  const tolerated = toleratedFailures(request.policy.maxErrors, plan.length);
  if (!request.policy.dryRun && plan.length > 0) await openWindow(deps.ledger, request.requestId, deps.now());
  return {
    requestId: request.requestId,
    dryRun: request.policy.dryRun,
    maxConcurrency: request.policy.maxConcurrency,
    plan,
    skipped,
    cycle: {
      requestId: request.requestId,
      desired: desiredSettings(request.settings),
      tolerated,
      timing: {
        expectedStopSeconds: request.policy.expectedStopSeconds,
        expectedStartSeconds: request.policy.expectedStartSeconds,
        stopTimeoutSeconds: request.policy.stopTimeoutSeconds,
        startTimeoutSeconds: request.policy.startTimeoutSeconds,
        ...(request.policy.deadline ? { deadline: request.policy.deadline } : {}),
      },
    },
  };
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
  if (decided.stop) await stopNotebook(deps.sagemaker, cycle.name);
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

export interface PatchOutput extends PatchReport {
  requestId: string;
  dryRun: boolean;
  plan?: Array<{ name: string }>;
}

export const reportPermissions = permissionsOf(putEvents);

/** Builds the window's report, announces it on the caretaker bus and records metrics. */
export async function reportWindow(
  input: {
    request: PatchRequest | Record<string, unknown>;
    selection: Selection;
    results?: unknown[];
    startedAt?: string;
  },
  deps: NotebookDeps,
): Promise<PatchOutput> {
  const { selection } = input;
  const report = buildReport(
    selection.dryRun ? [] : selection.plan,
    selection.skipped,
    (input.results ?? []) as NotebookResult[],
  );
  const output: PatchOutput = {
    requestId: selection.requestId,
    dryRun: selection.dryRun,
    ...(selection.dryRun ? { plan: selection.plan } : {}),
    ...report,
  };
  const request = input.request as Partial<PatchRequest>;
  await putEvents(deps.events, [
    {
      detailType: 'Notebook Patch Completed',
      detail: {
        ...output,
        reason: request.reason,
        source: request.source,
        startedAt: input.startedAt,
        finishedAt: new Date(deps.now()).toISOString(),
      },
    },
  ]);
  for (const [outcome, count] of Object.entries(report.counts))
    metrics.addMetric(`Notebooks.${outcome}`, 'Count', count);
  metrics.addMetric('PatchWindows', 'Count', 1);
  return output;
}
