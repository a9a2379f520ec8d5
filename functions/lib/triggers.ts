/**
 * The triggers that start notebook-patch workflows by themselves: Security Hub findings, AWS Config
 * compliance changes, patch-group schedules and the daily overdue audit. Each turns its input into patch
 * requests with the pure helpers (`findings.ts`, `schedule.ts`), starts one named execution per request
 * (a repeated delivery finds the name taken and starts nothing) and says what it did as a
 * {@link TriggerResult}.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { putEvents, type OutgoingEvent } from './eventbridge.ts';
import {
  parseConfigEvent,
  parseFindingEvent,
  type NotebookPatchRequest,
  type TriggerOptions,
  type TriggerPlan,
} from './findings.ts';
import { permissionsOf } from './iam.ts';
import type { CaretakerConfig, PatchGroup } from './patch-groups.ts';
import { parsePatchRequest } from './patch-request.ts';
import type { RequestDeps } from './requests.ts';
import { describeNotebook, listNotebooks, listNotebookTags } from './sagemaker/notebooks.ts';
import {
  overdueNotebooks,
  windowExecutionName,
  windowRequest,
  type AuditedNotebook,
  type OverdueNotebook,
} from './schedule.ts';
import { startExecution } from './stepfunctions.ts';
import type { TriggerResult } from './trigger-result.ts';
import { parseOrThrow } from './validation.ts';

/** What the finding and schedule triggers talk to: Step Functions and the caretaker bus. */
export type TriggerDeps = Pick<RequestDeps, 'sfn' | 'events' | 'notebookPatchStateMachineArn'> & {
  /** How findings map to settings beyond the built-in controls (e.g. an opted-in target platform). */
  remediation?: TriggerOptions;
};

/** The audit also reads the fleet. */
export type AuditDeps = TriggerDeps & { sagemaker: SageMakerClient };

/**
 * EventBridge Scheduler replaces this placeholder in a target's input with the time the invocation was
 * scheduled for (not the time it ran, which the flexible window moves), so a retried or repeated
 * invocation carries the same time and derives the same execution name.
 */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/** The daily audit runs at 06:00 UTC: after every nightly window in Europe and the Americas has closed. */
export const AUDIT_SCHEDULE = { cron: '0 6 * * *', timezone: 'UTC' } as const;

export const FINDING_NOT_REMEDIABLE = 'Finding Not Remediable';
export const NOTEBOOK_PATCH_OVERDUE = 'Notebook Patch Overdue';

/** A trigger's result plus what it reported on the bus, so the function's log tells the whole story. */
export interface FindingTriggerResult extends TriggerResult {
  notRemediable: TriggerPlan['notRemediable'];
  ignoredFindings: TriggerPlan['ignored'];
}

// ---------------------------------------------------------------------------------------------------
// Findings and Config evaluations

export const fromFindingPermissions = permissionsOf(startExecution, putEvents);
export const fromConfigPermissions = permissionsOf(startExecution, putEvents);

/**
 * The `Finding Not Remediable` events of a plan: one per finding and notebook that caretaker will not fix.
 *
 * @example notRemediableEvents(plan, 'securityhub')[0]?.detail // → { origin: 'securityhub', findingId, control: 'SageMaker.1', notebook: 'nb-1', reason }
 */
export function notRemediableEvents(
  plan: Pick<TriggerPlan, 'notRemediable'>,
  origin: 'securityhub' | 'config',
): OutgoingEvent[] {
  return plan.notRemediable.map((entry) => ({
    detailType: FINDING_NOT_REMEDIABLE,
    detail: { origin, ...entry },
  }));
}

/**
 * Why an event leads to nothing at all (no request, nothing to report), or undefined when it does lead to
 * something. Findings ignored next to ones acted on are not a reason to call the whole event ignored.
 *
 * @example nothingToDo({ requests: [], notRemediable: [], ignored: [{ findingId: 'f', reason: 'compliance status is "PASSED", expected "FAILED"' }] })
 *   // → 'f: compliance status is "PASSED", expected "FAILED"'
 */
