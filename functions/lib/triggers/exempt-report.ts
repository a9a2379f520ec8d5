/**
 * The daily audit's word on exemptions with no end. A dated exemption (`until-YYYY-MM-DD`) ends by itself;
 * one without a date would exempt a notebook forever, so the audit names it every day: which notebook, which
 * tag and value, and the notebook's other `caretaker:*` tags (where teams note who approved it and why).
 * SageMaker's tags carry no dates, so since when is not something the audit can tell; CloudTrail's `AddTags`
 * events for the notebook can.
 */
import { exemptionOn, type Exemption } from '../exemptions.ts';
import type { OutgoingEvent } from '../aws/eventbridge.ts';

export const NOTEBOOK_EXEMPT = 'Notebook Exempt';

const SINCE_NOTE =
  "SageMaker tags carry no dates; CloudTrail's AddTags events for this notebook say who set the tag and when";

export interface EndlessExemption {
  notebook: string;
  patchGroup: string;
  exemptTag: string;
  value: string;
  /** Why a value that tried to give an end does not (e.g. `until-2026-02-30`). */
  problem?: string;
  /** The notebook's other `caretaker:*` tags. */
  caretakerTags: Record<string, string>;
}

/**
 * The members of a group whose exemption has no end, on the day of `at`.
 *
 * @example endlessExemptions([{ name: 'nb-1', tags: { 'caretaker:exempt': 'SEC-42' } }], { name: 'weekly', exemptTag: 'caretaker:exempt' }, at)
 *   // → [{ notebook: 'nb-1', patchGroup: 'weekly', exemptTag: 'caretaker:exempt', value: 'SEC-42', caretakerTags: {} }]
 */
export function endlessExemptions(
  members: ReadonlyArray<{ name: string; tags: Readonly<Record<string, string>> }>,
  group: { name: string; exemptTag: string },
  at: number,
): EndlessExemption[] {
  return members.flatMap(({ name, tags }) => {
    const exemption: Exemption | undefined = exemptionOn(tags, group.exemptTag, at);
    if (!exemption || exemption.until !== undefined) return [];
    const caretakerTags = Object.fromEntries(
      Object.entries(tags).filter(([key]) => key.startsWith('caretaker:') && key !== group.exemptTag),
    );
    return [
      {
        notebook: name,
        patchGroup: group.name,
        exemptTag: exemption.tag,
        value: exemption.value,
        ...(exemption.problem ? { problem: exemption.problem } : {}),
        caretakerTags,
      },
    ];
  });
}

/** One `Notebook Exempt` event per exemption with no end. */
export function exemptEvents(found: readonly EndlessExemption[], auditedAt: Date): OutgoingEvent[] {
  return found.map((entry) => ({
    detailType: NOTEBOOK_EXEMPT,
    detail: { ...entry, until: null, since: null, sinceNote: SINCE_NOTE, auditedAt: auditedAt.toISOString() },
  }));
}
