/**
 * The queue of a patch group's next window: a `Finding Noted` event whose action is `queued` (the finding
 * triggers emit one for a notebook whose group takes findings at its next window, `finding-modes.ts`) is
 * written to the notebook's ledger page, where that window's cycle finds it.
 *
 * A function of its own, on its own rule (`finding-queued`), so that the functions reading third-party
 * findings hold no ledger access at all and carry no DynamoDB client. Only caretaker's own function roles may
 * put `source: caretaker` events on its bus (deploy/bus-policy.ts): what arrives here, a finding trigger
 * decided. It is still checked in full, as every input is, and a malformed one changes nothing.
 */
import * as z from 'zod/mini';
import { CARETAKER_SOURCE } from '../aws/eventbridge.ts';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { queueOnNotebook } from '../aws/ledger/notebooks.ts';
import { permissionsOf } from '../iam.ts';
import { mergeQueued, notebookNameSchema, settingsRequestSchema } from '../notebook/request.ts';
import { parseOrThrow } from '../validation.ts';
import { FINDING_NOTED } from './finding-events.ts';
import { rejectedBy, type TriggerResult } from './result.ts';
import { groupNameSchema } from './windows.ts';

const queuedFindingSchema = z.looseObject({
  source: z.literal(CARETAKER_SOURCE),
  'detail-type': z.literal(FINDING_NOTED),
  time: z.iso.datetime({ message: 'expected the event time EventBridge sets (ISO 8601)' }),
  detail: z.looseObject({
    action: z.literal('queued'),
    notebook: notebookNameSchema,
    group: groupNameSchema,
    settings: settingsRequestSchema,
    findingIds: z
      .array(z.string().check(z.minLength(1)))
      .check(z.minLength(1, 'expected at least one finding')),
  }),
});

export interface QueueResult extends TriggerResult {
  /** The notebook whose queue now holds the finding's settings, for its group's next window. */
  queued?: { notebook: string; group: string; findingIds: string[] };
}

export const queueFindingPermissions = /* @__PURE__ */ permissionsOf(queueOnNotebook);

/**
 * Merges a queued finding into its notebook's queue. The event's own time is the queuing time, so a
 * redelivered event writes exactly what the first delivery wrote.
 *
 * @example await queueFinding(findingNotedEvent, { ledger }) // → { started: [], duplicates: [], queued: { notebook: 'nb-1', group: 'weekly', findingIds: ['…'] } }
 */
export async function queueFinding(event: unknown, deps: { ledger: LedgerClients }): Promise<QueueResult> {
  let noted: z.output<typeof queuedFindingSchema>;
  try {
    noted = parseOrThrow(queuedFindingSchema, event);
  } catch (err) {
    return rejectedBy(err);
  }
  const { notebook, group, settings, findingIds } = noted.detail;
  await queueOnNotebook(deps.ledger, notebook, (queued) =>
    mergeQueued(queued, { group, settings, findingIds, queuedAt: new Date(noted.time).toISOString() }),
  );
  return { started: [], duplicates: [], queued: { notebook, group, findingIds } };
}
