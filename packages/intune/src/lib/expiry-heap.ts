/**
 * A binary min-heap of (expiry, key) pairs in two parallel arrays: O(log n) push and pop, no
 * per-entry objects, so 100k entries cost a few MB.
 */
export class ExpiryHeap {
  #expiries: number[] = [];
  #keys: string[] = [];

  get size(): number {
    return this.#keys.length;
  }

  /** Earliest expiry, or +Infinity when empty. */
  peekExpiry(): number {
    return this.#expiries[0] ?? Number.POSITIVE_INFINITY;
  }

  push(expiry: number, key: string): void {
    const e = this.#expiries;
    const k = this.#keys;
    let i = k.length;
    e.push(expiry);
    k.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pe = e[parent]!;
      if (pe <= expiry) break;
      e[i] = pe;
      k[i] = k[parent]!;
      i = parent;
    }
    e[i] = expiry;
    k[i] = key;
  }

  /** Removes and returns the key with the earliest expiry. */
  pop(): string | undefined {
    const e = this.#expiries;
    const k = this.#keys;
    const n = k.length;
    if (n === 0) return undefined;
    const top = k[0];
    const lastE = e.pop()!;
    const lastK = k.pop()!;
    const size = n - 1;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && e[r]! < e[l]! ? r : l;
        if (e[c]! >= lastE) break;
        e[i] = e[c]!;
        k[i] = k[c]!;
        i = c;
      }
      e[i] = lastE;
      k[i] = lastK;
    }
    return top;
  }

  clear(): void {
    this.#expiries = [];
    this.#keys = [];
  }
}
