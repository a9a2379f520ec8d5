import { OUTCOMES, type NotebookResult, type Outcome } from './outcomes.ts';

export interface PatchReport {
  notebooks: NotebookResult[];
  counts: Partial<Record<Outcome, number>>;
}

/**
 * Merges the skipped notebooks and the cycle results into one report, sorted by name. A planned notebook
 * without a result (its cycle died in a way even the recovery step could not handle) is reported
 * `needs-attention`, never silently dropped.
 */
export function buildReport(
  plan: Array<{ name: string }>,
  skipped: NotebookResult[],
  results: Array<NotebookResult | null | undefined>,
): PatchReport {
  const byName = new Map<string, NotebookResult>();
  for (const r of skipped) byName.set(r.name, r);
  for (const r of results) if (r && typeof r.name === 'string') byName.set(r.name, r);
  for (const { name } of plan) {
    if (!byName.has(name)) {
      byName.set(name, {
        name,
        outcome: 'needs-attention',
        reason: 'its cycle ended without a result; see the execution history',
      });
    }
  }
  const notebooks = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  const counts: Partial<Record<Outcome, number>> = {};
  for (const outcome of OUTCOMES) {
    const n = notebooks.filter((r) => r.outcome === outcome).length;
    if (n > 0) counts[outcome] = n;
  }
  return { notebooks, counts };
}
