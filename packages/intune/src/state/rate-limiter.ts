/**
 * Per-device enrolment rate limit: a sliding-window log per key (default key `sub` + `iss`,
 * default 3 per 24 h). Exact — no fixed-window burst at boundaries — and cheap, because each key
 * holds at most `limit` timestamps. Keys are bounded; when full, keys whose window has emptied are
 * dropped first, then `whenFull` decides between refusing the new key and evicting a live one.
 */
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

/** The newest slot of a stored log. */
function newest(log: number | readonly number[]): number {
  return typeof log === 'number' ? log : log[log.length - 1]!;
}

/** The in-memory `RateLimitStore`. */
export class RateLimiter implements RateLimitStore {
  readonly #limit: number;
  readonly #window: number;
  readonly #maxKeys: number;
  readonly #whenFull: WhenFull;
  /**
   * Per key, the timestamps of used slots, oldest first: a bare number for one slot (the common
   * case, and 16 bytes instead of an array), an exact-size array for more. A key moves to the end
   * of the Map only when it takes a slot, so the Map is in order of newest slot: the first key is
   * the first whose window empties, and sweeping from the front finds every emptied key.
   */
  readonly #logs = new Map<string, number | readonly number[]>();
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
    let live: readonly number[];
    if (stored === undefined) {
      if (logs.size >= this.#maxKeys) {
        this.#sweep(cutoff);
        if (logs.size >= this.#maxKeys) {
          if (this.#whenFull === 'refuse') {
            this.#refusedFull++;
            const first = logs.values().next();
            const retryAfterMs = first.done === true ? undefined : Math.max(0, newest(first.value) + this.#window - nowMs);
            return { allowed: false, remaining: 0, retryAfterMs, reason: 'full' };
          }
          while (logs.size >= this.#maxKeys) {
            const oldest = logs.keys().next();
            if (oldest.done === true) break;
            logs.delete(oldest.value);
            this.#evicted++;
          }
        }
      }
      live = EMPTY;
    } else if (typeof stored === 'number') {
      live = stored > cutoff ? [stored] : EMPTY;
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
    if (stored !== undefined) logs.delete(key); // re-inserted below, at the end: its slot is the newest
    // concat allocates exactly; a spread would reserve growth room (≈ 3× the heap per key).
    logs.set(key, live.length === 0 ? nowMs : live.concat(nowMs));
    this.#allowed++;
    return { allowed: true, remaining: limit - live.length - 1, retryAfterMs: undefined };
  }

  /** Drops keys whose every slot is at or before `cutoff`, from the front (see #logs). */
  #sweep(cutoff: number): void {
    const logs = this.#logs;
    for (const [key, log] of logs) {
      if (newest(log) > cutoff) break;
      logs.delete(key);
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
  }
}