export function nothingToDo(plan: TriggerPlan): string | undefined {
  if (plan.requests.length > 0 || plan.notRemediable.length > 0) return undefined;
  if (plan.ignored.length === 0) return 'the event holds no finding about a notebook instance';
  return plan.ignored.map((entry) => `${entry.findingId}: ${entry.reason}`).join('; ');
}

async function startRequests(
  requests: readonly NotebookPatchRequest[],
  deps: TriggerDeps,
): Promise<Pick<TriggerResult, 'started' | 'duplicates'>> {
  const result = { started: [] as string[], duplicates: [] as string[] };
  for (const request of requests) {
    const input = parsePatchRequest(request);
    const outcome = await startExecution(deps.sfn, deps.notebookPatchStateMachineArn, input.requestId, input);
    (outcome.started ? result.started : result.duplicates).push(input.requestId);
  }
  return result;
}

async function actOnPlan(
  parse: () => TriggerPlan,
  origin: 'securityhub' | 'config',
  deps: TriggerDeps,
): Promise<FindingTriggerResult> {
  let plan: TriggerPlan;
  try {
    plan = parse();
  } catch (err) {
    // A malformed event never gets better by retrying it: say what is wrong and start nothing.
    if (!(err instanceof ValidationError)) throw err;
    return { started: [], duplicates: [], rejected: err.issues, notRemediable: [], ignoredFindings: [] };
  }
  const started = await startRequests(plan.requests, deps);
  const events = notRemediableEvents(plan, origin);
  if (events.length > 0) await putEvents(deps.events, events);
  const ignored = nothingToDo(plan);
  return {
    ...started,
    ...(ignored ? { ignored } : {}),
    notRemediable: plan.notRemediable,
    ignoredFindings: plan.ignored,
  };
}

/**
 * A `Security Hub Findings - Imported` event: one patch request per notebook (named after its findings,
 * so the same finding imported again starts nothing new), a `Finding Not Remediable` event for each
 * control that `UpdateNotebookInstance` cannot fix.
 *
 * @example await fromFinding(sampleEvent, triggerDeps) // → { started: ['finding-sagemaker-3-…'], duplicates: [], … }
 */
export function fromFinding(event: unknown, deps: TriggerDeps): Promise<FindingTriggerResult> {
  return actOnPlan(() => parseFindingEvent(event, deps.remediation), 'securityhub', deps);
}

/**
 * A `Config Rules Compliance Change` event: the same mapping by the managed rule's name.
 *
 * @example await fromConfig(nonCompliantEvent, triggerDeps) // → { started: ['config-sagemaker-notebook-instance-root-access-check-…'], … }
 */
export function fromConfig(event: unknown, deps: TriggerDeps): Promise<FindingTriggerResult> {
  return actOnPlan(() => parseConfigEvent(event, deps.remediation), 'config', deps);
}

// ---------------------------------------------------------------------------------------------------
// Patch-group schedules

/** What one patch group's schedule hands to `open-window`: everything the request needs, no file reads. */
export interface WindowInput {
  group: string;
  scheduledTime: string;
  schedule: { cron: string; timezone: string };
  targets: PatchGroup['targets'];
  settings: PatchGroup['settings'];
  policy: PatchGroup['policy'];
}

/**
 * The input of a patch group's EventBridge Scheduler target. The deployment writes it into the schedule
 * and the sandbox substitutes the time itself: one function, so both invoke `open-window` alike.
 *
 * @example scheduleTargetInput(config.patchGroups[0]).scheduledTime // → '<aws.scheduler.scheduled-time>'
 */
export function scheduleTargetInput(group: PatchGroup): WindowInput {
  return {
    group: group.name,
    scheduledTime: SCHEDULED_TIME,
    schedule: { cron: group.schedule.cron, timezone: group.schedule.timezone },
    targets: group.targets,
    settings: group.settings,
    policy: group.policy,
  };
}

const scheduledTimeSchema = z.iso.datetime({
  offset: true,
  message: `expected an ISO 8601 time (EventBridge Scheduler fills it in for ${SCHEDULED_TIME})`,
});

const groupNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, 'expected a patch group name (1–40 letters, digits, "-", "_")');

const windowInputSchema = z.looseObject({
  group: groupNameSchema,
  scheduledTime: scheduledTimeSchema,
  schedule: z.looseObject({ cron: z.string(), timezone: z.string() }),
  targets: z.unknown(),
  settings: z.unknown().optional(),
  policy: z.unknown().optional(),
});

