import { OUTCOMES, type NotebookResult, type Outcome } from './outcomes.ts';

export interface PatchReport {
  notebooks: NotebookResult[];
  counts: Partial<Record<Outcome, number>>;
}

/** Outcomes that need no one's attention; a bounded list names every other notebook first. */
export const QUIET_OUTCOMES: ReadonlySet<Outcome> = new Set([
  'patched',
  'settings-applied',
  'already-patched',
  'skipped-exempt',
]);

/**
 * Merges the results into one report, sorted by name. A planned notebook without a result (its cycle
 * died in a way even the report could not account for) is reported `needs-attention`, never dropped.
 */
export function buildReport(
  planned: readonly string[],
  results: ReadonlyMap<string, NotebookResult>,
): PatchReport {
  const byName = new Map(results);
  for (const name of planned) {
    if (!byName.has(name))
      byName.set(name, {
        name,
        outcome: 'needs-attention',
        reason: 'its cycle ended without a result; see the execution history',
      });
  }
  const notebooks = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  const counts: Partial<Record<Outcome, number>> = {};
  for (const outcome of OUTCOMES) {
    const n = notebooks.filter((r) => r.outcome === outcome).length;
    if (n > 0) counts[outcome] = n;
  }
  return { notebooks, counts };
}

/**
 * The items a payload of at most `bytes` can hold: every one when they fit, else those that `matter` first
 * (then the rest), in their own order. Events and state payloads have hard limits (256 KiB); a report or a
 * plan of thousands of notebooks must not break them.
 *
 * @example bounded(plan, 64 * 1024, planNeedsLook) // → { items: [...], omitted: 0 }
 */
export function bounded<T>(
  items: readonly T[],
  bytes: number,
  matters: (item: T) => boolean,
): { items: T[]; omitted: number } {
  const ordered = [...items.filter(matters), ...items.filter((i) => !matters(i))];
  const kept = new Set<T>();
  let size = 2;
  for (const item of ordered) {
    const cost = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (size + cost > bytes) break;
    kept.add(item);
    size += cost;
  }
  return { items: items.filter((i) => kept.has(i)), omitted: items.length - kept.size };
}

/**
 * The notebooks a payload of at most `bytes` can name: every one when they fit, else those that need
 * someone first (then the rest), each with its name, outcome and reasons.
 *
 * @example boundedNotebooks(report.notebooks, 24 * 1024) // → { notebooks: [...], omitted: 0 }
 */
export function boundedNotebooks(
  notebooks: readonly NotebookResult[],
  bytes: number,
): { notebooks: NotebookResult[]; omitted: number } {
  const { items, omitted } = bounded(notebooks, bytes, (n) => !QUIET_OUTCOMES.has(n.outcome));
  return { notebooks: items, omitted };
}
