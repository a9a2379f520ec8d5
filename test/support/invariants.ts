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
    // Deleting: someone deleted it (caretaker never does), and it is gone a minute later whatever the report said.
    if (status === undefined || status === 'InService' || status === 'Deleting') continue;
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

// ——— Endpoints ———————————————————————————————————————————————————————————————————————————————————————————

type EndpointRequest = { endpointName?: string; targetEndpointConfigName?: string; alarms?: string[] };
type EndpointReport = { outcome?: string; reason?: string };

/** An endpoint-update execution whose UpdateEndpoint took effect: the deployment it began, and how long it ran. */
export interface ObservedDeployment {
  execution: Execution;
  endpoint: string;
  target: string;
  /** The configuration the endpoint ran when the deployment began: what a rollback returns to. */
  rollbackTarget: string;
  alarms: string[];
  /** The first UpdateEndpoint of the execution that took effect, and the execution's end (or the run's). */
  from: number;
  to: number;
  updates: Change[];
}

const isEndpointUpdate = (r: { stateMachine: string }) => r.stateMachine.endsWith('endpoint-update');

/** What DescribeEndpoint showed for an endpoint at a moment (the last status change at or before it). */
function endpointAt(run: SandboxRun, endpoint: string, at: number) {
  return run.endpointHistory.filter((c) => c.endpoint === endpoint && c.at <= at).at(-1);
}

/** The share of an endpoint's requests each configuration served at a moment. */
function trafficAt(run: SandboxRun, endpoint: string, at: number): Record<string, number> {
  return run.trafficHistory.filter((t) => t.endpoint === endpoint && t.at <= at).at(-1)?.weights ?? {};
}

/** Whether a configuration served requests of the endpoint, or was its live or pending configuration, then. */
function usedAt(run: SandboxRun, endpoint: string, config: string, at: number): boolean {
  const state = endpointAt(run, endpoint, at);
  return (
    state?.endpointConfigName === config ||
    state?.pendingEndpointConfigName === config ||
    (trafficAt(run, endpoint, at)[config] ?? 0) > 0
  );
}

const alarmAt = (run: SandboxRun, name: string, at: number) =>
  run.alarmHistory.filter((a) => a.name === name && a.at <= at).at(-1)?.state;

/** The UpdateEndpoint calls that took effect, each with the execution (the run started) that made it. */
export function endpointUpdates(run: SandboxRun): Change[] {
  const owners = topLevelByArn(run);
  return run.journal
    .filter((e) => e.service === 'sagemaker' && e.operation === 'UpdateEndpoint' && tookEffect(e.outcome))
    .map((e) => ({ ...e, execution: e.caller ? owners.get(e.caller) : undefined }));
}

/** Every deployment the run's endpoint-update executions began, from the journal's UpdateEndpoint calls. */
export function deployments(run: SandboxRun): ObservedDeployment[] {
  const found: ObservedDeployment[] = [];
  const updates = endpointUpdates(run);
  for (const execution of run.records.filter(isEndpointUpdate)) {
    const request = execution.input as EndpointRequest;
    const own = updates.filter((u) => u.execution === execution && u.resource === request.endpointName);
    if (own.length === 0) continue;
    const from = own[0]!.at;
    found.push({
      execution,
      endpoint: own[0]!.resource,
      target: request.targetEndpointConfigName ?? '',
      // At its own moment too: the deployment's first status change still names the configuration it leaves.
      rollbackTarget: endpointAt(run, own[0]!.resource, from)?.endpointConfigName ?? '',
      alarms: request.alarms ?? [],
      from,
      to: execution.stoppedAt ?? run.end,
      updates: own,
    });
  }
  return found;
}

/**
 * What an endpoint-update execution said of itself, and when: its output (at its end) and every `Endpoint
 * Update Completed` event for it (a status-change rule may announce an execution that ended before its own
 * Finalize could).
 */
