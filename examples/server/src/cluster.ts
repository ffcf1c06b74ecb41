/**
 * SCEP_WORKERS=N: N node:cluster workers share the listening socket; the state that must be shared
 * to stay correct lives in the primary and is reached over IPC: one-time challenges (minted on one
 * worker, used on another, never twice), pending transactions (approved on one, polled on another),
 * SUCCESS replies kept for retransmissions (each worker also mirrors which keys are cached, so a
 * request that is not a retransmission costs no round trip), Intune replay nonces and rate-limit
 * slots (atomic across workers); counters are kept per worker and gathered when read. Each store
 * operation is one message; the primary runs them one at a time, which is what makes them atomic.
 */
import cluster from 'node:cluster';
import { RateLimiter, ReplayCache, type RateLimitDecision, type RateLimitStore, type ReplayStore } from '@scep/intune';
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
import type { IntuneStores } from './intune.js';
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
/** The primary tells the other workers that a reply was cached under `key`. */
interface ReplyKeyMessage {
  readonly t: 'scep-reply-key';
  readonly profile: string;
  readonly key: string;
  readonly expiresAt: number;
}
export interface ReadyMessage {
  readonly t: 'scep-ready';
  readonly url: string;
}

const METHODS: Readonly<Record<Target, readonly string[]>> = {
  challenge: ['mint', 'consume'],
  pending: ['put', 'get', 'resolve', 'delete', 'list'],
  reply: ['get', 'put', 'liveKeys'],
  replay: ['checkAndInsert'],
  rate: ['consume'],
  metrics: ['toPrometheus', 'snapshot'],
};

/** The primary's side: the one copy of the shared state, and the RPC dispatcher over it. */
export class SharedState {
  private nextGather = 1;
  private readonly gathers = new Map<number, { dumps: ReturnType<ScepMetrics['dump']>[]; left: number; done: (m: ScepMetrics) => void }>();
  private readonly workers = new Set<{ send(m: unknown): unknown; isConnected(): boolean }>();
  private readonly challenge = new Map<string, InMemoryChallengeStore>();
  private readonly pending = new Map<string, InMemoryPendingStore>();
  private readonly reply = new Map<string, InMemoryReplyCache>();
  // One for every profile: a signed challenge is single-use across profiles (the nonce is the
  // token's, not the profile's), else one token enrolls once on each profile trusting its signer.
  private readonly replay = new ReplayCache();
  private readonly rate = new Map<string, RateLimiter>();

  constructor(settings: Settings) {
    for (const p of settings.profiles) {
      this.challenge.set(p.name, new InMemoryChallengeStore());
      this.pending.set(p.name, new InMemoryPendingStore());
      if (settings.replyCacheEntries > 0) this.reply.set(p.name, new InMemoryReplyCache({ maxEntries: settings.replyCacheEntries }));
      if (p.intune) {
        const limit = (p.intune as { rateLimit?: unknown }).rateLimit;
        this.rate.set(p.name, new RateLimiter(typeof limit === 'number' ? { limit } : {}));
      }
    }
  }

