import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { LedgerClients } from '../aws/ledger/client.ts';
import {
  admitNotebook,
  clearQueue,
  finishNotebook,
  readCycle,
  writeNotebookState,
  type NotebookRecord,
} from '../aws/ledger/notebooks.ts';
import { describeNotebook, startNotebook, stopNotebook, updateNotebook } from '../aws/sagemaker/notebooks.ts';
import { AwsRequestError } from '../errors.ts';
import { permissionsOf } from '../iam.ts';
import { logger } from '../observability.ts';
import {
  decide,
  notAdmitted,
  queuedFor,
  queuedInEffect,
  refused,
  type Act,
  type Action,
  type CycleFacts,
  type Decision,
  type Lease,
  type Observed,
  type WindowTerms,
} from './cycle.ts';
import { ERROR_OUTCOMES } from './outcomes.ts';
import { readQueued } from './settings-schema.ts';

/**
 * The cycle steps: each moves one notebook's cycle forward by one decision (cycle.ts decides, these act). A
 * step reads the notebook's lease and status, decides, writes the intent of a change to the lease BEFORE
 * making it, makes it, and tells the state machine what comes next. Run any step again at any point —
 * after a crash, a lost answer, a timeout — and it carries on from the ledger.
 *
 * Every step decides the same way; each may make only its own kind of change (least privilege, and a fault
 * injected into `notebook/stop` means a fault around a Stop). When the decision is another step's change,
 * the step routes there without acting, and that step decides again before it acts.
 *
 *   Stop ─(the first look: admit, stop)→ Wait → Check ─(start a stopped notebook of its cycle)→ Wait → Check … Done
 *     └→ ApplySettings / Restore (updates) / Start (a Failed notebook's first start)     Catch → Recover
 */

/** What the notebook steps talk to; handlers pass the module-level clients, tests their own. */
export interface NotebookDeps {
  sagemaker: SageMakerClient;
  ledger: LedgerClients;
  now: () => number;
}

/** A cycle's state between steps: the window's terms and the notebook, nothing else that could go stale. */
export interface CycleInput {
  name: string;
  window: WindowTerms;
  /** How many times a step of this cycle failed beyond its retries (the ASL counts them). */
  troubles?: number;
  /** Step Functions' error of the step that failed, when the ASL comes back here after it. */
  error?: { Error?: string; Cause?: string };
}

/** The steps of a cycle: the ASL's Task state names, and the change each may make. */
export const CYCLE_STEPS = {
  Stop: 'stop',
  Check: 'start',
  ApplySettings: 'update',
  Restore: 'update',
  Start: 'start',
  Recover: 'start',
} as const satisfies Record<string, Action['op']>;
export type CycleStep = keyof typeof CYCLE_STEPS;

export interface CycleState extends Omit<CycleInput, 'error'> {
  next: 'Wait' | 'Done' | CycleStep;
  wait?: number;
}

/** The step that makes a decided change. */
function stepFor(decision: Act): CycleStep {
  if (decision.action.op === 'stop') return 'Stop';
  if (decision.action.op === 'start') return 'Start';
  return decision.lease.phase === 'restoring' ? 'Restore' : 'ApplySettings';
}

/** Whether `step` may make the change `decision` asks for (Recover restores too: it makes a notebook safe). */
const mayMake = (step: CycleStep, decision: Act) =>
  CYCLE_STEPS[step] === decision.action.op || (step === 'Recover' && decision.action.op === 'update');

/** The slack a lease outlives its window's hardEnd by, so a window reporting late still owns its notebooks. */
const LEASE_MARGIN_MS = 3600_000;

export async function observe(
  deps: Pick<NotebookDeps, 'sagemaker'>,
  name: string,
): Promise<Observed | undefined> {
  const d = await describeNotebook(deps.sagemaker, name);
  return (
    d && {
      status: d.status,
      ...(d.failureReason ? { failureReason: d.failureReason } : {}),
      settings: d.settings,
      ...(d.lastModifiedTime ? { lastModifiedAt: Date.parse(d.lastModifiedTime) } : {}),
    }
  );
}

/** The lease as the domain sees it: the ledger's owner fields and the owner's remembered state, merged. */
export function toLease(record: NotebookRecord | undefined): Lease | undefined {
  if (!record) return undefined;
  return {
    ...(record.state as Partial<Lease> | undefined),
    ...(record.owner ? { owner: record.owner, expiresAt: record.leaseUntil } : {}),
    ...(record.lastCycle ? { lastCycle: record.lastCycle as Lease['lastCycle'] } : {}),
    ...(record.leftDown ? { leftDown: record.leftDown as Lease['leftDown'] } : {}),
    ...(readQueued(record.queued) ? { queued: readQueued(record.queued) } : {}),
  };
}

