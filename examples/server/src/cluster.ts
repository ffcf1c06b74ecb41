/**
 * SCEP_WORKERS=N: N node:cluster workers share the listening socket; the state that must be shared
 * to stay correct lives in the primary and is reached over IPC: one-time challenges (minted on one
 * worker, used on another, never twice), pending transactions (approved on one, polled on another),
 * SUCCESS replies kept for retransmissions, Intune replay nonces and rate-limit slots (atomic
 * across workers); counters are kept per worker and gathered when read. Each store operation is
 * one message; the primary runs them one at a time, which is what makes them atomic.
 *
 * The reply cache is the one store written on every enrollment, so it stays off that path: each
 * worker keeps the replies it made, and only their keys travel, in batches, to the primary (which
 * notes who holds each) and on to the other workers (which mirror them, so a request that is not a
 * retransmission costs no round trip). A retransmission that reaches another worker is fetched
 * from the holder through the primary. Shipping every reply to the primary cost 0.1-0.2 CPU ms per
 * enrollment (docs/benchmarks.md, "Workers").
 */
import cluster from 'node:cluster';
import { RateLimiter, ReplayCache, StoreFullError, type RateLimitDecision, type RateLimitStore, type ReplayStore } from '@scep/intune';
import {
  InMemoryChallengeStore,
  InMemoryPendingStore,
  InMemoryReplyCache,
  ScepMetrics,
  type ChallengeBinding,
  type ChallengeMatch,
  type ChallengeRecord,
  type ChallengeStore,
  type IssueResult,
  type PendingEntry,
  type PendingStore,
  type ReplyCache,
} from '@scep/server-core';
import { onlineRateLimiter, type IntuneStores } from './intune.js';
import type { Settings } from './settings.js';

type Target = 'challenge' | 'pending' | 'reply' | 'replay' | 'rate' | 'metrics';
interface RpcRequest {
  readonly t: 'scep-rpc';
  readonly id: number;
  readonly target: Target;
  readonly profile: string;
  readonly method: string;
  readonly args: readonly unknown[];
}
interface RpcReply {
  readonly t: 'scep-rpc-reply';
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
  /** The error's stable code, when it had one: the worker rebuilds the errors its callers tell apart. */
  readonly code?: string;
}
/** The primary asks every worker for its counters when /metrics is read. */
interface MetricsRequest {
  readonly t: 'scep-metrics-req';
  readonly id: number;
}
interface MetricsReply {
  readonly t: 'scep-metrics-dump';
  readonly id: number;
  readonly dump: ReturnType<ScepMetrics['dump']>;
}
/** A cached reply's key: profile, key, when it expires (ms since the epoch). */
export type ReplyKey = readonly [profile: string, key: string, expiresAt: number];
/** Keys of replies cached since the last batch: a worker's to the primary, the primary's to the others. */
export interface ReplyKeysMessage {
  readonly t: 'scep-reply-keys';
  readonly keys: readonly ReplyKey[];
}
/** The primary asks the worker holding a reply for it (a retransmission reached another worker). */
interface ReplyFetch {
  readonly t: 'scep-reply-fetch';
  readonly id: number;
  readonly profile: string;
  readonly key: string;
  readonly now: number;
}
interface ReplyFetched {
  readonly t: 'scep-reply-fetched';
  readonly id: number;
  readonly reply: Uint8Array | undefined;
}

/** What the primary sees of a worker: cluster's Worker, or a test's stand-in. */
export interface WorkerPort {
  on(event: 'message', l: (m: unknown) => void): unknown;
  send(m: unknown): unknown;
  isConnected(): boolean;
}
/** What a worker sees of the primary: the process's IPC channel, or a test's stand-in. */
export interface PrimaryPort {
  on(event: 'message', l: (m: unknown) => void): unknown;
  send(m: unknown): unknown;
}
const processPort: PrimaryPort = {
  on: (event, l) => process.on(event, l),
  send: (m) => (process.send as (m: unknown) => boolean)(m),
};

/** The example server's bound on all cached replies' bytes together, as one process has (server-core's default). */
export const REPLY_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** How long the primary waits for a holder's reply before the retransmission is answered anew. */
export const REPLY_FETCH_TIMEOUT_MS = 2000;
export interface ReadyMessage {
  readonly t: 'scep-ready';
  readonly url: string;
}

const METHODS: Readonly<Record<Target, readonly string[]>> = {
  challenge: ['mint', 'consume'],
  pending: ['put', 'get', 'resolve', 'delete', 'list'],
  reply: ['get', 'liveKeys'],
  replay: ['checkAndInsert'],
  rate: ['consume'],
  metrics: ['toPrometheus', 'snapshot'],
};

