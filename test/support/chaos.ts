/**
 * The chaos suite's seeds: `npm test` runs a few per scenario, `npm run chaos` many (CARETAKER_CHAOS_SEEDS,
 * 20 by default there). A seed varies which calls the fault shares hit (`faults.seed`) and, where a scenario
 * says so, its timings.
 */
export function chaosSeeds(): number[] {
  const count = Number(process.env.CARETAKER_CHAOS_SEEDS ?? 3);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(
      `CARETAKER_CHAOS_SEEDS: got ${process.env.CARETAKER_CHAOS_SEEDS}, expected a whole number ≥ 1`,
    );
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** A fleet of `count` running notebooks named `nb-01`… in one patch group, as YAML lines. */
export function runningNotebooks(count: number, extra = ''): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `  - { name: nb-${String(i + 1).padStart(2, '0')}, status: InService, lifecycleConfigName: lc-v1, tags: { patch-group: weekly }${extra} }`,
  ).join('\n');
}

export const fleetYaml = (notebooks: string, extra = '') =>
  `start: 2026-11-23T02:00:00Z\nplatformRelease: "2026.11"\nlifecycleConfigs: [lc-v1, lc-v2]\nnotebooks:\n${notebooks}\n${extra}`;