/** The part of the lease the owner writes as `state` (owner, expiry and history live beside it). */
function stateOf(lease: Lease): Partial<Lease> {
  const { owner: _owner, expiresAt: _expires, lastCycle: _last, queued: _queued, ...state } = lease;
  return state;
}

/** Step Functions hands a caught error over as `{Error, Cause}`; Cause is the Lambda's JSON error. */
export function describeStepError(error: { Error?: string; Cause?: string } | undefined): string | undefined {
  if (!error) return undefined;
  try {
    const cause = JSON.parse(error.Cause ?? '{}') as { errorMessage?: string };
    return `${error.Error}: ${cause.errorMessage ?? error.Cause}`;
  } catch {
    return `${error.Error}: ${error.Cause}`;
  }
}

/** `Status (Stopping) not in ([InService])`: the status SageMaker saw when it refused a change. */
const refusedStatus = (err: unknown) =>
  err instanceof AwsRequestError ? /Status \((\w+)\) not in/.exec(err.message)?.[1] : undefined;

const common = [
  readCycle,
  admitNotebook,
  writeNotebookState,
  finishNotebook,
  clearQueue,
  describeNotebook,
] as const;

/** Each step's permissions: what every step reads and writes, and its own change. */
export const cyclePermissions: Record<CycleStep, ReturnType<typeof permissionsOf>> = {
  Stop: /* @__PURE__ */ permissionsOf(common, stopNotebook),
  Check: /* @__PURE__ */ permissionsOf(common, startNotebook),
  ApplySettings: /* @__PURE__ */ permissionsOf(common, updateNotebook),
  Restore: /* @__PURE__ */ permissionsOf(common, updateNotebook),
  Start: /* @__PURE__ */ permissionsOf(common, startNotebook),
  Recover: /* @__PURE__ */ permissionsOf(common, startNotebook, updateNotebook),
};

/** Moves one notebook's cycle forward by one decision, as `step`; see the file's opening comment. */
export async function advanceCycle(
  step: CycleStep,
  input: CycleInput,
  deps: NotebookDeps,
): Promise<CycleState> {
  const { error, ...carried } = input;
  const { requestId } = input.window;
  const [{ notebook, finished }, observed] = await Promise.all([
    readCycle(deps.ledger, requestId, input.name),
    observe(deps, input.name),
  ]);
  // A step repeated after its cycle ended (its answer lost) must not begin the notebook again.
  if (finished && notebook?.owner !== requestId) return { ...carried, next: 'Done' };
  let facts: CycleFacts = {
    terms: input.window,
    name: input.name,
    lease: toLease(notebook),
    observed,
    now: deps.now(),
    ...(error ? { error: describeStepError(error) } : {}),
    troubles: input.troubles ?? 0,
  };
  // A change refused because the status moved under caretaker's feet is decided again on the new status.
  for (let look = 0; ; look++) {
    const decision = decide(facts);
    const done = await carryOut(step, decision, facts, deps);
    if (done) return { ...carried, ...done };
    if (look === 2) throw new AwsRequestError(`the status of ${input.name} kept changing under caretaker`);
    const again = await readCycle(deps.ledger, requestId, input.name);
    facts = {
      ...facts,
      lease: toLease(again.notebook),
      observed: await observe(deps, input.name),
      now: deps.now(),
    };
  }
}

/** Carries a decision out; `undefined` when a change met a status it did not expect (look again). */
async function carryOut(
  step: CycleStep,
  decision: Decision,
  facts: CycleFacts,
  deps: NotebookDeps,
): Promise<Pick<CycleState, 'next' | 'wait'> | undefined> {
  const { terms, name } = facts;
  switch (decision.kind) {
    case 'wait':
      if (decision.lease && !(await writeState(facts, decision.lease, deps))) return lost(facts, deps);
      logger.debug('waiting', { notebook: name, seconds: decision.seconds, why: decision.why });
      return { next: 'Wait', wait: decision.seconds };
    case 'finish':
      await finish(decision, facts, deps);
      return { next: 'Done' };
    case 'act':
      if (!mayMake(step, decision)) return { next: stepFor(decision) };
      if (decision.admit) {
        const admitted = await admitNotebook(deps.ledger, {
          requestId: terms.requestId,
          name,
          state: stateOf({ ...decision.lease, ...(decision.admit.slot ? { slot: terms.scope } : {}) }),
          leaseUntil: terms.hardEnd + LEASE_MARGIN_MS,
          ...(decision.admit.slot ? { slot: { scope: terms.scope, max: terms.maxConcurrency } } : {}),
          nowMs: facts.now,
        });
        if (!admitted.admitted) return carryOut(step, notAdmitted(facts, admitted.why), facts, deps);
      } else if (!(await writeState(facts, decision.lease, deps))) return lost(facts, deps);
      return change(step, decision, facts, deps);
  }
}