/** The primary's side: the one copy of the shared state, and the RPC dispatcher over it. */
export class SharedState {
  private nextGather = 1;
  private readonly gathers = new Map<number, { dumps: ReturnType<ScepMetrics['dump']>[]; left: number; done: (m: ScepMetrics) => void }>();
  private readonly workers = new Set<WorkerPort>();
  private readonly challenge = new Map<string, InMemoryChallengeStore>();
  private readonly pending = new Map<string, InMemoryPendingStore>();
  /** Per profile: which worker holds the reply cached under each key. */
  private readonly holders = new Map<string, Holders>();
  private nextFetch = 1;
  private readonly fetches = new Map<number, { readonly holder: WorkerPort; readonly done: (reply: Uint8Array | undefined) => void }>();
  // One for every profile: a signed challenge is single-use across profiles (the nonce is the
  // token's, not the profile's), else one token enrolls once on each profile trusting its signer.
  private readonly replay: ReplayCache;
  private readonly rate = new Map<string, RateLimiter>();

  /** `replay`: the one replay store (default: a ReplayCache with its defaults). */
  constructor(settings: Settings, o: { readonly replay?: ReplayCache } = {}) {
    this.replay = o.replay ?? new ReplayCache();
    for (const p of settings.profiles) {
      this.challenge.set(p.name, new InMemoryChallengeStore());
      this.pending.set(p.name, new InMemoryPendingStore());
      if (settings.replyCacheEntries > 0) this.holders.set(p.name, new Holders(settings.replyCacheEntries));
      if (p.intune) {
        const { model, rateLimit } = p.intune as { model?: unknown; rateLimit?: unknown };
        const limit = typeof rateLimit === 'number' ? rateLimit : undefined;
        // The online model's budget of calls to Microsoft, or the signed-challenge model's per device.
        this.rate.set(p.name, model === 'online' ? onlineRateLimiter(limit) : new RateLimiter(limit === undefined ? {} : { limit }));
      }
    }
  }

  private target(t: Target, profile: string, from: WorkerPort | undefined): object | undefined {
    switch (t) {
      case 'challenge':
        return this.challenge.get(profile);
      case 'pending':
        return this.pending.get(profile);
      case 'reply': {
        const holders = this.holders.get(profile);
        return (
          holders && {
            get: (key: string, now: Date) => this.fetchReply(holders, from, profile, key, now),
            liveKeys: (now: Date) => holders.live(now.getTime()),
          }
        );
      }
      case 'replay':
        return this.replay;
      case 'rate':
        return this.rate.get(profile);
      case 'metrics':
        return {
          toPrometheus: async () => (await this.gather()).toPrometheus(),
          snapshot: async () => (await this.gather()).snapshot(),
        };
    }
  }

  /** Merges the counters of every connected worker (each answers with its dump). */
  private gather(): Promise<ScepMetrics> {
    const live = [...this.workers].filter((w) => w.isConnected());
    const id = this.nextGather++;
    return new Promise((resolve) => {
      const finish = (m: ScepMetrics): void => {
        this.gathers.delete(id);
        resolve(m);
      };
      const g = { dumps: [] as ReturnType<ScepMetrics['dump']>[], left: live.length, done: finish };
      this.gathers.set(id, g);
      const timer = setTimeout(() => finish(g.dumps.reduce((m, d) => m.merge(d), new ScepMetrics())), 2000);
      g.done = (m) => {
        clearTimeout(timer);
        finish(m);
      };
      if (live.length === 0) g.done(new ScepMetrics());
      const msg: MetricsRequest = { t: 'scep-metrics-req', id };
      for (const w of live) w.send(msg);
    });
  }