  private target(t: Target, profile: string): object | undefined {
    switch (t) {
      case 'challenge':
        return this.challenge.get(profile);
      case 'pending':
        return this.pending.get(profile);
      case 'reply':
        return this.reply.get(profile);
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

  async handle(msg: RpcRequest): Promise<RpcReply> {
    const obj = this.target(msg.target, msg.profile);
    if (!obj || !METHODS[msg.target]?.includes(msg.method)) return { t: 'scep-rpc-reply', id: msg.id, ok: false, error: `no ${msg.target}.${msg.method} for ${msg.profile}` };
    try {
      const fn = (obj as Record<string, (...a: unknown[]) => unknown>)[msg.method] as (...a: unknown[]) => unknown;
      return { t: 'scep-rpc-reply', id: msg.id, ok: true, value: await fn.apply(obj, [...msg.args]) };
    } catch (err) {
      return { t: 'scep-rpc-reply', id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Wires a worker's IPC channel to this state. */
  attach(worker: { on(event: 'message', l: (m: unknown) => void): unknown; send(m: unknown): unknown; isConnected(): boolean }): void {
    this.workers.add(worker);
    worker.on('message', (m: unknown) => {
      const msg = m as { t?: string; id?: number; dump?: ReturnType<ScepMetrics['dump']> };
      if (msg.t === 'scep-metrics-dump' && typeof msg.id === 'number') {
        const g = this.gathers.get(msg.id);
        if (!g) return;
        g.dumps.push(msg.dump ?? []);
        if (--g.left <= 0) g.done(g.dumps.reduce((acc, d) => acc.merge(d), new ScepMetrics()));
      } else if (msg.t === 'scep-rpc') {
        const rpc = msg as RpcRequest;
        void this.handle(rpc).then((reply) => {
          if (worker.isConnected()) worker.send(reply);
          if (reply.ok && rpc.target === 'reply' && rpc.method === 'put') this.announce(worker, rpc);
        });
      }
    });
  }

  /** Tells every other worker the key of a reply just cached (the sender knows it already). */
  private announce(from: object, put: RpcRequest): void {
    const [key, , expiresAt] = put.args as [string, unknown, Date];
    const m: ReplyKeyMessage = { t: 'scep-reply-key', profile: put.profile, key, expiresAt: new Date(expiresAt).getTime() };
    for (const w of this.workers) if (w !== from && w.isConnected()) w.send(m);
  }
}

/** The worker's side: stores that forward each call to the primary. */
export class IpcClient {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** The worker's own counters, sent to the primary when it gathers them. */
  metrics: ScepMetrics | undefined;

  private readonly cachedKeys = new Map<string, KeyMirror>();

  constructor() {
    process.on('message', (m: unknown) => {
      const k = m as Partial<ReplyKeyMessage>;
      if (k.t === 'scep-reply-key' && typeof k.profile === 'string' && typeof k.key === 'string' && typeof k.expiresAt === 'number') {
        this.cachedKeys.get(k.profile)?.add(k.key, k.expiresAt);
        return;
      }
      const q = m as Partial<MetricsRequest>;
      if (q.t === 'scep-metrics-req' && typeof q.id === 'number') {
        const reply: MetricsReply = { t: 'scep-metrics-dump', id: q.id, dump: this.metrics?.dump() ?? [] };
        (process.send as (m: unknown) => boolean)(reply);
        return;
      }
      const r = m as Partial<RpcReply>;
      if (r.t !== 'scep-rpc-reply' || typeof r.id !== 'number') return;
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.ok) w.resolve(r.value);
      else w.reject(new Error(r.error ?? 'shared state call failed'));
    });
  }

  call<T>(target: Target, profile: string, method: string, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.next++;
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: RpcRequest = { t: 'scep-rpc', id, target, profile, method, args };
      (process.send as (m: unknown) => boolean)(msg);
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

  /**
   * The primary's reply cache. Only a key this worker knows to be cached (its own puts and the
   * primary's announcements of the others') is looked up over IPC; until the primary has sent the
   * keys cached before this worker started, every lookup goes there.
   */
  replyCache(profile: string, maxEntries: number): ReplyCache {
    const mirror = new KeyMirror(maxEntries);
    this.cachedKeys.set(profile, mirror);
    this.call<[string, number][]>('reply', profile, 'liveKeys', new Date())
      .then((keys) => mirror.load(keys))
      .catch(() => undefined); // stays cold: every lookup asks the primary
    return {
      get: async (key: string, now: Date) => (mirror.mayHave(key, now.getTime()) ? this.call<Uint8Array | undefined>('reply', profile, 'get', key, now) : undefined),
      // Not awaited: the reply is already on its way to the client; a lost put only costs a retry.
      put: (key: string, reply: Uint8Array, expiresAt: Date) => {
        mirror.add(key, expiresAt.getTime());
        this.call<void>('reply', profile, 'put', key, reply, expiresAt).catch(() => undefined);
        return Promise.resolve();
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
 * Which keys the primary's reply cache holds, as far as this worker has heard: bounded and evicted
 * oldest first like the cache itself. A key it has dropped only costs a retransmission a new
 * enrollment; a key it still has after the primary dropped it costs one wasted round trip.
 */
export class KeyMirror {
  private readonly keys = new Map<string, number>();
  private warm = false;
  constructor(private readonly maxEntries: number) {}
  add(key: string, expiresAt: number): void {
    this.keys.delete(key);
    while (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(key, expiresAt);
  }
  /** Takes the primary's keys from before this worker started (its own since then stay newest). */
  load(keys: readonly [string, number][]): void {
    const since = [...this.keys];
    this.keys.clear();
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
