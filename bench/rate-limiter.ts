/**
 * What one `RateLimiter.consumeSync` costs where the old layout paid for size:
 *  - one key at limit 600 (the online budget's default) and 100,000 (the most the example server
 *    takes), in its steady state: the log is full and every call drops its oldest slot and takes one
 *  - limit 3 over 10,000 keys, calls going round the keys (the per-device shape, for comparison)
 *  - whenFull 'evict' at maxKeys 10,000, a new key each call: every call evicts one key
 * Paths given are other copies of packages/intune/src/state/rate-limiter.ts (copy its when-full.ts
 * beside one): each is timed against the current source, in interleaved slices.
 *   node --conditions=@scep/source --import tsx bench/rate-limiter.ts [/tmp/old/rate-limiter.ts ...]
 */
import { relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { fmt, median, table } from './lib.js';

interface Limiter {
  consumeSync(key: string, nowMs: number): { readonly allowed: boolean };
}
type LimiterClass = new (o: { limit?: number; windowMs?: number; maxKeys?: number; whenFull?: 'refuse' | 'evict' }) => Limiter;

interface Case {
  readonly name: string;
  /** Builds the steady state, then gives one call to time. */
  readonly make: (L: LimiterClass) => () => void;
}

const budget = (limit: number): Case => ({
  name: `one key, limit ${limit.toLocaleString('en')}, log full`,
  make(L) {
    // One slot a millisecond and a window of `limit` ms: each call expires exactly one slot.
    const r = new L({ limit, windowMs: limit, maxKeys: 1 });
    let t = 0;
    while (t < limit) r.consumeSync('online\u0000profile', t++);
    return () => {
      if (!r.consumeSync('online\u0000profile', t++).allowed) throw new Error('bench: budget refused');
    };
  },
});

const perDevice: Case = {
  name: 'limit 3, 10,000 keys in turn',
  make(L) {
    const keys = Array.from({ length: 10_000 }, (_, i) => `device-${i}\u0000https://issuer.example`);
    const r = new L({ limit: 3, windowMs: 3 * keys.length, maxKeys: keys.length });
    let t = 0;
    let i = 0;
    const call = (): boolean => {
      const ok = r.consumeSync(keys[i] as string, t++).allowed;
      if (++i === keys.length) i = 0;
      return ok;
    };
    for (let n = 0; n < 3 * keys.length; n++) call();
    return () => {
      if (!call()) throw new Error('bench: device refused');
    };
  },
};

const evicting: Case = {
  name: "evict, maxKeys 10,000, a new key each call",
  make(L) {
    const max = 10_000;
    // Twice maxKeys in turn: a key comes back only after it was evicted, so each call is a new key.
    const keys = Array.from({ length: 2 * max }, (_, i) => `device-${i}\u0000https://issuer.example`);
    const r = new L({ limit: 3, windowMs: 1e12, maxKeys: max, whenFull: 'evict' });
    let i = 0;
    let t = 0;
    for (; i < max; i++) r.consumeSync(keys[i] as string, t++);
    return () => {
      if (!r.consumeSync(keys[i] as string, t++).allowed) throw new Error('bench: new key refused');
      if (++i === keys.length) i = 0;
    };
  },
};

/** µs a call over a slice of about `ms`, reading the clock every 64 calls. */
function slice(fn: () => void, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let j = 0; j < 64; j++) fn();
    n += 64;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n;
}

const paths = [resolve('packages/intune/src/state/rate-limiter.ts'), ...process.argv.slice(2).map((p) => resolve(p))];
const classes: LimiterClass[] = [];
for (const p of paths) classes.push(((await import(pathToFileURL(p).href)) as { RateLimiter: LimiterClass }).RateLimiter);
const labels = paths.map((p, i) => (i === 0 ? 'current' : relative(process.cwd(), p)));
const ROUNDS = Number(process.env['SCEP_BENCH_ROUNDS'] ?? 7);
const SLICE_MS = 100;

const rows: string[][] = [['µs per consumeSync (median of rounds)', ...labels, ...(labels.length > 1 ? ['last / current'] : [])]];
for (const c of [budget(600), budget(100_000), perDevice, evicting]) {
  const t0 = performance.now();
  const calls = classes.map((L) => c.make(L));
  const setupS = (performance.now() - t0) / 1000;
  for (const f of calls) slice(f, SLICE_MS); // warm-up
  const us = calls.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) for (const [i, f] of calls.entries()) us[i]?.push(slice(f, SLICE_MS));
  const m = us.map(median);
  const last = m[m.length - 1] ?? NaN;
  const first = m[0] ?? NaN;
  rows.push([c.name, ...m.map((x) => fmt(x, x < 10 ? 3 : 1)), ...(m.length > 1 ? [`${fmt(last / first, 1)} x`] : [])]);
  console.error(`${c.name}: set up in ${fmt(setupS, 1)} s`);
}
console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${ROUNDS} rounds of ${SLICE_MS} ms slices`);
console.log(table(rows));