function endpointReports(
  run: SandboxRun,
  name: string,
): Array<{ from: number; to: number; report: EndpointReport }> {
  const record = run.records.find((r) => r.name === name);
  const output = run.result.executions.find((e) => e.name === name)?.output as EndpointReport | null;
  const end = record?.stoppedAt ?? run.end;
  // An event's `time` has whole seconds, as EventBridge's: it was sent during that second.
  const events = run.emitted
    .filter(
      (e) =>
        e['detail-type'] === 'Endpoint Update Completed' &&
        (e.detail as { requestId?: string }).requestId === name,
    )
    .map((e) => ({
      from: Date.parse(e.time),
      to: Date.parse(e.time) + 999,
      report: e.detail as EndpointReport,
    }));
  return [...(output?.outcome ? [{ from: end, to: end, report: output }] : []), ...events];
}

/**
 * Whether a deployment had concluded, and needed its rollback target no more: it reported `succeeded` (its
 * bake passed; `misreported` holds that claim to what the endpoint showed). Its own Finalize prunes after
 * that verdict, before it announces it.
 */
const concluded = (run: SandboxRun, d: ObservedDeployment) => {
  const reports = endpointReports(run, d.execution.name);
  return reports.length > 0 && reports.every(({ report }) => report.outcome === 'succeeded');
};

/**
 * 5a. Endpoints stay recoverable: no DeleteEndpointConfig took effect on a configuration that an endpoint
 * used at that moment (live, pending, or serving part of its traffic), nor on the rollback target of a
 * deployment in flight (from its first UpdateEndpoint to its execution's end, unless it concluded).
 */
export function deletedInUse(run: SandboxRun): string[] {
  const violations: string[] = [];
  const endpoints = [...new Set(run.endpointHistory.map((c) => c.endpoint))];
  const open = deployments(run);
  for (const deletion of run.journal.filter(
    (e) => e.service === 'sagemaker' && e.operation === 'DeleteEndpointConfig' && tookEffect(e.outcome),
  )) {
    const config = deletion.resource;
    const when = `at +${(deletion.at - run.start) / 1000} s`;
    for (const endpoint of endpoints)
      if (usedAt(run, endpoint, config, deletion.at))
        violations.push(`${config} was deleted ${when} while ${endpoint} used it`);
    for (const d of open)
      if (d.rollbackTarget === config && d.from <= deletion.at && deletion.at <= d.to && !concluded(run, d))
        violations.push(
          `${config} was deleted ${when}, the rollback target of ${d.execution.name}'s deployment on ${d.endpoint}`,
        );
  }
  return violations;
}

/**
 * 5b. No bad configuration left live in ALARM unreported: when a deployment's target served the endpoint
 * while one of its alarms was in ALARM, the execution says so — `failed` naming the target if the target is
 * still live when it ends, else `rolled-back`, `auto-rolled-back` or `failed`.
 */
export function badConfigLive(run: SandboxRun): string[] {
  const violations: string[] = [];
  for (const d of deployments(run)) {
    const moments = [
      d.from,
      ...run.trafficHistory.filter((t) => t.endpoint === d.endpoint).map((t) => t.at),
      ...run.alarmHistory.filter((a) => d.alarms.includes(a.name)).map((a) => a.at),
    ].filter((at) => at >= d.from && at <= d.to);
    const breach = moments
      .sort((a, b) => a - b)
      .find(
        (at) =>
          (trafficAt(run, d.endpoint, at)[d.target] ?? 0) > 0 &&
          d.alarms.some((name) => alarmAt(run, name, at) === 'ALARM'),
      );
    if (breach === undefined) continue;
    const liveAtEnd = (trafficAt(run, d.endpoint, d.to)[d.target] ?? 0) > 0;
    const reports = endpointReports(run, d.execution.name);
    const when = `+${(breach - run.start) / 1000} s`;
    if (reports.length === 0)
      violations.push(`${d.execution.name}: ${d.target} served in ALARM at ${when}, unreported`);
    for (const { report } of reports) {
      const honest = liveAtEnd
        ? report.outcome === 'failed' && (report.reason ?? '').includes(d.target)
        : ['failed', 'rolled-back', 'auto-rolled-back'].includes(report.outcome ?? '');
      if (!honest)
        violations.push(
          `${d.execution.name}: ${d.target} served ${d.endpoint} in ALARM at ${when}${liveAtEnd ? ' and is still live' : ''}, but the report says ${report.outcome}: ${report.reason}`,
        );
    }
  }
  return violations;
}

