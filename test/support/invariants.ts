import type { SandboxRun } from '../../sandbox/runner.ts';

/**
 * DESIGN.md's "Safety guarantees" as checks over a finished sandbox run: each returns the violations it
 * finds, in words a failing test can print. They read only what the run observed from outside caretaker —
 * the emulator's call journal (who changed which notebook, when), the notebooks' status history, the events
 * on the bus and the executions' outputs — never caretaker's own ledger, so a bug in caretaker's bookkeeping
 * cannot hide itself.
 */

type Execution = SandboxRun['records'][number];
type Change = SandboxRun['journal'][number] & { execution: Execution | undefined };
type Report = { name: string; outcome: string; reason?: string; status?: string };

const MUTATIONS = new Set(['StopNotebookInstance', 'StartNotebookInstance', 'UpdateNotebookInstance']);
/** A call that reached SageMaker and took effect (a lost response did: only its answer was lost). */
const tookEffect = (outcome: string) => outcome === 'ok' || outcome === 'lost';
const DOWN_OUTCOMES = new Set(['needs-attention', 'failed']);
const UP_OUTCOMES = new Set(['patched', 'rolled-back', 'already-patched']);

/** Every execution of the run by ARN, Map children included, with the execution the run started it under. */
function topLevelByArn(run: SandboxRun): Map<string, Execution> {
  const byArn = new Map(run.records.map((r) => [r.arn, r] as const));
  const parentOf = new Map(run.children.map((c) => [c.arn, c.parent] as const));
  const top = (arn: string): Execution | undefined =>
    byArn.get(arn) ?? (parentOf.has(arn) ? top(parentOf.get(arn)!) : undefined);
  return new Map(
    [...run.records.map((r) => r.arn), ...parentOf.keys()].map((arn) => [arn, top(arn)!] as const),
  );
}

/** The notebook changes that took effect, each with the execution (the run started) that made it. */
export function notebookChanges(run: SandboxRun): Change[] {
  const owners = topLevelByArn(run);
  return run.journal
    .filter((e) => e.service === 'sagemaker' && MUTATIONS.has(e.operation) && tookEffect(e.outcome))
    .map((e) => ({ ...e, execution: e.caller ? owners.get(e.caller) : undefined }));
}

const statusAt = (run: SandboxRun, name: string, at: number): string | undefined =>
  run.notebookHistory.filter((c) => c.name === name && c.at <= at).at(-1)?.status;

/** Whether the notebook was InService at some moment in [from, to]. */
const inServiceBetween = (run: SandboxRun, name: string, from: number, to: number) =>
  statusAt(run, name, from) === 'InService' ||
  run.notebookHistory.some((c) => c.name === name && c.at >= from && c.at <= to && c.status === 'InService');

/** What each notebook-patch execution reported about each notebook (its output, then its Completed event). */
function reports(run: SandboxRun): Array<{ execution: string; at: number; report: Report }> {
  const found: Array<{ execution: string; at: number; report: Report }> = [];
  for (const execution of run.result.executions) {
    if (execution.stateMachine !== 'notebook-patch') continue;
    const record = run.records.find((r) => r.name === execution.name)!;
    const at = record.stoppedAt ?? run.end;
    const listed = new Map<string, Report>();
    const output = execution.output as { notebooks?: Report[] } | null;
    for (const n of output?.notebooks ?? []) listed.set(n.name, n);
    for (const event of run.result.events) {
      const detail = event.detail as { requestId?: string; notebooks?: Report[] };
      if (event['detail-type'] === 'Notebook Patch Completed' && detail.requestId === execution.name)
        for (const n of detail.notebooks ?? []) listed.set(n.name, n);
    }
    for (const report of listed.values()) found.push({ execution: execution.name, at, report });
  }
  return found.sort((a, b) => a.at - b.at);
}

/**
 * 1. Nothing stranded: a notebook caretaker stopped ends InService, or the last report about it says it is
 * down (`needs-attention` / `failed`) and in which status; and no report says a notebook is back while it
 * was not.
 */
export function stranded(run: SandboxRun): string[] {
  const violations: string[] = [];
  const finals = new Map(run.result.fleet.notebooks.map((n) => [String(n.name), String(n.status)]));
  const stopped = new Set(
    notebookChanges(run)
      .filter((c) => c.operation === 'StopNotebookInstance')
      .map((c) => c.resource),
  );
  const all = reports(run);
  for (const name of stopped) {
    const status = finals.get(name);
    if (status === undefined || status === 'InService') continue;
    const last = all.filter((r) => r.report.name === name).at(-1);
    if (!last) violations.push(`${name} was stopped by caretaker and left ${status}, and no report names it`);
    else if (!DOWN_OUTCOMES.has(last.report.outcome))
      violations.push(`${name} is left ${status} but ${last.execution} reported it ${last.report.outcome}`);
    else if (last.report.status !== status && !(last.report.reason ?? '').includes(`left ${status}`))
      violations.push(
        `${name} is left ${status} but ${last.execution}'s report says ${last.report.status ?? 'no status'}`,
      );
  }
  for (const { execution, at, report } of all) {
    if (!UP_OUTCOMES.has(report.outcome) || !finals.has(report.name)) continue;
    const status = statusAt(run, report.name, at);
    if (status !== 'InService')
      violations.push(`${execution} reported ${report.name} ${report.outcome} while it was ${status}`);
  }
  return violations;
}

