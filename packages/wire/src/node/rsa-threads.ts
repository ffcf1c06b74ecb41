/**
 * Raw RSA private-key operations (RSA_NO_PADDING) on worker threads.
 *
 * Node has no asynchronous privateDecrypt, so an RSA unwrap (~0.3 ms for RSA-2048) otherwise runs
 * on the event loop. Signing needs none of this: crypto.sign's callback form already runs on
 * libuv's pool. Only the raw modular exponentiation moves; the constant-time PKCS #1 v1.5 decoding
 * stays with the caller, so nothing about the padding's validity reaches another thread or the
 * timing of the round trip.
 */
import { constants, privateDecrypt, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { checkHelperNice } from './thread-priority.js';

// Plain CommonJS, evaluated by the Worker: the same text works from the ESM and the CJS build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { privateDecrypt, constants } = require('node:crypto');
// Linux: the nice value is per thread, and 0 names the calling thread. Never raised.
if (workerData && workerData.nice) {
  try { const os = require('node:os'); if (os.getPriority(0) < workerData.nice) os.setPriority(0, workerData.nice); } catch {}
}
const keys = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'key') { keys.set(m.kid, m.key); return; }
  if (m.t === 'forget') { keys.delete(m.kid); return; }
  let out = null;
  try { out = privateDecrypt({ key: keys.get(m.kid), padding: constants.RSA_NO_PADDING }, m.data); } catch {}
  parentPort.postMessage({ id: m.id, out });
});`;

interface Job {
  readonly key: KeyObject;
  readonly data: Uint8Array;
  readonly resolve: (out: Uint8Array | undefined) => void;
}

interface Lane {
  readonly worker: Worker;
  readonly kids: WeakMap<KeyObject, number>;
  readonly jobs: Map<number, Job>;
}

const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Raw RSA on this thread; `undefined` when OpenSSL refuses the input (e.g. not below the modulus). */
export function rawDecrypt(key: KeyObject, data: Uint8Array): Uint8Array | undefined {
  try {
    return view(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, data));
  } catch {
    return undefined;
  }
}

export interface RsaThreadPoolOptions {
  /** Worker threads (default 1). */
  readonly threads?: number;
  /** V8 heap limits of each thread, in MB (default young 2, old 32); `false` leaves V8's defaults. */
  readonly heap?: false | { readonly youngMb?: number; readonly oldMb?: number };
  /**
   * Linux: the nice value (1-19) each thread gives itself when it starts, like the helper threads
   * of `lowerHelperThreadPriority`, which cannot reach threads that start after it. A thread
   * already at a higher value keeps it. Ignored on other systems, where it would change the
   * whole process.
   */
  readonly nice?: number;
}

/**
 * A small pool of worker threads for RSA unwraps, shared by the keys given it
 * (`nodePrivateKey(key, { threads: pool })`). Threads start on first use and do not keep the
 * process alive while idle. If a thread fails, or after close(), the operation runs inline.
 */
export class RsaThreadPool {
  readonly threads: number;
  #lanes: (Lane | undefined)[];
  #closed = false;
  #nextId = 1;
  #nextKid = 1;
  readonly #kidsByKey = new WeakMap<KeyObject, number>();
  readonly #forget = new FinalizationRegistry<number>((kid) => {
    for (const lane of this.#lanes) lane?.worker.postMessage({ t: 'forget', kid });
  });

  readonly #heap: { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } | undefined;
  readonly #nice: number | undefined;

  constructor(options: RsaThreadPoolOptions = {}) {
    const n = options.threads ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new TypeError('threads must be an integer from 1 to 64');
    this.threads = n;
    const young = options.heap === false ? 0 : (options.heap?.youngMb ?? 2);
    const old = options.heap === false ? 0 : (options.heap?.oldMb ?? 32);
    for (const mb of [young, old]) if (!(Number.isFinite(mb) && mb >= 0)) throw new TypeError('heap limits must be numbers of MB');
    this.#heap = options.heap === false ? undefined : { maxYoungGenerationSizeMb: young, maxOldGenerationSizeMb: old };
    const nice = options.nice;
    if (nice !== undefined) checkHelperNice(nice);
    this.#nice = process.platform === 'linux' ? nice : undefined;
    this.#lanes = new Array<Lane | undefined>(n).fill(undefined);
  }

  /** Raw RSA (no padding) with `key`; `undefined` when OpenSSL refuses the input. */
  decryptRaw(key: KeyObject, data: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.#closed) return Promise.resolve(rawDecrypt(key, data));
    const lane = this.#pick();
    let kid = this.#kidsByKey.get(key);
    if (kid === undefined) {
      kid = this.#nextKid++;
      this.#kidsByKey.set(key, kid);
      this.#forget.register(key, kid);
    }
    if (lane.kids.get(key) === undefined) {
      lane.kids.set(key, kid);
      lane.worker.postMessage({ t: 'key', kid, key });
    }
    const id = this.#nextId++;
    return new Promise((resolve) => {
      if (lane.jobs.size === 0) lane.worker.ref(); // a pending job keeps the process alive
      lane.jobs.set(id, { key, data, resolve });
      lane.worker.postMessage({ t: 'op', id, kid, data });
    });
  }

  /** Stops the threads; jobs in flight finish inline. */
  async close(): Promise<void> {
    this.#closed = true;
    const lanes = this.#lanes.filter((l): l is Lane => l !== undefined);
    this.#lanes = this.#lanes.map(() => undefined);
    for (const lane of lanes) this.#drainInline(lane);
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }

  #pick(): Lane {
    let best = -1;
    for (let i = 0; i < this.#lanes.length; i++) {
      const l = this.#lanes[i];
      if (l === undefined) return this.#start(i);
      if (best < 0 || l.jobs.size < (this.#lanes[best] as Lane).jobs.size) best = i;
    }
    return this.#lanes[best] as Lane;
  }

  #start(i: number): Lane {
    // The thread holds a few KeyObjects and makes ~1 kB of garbage per job. V8's defaults would let
    // its young generation grow to 32 MB under load, which is all RSS; a small heap collects as well.
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: this.#heap, workerData: { nice: this.#nice } });
    worker.unref();
    const lane: Lane = { worker, kids: new WeakMap(), jobs: new Map() };
    worker.on('message', (m: { id: number; out: Uint8Array | null }) => {
      const job = lane.jobs.get(m.id);
      if (!job) return;
      lane.jobs.delete(m.id);
      if (lane.jobs.size === 0) worker.unref();
      job.resolve(m.out === null ? undefined : view(m.out));
    });
    const fail = (): void => {
      if (this.#lanes[i] === lane) this.#lanes[i] = undefined; // the next job starts a new thread
      this.#drainInline(lane);
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.#lanes[i] = lane;
    return lane;
  }

  #drainInline(lane: Lane): void {
    const jobs = [...lane.jobs.values()];
    lane.jobs.clear();
    for (const j of jobs) j.resolve(rawDecrypt(j.key, j.data));
  }
}
