import { putEvents, type EventClients } from '../aws/eventbridge.ts';
import { closeWindow, readNotebooks, readResults, readRound, readWindow } from '../aws/ledger/notebooks.ts';
import { describeNotebook } from '../aws/sagemaker/notebooks.ts';
import type { FieldIssue } from '../errors.ts';
import { permissionsOf } from '../iam.ts';
import { publishCounts } from '../metrics.ts';
import { abandon, type WindowTerms } from './cycle.ts';
import { describeStepError, finish, observe, toLease, type NotebookDeps } from './cycle-steps.ts';
import type { NotebookResult } from './outcomes.ts';
import { planCounts, planNeedsLook, type PlanAction, type PlanEntry } from './plan.ts';
import { bounded, boundedNotebooks, buildReport, QUIET_OUTCOMES, type PatchReport } from './report.ts';
import type { Selection } from './selection.ts';

/**
 * The last step of notebook-patch, and its safety net: it reads every notebook's result from the ledger,
 * accounts for the cycles that never ended (their notebooks are described and reported as they are), gives
 * back the notebooks-down slots the window still holds, and announces `Notebook Patch Completed`. The same
 * function runs for the `Step Functions Execution Status Change` event of an execution that failed, timed
 * out or was stopped before reaching this step, so every window reports whatever happened.
 */

export const COMPLETED = 'Notebook Patch Completed';
export const REJECTED = 'Request Rejected';
/** The execution's output and the event name every notebook when they fit, else the ones that need someone. */
export const OUTPUT_BYTES = 24 * 1024;
export const EVENT_BYTES = 64 * 1024;

export interface ReportInput {
  request?: unknown;
  executionName: string;
  startedAt: string;
  /** The state the window reached: its selection, and the error a Catch put there. */
  state?: { selection?: Selection; error?: { Error?: string; Cause?: string } };
  /** Set when the execution ended without reaching the report (the status change event's status). */
  ended?: string;
}

export interface PatchOutput {
  requestId: string;
  dryRun: boolean;
  /** A dry run's plan: what it would do to each notebook and why (those that need a look first when bounded). */
  plan?: PlanEntry[];
  planOmitted?: number;
  /** A dry run's notebooks by what it would do. */
  planCounts?: Partial<Record<PlanAction, number>>;
  outcome: 'reported' | 'rejected' | 'failed';
  counts: PatchReport['counts'];
  total: number;
  notebooks: NotebookResult[];
  notebooksOmitted?: number;
  error?: string;
  errors?: FieldIssue[];
}

export const reportPermissions = /* @__PURE__ */ permissionsOf(
  readWindow,
  readRound,
  readResults,
  readNotebooks,
  closeWindow,
  describeNotebook,
  putEvents,
);

/** Builds the window's report from the ledger, closes the window and announces it. */
export async function reportWindow(
  input: ReportInput,
  deps: NotebookDeps & { events: EventClients },
): Promise<PatchOutput> {
  const selection = input.state?.selection;
  const requestId = selection?.requestId ?? input.executionName;
  const request = (input.request ?? {}) as { reason?: string; source?: Record<string, unknown> };
  const failure =
    input.ended !== undefined
      ? `the window's execution ended ${input.ended} before its report`
      : describeStepError(input.state?.error);
  let output: PatchOutput;
  if (selection?.rejected) {
    output = {
      requestId,
      dryRun: false,
      outcome: 'rejected',
      counts: {},
      total: 0,
      notebooks: [],
      errors: selection.rejected,
    };
    await putEvents(deps.events, [
      {
        detailType: REJECTED,
        detail: { requestId, requestedBy: request.source?.requestedBy, errors: selection.rejected },
      },
    ]);
  } else if (selection?.dryRun) {
    const plan = selection.plan ?? [];
    const listed = bounded(plan, OUTPUT_BYTES, planNeedsLook);
    const omitted = listed.omitted + (selection.planOmitted ?? 0);
    output = {
      requestId,
      dryRun: true,
      outcome: 'reported',
      counts: {},
      total: plan.length + (selection.planOmitted ?? 0),
      notebooks: [],
      plan: listed.items,
      planCounts: planCounts(plan),
      ...(omitted > 0 ? { planOmitted: omitted } : {}),
    };
  } else {
    const window = await readWindow(deps.ledger, requestId);
    if (!window) {
      output = { requestId, dryRun: false, outcome: 'failed', counts: {}, total: 0, notebooks: [] };
    } else {
      const report = await collect(
        requestId,
        window.rounds,
        failure ?? 'the window ended before its cycle did',
        deps,
      );
      output = summary(requestId, false, report.report);
      await closeWindow(deps.ledger, requestId, report.heldSlots);
    }
  }
  if (failure)
    output = { ...output, outcome: output.outcome === 'rejected' ? 'rejected' : 'failed', error: failure };
  const listed = boundedNotebooks(output.notebooks, EVENT_BYTES);
  await putEvents(deps.events, [
    {
      detailType: COMPLETED,
      detail: {
        requestId,
        dryRun: output.dryRun,
        outcome: output.outcome,
        reason: request.reason,
        source: request.source,
        startedAt: input.startedAt,
        finishedAt: new Date(deps.now()).toISOString(),
        counts: output.counts,
        total: output.total,
        ...(output.plan && selection ? eventPlan(selection) : {}),
        notebooks: listed.notebooks.filter((n) => !QUIET_OUTCOMES.has(n.outcome)),
        ...(listed.omitted > 0 ? { notebooksOmitted: listed.omitted } : {}),
        ...(output.error ? { error: output.error } : {}),
        ...(output.errors ? { errors: output.errors } : {}),
      },
    },
  ]);
  publishCounts({
    ...Object.fromEntries(
      Object.entries(output.counts).map(([outcome, count]) => [`Notebooks.${outcome}`, count]),
    ),
    PatchWindows: 1,
  });
  return output;
}