/**
 * 2. One owner: the changes to a notebook come in blocks, one execution's after another's, and a new block
 * begins only after the notebook was back in service following the previous one (its cycle had ended).
 */
export function sharedOwnership(run: SandboxRun): string[] {
  const violations: string[] = [];
  const byNotebook = new Map<string, Change[]>();
  for (const change of notebookChanges(run)) {
    if (!change.execution) continue;
    byNotebook.set(change.resource, [...(byNotebook.get(change.resource) ?? []), change]);
  }
  for (const [name, changes] of byNotebook) {
    const finished = new Set<string>();
    for (let i = 1; i < changes.length; i++) {
      const [before, now] = [changes[i - 1]!, changes[i]!];
      if (before.execution === now.execution) continue;
      finished.add(before.execution!.name);
      if (finished.has(now.execution!.name))
        violations.push(
          `${name}: ${now.execution!.name} changed it again after ${before.execution!.name} had (interleaved cycles)`,
        );
      else if (!inServiceBetween(run, name, before.at, now.at))
        violations.push(
          `${name}: ${now.execution!.name} ${now.operation} at +${(now.at - run.start) / 1000} s while ${before.execution!.name}'s cycle had not ended`,
        );
    }
  }
  return violations;
}

/** How many executions took each notebook down (a double cycle shows as 2). */
export function cyclesPerNotebook(run: SandboxRun): Map<string, number> {
  const takers = new Map<string, Set<string>>();
  for (const change of notebookChanges(run))
    if (change.operation === 'StopNotebookInstance' && change.execution)
      takers.set(change.resource, (takers.get(change.resource) ?? new Set()).add(change.execution.name));
  return new Map([...takers].map(([name, set]) => [name, set.size]));
}

/** The peak number of notebooks one execution had taken down and not yet brought back. */
export function peakDown(run: SandboxRun, execution: string): number {
  const stops = notebookChanges(run).filter(
    (c) => c.operation === 'StopNotebookInstance' && c.execution?.name === execution,
  );
  const edges: Array<[number, number]> = [];
  for (const stop of stops) {
    const back = run.notebookHistory.find(
      (c) => c.name === stop.resource && c.at > stop.at && c.status === 'InService',
    );
    edges.push([stop.at, 1], [back?.at ?? Number.POSITIVE_INFINITY, -1]);
  }
  let down = 0;
  let peak = 0;
  // At one instant a notebook coming back frees its slot before another goes down.
  for (const [, delta] of edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]))
    peak = Math.max(peak, (down += delta));
  return peak;
}

/** 3. Rate limits mean what they say: no execution had more notebooks down than its maxConcurrency. */
export function overConcurrency(run: SandboxRun): string[] {
  const violations: string[] = [];
  for (const execution of run.result.executions) {
    if (execution.stateMachine !== 'notebook-patch') continue;
    const record = run.records.find((r) => r.name === execution.name)!;
    const max = (record.input as { policy?: { maxConcurrency?: number } }).policy?.maxConcurrency ?? 10;
    const peak = peakDown(run, execution.name);
    if (peak > max)
      violations.push(`${execution.name} had ${peak} notebooks down at once, maxConcurrency ${max}`);
    if (execution.stats.maxNotebooksDown > max)
      violations.push(
        `${execution.name} reports maxNotebooksDown ${execution.stats.maxNotebooksDown}, maxConcurrency ${max}`,
      );
  }
  return violations;
}

/** 4. Every execution reports: it ended, and its Completed event is on the bus, whatever failed. */
export function unreported(run: SandboxRun): string[] {
  const violations: string[] = [];
  for (const execution of run.result.executions) {
    if (execution.status === 'RUNNING') violations.push(`${execution.name} never ended`);
    const detailType =
      execution.stateMachine === 'notebook-patch' ? 'Notebook Patch Completed' : 'Endpoint Update Completed';
    const reported = run.result.events.some(
      (e) =>
        e['detail-type'] === detailType && (e.detail as { requestId?: string }).requestId === execution.name,
    );
    if (!reported) violations.push(`${execution.name} (${execution.status}) sent no ${detailType}`);
    if (execution.error?.error === 'States.DataLimitExceeded')
      violations.push(`${execution.name}: ${execution.error.cause}`);
  }
  return violations;
}

/** Every notebook guarantee at once: an empty list is a run that kept them all. */
export function notebookGuarantees(run: SandboxRun): string[] {
  return [...stranded(run), ...sharedOwnership(run), ...overConcurrency(run), ...unreported(run)];
}
