import { createHash } from 'node:crypto';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { putWindow, putWindowItems, readNotebooks } from '../aws/ledger/notebooks.ts';
import {
  describeNotebook,
  lifecycleConfigExists,
  listNotebooks,
  type NotebookSummary,
} from '../aws/sagemaker/notebooks.ts';
import { notebookTags } from '../aws/tagging.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { permissionsOf } from '../iam.ts';
import type { WindowTerms } from './cycle.ts';
import { observe, toLease, type NotebookDeps } from './cycle-steps.ts';
import { planNeedsLook, planWindowEntries, type PlanEntry, type PlanFacts } from './plan.ts';
import { bounded } from './report.ts';
import { parsePatchRequest, toleratedFailures, type PatchRequest } from './request.ts';
import { desiredSettings } from './settings.ts';
import { roundAt, type Round } from './rounds.ts';
import { planTargets, type Candidate } from './targets.ts';

/**
 * The first step of notebook-patch: validate the request and choose the notebooks. Nothing is changed
 * here, so a bad request or a missing lifecycle configuration ends the window before its first change (the
 * report says why). The plan goes to the ledger; the state carries only one round of names at a time, so no
 * payload grows with the fleet.
 */

/** The notebook-patch state machine's `TimeoutSeconds` (a contract test keeps the two equal). */
export const WINDOW_TIMEOUT_SECONDS = 172_800;
/** What the window keeps for itself at the end: every cycle reports before, then the report runs. */
export const REPORT_MARGIN_SECONDS = 1_800;
/** A round's names stay well inside Step Functions' 256 KiB payload (the Map's input carries them). */
export const ROUND_BYTES = 24 * 1024;
/** Names target fewer notebooks than this are described one by one instead of listing the account. */
const DESCRIBE_BELOW = 20;
/** A plan is described this many notebooks at a time (DescribeNotebookInstance is throttled per account). */
const DESCRIBE_CONCURRENCY = 8;
/** A dry run's plan travels in the state to the report: it stays well inside the 256 KiB payload. */
export const PLAN_BYTES = 64 * 1024;

export interface SelectionDeps extends NotebookDeps {
  tagging: ResourceGroupsTaggingAPIClient;
}

/** What planning reads: SageMaker and the tags; the ledger's leases when it can (the CLI may not know the table). */
export interface PlanDeps {
  sagemaker: NotebookDeps['sagemaker'];
  tagging: ResourceGroupsTaggingAPIClient;
  ledger?: LedgerClients | undefined;
}

export interface Selection {
  requestId: string;
  dryRun: boolean;
  /** The terms every cycle of the window runs under (the Map hands them to each child). */
  window: WindowTerms;
  /** The names of the round the Map runs now, and the index of the next round, if any. */
  round?: Round;
  rounds: number;
  planned: number;
  skipped: number;
  /** A dry run's plan: what the window would do to each notebook, and why (bounded: see `planOmitted`). */
  plan?: PlanEntry[];
  planOmitted?: number;
  /** The request could not be carried out; nothing was changed. */
  rejected?: FieldIssue[];
}

export const selectTargetsPermissions = /* @__PURE__ */ permissionsOf(
  listNotebooks,
  describeNotebook,
  notebookTags,
  lifecycleConfigExists,
  readNotebooks,
  putWindow,
  putWindowItems,
);

/**
 * Validates the request, decides which notebooks the window cycles and writes the plan to the ledger.
 *
 * @example await selectTargets({ request, startedAt: '2026-11-23T02:00:00Z' }, deps)
 *   // → { requestId, dryRun: false, window: { maxConcurrency: 10, … }, round: { index: 0, names: ['nb-1'] }, … }
 */
