/**
 * The peak number of notebooks that were `InService` when the window began and were not `InService` at
 * the same moment during [from, to].
 */
export function notebooksDown(
  history: Array<{ name: string; status: string; at: number }>,
  from: number,
  to: number,
): number {
  const sorted = [...history].sort((a, b) => a.at - b.at);
  const status = new Map<string, string>();
  let i = 0;
  for (; i < sorted.length && sorted[i]!.at <= from; i++) status.set(sorted[i]!.name, sorted[i]!.status);
  const watched = new Set([...status].filter(([, s]) => s === 'InService').map(([n]) => n));
  let down = 0;
  let peak = 0;
  for (; i < sorted.length && sorted[i]!.at <= to; i++) {
    const { name, status: next } = sorted[i]!;
    if (!watched.has(name)) continue;
    const was = status.get(name) === 'InService';
    const is = next === 'InService';
    status.set(name, next);
    if (was && !is) down++;
    if (!was && is) down--;
    // Several changes can share one instant; count the peak only once the instant is complete.
    if (sorted[i + 1]?.at !== sorted[i]!.at) peak = Math.max(peak, down);
  }
  return peak;
}
