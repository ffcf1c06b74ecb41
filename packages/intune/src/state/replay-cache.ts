/**
 * Replay protection for nonces. `checkAndInsert` is one atomic step: of any number of concurrent
 * calls with the same key, exactly one returns true. An entry lives until its expiry (the token's
 * `exp` plus the clock skew), after which the token could not pass the time gate anyway.
 */
import { ExpiryHeap } from '../lib/expiry-heap.js';

/**
 * Storage behind replay protection. A shared implementation (Redis `SET key 1 NX PXAT expiry`,
 * a SQL unique insert…) must make `checkAndInsert` atomic across processes.
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAtMs` (epoch ms) unless it is already recorded and unexpired at
   * `nowMs`. Resolves true when this call recorded it (first sighting), false on a replay.
   */
  checkAndInsert(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

export interface ReplayCacheOptions {
  /** Most live entries held. Default 100,000. */
  readonly maxEntries?: number;
}

export interface ReplayCacheStats {
  readonly size: number;
  readonly maxEntries: number;
  readonly inserted: number;
  readonly replays: number;
  readonly expired: number;
  /** Entries dropped before their expiry because the cache was full: watch this one. */
  readonly evictedUnexpired: number;
}

export const DEFAULT_REPLAY_MAX_ENTRIES = 100_000;

/**
 * The in-memory `ReplayStore`: a Map for lookups and a min-heap on expiry for O(log n) purging.
 * When full, the entry closest to expiry is evicted (and counted in `evictedUnexpired`).
 */
export class ReplayCache implements ReplayStore {
  readonly #max: number;
  readonly #entries = new Map<string, number>();
  readonly #heap = new ExpiryHeap();
  #inserted = 0;
  #replays = 0;
  #expired = 0;
  #evicted = 0;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_REPLAY_MAX_ENTRIES;
    if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError('ReplayCache: maxEntries must be a positive integer');
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  checkAndInsert(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    return Promise.resolve(this.checkAndInsertSync(key, expiresAtMs, nowMs));
  }

  /** The synchronous core (atomic because it never yields). */
  checkAndInsertSync(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.#purge(nowMs);
    if (this.#entries.has(key)) {
      // Every entry still present expires after nowMs: the purge above removed the rest.
      this.#replays++;
      return false;
    }
    if (expiresAtMs <= nowMs) return true; // already dead: nothing to remember
    while (this.#entries.size >= this.#max) {
      const victim = this.#heap.pop();
      if (victim === undefined) break;
      this.#entries.delete(victim);
      this.#evicted++;
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
      inserted: this.#inserted,
      replays: this.#replays,
      expired: this.#expired,
      evictedUnexpired: this.#evicted,
    };
  }

  clear(): void {
    this.#entries.clear();
    this.#heap.clear();
  }
}
