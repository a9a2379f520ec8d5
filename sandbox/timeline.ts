import type { NotebookChange } from './emulator/notebooks.ts';

/**
 * The peak number of notebooks that were `InService` when an execution (or the run) began and were not
 * `InService` at the same moment before it ended; for an execution, among the notebooks it concerns
 * (`among`: those its steps named in a SageMaker call), so a window is not charged with another's. `startIndex` is the length the history had when it began:
 * changes in the same virtual instant as its start but made by it (a stop at t = 0) come after that mark,
 * so they count as downtime rather than as the starting state. For the whole run, the mark is the fleet's
 * size (the history opens with one initial status per notebook).
 *
 * A notebook deleted during the run stops counting when it is gone (`gone`): it is not down any more, it no
 * longer exists; while it is `Deleting` it counts as down like any other status but `InService`.
 */
export function notebooksDown(
  history: NotebookChange[],
  startIndex: number,
  to: number,
  among?: ReadonlySet<string>,
): number {
  const status = new Map<string, string>();
  for (const change of history.slice(0, startIndex)) status.set(change.name, change.status);
  const watched = new Set(
    [...status].filter(([n, s]) => s === 'InService' && (!among || among.has(n))).map(([n]) => n),
  );
  // A stable sort keeps the order of changes that share an instant.
  const later = history
    .slice(startIndex)
    .filter((c) => c.at <= to)
    .sort((a, b) => a.at - b.at);
  let down = 0;
  let peak = 0;
  later.forEach((change, i) => {
    if (!watched.has(change.name)) return;
    const was = status.get(change.name) === 'InService';
    if (change.gone) {
      watched.delete(change.name);
      if (!was) down--;
    } else {
      const is = change.status === 'InService';
      status.set(change.name, change.status);
      if (was && !is) down++;
      if (!was && is) down--;
    }
    // Several changes can share one instant; the peak counts once the instant is complete.
    if (later[i + 1]?.at !== change.at) peak = Math.max(peak, down);
  });
  return peak;
}
