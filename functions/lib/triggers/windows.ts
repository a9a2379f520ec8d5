/**
 * Patch-group windows: what a group's EventBridge Scheduler schedule hands to `open-window`, and the
 * window it starts, named `<group>-<yyyymmddThhmmZ>` of the scheduled time. `open-window` also starts the
 * catch-up window the daily audit asks for (`Catch-up Window Requested`, rule `catch-up-window-requested`):
 * the one function that starts a group's windows.
 */
import * as z from 'zod/mini';
import { CARETAKER_SOURCE } from '../aws/eventbridge.ts';
import { startExecution } from '../aws/stepfunctions.ts';
import { permissionsOf } from '../iam.ts';
import { parseOrThrow } from '../validation.ts';
import type { Mode, PatchGroup } from './config-sections.ts';
import type { NotebookPatchRequest } from './findings.ts';
import { rejectedBy, type TriggerResult } from './result.ts';
import { windowRequest } from './patch-windows.ts';
import { startRequests, type TriggerDeps } from './start.ts';

/**
 * EventBridge Scheduler replaces this placeholder in a target's input with the time the invocation was
 * scheduled for (not the time it ran, which the flexible window moves), so a retried or repeated
 * invocation carries the same time and derives the same execution name.
 */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

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
 * and the sandbox substitutes the time itself: one function, so both invoke `open-window` alike. In
 * `observe` mode the window it opens is a dry run: it reports its plan and changes nothing.
 *
 * @example scheduleTargetInput(config.patchGroups[0], 'act').scheduledTime // → '<aws.scheduler.scheduled-time>'
 */
export function scheduleTargetInput(group: PatchGroup, mode: Mode): WindowInput {
  return {
    group: group.name,
    scheduledTime: SCHEDULED_TIME,
    schedule: { cron: group.schedule.cron, timezone: group.schedule.timezone },
    targets: group.targets,
    settings: group.settings,
    policy: modePolicy(group.policy, mode),
  };
}

/** A window's policy under the deployment's mode: observing, every window is a dry run. */
export function modePolicy<P extends object>(policy: P, mode: Mode): P & { dryRun?: true } {
  return mode === 'observe' ? { ...policy, dryRun: true } : policy;
}

export const scheduledTimeSchema = z.iso.datetime({
  offset: true,
  message: `expected an ISO 8601 time (EventBridge Scheduler fills it in for ${SCHEDULED_TIME})`,
});

export const groupNameSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/,
      'expected a patch group name (1–40 letters, digits, "-", "_")',
    ),
  );

const windowInputSchema = z.looseObject({
  group: groupNameSchema,
  scheduledTime: scheduledTimeSchema,
  schedule: z.looseObject({ cron: z.string(), timezone: z.string() }),
  targets: z.unknown(),
  settings: z.optional(z.unknown()),
  policy: z.optional(z.unknown()),
});

export const openWindowPermissions = /* @__PURE__ */ permissionsOf(startExecution);

/** What the daily audit puts on the bus for a group's overdue notebooks: its catch-up patch request. */
export const CATCH_UP_REQUESTED = 'Catch-up Window Requested';

const catchUpEventSchema = z.looseObject({
  source: z.literal(CARETAKER_SOURCE),
  'detail-type': z.literal(CATCH_UP_REQUESTED),
  detail: z.record(z.string(), z.unknown(), 'expected the patch request'),
});

/**
 * Starts the catch-up window of an audit's event, checked in full as a workflow's input (only caretaker's
 * own roles may put `source: caretaker` events, deploy/bus-policy.ts). Named after the group and the
 * audit's scheduled time, so a redelivered event starts nothing new; a malformed one starts nothing.
 */
async function openCatchUp(event: unknown, deps: TriggerDeps): Promise<TriggerResult> {
  try {
    const { detail } = parseOrThrow(catchUpEventSchema, event);
    return await startRequests([detail as unknown as NotebookPatchRequest], deps);
  } catch (err) {
    return rejectedBy(err);
  }
}

/**
 * A patch group's scheduled window: starts notebook-patch as `<group>-<yyyymmddThhmmZ>` of the scheduled
 * time. A bad input is an error (the schedule's retry policy and dead-letter queue keep it), since it can
 * only come from a schedule that was deployed wrong.
 *
 * @example await openWindow({ ...scheduleTargetInput(group), scheduledTime: '2026-11-29T02:00:00Z' }, deps)
 *   // → { started: ['weekly-20261129T0200Z'], duplicates: [] }
 */
export async function openWindow(input: unknown, deps: TriggerDeps): Promise<TriggerResult> {
  if (typeof input === 'object' && input !== null && 'detail-type' in input) return openCatchUp(input, deps);
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