export const openWindowPermissions = permissionsOf(startExecution);

/**
 * A patch group's scheduled window: starts notebook-patch as `<group>-<yyyymmddThhmmZ>` of the scheduled
 * time. A bad input is an error (the schedule's retry policy and dead-letter queue keep it), since it can
 * only come from a schedule that was deployed wrong.
 *
 * @example await openWindow({ ...scheduleTargetInput(group), scheduledTime: '2026-11-29T02:00:00Z' }, deps)
 *   // → { started: ['weekly-20261129T0200Z'], duplicates: [] }
 */
export async function openWindow(input: unknown, deps: TriggerDeps): Promise<TriggerResult> {
  const window = parseOrThrow(windowInputSchema, input);
  const request = windowRequest(
    {
      name: window.group,
      schedule: window.schedule,
      targets: window.targets as NotebookPatchRequest['targets'],
      settings: (window.settings ?? {}) as NotebookPatchRequest['settings'],
      policy: (window.policy ?? {}) as NotebookPatchRequest['policy'],
    },
    new Date(window.scheduledTime),
  );
  return startRequests([request], deps);
}

// ---------------------------------------------------------------------------------------------------
// The daily audit

export interface AuditGroup {
  name: string;
  targets: PatchGroup['targets'];
  maxDaysWithoutRestart: number;
  auditStartsPatch: boolean;
  settings: NotebookPatchRequest['settings'];
  policy: NotebookPatchRequest['policy'];
}

export interface AuditInput {
  scheduledTime: string;
  groups: AuditGroup[];
}

/**
 * The input of the daily audit's Scheduler target: every patch group's targets and limits, taken from
 * `caretaker.yml` at deployment, so the function never reads the file.
 *
 * @example auditTargetInput(config).groups.map((g) => g.name) // → ['weekly', 'monthly-research']
 */
export function auditTargetInput(config: CaretakerConfig): AuditInput {
  return {
    scheduledTime: SCHEDULED_TIME,
    groups: config.patchGroups.map((group) => ({
      name: group.name,
      targets: group.targets,
      maxDaysWithoutRestart: group.maxDaysWithoutRestart,
      auditStartsPatch: group.auditStartsPatch,
      settings: group.settings,
      policy: group.policy,
    })),
  };
}

const auditInputSchema = z.strictObject({
  scheduledTime: scheduledTimeSchema,
  groups: z.array(
    z.looseObject({
      name: groupNameSchema,
      targets: z.union([
        z.strictObject({ names: z.array(z.string()).min(1) }),
        z.strictObject({ tags: z.record(z.string(), z.string()) }),
      ]),
      maxDaysWithoutRestart: z.int().min(1),
      auditStartsPatch: z.boolean(),
      // Checked in full by the patch request they end up in.
      settings: z.record(z.string(), z.unknown()).default({}) as z.ZodType<AuditGroup['settings']>,
      policy: z.record(z.string(), z.unknown()).default({}) as z.ZodType<AuditGroup['policy']>,
    }),
  ),
});

export interface OverdueReport extends OverdueNotebook {
  group: string;
  maxDaysWithoutRestart: number;
}

export interface AuditResult extends TriggerResult {
  overdue: OverdueReport[];
}

/**
 * The catch-up request for a group's overdue notebooks: the group's own settings and policy, named after
 * the group and the audit's scheduled time so a repeated audit starts nothing new.
 *
 * @example auditRequest(group, ['nb-1'], new Date('2026-12-01T06:00:00Z')).requestId // → 'audit-weekly-20261201T0600Z'
 */
export function auditRequest(
  group: AuditGroup,
  notebooks: readonly string[],
  scheduledTime: Date,
): NotebookPatchRequest {
  const requestId = windowExecutionName(`audit-${group.name}`, scheduledTime);
  return {
    requestId,
    reason: 'audit',
    source: {
      kind: 'audit',
      id: requestId,
      patchGroup: group.name,
      scheduledTime: scheduledTime.toISOString(),
    },
    targets: { names: [...notebooks] },
    settings: { ...group.settings },
    policy: { ...group.policy },
  };
}