/**
 * 2. One deployment per endpoint at a time: the UpdateEndpoint calls on an endpoint come in blocks, one
 * execution's after another's, and a block begins only after the previous execution ended (its bake and
 * rollback included).
 */
export function overlappingDeployments(run: SandboxRun): string[] {
  const violations: string[] = [];
  const byEndpoint = new Map<string, Change[]>();
  for (const update of endpointUpdates(run))
    byEndpoint.set(update.resource, [...(byEndpoint.get(update.resource) ?? []), update]);
  for (const [endpoint, updates] of byEndpoint) {
    const finished = new Set<Execution | undefined>();
    for (let i = 1; i < updates.length; i++) {
      const [before, now] = [updates[i - 1]!, updates[i]!];
      if (before.execution === now.execution) continue;
      finished.add(before.execution);
      const name = now.execution?.name ?? now.caller ?? 'an unknown caller';
      if (finished.has(now.execution))
        violations.push(`${endpoint}: ${name} updated it again after ${before.execution?.name} had`);
      else if ((before.execution?.stoppedAt ?? run.end) > now.at)
        violations.push(
          `${endpoint}: ${name} updated it at +${(now.at - run.start) / 1000} s while ${before.execution?.name} was still running`,
        );
    }
  }
  return violations;
}

/**
 * Honest outcomes: what each report says matches what DescribeEndpoint showed when it was made —
 * `succeeded`/`unverified` InService on the target, `rolled-back`/`auto-rolled-back` InService on the
 * configuration the deployment left, `rejected` only when none of its UpdateEndpoint calls took effect, and
 * `failed` naming the configuration live then.
 */
export function misreported(run: SandboxRun): string[] {
  const violations: string[] = [];
  const begun = new Map(deployments(run).map((d) => [d.execution.name, d] as const));
  for (const execution of run.records.filter(isEndpointUpdate)) {
    const request = execution.input as EndpointRequest;
    const endpoint = request.endpointName ?? '';
    const d = begun.get(execution.name);
    for (const { from, to, report } of endpointReports(run, execution.name)) {
      // What DescribeEndpoint showed while the report was made: the last one before it, and any change during.
      const seen = [
        endpointAt(run, endpoint, from),
        ...run.endpointHistory.filter((c) => c.endpoint === endpoint && c.at > from && c.at <= to),
      ];
      const state = seen.at(-1);
      const shows = `${endpoint} was ${state?.status} on ${state?.endpointConfigName}`;
      const on = (config: string | undefined) =>
        seen.some((c) => c?.status === 'InService' && c.endpointConfigName === config);
      const says = `${execution.name} reported ${report.outcome} while ${shows}`;
      switch (report.outcome) {
        case 'succeeded':
        case 'unverified':
          if (!on(request.targetEndpointConfigName)) violations.push(says);
          break;
        case 'rolled-back':
        case 'auto-rolled-back':
          if (!d || !on(d.rollbackTarget)) violations.push(says);
          break;
        case 'rejected':
          if (d) violations.push(`${execution.name} reported rejected, but its UpdateEndpoint took effect`);
          break;
        case 'failed':
          if (!seen.some((c) => (report.reason ?? '').includes(c?.endpointConfigName ?? '(none)')))
            violations.push(`${says}, and its reason does not name that: ${report.reason}`);
          break;
        default:
          violations.push(`${execution.name} reported ${report.outcome}, no outcome of endpoint-update`);
      }
    }
  }
  return violations;
}

/** Every endpoint guarantee at once (and every execution reported): an empty list is a run that kept them. */
export function endpointGuarantees(run: SandboxRun): string[] {
  return [
    ...deletedInUse(run),
    ...badConfigLive(run),
    ...overlappingDeployments(run),
    ...unreported(run),
    ...misreported(run),
  ];
}