export async function selectTargets(
  input: { request: unknown; startedAt: string },
  deps: SelectionDeps,
): Promise<Selection> {
  const startedAt = Date.parse(input.startedAt);
  let request: PatchRequest;
  try {
    request = await validRequest(input.request, deps);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const requestId = (input.request as { requestId?: unknown } | null)?.requestId;
    return rejected(typeof requestId === 'string' ? requestId : 'unknown', err.issues, startedAt);
  }
  const { window, names, skipped, statuses } = await choose(request, startedAt, deps);
  const rounds = cutIntoRounds(names);
  const base = {
    requestId: request.requestId,
    window,
    planned: names.length,
    skipped: skipped.length,
    rounds: rounds.length,
  };
  if (request.policy.dryRun) {
    const entries = planWindowEntries(window, await planFacts(names, deps), skipped, startedAt, statuses);
    const { items, omitted } = bounded(entries, PLAN_BYTES, planNeedsLook);
    return { ...base, dryRun: true, plan: items, ...(omitted > 0 ? { planOmitted: omitted } : {}) };
  }
  await putWindow(
    deps.ledger,
    { requestId: request.requestId, tolerated: window.tolerated, rounds: rounds.length },
    deps.now(),
  );
  await putWindowItems(deps.ledger, request.requestId, rounds, skipped, deps.now());
  return {
    ...base,
    dryRun: false,
    ...(rounds.length > 0 ? { round: roundAt(0, rounds[0]!, rounds.length) } : {}),
  };
}

function rejected(requestId: string, issues: FieldIssue[], startedAt: number): Selection {
  return {
    requestId,
    dryRun: false,
    window: {
      requestId,
      reason: 'request',
      requestedAt: startedAt,
      desired: {},
      scope: requestId,
      maxConcurrency: 1,
      tolerated: 0,
      hardEnd: startedAt,
      timing: {
        expectedStopSeconds: 0,
        expectedStartSeconds: 0,
        stopTimeoutSeconds: 0,
        startTimeoutSeconds: 0,
      },
    },
    rounds: 0,
    planned: 0,
    skipped: 0,
    rejected: issues,
  };
}

async function checkLifecycleConfig(request: PatchRequest, deps: Pick<PlanDeps, 'sagemaker'>): Promise<void> {
  const lifecycle = request.settings.lifecycleConfigName;
  if (lifecycle && !(await lifecycleConfigExists(deps.sagemaker, lifecycle)))
    throw new ValidationError([
      {
        field: 'settings.lifecycleConfigName',
        message: `lifecycle configuration ${JSON.stringify(lifecycle)} does not exist`,
      },
    ]);
}

/** The notebooks the request may concern, with their status and tags (for exemptions and tag targets). */
async function findCandidates(request: PatchRequest, deps: PlanDeps): Promise<Candidate[]> {
  let listed: NotebookSummary[];
  if ('names' in request.targets && request.targets.names.length < DESCRIBE_BELOW) {
    const described = await Promise.all(
      [...new Set(request.targets.names)].map((n) => describeNotebook(deps.sagemaker, n)),
    );
    listed = described.filter((d) => d !== undefined);
  } else {
    listed = await listNotebooks(deps.sagemaker);
  }
  const tags =
    'tags' in request.targets
      ? await notebookTags(deps.tagging, { tags: request.targets.tags })
      : await notebookTags(deps.tagging, { arns: listed.map((n) => n.arn) });
  const wanted = 'names' in request.targets ? new Set(request.targets.names) : undefined;
  return listed
    .filter((nb) => (wanted ? wanted.has(nb.name) : tags.has(nb.arn)))
    .map((nb) => ({ name: nb.name, status: nb.status, tags: tags.get(nb.arn) ?? {} }));
}

/**
 * The terms of the window's cycles. `maxConcurrency` is shared by every window of one scope: a patch group's
 * windows and audits, or the requests that name the same targets, so two of them never take down more
 * notebooks together than one of them may.
 */