/**
 * The `Notebook Patch Overdue` events of one audit: one per overdue notebook, saying which patch request
 * (if any) the audit started for it.
 */
export function overdueEvents(
  overdue: readonly OverdueReport[],
  auditedAt: Date,
  requestIdOf: (group: string) => string | undefined,
): OutgoingEvent[] {
  return overdue.map((entry) => ({
    detailType: NOTEBOOK_PATCH_OVERDUE,
    detail: {
      notebook: entry.name,
      patchGroup: entry.group,
      lastStartedAt: entry.lastStartedAt,
      daysSinceStart: entry.daysSinceStart,
      maxDaysWithoutRestart: entry.maxDaysWithoutRestart,
      auditedAt: auditedAt.toISOString(),
      patchRequestId: requestIdOf(entry.group) ?? null,
    },
  }));
}

const hasTags = (tags: Record<string, string>, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([key, value]) => tags[key] === value);

export const auditPermissions = permissionsOf(
  listNotebooks,
  listNotebookTags,
  describeNotebook,
  startExecution,
  putEvents,
);

/**
 * The daily audit: for each patch group, the notebooks `InService` for longer than its
 * `maxDaysWithoutRestart` → `Notebook Patch Overdue` events, and a patch request for them when the group
 * says `auditStartsPatch`. "As of" is the scheduled time, so a repeated invocation finds the same.
 *
 * @example await audit({ ...auditTargetInput(config), scheduledTime: '2026-12-01T06:00:00Z' }, deps)
 *   // → { started: ['audit-weekly-20261201T0600Z'], duplicates: [], overdue: [{ group: 'weekly', name: 'nb-1', … }] }
 */
export async function audit(input: unknown, deps: AuditDeps): Promise<AuditResult> {
  const { scheduledTime, groups } = parseOrThrow(auditInputSchema, input);
  const now = new Date(scheduledTime);
  const listed = await listNotebooks(deps.sagemaker);
  const tags = new Map<string, Promise<Record<string, string>>>();
  const tagsOf = (arn: string) => {
    if (!tags.has(arn)) tags.set(arn, listNotebookTags(deps.sagemaker, arn));
    return tags.get(arn)!;
  };
  const lastStarted = new Map<string, Promise<AuditedNotebook | undefined>>();
  const auditedOf = (name: string) => {
    if (!lastStarted.has(name)) {
      lastStarted.set(
        name,
        describeNotebook(deps.sagemaker, name).then(
          (d) =>
            d && {
              name: d.name,
              status: d.status,
              // UpdateNotebookInstance needs a stopped notebook, so while a notebook is InService its last
              // modification is its last transition to InService: LastModifiedTime is when it last started.
              lastStartedAt: d.lastModifiedTime,
            },
        ),
      );
    }
    return lastStarted.get(name)!;
  };

  const overdue: OverdueReport[] = [];
  const requests: NotebookPatchRequest[] = [];
  for (const group of groups) {
    const members: AuditedNotebook[] = [];
    for (const notebook of listed) {
      // Only running notebooks can be overdue: a stopped one picks the update up at its next start.
      if (notebook.status !== 'InService') continue;
      if ('names' in group.targets) {
        if (!group.targets.names.includes(notebook.name)) continue;
      } else if (!hasTags(await tagsOf(notebook.arn), group.targets.tags)) continue;
      const audited = await auditedOf(notebook.name);
      if (audited) members.push(audited);
    }
    const found = overdueNotebooks(members, group.maxDaysWithoutRestart, now);
    overdue.push(
      ...found.map((entry) => ({
        ...entry,
        group: group.name,
        maxDaysWithoutRestart: group.maxDaysWithoutRestart,
      })),
    );
    if (group.auditStartsPatch && found.length > 0) {
      requests.push(
        auditRequest(
          group,
          found.map((entry) => entry.name),
          now,
        ),
      );
    }
  }

  const started = await startRequests(requests, deps);
  const requestIds = new Map(requests.map((r) => [r.source.patchGroup as string, r.requestId]));
  const events = overdueEvents(overdue, now, (group) => requestIds.get(group));
  if (events.length > 0) await putEvents(deps.events, events);
  return { ...started, overdue };
}
