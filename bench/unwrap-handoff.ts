/**
 * What a round trip to a worker thread costs for the RSA unwrap (raw RSA-2048 private decrypt):
 * the event loop's CPU and the whole process's CPU per operation, with 4 in flight, for
 *   - inline: privateDecrypt on the event loop;
 *   - RsaThreadPool: @scep/wire's pool of one thread (postMessage both ways);
 *   - SharedArrayBuffer: the same work through shared slots, Atomics.wait in the thread and
 *     Atomics.waitAsync on the event loop (a prototype, to see whether another hand-off is cheaper).
 *   node --conditions=@scep/source --import tsx bench/unwrap-handoff.ts
 * Linux only (the event loop's CPU comes from /proc/self/task/<pid>/stat). docs/benchmarks.md,
 * proposal 11.
 */
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { RsaThreadPool } from '@scep/wire/node';
import { table } from './lib.js';
import { mainThreadCpu } from './server/proc.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const block = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, randomBytes(32));
const N = 4000;
const IN_FLIGHT = 4;

type Run = (data: Uint8Array) => Promise<Uint8Array | undefined>;

const eventLoopCpu = (): number => mainThreadCpu(process.pid);
const processCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function measure(run: Run): Promise<{ opsPerSec: number; loopUs: number; processUs: number }> {
  for (let i = 0; i < 200; i++) await run(block);
  const l0 = eventLoopCpu();
  const p0 = processCpu();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < N) if ((await run(block)) === undefined) throw new Error('decrypt failed');
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { opsPerSec: N / s, loopUs: ((eventLoopCpu() - l0) / N) * 1e6, processUs: ((processCpu() - p0) / N) * 1e6 };
}

const inline: Run = (data) => Promise.resolve(new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, data)));

const pool = new RsaThreadPool({ threads: 1 });
const viaPool: Run = (data) => pool.decryptRaw(privateKey, data);

// Shared slots: state per slot (0 free, 1 request, 2 done, 3 refused), a doorbell for the thread
// and a completion counter for the event loop.
const SLOTS = 16;
const state = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 2)));
const BELL = SLOTS;
const DONE = SLOTS + 1;
const bytes = new Uint8Array(new SharedArrayBuffer(SLOTS * 512));
const sabWorker = new Worker(
  `const { workerData: w } = require('node:worker_threads');
  const { privateDecrypt, constants } = require('node:crypto');
  const st = new Int32Array(w.state.buffer); const b = new Uint8Array(w.bytes.buffer);
  for (;;) {
    const bell = Atomics.load(st, ${BELL});
    let did = false;
    for (let i = 0; i < ${SLOTS}; i++) {
      if (Atomics.load(st, i) !== 1) continue;
      let out = null;
      try { out = privateDecrypt({ key: w.key, padding: constants.RSA_NO_PADDING }, b.subarray(i * 512, i * 512 + 256)); } catch {}
      if (out) b.set(out, i * 512 + 256);
      Atomics.store(st, i, out ? 2 : 3);
      Atomics.add(st, ${DONE}, 1);
      Atomics.notify(st, ${DONE});
      did = true;
    }
    if (!did) Atomics.wait(st, ${BELL}, bell);
  }`,
  { eval: true, workerData: { state, bytes, key: privateKey } },
);
// ES2024 (V8 has it since Node 16); the project's lib setting predates it.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
const waiters: ((out: Uint8Array | undefined) => void)[] = [];
const free = Array.from({ length: SLOTS }, (_, i) => i);
let collecting = false;
async function collect(): Promise<void> {
  collecting = true;
  for (;;) {
    const seen = Atomics.load(state, DONE);
    let pending = 0;
    for (let i = 0; i < SLOTS; i++) {
      const s = Atomics.load(state, i);
      if (s === 1) pending++;
      if (s < 2) continue;
      const resolve = waiters[i] as (out: Uint8Array | undefined) => void;
      const out = s === 2 ? bytes.slice(i * 512 + 256, i * 512 + 512) : undefined;
      Atomics.store(state, i, 0);
      free.push(i);
      resolve(out);
    }
    if (pending === 0) break;
    // Atomics.waitAsync does not keep Node's event loop alive; the busy worker does here.
    const w = waitAsync(state, DONE, seen);
    if (w.async) await w.value;
  }
  collecting = false;
}
const viaSab: Run = (data) =>
  new Promise((resolve) => {
    const i = free.pop() as number;
    bytes.set(data, i * 512);
    waiters[i] = resolve;
    Atomics.store(state, i, 1);
    Atomics.add(state, BELL, 1);
    Atomics.notify(state, BELL);
    if (!collecting) void collect();
  });

const rows: string[][] = [['RSA-2048 raw decrypt, 4 in flight', 'ops/s', 'event-loop CPU µs/op', 'process CPU µs/op', 'hand-off CPU µs/op']];
const base = await measure(inline);
const row = (name: string, m: typeof base): number => rows.push([name, m.opsPerSec.toFixed(0), m.loopUs.toFixed(1), m.processUs.toFixed(1), (m.processUs - base.processUs).toFixed(1)]);
row('inline (on the event loop)', base);
row('RsaThreadPool (postMessage)', await measure(viaPool));
row('SharedArrayBuffer + Atomics (prototype)', await measure(viaSab));
console.log(table(rows));
await pool.close();
await sabWorker.terminate();