export function windowTerms(request: PatchRequest, planned: number, startedAt: number): WindowTerms {
  const group = request.source.patchGroup;
  const scope =
    typeof group === 'string' && group
      ? `group:${group}`
      : `targets:${createHash('sha256').update(JSON.stringify(request.targets)).digest('hex').slice(0, 16)}`;
  const { policy } = request;
  return {
    requestId: request.requestId,
    reason: request.reason,
    requestedAt: startedAt,
    desired: desiredSettings(request.settings),
    scope,
    maxConcurrency: policy.maxConcurrency,
    tolerated: toleratedFailures(policy.maxErrors, planned),
    ...(policy.deadline ? { stopBy: Date.parse(policy.deadline) } : {}),
    hardEnd: startedAt + (WINDOW_TIMEOUT_SECONDS - REPORT_MARGIN_SECONDS) * 1000,
    timing: {
      expectedStopSeconds: policy.expectedStopSeconds,
      expectedStartSeconds: policy.expectedStartSeconds,
      stopTimeoutSeconds: policy.stopTimeoutSeconds,
      startTimeoutSeconds: policy.startTimeoutSeconds,
    },
  };
}

/**
 * What a window would do with a request, without changing anything: the request validated, its notebooks
 * selected, and each one's entry (see plan.ts). `caretaker plan` calls this with the caller's clients; a
 * dry-run window gives the same through `selectTargets`. A bad request throws a ValidationError naming the
 * field.
 *
 * @example await planWindow(request, Date.now(), { sagemaker, tagging }) // → { window, entries: [{ name: 'nb-1', action: 'cycle', … }] }
 */
export async function planWindow(
  input: unknown,
  now: number,
  deps: PlanDeps,
): Promise<{ request: PatchRequest; window: WindowTerms; entries: PlanEntry[] }> {
  const request = await validRequest(input, deps);
  const { window, names, skipped, statuses } = await choose(request, now, deps);
  const facts = await planFacts(names, deps);
  return { request, window, entries: planWindowEntries(window, facts, skipped, now, statuses) };
}

/** The request, checked against the schema and the account (its lifecycle configuration exists). */
async function validRequest(input: unknown, deps: Pick<PlanDeps, 'sagemaker'>): Promise<PatchRequest> {
  const request = parsePatchRequest(input);
  await checkLifecycleConfig(request, deps);
  return request;
}

/** Which notebooks the window cycles, in plan order, which it skips and why, and its terms. */
async function choose(request: PatchRequest, now: number, deps: PlanDeps) {
  const candidates = await findCandidates(request, deps);
  const { plan, skipped } = planTargets(request.targets, candidates, request.policy, now);
  return {
    window: windowTerms(request, plan.length, now),
    names: plan.map((p) => p.name),
    skipped,
    statuses: new Map(candidates.map((c) => [c.name, c.status])),
  };
}

/** Each planned notebook as it is now: SageMaker's description and, when the ledger is known, its lease. */
async function planFacts(names: readonly string[], deps: PlanDeps): Promise<PlanFacts[]> {
  const leases = deps.ledger ? await readNotebooks(deps.ledger, names) : new Map();
  const facts: PlanFacts[] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_CONCURRENCY) {
    const slice = names.slice(i, i + DESCRIBE_CONCURRENCY);
    const observed = await Promise.all(slice.map((name) => observe(deps, name)));
    slice.forEach((name, j) => facts.push({ name, lease: toLease(leases.get(name)), observed: observed[j] }));
  }
  return facts;
}

/** Names in rounds small enough for a state payload, in plan order. */
export function cutIntoRounds(names: readonly string[], bytes = ROUND_BYTES): string[][] {
  const rounds: string[][] = [];
  let current: string[] = [];
  let size = 2;
  for (const name of names) {
    const cost = Buffer.byteLength(JSON.stringify(name)) + 1;
    if (current.length > 0 && size + cost > bytes) {
      rounds.push(current);
      current = [];
      size = 2;
    }
    current.push(name);
    size += cost;
  }
  if (current.length > 0) rounds.push(current);
  return rounds;
}