  async handle(msg: RpcRequest, from?: WorkerPort): Promise<RpcReply> {
    const obj = this.target(msg.target, msg.profile, from);
    if (!obj || !METHODS[msg.target]?.includes(msg.method)) return { t: 'scep-rpc-reply', id: msg.id, ok: false, error: `no ${msg.target}.${msg.method} for ${msg.profile}` };
    try {
      const fn = (obj as Record<string, (...a: unknown[]) => unknown>)[msg.method] as (...a: unknown[]) => unknown;
      return { t: 'scep-rpc-reply', id: msg.id, ok: true, value: await fn.apply(obj, [...msg.args]) };
    } catch (err) {
      const code = (err as { code?: unknown } | undefined)?.code;
      return { t: 'scep-rpc-reply', id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err), ...(typeof code === 'string' ? { code } : {}) };
    }
  }

  /** Wires a worker's IPC channel to this state. */
  attach(worker: WorkerPort): void {
    this.workers.add(worker);
    worker.on('message', (m: unknown) => {
      const msg = m as { t?: string; id?: number; dump?: ReturnType<ScepMetrics['dump']> };
      if (msg.t === 'scep-metrics-dump' && typeof msg.id === 'number') {
        const g = this.gathers.get(msg.id);
        if (!g) return;
        g.dumps.push(msg.dump ?? []);
        if (--g.left <= 0) g.done(g.dumps.reduce((acc, d) => acc.merge(d), new ScepMetrics()));
      } else if (msg.t === 'scep-reply-keys') {
        this.noteKeys(worker, (msg as Partial<ReplyKeysMessage>).keys);
      } else if (msg.t === 'scep-reply-fetched' && typeof msg.id === 'number') {
        const reply = (msg as Partial<ReplyFetched>).reply;
        this.fetches.get(msg.id)?.done(reply instanceof Uint8Array ? reply : undefined);
      } else if (msg.t === 'scep-rpc') {
        void this.handle(msg as RpcRequest, worker).then((reply) => {
          if (worker.isConnected()) worker.send(reply);
        });
      }
    });
  }

  /**
   * Forgets a worker that exited: its fetches in flight answer nothing now rather than after the
   * timeout (the keys it held answer nothing from here on: it is no longer connected).
   */
  detach(worker: WorkerPort): void {
    this.workers.delete(worker);
    for (const f of [...this.fetches.values()]) if (f.holder === worker) f.done(undefined);
  }

  /** Notes `from` as the holder of a batch of keys and passes them on to every other worker. */
  private noteKeys(from: WorkerPort, keys: unknown): void {
    if (!Array.isArray(keys)) return;
    const ok: ReplyKey[] = [];
    for (const k of keys as unknown[]) {
      const [profile, key, expiresAt] = Array.isArray(k) ? (k as unknown[]) : [];
      const holders = typeof profile === 'string' ? this.holders.get(profile) : undefined;
      if (!holders || typeof key !== 'string' || typeof expiresAt !== 'number') continue;
      holders.add(key, from, expiresAt);
      ok.push([profile as string, key, expiresAt]);
    }
    if (ok.length === 0) return;
    const m: ReplyKeysMessage = { t: 'scep-reply-keys', keys: ok };
    for (const w of this.workers) if (w !== from && w.isConnected()) w.send(m);
  }

  /** The reply cached under `key`, from the worker holding it; undefined if gone or too slow. */
  private fetchReply(holders: Holders, asker: WorkerPort | undefined, profile: string, key: string, now: Date): Promise<Uint8Array | undefined> {
    const holder = holders.holder(key, now.getTime());
    // The asker has looked in its own cache already.
    if (!holder || holder === asker || !holder.isConnected()) return Promise.resolve(undefined);
    const id = this.nextFetch++;
    return new Promise((resolve) => {
      const done = (reply: Uint8Array | undefined): void => {
        clearTimeout(timer);
        this.fetches.delete(id);
        resolve(reply);
      };
      const timer = setTimeout(() => done(undefined), REPLY_FETCH_TIMEOUT_MS);
      this.fetches.set(id, { holder, done });
      const m: ReplyFetch = { t: 'scep-reply-fetch', id, profile, key, now: now.getTime() };
      holder.send(m);
    });
  }
}

/** Which worker holds each cached reply: bounded like the caches together, oldest out first. */
class Holders {
  private readonly entries: Fifo<{ readonly holder: WorkerPort; readonly expiresAt: number }>;
  constructor(max: number) {
    this.entries = new Fifo(max);
  }
  add(key: string, holder: WorkerPort, expiresAt: number): void {
    this.entries.add(key, { holder, expiresAt });
  }
  holder(key: string, now: number): WorkerPort | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt > now) return e.holder;
    this.entries.delete(key);
    return undefined;
  }
  /** Keys of live replies on connected workers, oldest first, for a worker that starts. */
  live(now: number): [string, number][] {
    const out: [string, number][] = [];
    for (const [k, e] of this.entries.map) if (e.expiresAt > now && e.holder.isConnected()) out.push([k, e.expiresAt]);
    return out;
  }
}

/**
 * A Map bounded to `max` keys, oldest out first. The oldest key comes from one iterator kept from
 * call to call: a fresh `keys()` steps over every entry deleted since V8 last rebuilt the table,
 * 6.5 µs an insert at 10,000 keys against 0.3 µs (as server-core's BoundedMap does). It is
 * dropped on an insert that evicts nothing: left standing, it keeps the tables rebuilt since.
 */
