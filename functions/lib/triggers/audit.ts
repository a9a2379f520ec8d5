/**
 * The daily audit: notebooks that have run too long without a restart (and so without the updates a start
 * brings) are reported as `Notebook Patch Overdue`, and patched when their group says so.
 */
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { readNotebooks } from '../aws/ledger/notebooks.ts';
import { notebookTags } from '../aws/tagging.ts';
import * as z from 'zod/mini';
import { putEvents, type EventClients, type OutgoingEvent } from '../aws/eventbridge.ts';
import { listNotebooks } from '../aws/sagemaker/notebooks.ts';
import { permissionsOf } from '../iam.ts';
import { parseOrThrow } from '../validation.ts';
import { parsePatchRequest } from '../notebook/request.ts';
import type { CaretakerConfig, PatchGroup } from './config-sections.ts';
import { DEFAULT_TRIGGER_SETTINGS } from './settings.ts';
import { endlessExemptions, exemptEvents, type EndlessExemption } from './exempt-report.ts';
import type { NotebookPatchRequest } from './findings.ts';
import { isTargeted } from './groups.ts';
import { overdueNotebooks, windowExecutionName, type OverdueNotebook } from './patch-windows.ts';
import {
  CATCH_UP_REQUESTED,
  groupNameSchema,
  modePolicy,
  SCHEDULED_TIME,
  scheduledTimeSchema,
} from './windows.ts';

/**
 * The audit reads the fleet, its tags and the ledger's notes on notebooks left down, and reports on the bus.
 * It starts nothing itself: a group's catch-up window is a `Catch-up Window Requested` event, which
 * `open-window` starts (`windows.ts`), so the audit holds no Step Functions access.
 */
export interface AuditDeps {
  events: EventClients;
  sagemaker: SageMakerClient;
  tagging: ResourceGroupsTaggingAPIClient;
  ledger: LedgerClients;
}

/** The daily audit runs at 06:00 UTC: after every nightly window in Europe and the Americas has closed. */
export const AUDIT_SCHEDULE = { cron: '0 6 * * *', timezone: 'UTC' } as const;

export const NOTEBOOK_PATCH_OVERDUE = 'Notebook Patch Overdue';

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
      // Observing, the patch an audit starts for overdue notebooks is a dry run too.
      policy: modePolicy(group.policy, config.mode),
    })),
  };
}

const auditInputSchema = z.strictObject({
  scheduledTime: scheduledTimeSchema,
  groups: z.array(
    z.looseObject({
      name: groupNameSchema,
      targets: z.union([
        z.strictObject({ names: z.array(z.string()).check(z.minLength(1)) }),
        z.strictObject({ tags: z.record(z.string(), z.string()) }),
      ]),
      maxDaysWithoutRestart: z.int().check(z.gte(1)),
      auditStartsPatch: z.boolean(),
      // Checked in full by the patch request they end up in.
      settings: z._default(z.record(z.string(), z.unknown()), {}) as z.ZodMiniType<AuditGroup['settings']>,
      policy: z._default(z.record(z.string(), z.unknown()), {}) as z.ZodMiniType<AuditGroup['policy']>,
    }),
  ),
});

export interface OverdueReport extends OverdueNotebook {
  /** The patch group it belongs to (`null` for a notebook a window left down that is in no group). */
  group: string | null;
  maxDaysWithoutRestart: number | null;
  /** A caretaker window took it down and left it down (its report said so): which, as what, since when. */
  leftDown?: { requestId: string; status: string; since: string };
}

export interface AuditResult {
  /** The catch-up windows asked of `open-window`, by execution name. */
  requested: string[];
  overdue: OverdueReport[];
  /** Exemptions with no end date, reported as `Notebook Exempt`. */
  exempt: EndlessExemption[];
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
      ...(entry.leftDown ? { leftDown: entry.leftDown } : {}),
      auditedAt: auditedAt.toISOString(),
      patchRequestId: (entry.group && requestIdOf(entry.group)) ?? null,
    },
  }));
}

export const auditPermissions = /* @__PURE__ */ permissionsOf(
  listNotebooks,
  notebookTags,
  readNotebooks,
  putEvents,
);

