/**
 * What one insert costs in a full, bounded Map that evicts its oldest key each time, as the reply
 * cache, the challenge store and the example server's key mirrors do: the oldest key from a fresh
 * `keys()` (steps over every entry deleted since V8 last rebuilt the table) against server-core's
 * OldestFirst (one iterator kept between calls).
 *   node --conditions=@scep/source --import tsx bench/evict.ts
 */
import { OldestFirst } from '../packages/server-core/src/bounded-map.js';
import { fmt, table } from './lib.js';

const key = (n: number): string => `default:${n.toString(16).padStart(64, '0')}`;

function perInsert(max: number, oldest: (m: Map<string, number>) => () => string, n = 200_000): number {
  const m = new Map<string, number>();
  for (let i = 0; i < max; i++) m.set(key(i), i);
  const take = oldest(m);
  const keys = Array.from({ length: n }, (_, j) => key(max + j)); // built outside the timing
  const t0 = process.hrtime.bigint();
  for (let j = 0; j < n; j++) {
    while (m.size >= max) m.delete(take());
    m.set(keys[j] as string, j);
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

const fresh = (m: Map<string, number>) => () => m.keys().next().value as string;
const kept = (m: Map<string, number>) => {
  const o = new OldestFirst(m);
  return () => o.key() as string;
};

const rows: string[][] = [['keys', 'fresh keys() µs/insert', 'OldestFirst µs/insert', 'ratio']];
for (const max of [256, 1000, 5000, 10_000]) {
  perInsert(max, fresh, 20_000); // warm-up
  perInsert(max, kept, 20_000);
  const a = perInsert(max, fresh);
  const b = perInsert(max, kept);
  rows.push([max.toLocaleString('en'), fmt(a / 1000, 2), fmt(b / 1000, 2), `${fmt(a / b, 1)} x`]);
}
console.log(table(rows));
