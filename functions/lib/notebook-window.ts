import { ValidationError } from './errors.ts';
import { putEvents } from './eventbridge.ts';
import { permissionsOf } from './iam.ts';
import { openWindow } from './ledger.ts';
import type { Cycle } from './notebook-cycle.ts';
import type { NotebookDeps } from './notebook-patch.ts';
import { desiredSettings } from './notebook-settings.ts';
import { metrics } from './observability.ts';
import type { NotebookResult } from './outcomes.ts';
import { buildReport, type PatchReport } from './patch-report.ts';
import { parsePatchRequest, toleratedFailures, type PatchRequest } from './patch-request.ts';
import { lifecycleConfigExists, listNotebooks, listNotebookTags } from './sagemaker/notebooks.ts';
import { planTargets } from './target-selection.ts';

/** The window-level steps of notebook-patch: choosing the notebooks, and the report at the end. */

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
