import type { Fleet } from '../fleet.ts';

export type Fault = 'throttle' | 'serverError';

/**
 * Deterministic fault injection. Whether a call is faulted depends only on (seed, operation, resource, n),
 * where n counts the earlier calls of that operation on that resource: concurrent callers working on
 * different resources cannot change each other's outcomes, so the same fleet always gives the same faults
 * and the same call counts, however the runs interleave.
 *
 * @example
 *   const faults = new FaultInjector({ throttle: { DescribeNotebookInstance: 0.3 }, serverErrors: {}, seed: 0 });
 *   faults.decide('DescribeNotebookInstance', 'nb-1'); // → 'throttle' | undefined, the same every run
 */
export class FaultInjector {
  readonly #counts = new Map<string, number>();

  constructor(private readonly faults: Pick<Fleet['faults'], 'throttle' | 'serverErrors' | 'seed'>) {}

  decide(operation: string, resourceKey: string): Fault | undefined {
    const throttle = this.faults.throttle[operation] ?? 0;
    const serverErrors = this.faults.serverErrors[operation] ?? 0;
    if (throttle === 0 && serverErrors === 0) return undefined;
    const counter = `${operation}\u0000${resourceKey}`;
    const n = this.#counts.get(counter) ?? 0;
    this.#counts.set(counter, n + 1);
    const draw = (kind: Fault) =>
      unitInterval(`${this.faults.seed}\u0000${kind}\u0000${operation}\u0000${resourceKey}\u0000${n}`);
    if (draw('throttle') < throttle) return 'throttle';
    if (draw('serverError') < serverErrors) return 'serverError';
    return undefined;
  }
}

/** A well-mixed hash of `text` mapped to [0, 1): FNV-1a 32-bit, then murmur3's finaliser for avalanche. */
export function unitInterval(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}