/** A dry run's plan in the Completed event: every entry while the event stays small, then a count. */
function eventPlan(selection: Selection) {
  const plan = selection.plan ?? [];
  const { items, omitted } = bounded(plan, EVENT_BYTES, planNeedsLook);
  const total = omitted + (selection.planOmitted ?? 0);
  return { plan: items, planCounts: planCounts(plan), ...(total > 0 ? { planOmitted: total } : {}) };
}

function summary(requestId: string, dryRun: boolean, report: PatchReport): PatchOutput {
  const bounded = boundedNotebooks(report.notebooks, OUTPUT_BYTES);
  return {
    requestId,
    dryRun,
    outcome: 'reported',
    counts: report.counts,
    total: report.notebooks.length,
    notebooks: bounded.notebooks,
    ...(bounded.omitted > 0 ? { notebooksOmitted: bounded.omitted } : {}),
  };
}

/**
 * Every notebook's result; a planned notebook without one had its cycle cut short (the execution ended, the
 * Map failed): it is reported as it is now, and its lease released, so it neither hides nor stays locked.
 */
async function collect(
  requestId: string,
  rounds: number,
  why: string,
  deps: NotebookDeps,
): Promise<{ report: PatchReport; heldSlots: Map<string, number> }> {
  const planned = (
    await Promise.all(Array.from({ length: rounds }, (_, i) => readRound(deps.ledger, requestId, i)))
  ).flat();
  const skipped = await readRound(deps.ledger, requestId, 'skipped');
  const stored = await readResults(deps.ledger, requestId, [...planned, ...skipped]);
  const missing = planned.filter((name) => !stored.has(name));
  if (missing.length > 0) {
    const leases = await readNotebooks(deps.ledger, missing);
    const terms = { requestId } as WindowTerms;
    for (const name of missing) {
      const lease = toLease(leases.get(name));
      const facts = { terms, name, lease, observed: await observe(deps, name), now: deps.now() };
      const decision =
        lease?.owner === requestId
          ? abandon(facts, why)
          : ({
              kind: 'finish',
              result: {
                name,
                outcome: 'not-started',
                reason: `${why}; its cycle never began, nothing was changed`,
              },
              owned: false,
              releaseSlot: false,
            } as const);
      if (decision.kind !== 'finish') continue;
      await finish(decision, facts, deps);
    }
  }
  const results =
    missing.length > 0 ? await readResults(deps.ledger, requestId, [...planned, ...skipped]) : stored;
  const heldSlots = new Map<string, number>();
  for (const { holdsSlot } of results.values())
    if (holdsSlot) heldSlots.set(holdsSlot, (heldSlots.get(holdsSlot) ?? 0) + 1);
  const byName = new Map([...results].map(([name, r]) => [name, r.result as NotebookResult]));
  return { report: buildReport(planned, byName), heldSlots };
}

/**
 * The `Step Functions Execution Status Change` event of a notebook-patch execution that did not succeed:
 * the report's input as the workflow would have given it, with what the event says.
 */
export function fromStatusChange(event: {
  detail?: { name?: string; status?: string; input?: string | null; startDate?: number };
}): ReportInput {
  const detail = event.detail ?? {};
  let request: unknown;
  try {
    request = detail.input ? JSON.parse(detail.input) : undefined;
  } catch {
    request = undefined;
  }
  return {
    request,
    executionName: detail.name ?? 'unknown',
    startedAt: new Date(detail.startDate ?? 0).toISOString(),
    ended: detail.status ?? 'FAILED',
  };
}
