/**
 * The bounds both in-memory stores share (reply cache, pending store): at most `maxEntries`
 * entries and `maxBytes` bytes, oldest out first. What goes in is a requester's choice, so both
 * bounds hold whatever arrives. Each entry's size is the one given when it was stored, so the
 * total cannot drift.
 */
export class BoundedMap<V> {
  readonly #entries = new Map<string, { value: V; size: number }>();
  readonly #oldest = new OldestFirst(this.#entries);
  #bytes = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
    if (!Number.isFinite(maxBytes) || maxBytes < 1) throw new TypeError('maxBytes must be a positive number');
  }

  get size(): number {
    return this.#entries.size;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }
  delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#bytes -= e.size;
  }
  /** Stores `value` as the newest entry, evicting the oldest until both bounds hold. The caller checks `size <= maxBytes`. */
  set(key: string, value: V, size: number): void {
    this.delete(key);
    if (!this.#over(size)) this.#oldest.reset();
    while (this.#over(size)) this.delete(this.#oldest.key() as string);
    this.#entries.set(key, { value, size });
    this.#bytes += size;
  }
  /** Whether one more entry of `size` bytes needs the oldest out first. */
  #over(size: number): boolean {
    return this.#entries.size > 0 && (this.#entries.size >= this.maxEntries || this.#bytes + size > this.maxBytes);
  }
  /** Oldest first. */
  *entries(): IterableIterator<[string, V]> {
    for (const [k, e] of this.#entries) yield [k, e.value];
  }
}

/**
 * The oldest key of a Map, through one iterator kept from call to call. A fresh `keys()` starts at
 * the table's first slot and steps over every entry deleted since V8 last rebuilt the table: with
 * one eviction per insert at 10,000 entries that was 6.5-6.7 µs an insert, against 0.3 µs this way
 * (bench/evict.ts). The iterator follows the table through rebuilds; every key it yields is the
 * oldest left, as long as the caller deletes it. Call `reset()` on an insert that evicts nothing:
 * an iterator left standing keeps the tables V8 has rebuilt since, and what they held.
 */
export class OldestFirst<K> {
  #it: Iterator<K> | undefined;
  /** Whether `#peeked`, the key `peek` gave, is still in the map (and so still its oldest). */
  #hasPeeked = false;
  #peeked: K | undefined;
  constructor(private readonly map: Map<K, unknown>) {}
  key(): K | undefined {
    if (this.#hasPeeked) {
      this.#hasPeeked = false;
      return this.#peeked;
    }
    let r = (this.#it ??= this.map.keys()).next();
    // A finished iterator stays finished, even after new inserts.
    if (r.done === true) r = (this.#it = this.map.keys()).next();
    return r.done === true ? undefined : r.value;
  }
  /**
   * The oldest key, left in the map (for a caller that evicts only when the oldest is in the way).
   * Such a caller must tell `forget` of every key it deletes.
   */
  peek(): K | undefined {
    if (!this.#hasPeeked) {
      this.#peeked = this.key();
      this.#hasPeeked = this.#peeked !== undefined;
    }
    return this.#peeked;
  }
  /** `key` is being deleted: a peeked key is no longer the oldest. */
  forget(key: K): void {
    if (this.#hasPeeked && this.#peeked === key) {
      this.#hasPeeked = false;
      this.#peeked = undefined;
    }
  }
  /** Drops the iterator; a peeked key stays (it is still the oldest while every delete is forgotten). */
  reset(): void {
    this.#it = undefined;
  }
}
