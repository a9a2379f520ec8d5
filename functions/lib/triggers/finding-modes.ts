/**
 * What a remediable finding does, as caretaker.yml says: in `observe` mode nothing (it is noted); in `act`
 * mode what the notebook's patch group says (`findings`): `immediate` patches it now, `next-window` queues
 * the settings for the group's next window, `report-only` notes it. Pure: the trigger starts, queues and
 * emits what this decides.
 *
 *   finding → request per notebook ─ observe ─────────────────────→ Finding Noted (reported)
 *                                  └ act ─ group: immediate ──────→ notebook-patch now
 *                                          ├ group: next-window ──→ Finding Noted (queued, appliesAt) → queue-findings.ts: the ledger
 *                                          └ group: report-only ──→ Finding Noted (reported)
 */
import type { OutgoingEvent } from '../aws/eventbridge.ts';
import type { FindingAction } from './config-sections.ts';
import { FINDING_NOTED } from './finding-events.ts';
import type { NotebookPatchRequest } from './findings.ts';
import { isTargeted } from './groups.ts';
import { nextWindows } from './schedule.ts';
import type { GroupFacts, TriggerSettings } from './settings.ts';

/** A finding caretaker did not act on at once, and what it did instead. */
export interface NotedFinding {
  notebook: string;
  findingIds: string[];
  controls: string[];
  /** What the remediation would set (or, queued, will set at the window). */
  settings: NotebookPatchRequest['settings'];
  action: 'queued' | 'reported';
  reason: string;
  /** The patch group whose window applies queued settings, and when that window opens (ISO 8601). */
  group?: string;
  appliesAt?: string;
}

/** The safest of several groups' answers wins: a notebook in a report-only group is never patched by a finding. */
const STRICTNESS: FindingAction[] = ['report-only', 'next-window', 'immediate'];

const list = (values: unknown): string[] => (Array.isArray(values) ? values.map(String) : []);

/** The next window of a group after `now`, if its schedule names one within a year. */
function nextWindowOf(group: GroupFacts, now: Date): string | undefined {
  if (!group.schedule) return undefined;
  return nextWindows({ name: group.name, schedule: group.schedule }, now, 400)[0]?.utc;
}

/**
 * Splits a finding trigger's requests into those to start now and those only noted (queued or reported).
 *
 * @example disposeFindings(plan.requests, { mode: 'observe', groups }, tags, now).noted[0]?.action // → 'reported'
 */
export function disposeFindings(
  requests: readonly NotebookPatchRequest[],
  settings: Pick<TriggerSettings, 'mode' | 'groups'>,
  tags: ReadonlyMap<string, Readonly<Record<string, string>>>,
  now: Date,
): { immediate: NotebookPatchRequest[]; noted: NotedFinding[] } {
  const immediate: NotebookPatchRequest[] = [];
  const noted: NotedFinding[] = [];
  for (const request of requests) {
    const notebook = 'names' in request.targets ? (request.targets.names[0] ?? '') : '';
    const base = {
      notebook,
      findingIds: list(request.source.findingIds ?? [request.source.id]),
      controls: list(request.source.controls),
      settings: request.settings,
    };
    const groups = settings.groups.filter((g) => isTargeted(g.targets, notebook, tags.get(notebook) ?? {}));
    const action = STRICTNESS.find((a) => groups.some((g) => g.findings === a)) ?? 'immediate';
    if (settings.mode === 'observe') {
      noted.push({
        ...base,
        action: 'reported',
        reason: `caretaker.yml mode is observe: nothing is changed (in act mode this finding would be ${action === 'immediate' ? 'patched at once' : action === 'next-window' ? "queued for the group's next window" : 'reported only'})`,
      });
    } else if (action === 'immediate') {
      immediate.push(request);
    } else if (action === 'report-only') {
      const group = groups.find((g) => g.findings === 'report-only')!;
      noted.push({
        ...base,
        action: 'reported',
        group: group.name,
        reason: `patch group ${group.name} has findings: report-only; nothing is changed`,
      });
    } else {
      // Of several next-window groups, the one whose window comes first applies the settings.
      const [group, appliesAt] = groups
        .filter((g) => g.findings === 'next-window')
        .map((g) => [g, nextWindowOf(g, now)] as const)
        .sort(([, a], [, b]) => (a ?? '~').localeCompare(b ?? '~'))[0]!;
      noted.push({
        ...base,
        action: 'queued',
        group: group.name,
        ...(appliesAt ? { appliesAt } : {}),
        reason: `patch group ${group.name} has findings: next-window; its next window${appliesAt ? ` (${appliesAt})` : ''} applies the settings`,
      });
    }
  }
  return { immediate, noted };
}

/** One `Finding Noted` event per noted notebook. */
export function notedEvents(
  noted: readonly NotedFinding[],
  origin: 'securityhub' | 'config',
): OutgoingEvent[] {
  return noted.map((finding) => ({ detailType: FINDING_NOTED, detail: { origin, ...finding } }));
}
