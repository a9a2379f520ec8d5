/**
 * The Security Hub and AWS Config triggers: a finding or a compliance change about a notebook becomes a
 * patch request (`findings.ts` decides, `remediation.ts` maps controls to settings), started as one named
 * execution per notebook; a control caretaker cannot fix becomes a `Finding Not Remediable` event.
 *
 * lib/triggers — what starts workflows: findings and Config (this file), schedules (`windows.ts`,
 * `schedule.ts`), the audit (`audit.ts`), people's requests (`requests.ts`) and `caretaker.yml`
 * (`caretaker-config.ts` reads it, `config-sections.ts` is what reaches the functions). It may import the notebook and endpoint request schemas (`../notebook/request.ts`,
 * `../endpoint/request.ts`: what it starts workflows with), the gateways and the shared core; nothing
 * else of another domain.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { orUndefined } from '../aws/errors.ts';
import { putEvents, type OutgoingEvent } from '../aws/eventbridge.ts';
import { listNotebookTags } from '../aws/sagemaker/notebooks.ts';
import { startExecution } from '../aws/stepfunctions.ts';
import { permissionsOf } from '../iam.ts';
import {
  planRemediation,
  readConfigEvent,
  readFindingEvent,
  type FindingReading,
  type TriggerPlan,
} from './findings.ts';
import { FINDING_NOT_REMEDIABLE } from './finding-events.ts';
import { disposeFindings, notedEvents, type NotedFinding } from './finding-modes.ts';
import type { Home } from './home.ts';
import type { RequestDeps } from './requests.ts';
import { rejectedBy, type TriggerResult } from './result.ts';
import { startRequests, type TriggerDeps } from './start.ts';

/** A trigger's result plus what it reported on the bus, so the function's log tells the whole story. */
export interface FindingTriggerResult extends TriggerResult {
  notRemediable: TriggerPlan['notRemediable'];
  ignoredFindings: TriggerPlan['ignored'];
  /** Findings noted instead of acted on at once (observe mode, a group's next-window or report-only). */
  noted: NotedFinding[];
}

/**
 * The finding triggers also read notebooks' tags (patch group, exemption) and know where they run. A finding
 * for a group whose findings wait for its next window leaves in a `Finding Noted` event, which
 * `queue-findings.ts` writes to the ledger: these functions hold no ledger access.
 */
export type FindingDeps = TriggerDeps &
  Pick<RequestDeps, 'settings' | 'events'> & {
    sagemaker: SageMakerClient;
    home: Home;
  };

export const fromFindingPermissions = /* @__PURE__ */ permissionsOf(
  startExecution,
  putEvents,
  listNotebookTags,
);
export const fromConfigPermissions = /* @__PURE__ */ permissionsOf(
  startExecution,
  putEvents,
  listNotebookTags,
);

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

/** The tags of every notebook a reading has checks about; a notebook that is gone has none. */
async function tagsOf(reading: FindingReading, deps: FindingDeps) {
  const arns = new Map(reading.checks.map((check) => [check.notebook, check.notebookArn]));
  const entries = await Promise.all(
    [...arns].map(async ([notebook, arn]) => {
      const tags = arn ? await orUndefined(listNotebookTags(deps.sagemaker, arn)) : undefined;
      return [notebook, tags ?? {}] as const;
    }),
  );
  return new Map(entries);
}

async function actOnEvent(
  read: () => FindingReading,
  origin: 'securityhub' | 'config',
  deps: FindingDeps,
): Promise<FindingTriggerResult> {
  let reading: FindingReading;
  try {
    reading = read();
  } catch (err) {
    return { ...rejectedBy(err), notRemediable: [], ignoredFindings: [], noted: [] };
  }
  const now = new Date();
  const tags = await tagsOf(reading, deps);
  const plan = planRemediation(reading, {
    home: deps.home,
    context: { settings: deps.settings, tags, now: now.getTime() },
  });
  const { immediate, noted } = disposeFindings(plan.requests, deps.settings, tags, now);
  const started = await startRequests(immediate, deps);
  const events = [...notRemediableEvents(plan, origin), ...notedEvents(noted, origin)];
  if (events.length > 0) await putEvents(deps.events, events);
  const ignored = nothingToDo(plan);
  return {
    ...started,
    ...(ignored ? { ignored } : {}),
    notRemediable: plan.notRemediable,
    ignoredFindings: plan.ignored,
    noted,
  };
}

/**
 * A `Security Hub Findings - Imported` event: one patch request per notebook of this account and region
 * (named after its findings, so the same finding imported again starts nothing new), as its patch group and
 * exemption allow; a `Finding Not Remediable` event for each control caretaker cannot fix.
 *
 * @example await fromFinding(sampleEvent, triggerDeps) // → { started: ['finding-sagemaker-3-…'], duplicates: [], … }
 */
export function fromFinding(event: unknown, deps: FindingDeps): Promise<FindingTriggerResult> {
  return actOnEvent(() => readFindingEvent(event, deps.home), 'securityhub', deps);
}

/**
 * A `Config Rules Compliance Change` event: the same mapping by the managed rule's name.
 *
 * @example await fromConfig(nonCompliantEvent, triggerDeps) // → { started: ['config-sagemaker-notebook-instance-root-access-check-…'], … }
 */
export function fromConfig(event: unknown, deps: FindingDeps): Promise<FindingTriggerResult> {
  return actOnEvent(() => readConfigEvent(event, deps.home), 'config', deps);
}
