/**
 * What the bundles take for `mnemonist/lru-cache`. The DynamoDB client builds an endpoint-discovery cache on
 * every construction (`@aws-sdk/endpoint-cache`), though none of the commands caretaker calls discovers
 * endpoints; mnemonist's LRU and its iterator helpers are ~7 KB of every bundle with the ledger client. This
 * is the part of its API that cache uses (constructor(capacity), get, peek, set, has, clear), on a Map, whose
 * insertion order makes it an LRU: a read or a write moves the key to the end, and the first key goes when
 * full. deploy/esbuild.ts aliases it; test/unit/lru-cache.test.ts holds it to mnemonist's behaviour.
 */
export default class LRUCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`LRUCache: got capacity ${capacity}, expected a whole number ≥ 1`);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** The value without using it. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): this {
    this.#entries.delete(key);
    if (this.#entries.size >= this.capacity) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.set(key, value);
    return this;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