async function change(
  step: CycleStep,
  decision: Act,
  facts: CycleFacts,
  deps: NotebookDeps,
): Promise<Pick<CycleState, 'next' | 'wait'> | undefined> {
  const { name } = facts;
  const { action } = decision;
  try {
    if (action.op === 'stop') await stopNotebook(deps.sagemaker, name);
    else if (action.op === 'start') await startNotebook(deps.sagemaker, name);
    else await updateNotebook(deps.sagemaker, name, action.change);
  } catch (err) {
    const status = refusedStatus(err);
    if (!status) {
      // Remember why the change failed, so the report can say it if the cycle ends over it; best effort:
      // the step fails either way, and its retry decides again.
      await writeState(
        facts,
        { ...decision.lease, lastError: `${(err as Error).name}: ${(err as Error).message}` },
        deps,
      ).catch(() => false);
      throw err;
    }
    // A race (the status moved since caretaker looked, or a retried call met its own earlier effect) is
    // looked at again; a refusal from the very status caretaker decided on is SageMaker saying no.
    if (status !== facts.observed?.status) return undefined;
    const owned: CycleFacts = {
      ...facts,
      lease: { ...facts.lease, ...decision.lease, owner: facts.terms.requestId },
    };
    return carryOut(step, refused(owned, action, (err as Error).message), owned, deps);
  }
  logger.info('changed', { notebook: name, action: action.op, phase: decision.lease.phase });
  return { next: 'Wait', wait: decision.seconds };
}

async function writeState(facts: CycleFacts, patch: Partial<Lease>, deps: NotebookDeps): Promise<boolean> {
  return writeNotebookState(
    deps.ledger,
    facts.name,
    facts.terms.requestId,
    stateOf({ ...facts.lease, ...patch }),
  );
}

/** Another window took the notebook (this window's lease expired): this cycle must not touch it again. */
async function lost(facts: CycleFacts, deps: NotebookDeps): Promise<Pick<CycleState, 'next'>> {
  const result = {
    name: facts.name,
    outcome: 'needs-attention' as const,
    reason: 'caretaker lost its lease on the notebook to another window before its cycle ended',
    ...(facts.observed ? { status: facts.observed.status } : {}),
  };
  await finishNotebook(deps.ledger, {
    requestId: facts.terms.requestId,
    name: facts.name,
    result,
    failed: true,
    nowMs: facts.now,
  });
  return { next: 'Done' };
}

/** Writes a cycle's end (its result, its slot, its lease) in one transaction. */
export async function finish(
  decision: Extract<Decision, { kind: 'finish' }>,
  facts: CycleFacts,
  deps: NotebookDeps,
): Promise<void> {
  const { terms, name, lease, now } = facts;
  const slot = decision.owned ? lease?.slot : undefined;
  const end = {
    requestId: terms.requestId,
    name,
    result: decision.result,
    failed: ERROR_OUTCOMES.has(decision.result.outcome),
    ...(slot && decision.releaseSlot ? { releaseSlot: slot } : {}),
    ...(slot && !decision.releaseSlot ? { holdsSlot: slot } : {}),
    nowMs: now,
  };
  const lastCycle = {
    requestId: terms.requestId,
    outcome: decision.result.outcome,
    ...(decision.restartedAt !== undefined ? { restartedAt: decision.restartedAt } : {}),
  };
  const leftDown = decision.leftDown
    ? { requestId: terms.requestId, status: decision.leftDown, at: now }
    : undefined;
  const written = await finishNotebook(deps.ledger, {
    ...end,
    ...(decision.owned ? { lease: { lastCycle, ...(leftDown ? { leftDown } : {}) } } : {}),
  });
  // The lease went to another window meanwhile: the result is still this window's to report.
  if (written === 'lease-lost') await finishNotebook(deps.ledger, end);
  // Queued settings this window carried out are done; a queue that grew meanwhile stays for the next one.
  const queued = lease?.queued;
  if (queued && queuedFor(terms, queued) && queuedInEffect(queued, facts.observed))
    await clearQueue(deps.ledger, name, queued);
  logger.info('finished', {
    notebook: name,
    outcome: decision.result.outcome,
    reason: decision.result.reason,
  });
}
