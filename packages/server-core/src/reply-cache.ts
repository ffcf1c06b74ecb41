/**
 * Retransmissions: a client that lost a SUCCESS reply resends the same bytes (same transactionID,
 * same senderNonce). Answering from the first reply keeps one certificate per transaction and keeps
 * one-time challenges (and Intune nonces) from refusing the device's own retry. Only SUCCESS
 * replies are kept; the reply is encrypted to the requester, so handing it out again leaks nothing.
 */
import { OldestFirst } from './bounded-map.js';

export interface ReplyCache {
  get(key: string, now: Date): Promise<Uint8Array | undefined>;
  put(key: string, reply: Uint8Array, expiresAt: Date): Promise<void>;
}

/** Where a reply lies in the ring: `start` counts bytes written since the ring began (see #place). */
interface Slot {
  start: number;
  readonly length: number;
  readonly expiresAt: number;
}

/** The ring's first size; it grows by half as needed, up to `maxBytes`. */
const FIRST_RING_BYTES = 64 * 1024;

/**
 * In memory, bounded (oldest first out), entries expire.
 *
 * The replies are copied into one ring buffer, not kept as the Uint8Arrays they came in: a full
 * cache is ~10,000 of them, and each ArrayBuffer kept alive was GC work on every enrollment
 * (docs/benchmarks.md, proposal 14). Entries are placed in the order they are stored and evicted
 * oldest first, so the ring's free space is always ahead of the newest entry. A reply is never split
 * at the ring's end: the bytes bound may hold a little less than `maxBytes`, never more.
 */
export class InMemoryReplyCache implements ReplyCache {
  /** Insertion order is ring order. */
  readonly #entries = new Map<string, Slot>();
  readonly #oldest = new OldestFirst(this.#entries);
  #ring = new Uint8Array(0);
  /** Bytes written since the ring began: where the next reply goes, unless it must wrap. */
  #head = 0;
  #bytes = 0;
  readonly maxEntries: number;
  /** Bytes of replies kept at most (default 64 MiB): a reply's size is the requester's choice (its SANs). */
  readonly maxBytes: number;
  constructor(options: { readonly maxEntries?: number; readonly maxBytes?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1) throw new TypeError('maxBytes must be a positive integer');
  }
  /** Bytes of replies held now. */
  get bytes(): number {
    return this.#bytes;
  }
  /** The ring's size now: what the cache holds in memory, at most `maxBytes`. */
  get capacity(): number {
    return this.#ring.byteLength;
  }
  get size(): number {
    return this.#entries.size;
  }
  async get(key: string, now: Date): Promise<Uint8Array | undefined> {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now.getTime()) {
      this.#delete(key, e);
      return undefined;
    }
    const at = e.start % this.#ring.byteLength || 0; // a ring of 0 bytes holds only empty replies
    // A copy: the ring's bytes are overwritten once the entry is evicted, maybe while the reply is still being sent.
    return this.#ring.slice(at, at + e.length);
  }
  /**
   * The keys of the live entries, oldest first, with when each expires (ms since the epoch): for a
   * process that mirrors which requests are cached without holding the replies.
   */
  liveKeys(now: Date): [string, number][] {
    const t = now.getTime();
    const out: [string, number][] = [];
    for (const [k, e] of this.#entries) if (e.expiresAt > t) out.push([k, e.expiresAt]);
    return out;
  }
  async put(key: string, reply: Uint8Array, expiresAt: Date): Promise<void> {
    const old = this.#entries.get(key);
    if (old) this.#delete(key, old);
    const n = reply.byteLength;
    if (n > this.maxBytes) return; // never kept: a retransmission is answered anew
    let evicted = false;
    while (this.#entries.size >= this.maxEntries && this.#evictOldest()) evicted = true;
    let start = this.#place(n);
    if (!this.#fits(start, n) && this.#ring.byteLength < this.maxBytes) {
      this.#grow(n);
      start = this.#place(n);
    }
    while (!this.#fits(start, n) && this.#evictOldest()) evicted = true;
    // Left standing through inserts that evict nothing, the iterator would keep every table V8 rebuilds meanwhile.
    if (!evicted) this.#oldest.reset();
    const size = this.#ring.byteLength;
    this.#ring.set(reply, size === 0 ? 0 : start % size);
    this.#entries.set(key, { start, length: n, expiresAt: expiresAt.getTime() });
    this.#head = start + n;
    this.#bytes += n;
  }

  /** Where a reply of `n` bytes starts: at the head, or at the next lap when it would run past the ring's end. */
  #place(n: number): number {
    const size = this.#ring.byteLength;
    if (size === 0) return this.#head;
    const at = this.#head % size;
    return at + n > size ? this.#head + (size - at) : this.#head;
  }
  /** Whether `n` bytes from `start` overwrite nothing: the oldest entry starts no less than a ring behind their end. */
  #fits(start: number, n: number): boolean {
    const oldest = this.#oldest.peek();
    return oldest === undefined ? n <= this.#ring.byteLength : (this.#entries.get(oldest) as Slot).start >= start + n - this.#ring.byteLength;
  }
  #evictOldest(): boolean {
    const oldest = this.#oldest.peek();
    if (oldest === undefined) return false;
    this.#delete(oldest, this.#entries.get(oldest) as Slot);
    return true;
  }
  /** Every delete comes here: the oldest key's peek must hear of it (OldestFirst.forget). */
  #delete(key: string, e: Slot): void {
    this.#oldest.forget(key);
    this.#entries.delete(key);
    this.#bytes -= e.length;
  }
  /** A bigger ring, the entries copied to its start in order: by half again, or to fit what is held and `n` more. */
  #grow(n: number): void {
    const size = this.#ring.byteLength;
    const next = new Uint8Array(Math.min(this.maxBytes, Math.max(FIRST_RING_BYTES, Math.ceil(size * 1.5), this.#bytes + n)));
    let at = 0;
    for (const e of this.#entries.values()) {
      const from = e.start % size;
      next.set(this.#ring.subarray(from, from + e.length), at);
      e.start = at;
      at += e.length;
    }
    this.#ring = next;
    this.#head = at;
  }
}
