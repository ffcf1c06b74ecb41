/**
 * Replay protection for nonces. `checkAndInsert` is one atomic step: of any number of concurrent
 * calls with the same key, exactly one returns true. An entry lives until its expiry (the token's
 * `exp` plus the clock skew), after which the token could not pass the time gate anyway.
 */
import { StoreFullError } from '../errors.js';
import { ExpiryHeap } from '../lib/expiry-heap.js';
import { readWhenFull, type WhenFull } from './when-full.js';

/**
 * Storage behind replay protection. A shared implementation (Redis `SET key 1 NX PXAT expiry`,
 * a SQL unique insert…) must make `checkAndInsert` atomic across processes.
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAtMs` (epoch ms) unless it is already recorded and unexpired at
   * `nowMs`. Resolves true when this call recorded it (first sighting), false on a replay.
   * Rejects with `StoreFullError` when the key cannot be recorded without forgetting a live one;
   * any other rejection is a store failure. Either way the request is refused.
   */
  checkAndInsert(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

export interface ReplayCacheOptions {
  /** Most live entries held. Default 100,000. */
  readonly maxEntries?: number;
  /**
   * When full of live entries: `refuse` the new token (default; `StoreFullError`) or `evict` the
   * entry closest to expiry (that token becomes usable again). See `WhenFull`.
   */
  readonly whenFull?: WhenFull;
}

export interface ReplayCacheStats {
  readonly size: number;
  readonly maxEntries: number;
  readonly whenFull: WhenFull;
  readonly inserted: number;
  readonly replays: number;
  readonly expired: number;
  /** `refuse`: new tokens refused because the cache was full of live entries: watch this one. */
  readonly refusedFull: number;
  /** `evict`: entries dropped before their expiry because the cache was full: watch this one. */
  readonly evictedUnexpired: number;
}

export const DEFAULT_REPLAY_MAX_ENTRIES = 100_000;

/**
 * The in-memory `ReplayStore`: a Map for lookups and a min-heap on expiry for O(log n) purging.
 * Expired entries are always purged first; only then does `whenFull` decide.
 */
export class ReplayCache implements ReplayStore {
  readonly #max: number;
  readonly #whenFull: WhenFull;
  readonly #entries = new Map<string, number>();
  readonly #heap = new ExpiryHeap();
  #inserted = 0;
  #replays = 0;
  #expired = 0;
  #refusedFull = 0;
  #evicted = 0;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_REPLAY_MAX_ENTRIES;
    if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError('ReplayCache: maxEntries must be a positive integer');
    this.#max = max;
    this.#whenFull = readWhenFull('ReplayCache', options.whenFull);
  }

  get size(): number {
    return this.#entries.size;
  }

  checkAndInsert(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    try {
      return Promise.resolve(this.checkAndInsertSync(key, expiresAtMs, nowMs));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The synchronous core (atomic because it never yields). Throws `StoreFullError` when full under
   * `refuse`.
   */
  checkAndInsertSync(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.#purge(nowMs);
    if (this.#entries.has(key)) {
      // Every entry still present expires after nowMs: the purge above removed the rest.
      this.#replays++;
      return false;
    }
    if (expiresAtMs <= nowMs) return true; // already dead: nothing to remember
    if (this.#entries.size >= this.#max) {
      if (this.#whenFull === 'refuse') {
        this.#refusedFull++;
        throw new StoreFullError('replay', `replay cache is full (${this.#max} live entries)`);
      }
      while (this.#entries.size >= this.#max) {
        const victim = this.#heap.pop();
        if (victim === undefined) break;
        this.#entries.delete(victim);
        this.#evicted++;
      }
    }
    this.#entries.set(key, expiresAtMs);
    this.#heap.push(expiresAtMs, key);
    this.#inserted++;
    return true;
  }

  #purge(nowMs: number): void {
    while (this.#heap.size > 0 && this.#heap.peekExpiry() <= nowMs) {
      const key = this.#heap.pop()!;
      this.#entries.delete(key);
      this.#expired++;
    }
  }

  stats(): ReplayCacheStats {
    return {
      size: this.#entries.size,
      maxEntries: this.#max,
      whenFull: this.#whenFull,
      inserted: this.#inserted,
      replays: this.#replays,
      expired: this.#expired,
      refusedFull: this.#refusedFull,
      evictedUnexpired: this.#evicted,
    };
  }

  clear(): void {
    this.#entries.clear();
    this.#heap.clear();
  }
}
