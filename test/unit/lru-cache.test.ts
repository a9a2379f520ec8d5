import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import StandIn from '../../deploy/stand-ins/lru-cache.ts';

// The real thing, as the DynamoDB client's endpoint cache would load it without the bundles' alias.
const Mnemonist = createRequire(import.meta.url)('mnemonist/lru-cache') as new (capacity: number) => Lru;
interface Lru {
  get(key: string): unknown;
  peek(key: string): unknown;
  set(key: string, value: unknown): unknown;
  has(key: string): boolean;
  clear(): void;
  size: number;
}

type Step = ['get' | 'peek' | 'has', string] | ['set', string, number] | ['clear'];

/** Every answer the cache gives along the steps, and what it holds after each. */
function replay(cache: Lru, steps: Step[]): unknown[] {
  return steps.map((step) => {
    const [op, key] = step;
    const answer =
      op === 'set' ? (cache.set(key, step[2]), undefined) : op === 'clear' ? cache.clear() : cache[op](key);
    return [answer, cache.size, ['a', 'b', 'c', 'd'].filter((k) => cache.has(k))];
  });
}

describe("the bundles' stand-in for mnemonist/lru-cache", () => {
  it('answers as mnemonist does: reads refresh, peeks do not, the least recently used goes when full', () => {
    // Prepare
    const steps: Step[] = [
      ['set', 'a', 1],
      ['set', 'b', 2],
      ['get', 'a'],
      ['set', 'c', 3],
      ['peek', 'a'],
      ['set', 'd', 4],
      ['has', 'b'],
      ['set', 'a', 5],
      ['get', 'c'],
      ['set', 'b', 6],
      ['get', 'a'],
      ['get', 'x'],
      ['clear'],
      ['get', 'b'],
      ['set', 'd', 7],
    ];
    // Act
    const expected = replay(new Mnemonist(3), steps);
    const actual = replay(new StandIn<string, unknown>(3), steps);
    // Assess
    expect(actual).toEqual(expected);
    expect(actual[5]).toEqual([undefined, 3, ['a', 'c', 'd']]);
  });

  it('refuses a capacity that is not a whole number ≥ 1', () => {
    expect(() => new StandIn(0)).toThrow('LRUCache: got capacity 0, expected a whole number ≥ 1');
  });
});