class Fifo<V> {
  readonly map = new Map<string, V>();
  private it: Iterator<string> | undefined;
  constructor(private readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('a bounded map needs at least one entry');
  }
  add(key: string, value: V): void {
    this.map.delete(key);
    if (this.map.size < this.max) this.it = undefined;
    while (this.map.size >= this.max) {
      let r = (this.it ??= this.map.keys()).next();
      if (r.done === true) r = (this.it = this.map.keys()).next(); // a finished iterator stays finished
      this.map.delete(r.value as string);
    }
    this.map.set(key, value);
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}

/** How long a worker gathers keys before sending them to the primary, and how many at most. */
export const REPLY_BATCH_MS = 10;
export const REPLY_BATCH_MAX = 64;

/**
 * A worker's newly cached keys not yet sent to the primary. A retransmission that reaches another
 * worker before they arrive is answered anew; a client resends after seconds, not milliseconds.
 */
export class KeyBatch {
  private queued: ReplyKey[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly send: (m: ReplyKeysMessage) => void,
    private readonly delayMs = REPLY_BATCH_MS,
    private readonly max = REPLY_BATCH_MAX,
  ) {}
  add(key: ReplyKey): void {
    this.queued.push(key);
    if (this.queued.length >= this.max) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued.length === 0) return;
    const keys = this.queued;
    this.queued = [];
    this.send({ t: 'scep-reply-keys', keys });
  }
  get size(): number {
    return this.queued.length;
  }
}

/** The worker's side: stores that forward each call to the primary. */
export class IpcClient {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** The worker's own counters, sent to the primary when it gathers them. */
  metrics: ScepMetrics | undefined;

  private readonly cachedKeys = new Map<string, KeyMirror>();
  /** Per profile: the replies this worker made. */
  private readonly local = new Map<string, InMemoryReplyCache>();
  private readonly batch: KeyBatch;
  private readonly port: PrimaryPort;
  private readonly workers: number;

