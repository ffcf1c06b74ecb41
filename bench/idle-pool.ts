/**
 * How much slower an async RSA signature is when libuv's pool thread has been idle for a while:
 * the main thread spins for N µs (no crypto), then awaits one crypto.sign on the pool.
 *   node --import tsx bench/idle-pool.ts
 * On the 2-core benchmark VM the penalty grows with the idle time (see docs/benchmarks.md, codec).
 * It also prints what the yield of `placement: 'adaptive'` costs: one setImmediate turn, and a sync
 * sign after one, against the async sign (docs/benchmarks.md, proposal 7).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { fmt, table } from './lib.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const data = Buffer.alloc(600, 1);
const asyncSign = (): Promise<unknown> => new Promise((r) => sign('sha256', data, privateKey, r));
const spin = (us: number): void => {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
};

async function time(fn: () => unknown, n = 3000): Promise<{ wall: number; cpu: number }> {
  for (let i = 0; i < 300; i++) await fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const u = process.cpuUsage(c0);
  return { wall: ((performance.now() - t0) * 1000) / n, cpu: (u.user + u.system) / n };
}

const alone = await time(asyncSign);
const nextTurn = (): Promise<unknown> => new Promise((r) => setImmediate(r));
const turn = await time(nextTurn, 100_000);
const syncAfterTurn = await time(async () => {
  await nextTurn();
  sign('sha256', data, privateKey);
});
const rows = [['main thread spins first (µs)', 'spin + sign, wall µs', 'penalty wall µs', 'penalty CPU µs']];
for (const us of [50, 150, 300, 500, 800]) {
  const s = await time(() => spin(us));
  const both = await time(async () => {
    spin(us);
    await asyncSign();
  });
  rows.push([String(us), fmt(both.wall), fmt(both.wall - s.wall - alone.wall), fmt(both.cpu - s.cpu - alone.cpu)]);
}
console.log(`async RSA-2048 sign alone: ${fmt(alone.wall)} µs wall, ${fmt(alone.cpu)} µs CPU`);
console.log(`one event-loop turn (setImmediate): ${fmt(turn.wall)} µs wall; a turn, then a sync sign: ${fmt(syncAfterTurn.wall)} µs wall, ${fmt(syncAfterTurn.cpu)} µs CPU\n`);
console.log(table(rows));
