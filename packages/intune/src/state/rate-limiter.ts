/**
 * Per-device enrolment rate limit: a sliding-window log per key (default key `sub` + `iss`,
 * default 3 per 24 h). Exact — no fixed-window burst at boundaries — and cheap: each key holds at
 * most `limit` timestamps, and a call costs O(1) amortised however large `limit` is (the online
 * budget is one key with `limit` up to 100,000). Keys are bounded; when full, keys whose window
 * has emptied are dropped first, then `whenFull` decides between refusing the new key and evicting
 * a live one.
 */
import { OldestKey } from '../lib/oldest-key.js';
import { readWhenFull, type WhenFull } from './when-full.js';

/** Why a refusal: the key used its window (`limited`), or a new key found the store full (`full`). */
export type RateLimitRefusal = 'limited' | 'full';

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Slots left in the window after this call. */
  readonly remaining: number;
  /** When refused: how long until a slot (or, when full, a key) frees up. */
  readonly retryAfterMs: number | undefined;
  /**
   * Set on refusals by `RateLimiter`. A store that leaves it out is read as `limited`, so stores
   * written before it existed keep working.
   */
  readonly reason?: RateLimitRefusal;
}

/** Storage behind the limiter. A shared implementation must make `consume` atomic per key. */
export interface RateLimitStore {
  /** Takes one slot for `key` at `nowMs` if one is free. */
  consume(key: string, nowMs: number): Promise<RateLimitDecision>;
}

export interface RateLimiterOptions {
  /** Enrolments allowed per key per window. 0 disables limiting. Default 3. */
  readonly limit?: number;
  /** Window length in ms. Default 24 h. */
  readonly windowMs?: number;
  /** Most keys tracked. Default 100,000. */
  readonly maxKeys?: number;
  /**
   * When `maxKeys` keys all have slots in their window and a new key arrives: `refuse` it
   * (default; reason `full`) or `evict` the key whose newest slot is oldest (it starts a fresh
   * window). See `WhenFull`.
   */
  readonly whenFull?: WhenFull;
}

export interface RateLimiterStats {
  readonly keys: number;
  readonly maxKeys: number;
  readonly limit: number;
  readonly windowMs: number;
  readonly whenFull: WhenFull;
  readonly allowed: number;
  /** Refused because the key used its window. */
  readonly refused: number;
  /** `refuse`: new keys refused because the limiter was full: watch this one. */
  readonly refusedFull: number;
  /** Keys dropped, when room was needed, because their window had emptied. */
  readonly expired: number;
  /** `evict`: keys with live slots dropped to stay under maxKeys (their devices get a fresh window). */
  readonly evicted: number;
}

export const DEFAULT_RATE_LIMIT = 3;
export const DEFAULT_RATE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RATE_MAX_KEYS = 100_000;
const MAX_LIMIT = 100_000;

const EMPTY: readonly number[] = Object.freeze([]);
const ALLOW_ALL: RateLimitDecision = Object.freeze({ allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: undefined });

/**
 * Logs of more than this many slots live in a `SlotRing`. Below it an exact-size array is smaller,
 * and copying it per call costs little.
 */
const RING_ABOVE = 16;
/** A ring down to this many slots goes back to an array: half the above, so a log near it does not flip each call. */
const COMPACT_AT = RING_ABOVE / 2;

/**
 * A long log's slots, oldest first, in a circular buffer: taking a slot and expiring one cost O(1)
 * where the exact-size array cost a copy of the whole log. The buffer doubles when full (up to
 * `limit`) and halves when less than a quarter is in use as a slot is taken, so it stays within
 * four times the slots it holds.
 */
class SlotRing {
  #buf: Float64Array;
  #head = 0;
  #count: number;

  /** `slots` and then `next`, in a buffer with room to grow. */
  constructor(slots: readonly number[], next: number, limit: number) {
    this.#buf = new Float64Array(Math.min(limit, 2 * (slots.length + 1)));
    this.#buf.set(slots);
    this.#buf[slots.length] = next;
    this.#count = slots.length + 1;
  }

  get count(): number {
    return this.#count;
  }

  /** The oldest slot (a stored ring is never empty). */
  first(): number {
    return this.#buf[this.#head]!;
  }

  last(): number {
    return this.#buf[this.#at(this.#count - 1)]!;
  }

