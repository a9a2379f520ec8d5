import { putEvents } from '../aws/eventbridge.ts';
import { permissionsOf } from '../iam.ts';
import type { NotebookDeps } from './cycle-steps.ts';
import type { Selection } from './selection.ts';
import { metrics } from '../observability.ts';
import type { NotebookResult } from './outcomes.ts';
import { buildReport, type PatchReport } from './report.ts';
import type { PatchRequest } from './request.ts';

export interface PatchOutput extends PatchReport {
  requestId: string;
  dryRun: boolean;
  plan?: Array<{ name: string }>;
}

/** Outcomes that need no one's attention; the event lists every other notebook by name. */
const QUIET_OUTCOMES = new Set(['patched', 'settings-applied', 'skipped-exempt']);
/** An EventBridge entry holds at most 256 KB: the event names at most this many notebooks. */
export const EVENT_NOTEBOOK_LIMIT = 200;

/**
 * The `Notebook Patch Completed` detail: the counts, and the notebooks someone should look at (the full
 * per-notebook report is the execution's output).
 */
export function completionSummary(report: PatchReport) {
  const notable = report.notebooks.filter((n) => !QUIET_OUTCOMES.has(n.outcome));
  return {
    counts: report.counts,
    total: report.notebooks.length,
    notebooks: notable.slice(0, EVENT_NOTEBOOK_LIMIT).map(({ name, outcome, reason, failureReason }) => ({
      name,
      outcome,
      ...(reason ? { reason } : {}),
      ...(failureReason ? { failureReason } : {}),
    })),
    ...(notable.length > EVENT_NOTEBOOK_LIMIT
      ? { notebooksOmitted: notable.length - EVENT_NOTEBOOK_LIMIT }
      : {}),
  };
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
        requestId: output.requestId,
        dryRun: output.dryRun,
        reason: request.reason,
        source: request.source,
        startedAt: input.startedAt,
        finishedAt: new Date(deps.now()).toISOString(),
        ...completionSummary(report),
      },
    },
  ]);
  for (const [outcome, count] of Object.entries(report.counts))
    metrics.addMetric(`Notebooks.${outcome}`, 'Count', count);
  metrics.addMetric('PatchWindows', 'Count', 1);
  return output;
}