  /** `workers`: how many share the reply cache's bounds. */
  constructor(o: { readonly workers?: number; readonly port?: PrimaryPort; readonly batchMs?: number } = {}) {
    this.port = o.port ?? processPort;
    this.workers = Math.max(1, o.workers ?? 1);
    this.batch = new KeyBatch((m) => this.port.send(m), o.batchMs);
    this.port.on('message', (m: unknown) => {
      const f = m as Partial<ReplyFetch>;
      if (f.t === 'scep-reply-fetch' && typeof f.id === 'number') {
        void this.answerFetch(f);
        return;
      }
      const k = m as Partial<ReplyKeysMessage>;
      if (k.t === 'scep-reply-keys') {
        for (const e of Array.isArray(k.keys) ? k.keys : []) {
          const [profile, key, expiresAt] = Array.isArray(e) ? (e as unknown[]) : [];
          if (typeof profile === 'string' && typeof key === 'string' && typeof expiresAt === 'number') this.cachedKeys.get(profile)?.add(key, expiresAt);
        }
        return;
      }
      const q = m as Partial<MetricsRequest>;
      if (q.t === 'scep-metrics-req' && typeof q.id === 'number') {
        const reply: MetricsReply = { t: 'scep-metrics-dump', id: q.id, dump: this.metrics?.dump() ?? [] };
        this.port.send(reply);
        return;
      }
      const r = m as Partial<RpcReply>;
      if (r.t !== 'scep-rpc-reply' || typeof r.id !== 'number') return;
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.ok) w.resolve(r.value);
      // Only the replay store throws it (a full rate limiter answers with a decision).
      else w.reject(r.code === 'ERR_INTUNE_STORE_FULL' ? new StoreFullError('replay', r.error ?? 'replay store is full') : new Error(r.error ?? 'shared state call failed'));
    });
  }

  call<T>(target: Target, profile: string, method: string, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.next++;
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: RpcRequest = { t: 'scep-rpc', id, target, profile, method, args };
      this.port.send(msg);
    });
  }

  challengeStore(profile: string): ChallengeStore {
    return {
      mint: (o: { profile: string; ttlMs: number; binding?: ChallengeBinding; now: Date }) => this.call<{ challenge: string; record: ChallengeRecord }>('challenge', profile, 'mint', o),
      consume: (challenge: string, match: ChallengeMatch, now: Date) => this.call<ChallengeRecord | undefined>('challenge', profile, 'consume', challenge, match, now),
    };
  }

  pendingStore(profile: string): PendingStore {
    return {
      put: (e: PendingEntry, now?: Date) => this.call<boolean>('pending', profile, 'put', e, ...(now ? [now] : [])),
      get: (p: string, tx: string, now: Date) => this.call<PendingEntry | undefined>('pending', profile, 'get', p, tx, now),
      resolve: (p: string, tx: string, result: Exclude<IssueResult, { status: 'pending' }>, now: Date) => this.call<boolean>('pending', profile, 'resolve', p, tx, result, now),
      delete: (p: string, tx: string) => this.call<void>('pending', profile, 'delete', p, tx),
      list: (p: string | undefined, now: Date) => this.call<PendingEntry[]>('pending', profile, 'list', p, now),
    };
  }

  /** Answers the primary with a reply of this worker's, for a retransmission that reached another. */
  private async answerFetch(f: Partial<ReplyFetch>): Promise<void> {
    const cache = typeof f.profile === 'string' ? this.local.get(f.profile) : undefined;
    const reply = cache && typeof f.key === 'string' ? await cache.get(f.key, new Date(typeof f.now === 'number' ? f.now : Date.now())) : undefined;
    const m: ReplyFetched = { t: 'scep-reply-fetched', id: f.id as number, reply };
    this.port.send(m);
  }

  /**
   * The reply cache across workers: this worker's own replies, and through the primary the others'.
   * `maxEntries` bounds them all, each worker keeping its share. Only a key this worker knows to be
   * cached elsewhere (the primary passes on the others' keys) costs a round trip; until the primary
   * has sent the keys cached before this worker started, every miss asks it.
   */
  replyCache(profile: string, maxEntries: number): ReplyCache {
    const local = new InMemoryReplyCache({ maxEntries: Math.max(1, Math.ceil(maxEntries / this.workers)), maxBytes: Math.ceil(REPLY_CACHE_MAX_BYTES / this.workers) });
    this.local.set(profile, local);
    const mirror = new KeyMirror(maxEntries);
    this.cachedKeys.set(profile, mirror);
    this.call<[string, number][]>('reply', profile, 'liveKeys', new Date())
      .then((keys) => mirror.load(keys))
      .catch(() => undefined); // stays cold: every lookup asks the primary
    return {
      get: async (key: string, now: Date) => {
        const mine = await local.get(key, now);
        if (mine !== undefined || !mirror.mayHave(key, now.getTime())) return mine;
        return this.call<Uint8Array | undefined>('reply', profile, 'get', key, now);
      },
      put: async (key: string, reply: Uint8Array, expiresAt: Date) => {
        await local.put(key, reply, expiresAt);
        mirror.add(key, expiresAt.getTime());
        this.batch.add([profile, key, expiresAt.getTime()]);
      },
    };
  }

  intuneStores(profile: string): IntuneStores {
    const replay: ReplayStore = { checkAndInsert: (key, exp, now) => this.call<boolean>('replay', profile, 'checkAndInsert', key, exp, now) };
    const rate: RateLimitStore = { consume: (key, now) => this.call<RateLimitDecision>('rate', profile, 'consume', key, now) };
    return { replay, rate };
  }

  /** The counters of all workers, from the primary. */
  prometheus(): Promise<string> {
    return this.call<string>('metrics', '', 'toPrometheus');
  }
  snapshot(): Promise<unknown> {
    return this.call<unknown>('metrics', '', 'snapshot');
  }
}

/**
 * Which keys the workers' reply caches hold, as far as this worker has heard: bounded by all of
 * them together and evicted oldest first. A key it has dropped only costs a retransmission a new
 * enrollment; a key it still has after its holder dropped it costs one wasted round trip.
 */
export class KeyMirror {
  private keys: Fifo<number>;
  private warm = false;
  constructor(private readonly maxEntries: number) {
    this.keys = new Fifo(maxEntries);
  }
  add(key: string, expiresAt: number): void {
    this.keys.add(key, expiresAt);
  }
  /** Takes the primary's keys from before this worker started (its own since then stay newest). */
  load(keys: readonly [string, number][]): void {
    const since = [...this.keys.map];
    this.keys = new Fifo(this.maxEntries);
    for (const [k, e] of [...keys, ...since]) this.add(k, e);
    this.warm = true;
  }
  mayHave(key: string, now: number): boolean {
    if (!this.warm) return true;
    const e = this.keys.get(key);
    if (e === undefined) return false;
    if (e <= now) {
      this.keys.delete(key);
      return false;
    }
    return true;
  }
  get size(): number {
    return this.keys.size;
  }
}

export const isWorker = (): boolean => cluster.isWorker;
export { cluster };