  /** Drops the slots at or before `cutoff`. */
  dropThrough(cutoff: number): void {
    const buf = this.#buf;
    while (this.#count > 0 && buf[this.#head]! <= cutoff) {
      if (++this.#head === buf.length) this.#head = 0;
      this.#count--;
    }
  }

  /** Appends `slot`; the caller keeps the count below `limit`. */
  push(slot: number, limit: number): void {
    const capacity = this.#buf.length;
    if (this.#count === capacity) this.#resize(Math.min(limit, 2 * capacity));
    else if (this.#count < capacity >> 2) this.#resize(capacity >> 1);
    this.#buf[this.#at(this.#count)] = slot;
    this.#count++;
  }

  /** The slots and then `next`, as an exact-size array. */
  toArray(next: number): number[] {
    const out = new Array<number>(this.#count + 1);
    for (let i = 0; i < this.#count; i++) out[i] = this.#buf[this.#at(i)]!;
    out[this.#count] = next;
    return out;
  }

  #at(i: number): number {
    const j = this.#head + i;
    return j < this.#buf.length ? j : j - this.#buf.length;
  }

  #resize(capacity: number): void {
    const old = this.#buf;
    const buf = new Float64Array(capacity);
    const tail = Math.min(this.#count, old.length - this.#head);
    buf.set(old.subarray(this.#head, this.#head + tail));
    buf.set(old.subarray(0, this.#count - tail), tail);
    this.#buf = buf;
    this.#head = 0;
  }
}

/** A key's used slots, oldest first: one bare number, an exact-size array, or a ring for a long log. */
type SlotLog = number | readonly number[] | SlotRing;

/** Whether a stored log is a ring: Array.isArray, because `instanceof` cost the short logs ~8%. */
function isRing(log: SlotLog): log is SlotRing {
  return typeof log !== 'number' && !Array.isArray(log);
}

/** The newest slot of a stored log. */
function newest(log: SlotLog): number {
  if (typeof log === 'number') return log;
  return isRing(log) ? log.last() : log[log.length - 1]!;
}

/** The in-memory `RateLimitStore`. */
export class RateLimiter implements RateLimitStore {
  readonly #limit: number;
  readonly #window: number;
  readonly #maxKeys: number;
  readonly #whenFull: WhenFull;
  /**
   * Per key, the timestamps of used slots, oldest first: a bare number for one slot (the common
   * case, and 16 bytes instead of an array), an exact-size array for up to `RING_ABOVE`, a
   * `SlotRing` beyond. A key moves to the end of the Map only when it takes a slot, so the Map is in
   * order of newest slot: the first key is the first whose window empties, and sweeping from the
   * front finds every emptied key.
   */
  readonly #logs = new Map<string, SlotLog>();
  /** The first key of #logs for the sweep and evictions; every delete from #logs goes through it. */
  readonly #oldest = new OldestKey(this.#logs);
  #allowed = 0;
  #refused = 0;
  #refusedFull = 0;
  #expired = 0;
  #evicted = 0;

  constructor(options: RateLimiterOptions = {}) {
    const limit = options.limit ?? DEFAULT_RATE_LIMIT;
    const windowMs = options.windowMs ?? DEFAULT_RATE_WINDOW_MS;
    const maxKeys = options.maxKeys ?? DEFAULT_RATE_MAX_KEYS;
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
      throw new TypeError(`RateLimiter: limit must be an integer in 0..${MAX_LIMIT}`);
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new TypeError('RateLimiter: windowMs must be positive');
    if (!Number.isSafeInteger(maxKeys) || maxKeys <= 0) throw new TypeError('RateLimiter: maxKeys must be a positive integer');
    this.#limit = limit;
    this.#window = windowMs;
    this.#maxKeys = maxKeys;
    this.#whenFull = readWhenFull('RateLimiter', options.whenFull);
  }

  get enabled(): boolean {
    return this.#limit > 0;
  }

  consume(key: string, nowMs: number): Promise<RateLimitDecision> {
    return Promise.resolve(this.consumeSync(key, nowMs));
  }

  /** The synchronous core (atomic because it never yields). */
  consumeSync(key: string, nowMs: number): RateLimitDecision {
    const limit = this.#limit;
    if (limit === 0) {
      this.#allowed++;
      return ALLOW_ALL;
    }
    const logs = this.#logs;
    const cutoff = nowMs - this.#window;
    const stored = logs.get(key);
    if (stored === undefined) return this.#consumeNew(key, nowMs, cutoff);
    let live: readonly number[];
    if (typeof stored === 'number') {
      live = stored > cutoff ? [stored] : EMPTY;
    } else if (isRing(stored)) {
      return this.#consumeRing(key, stored, nowMs, cutoff);
    } else {
      let drop = 0;
      while (drop < stored.length && stored[drop]! <= cutoff) drop++;
      live = drop === 0 ? stored : stored.slice(drop);
    }
    if (live.length >= limit) {
      // Stays where it is: a refused attempt takes no slot, so the key's place (by newest slot) holds.
      logs.set(key, live.length === 1 ? live[0]! : live);
      this.#refused++;
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, live[0]! + this.#window - nowMs), reason: 'limited' };
    }
    this.#moveToEnd(key);
    // concat allocates exactly; a spread would reserve growth room (≈ 3× the heap per key).
    logs.set(key, live.length === 0 ? nowMs : live.length < RING_ABOVE ? live.concat(nowMs) : new SlotRing(live, nowMs, limit));
    this.#allowed++;
    return { allowed: true, remaining: limit - live.length - 1, retryAfterMs: undefined };
  }

  /** A key with no log: room is made for it (or it is refused) when the limiter is full. */
  #consumeNew(key: string, nowMs: number, cutoff: number): RateLimitDecision {
    const logs = this.#logs;
    if (logs.size >= this.#maxKeys) {
      this.#sweep(cutoff);
      if (logs.size >= this.#maxKeys) {
        if (this.#whenFull === 'refuse') {
          this.#refusedFull++;
          const first = this.#oldest.peek();
          const retryAfterMs = first === undefined ? undefined : Math.max(0, newest(logs.get(first)!) + this.#window - nowMs);
          return { allowed: false, remaining: 0, retryAfterMs, reason: 'full' };
        }
        while (logs.size >= this.#maxKeys) {
          const oldest = this.#oldest.peek();
          if (oldest === undefined) break;
          this.#oldest.delete(oldest);
          this.#evicted++;
        }
      }
    } else {
      this.#oldest.reset(); // an insert that removes nothing (see OldestKey)
    }
    logs.set(key, nowMs);
    this.#allowed++;
    return { allowed: true, remaining: this.#limit - 1, retryAfterMs: undefined };
  }

  /** A long log: expired slots leave the ring in place, and a new one joins it, without copying. */
  #consumeRing(key: string, ring: SlotRing, nowMs: number, cutoff: number): RateLimitDecision {
    ring.dropThrough(cutoff);
    const used = ring.count;
    if (used >= this.#limit) {
      this.#refused++; // the ring stays where it is, as above
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, ring.first() + this.#window - nowMs), reason: 'limited' };
    }
    this.#moveToEnd(key);
    if (used === 0) {
      this.#logs.set(key, nowMs);
    } else if (used <= COMPACT_AT) {
      this.#logs.set(key, ring.toArray(nowMs));
    } else {
      ring.push(nowMs, this.#limit);
      this.#logs.set(key, ring);
    }
    this.#allowed++;
    return { allowed: true, remaining: this.#limit - used - 1, retryAfterMs: undefined };
  }

  /** Takes `key` out so that setting it again puts it at the end: its slot is the newest. */
  #moveToEnd(key: string): void {
    this.#oldest.delete(key);
    this.#oldest.reset(); // an insert that removes nothing (see OldestKey)
  }

  /** Drops keys whose every slot is at or before `cutoff`, from the front (see #logs). */
  #sweep(cutoff: number): void {
    const logs = this.#logs;
    for (let key = this.#oldest.peek(); key !== undefined; key = this.#oldest.peek()) {
      if (newest(logs.get(key)!) > cutoff) break;
      this.#oldest.delete(key);
      this.#expired++;
    }
  }

  stats(): RateLimiterStats {
    return {
      keys: this.#logs.size,
      maxKeys: this.#maxKeys,
      limit: this.#limit,
      windowMs: this.#window,
      whenFull: this.#whenFull,
      allowed: this.#allowed,
      refused: this.#refused,
      refusedFull: this.#refusedFull,
      expired: this.#expired,
      evicted: this.#evicted,
    };
  }

  clear(): void {
    this.#logs.clear();
    this.#oldest.reset();
  }
}
