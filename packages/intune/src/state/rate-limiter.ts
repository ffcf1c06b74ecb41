/**
 * Per-device enrolment rate limit: a sliding-window log per key (default key `sub` + `iss`,
 * default 3 per 24 h). Exact — no fixed-window burst at boundaries — and cheap, because each key
 * holds at most `limit` timestamps. Keys are bounded; the least recently used one is evicted.
 */

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Slots left in the window after this call. */
  readonly remaining: number;
  /** When refused: how long until the oldest slot frees up. */
  readonly retryAfterMs: number | undefined;
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
}

export interface RateLimiterStats {
  readonly keys: number;
  readonly maxKeys: number;
  readonly limit: number;
  readonly windowMs: number;
  readonly allowed: number;
  readonly refused: number;
  /** Keys dropped to stay under maxKeys (their devices get a fresh window). */
  readonly evicted: number;
}

export const DEFAULT_RATE_LIMIT = 3;
export const DEFAULT_RATE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RATE_MAX_KEYS = 100_000;
const MAX_LIMIT = 100_000;

const EMPTY: readonly number[] = Object.freeze([]);
const ALLOW_ALL: RateLimitDecision = Object.freeze({ allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: undefined });

/** The in-memory `RateLimitStore`. */
export class RateLimiter implements RateLimitStore {
  readonly #limit: number;
  readonly #window: number;
  readonly #maxKeys: number;
  /**
   * Per key, the timestamps of used slots, oldest first: a bare number for one slot (the common
   * case, and 16 bytes instead of an array), an exact-size array for more. Map insertion order
   * doubles as recency order: a touched key is re-inserted at the end.
   */
  readonly #logs = new Map<string, number | readonly number[]>();
  #allowed = 0;
  #refused = 0;
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
    const stored = logs.get(key);
    let live: readonly number[];
    if (stored === undefined) {
      while (logs.size >= this.#maxKeys) {
        const oldest = logs.keys().next();
        if (oldest.done === true) break;
        logs.delete(oldest.value);
        this.#evicted++;
      }
      live = EMPTY;
    } else {
      logs.delete(key); // re-inserted below: most recently used
      const cutoff = nowMs - this.#window;
      if (typeof stored === 'number') {
        live = stored > cutoff ? [stored] : EMPTY;
      } else {
        let drop = 0;
        while (drop < stored.length && stored[drop]! <= cutoff) drop++;
        live = drop === 0 ? stored : stored.slice(drop);
      }
    }
    if (live.length >= limit) {
      logs.set(key, live.length === 1 ? live[0]! : live);
      this.#refused++;
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, live[0]! + this.#window - nowMs) };
    }
    // concat allocates exactly; a spread would reserve growth room (≈ 3× the heap per key).
    logs.set(key, live.length === 0 ? nowMs : live.concat(nowMs));
    this.#allowed++;
    return { allowed: true, remaining: limit - live.length - 1, retryAfterMs: undefined };
  }

  stats(): RateLimiterStats {
    return {
      keys: this.#logs.size,
      maxKeys: this.#maxKeys,
      limit: this.#limit,
      windowMs: this.#window,
      allowed: this.#allowed,
      refused: this.#refused,
      evicted: this.#evicted,
    };
  }

  clear(): void {
    this.#logs.clear();
  }
}