/**
 * The daily audit: for each patch group, the notebooks `InService` for longer than its
 * `maxDaysWithoutRestart`, and every notebook a caretaker window left down (the ledger knows them) →
 * `Notebook Patch Overdue` events, and a catch-up window for them when the group says `auditStartsPatch` (a
 * cycle starts a notebook a window left down). "As of" is the scheduled time, so a repeated invocation finds
 * the same and asks for the same, by name.
 *
 * @example await audit({ ...auditTargetInput(config), scheduledTime: '2026-12-01T06:00:00Z' }, deps)
 *   // → { requested: ['audit-weekly-20261201T0600Z'], overdue: [{ group: 'weekly', name: 'nb-1', … }], exempt: [] }
 */
export async function audit(input: unknown, deps: AuditDeps): Promise<AuditResult> {
  const { scheduledTime, groups } = parseOrThrow(auditInputSchema, input);
  const now = new Date(scheduledTime);
  const listed = await listNotebooks(deps.sagemaker);
  const tags = await notebookTags(deps.tagging, { arns: listed.map((n) => n.arn) });
  const down = listed.filter((n) => n.status !== 'InService');
  const pages =
    down.length > 0
      ? await readNotebooks(
          deps.ledger,
          down.map((n) => n.name),
        )
      : new Map();
  const leftDown = new Map(
    down.flatMap((n) => {
      const mark = pages.get(n.name)?.leftDown as LeftDown | undefined;
      return mark ? [[n.name, mark] as const] : [];
    }),
  );
  const overdue: OverdueReport[] = [];
  const requests: NotebookPatchRequest[] = [];
  const reported = new Set<string>();
  const exempt: EndlessExemption[] = [];
  for (const group of groups) {
    const members = listed
      .map((n) => ({ ...n, tags: tags.get(n.arn) ?? {} }))
      .filter((n) => isTargeted(group.targets, n.name, n.tags));
    // Members of every status: an exemption with no end is reported once, under the first group it is in.
    const exemptTag = group.policy.exemptTag ?? DEFAULT_TRIGGER_SETTINGS.exemptTag;
    const unreported = members.filter((n) => !exempt.some((e) => e.notebook === n.name));
    exempt.push(...endlessExemptions(unreported, { name: group.name, exemptTag }, now.getTime()));
    const found: OverdueReport[] = [
      ...overdueNotebooks(
        members.map((n) => ({ name: n.name, status: n.status, lastStartedAt: n.lastModifiedTime })),
        group.maxDaysWithoutRestart,
        now,
      ).map((entry) => ({ ...entry, group: group.name, maxDaysWithoutRestart: group.maxDaysWithoutRestart })),
      ...members
        .filter((n) => leftDown.has(n.name))
        .map((n) => leftDownReport(n.name, leftDown.get(n.name)!, group)),
    ];
    found.forEach((entry) => reported.add(entry.name));
    overdue.push(...found);
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
  // A notebook left down that belongs to no group is reported all the same.
  for (const [name, mark] of leftDown) if (!reported.has(name)) overdue.push(leftDownReport(name, mark));

  // Each checked as the workflow will check it: an audit whose request would be refused asks for nothing.
  const catchUps = requests.map((request) => ({
    detailType: CATCH_UP_REQUESTED,
    detail: parsePatchRequest(request),
  }));
  const requestIds = new Map(requests.map((r) => [r.source.patchGroup as string, r.requestId]));
  const events = [
    ...catchUps,
    ...overdueEvents(overdue, now, (group) => requestIds.get(group)),
    ...exemptEvents(exempt, now),
  ];
  if (events.length > 0) await putEvents(deps.events, events);
  return { requested: requests.map((r) => r.requestId), overdue, exempt };
}

/** What a window wrote on a notebook it left down (see functions/lib/notebook/cycle.ts `Lease.leftDown`). */
interface LeftDown {
  requestId: string;
  status: string;
  at: number;
}

function leftDownReport(name: string, mark: LeftDown, group?: AuditGroup): OverdueReport {
  return {
    name,
    lastStartedAt: null,
    daysSinceStart: null,
    group: group?.name ?? null,
    maxDaysWithoutRestart: group?.maxDaysWithoutRestart ?? null,
    leftDown: { requestId: mark.requestId, status: mark.status, since: new Date(mark.at).toISOString() },
  };
}
