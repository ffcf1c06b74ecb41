/** Tiny benchmark helpers: run a function for a while, report the median per-op time of batches. */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly name: string;
  /** Median microseconds per operation across batches. */
  readonly us: number;
  readonly opsPerSec: number;
  readonly samples: number;
}

export async function measure(name: string, fn: () => unknown, o: { batch?: number; ms?: number; warmupMs?: number } = {}): Promise<Measurement> {
  const batch = o.batch ?? 20;
  const until = async (ms: number, record: number[] | undefined): Promise<void> => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) await fn();
      record?.push(((performance.now() - t0) * 1000) / batch);
    }
  };
  await until(o.warmupMs ?? 300, undefined);
  const per: number[] = [];
  await until(o.ms ?? 1500, per);
  const us = median(per);
  return { name, us, opsPerSec: 1e6 / us, samples: per.length * batch };
}

/** One operation of an interleaved set: its name and the call to time. */
export interface Contender {
  readonly name: string;
  readonly fn: () => unknown;
}

/** Per contender, in the order given: µs per operation in each round (one slice each). */
export interface RoundsResult {
  /** `us[i][r]`: contender i in round r. */
  readonly us: readonly (readonly number[])[];
  readonly rounds: number;
}

/**
 * Times every contender for a slice of `sliceMs` in turn, round after round, for `ms` in all.
 * This VM's speed drifts on a sub-second scale (one RSA decrypt took 349 to 591 µs of CPU time in
 * consecutive 300 ms windows, with no steal time), so two figures taken a second apart do not
 * share a speed. A round here lasts a few hundred milliseconds, and means over the same rounds
 * compare the contenders at the same mix of speeds. A slice of 20 ms rather than a few calls keeps
 * the garbage collector's pauses in the slices of the operations that cause them.
 */
export async function measureRounds(contenders: readonly Contender[], o: { ms?: number; sliceMs?: number; warmupMs?: number } = {}): Promise<RoundsResult> {
  const us = contenders.map(() => [] as number[]);
  const sliceMs = o.sliceMs ?? 20;
  for (const c of contenders) await measure(c.name, c.fn, { batch: 1, ms: 0, warmupMs: o.warmupMs ?? 300 });
  const end = performance.now() + (o.ms ?? 30_000);
  let rounds = 0;
  while (performance.now() < end) {
    for (const [i, c] of contenders.entries()) {
      const t0 = performance.now();
      let n = 0;
      let t = t0;
      while (t - t0 < sliceMs) {
        await c.fn();
        n++;
        t = performance.now();
      }
      us[i]?.push(((t - t0) * 1000) / n);
    }
    rounds++;
  }
  return { us, rounds };
}

/**
 * The middle element by `key`: the lower of the two middles of an even count, and an element, never
 * a mean, so that one row can stand for its group. Every median of the benchmarks is this one.
 */
export function medianBy<T>(xs: readonly T[], key: (x: T) => number): T | undefined {
  return [...xs].sort((a, b) => key(a) - key(b))[(xs.length - 1) >> 1];
}

/** The median of numbers (NaN for none); see `medianBy`. */
export const median = (xs: readonly number[]): number => medianBy(xs, (x) => x) ?? NaN;

/** The sum of a list. */
export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

export const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/**
 * a / b rounded down to `d` decimals: a ratio checked against a goal must not print as the goal
 * when it falls short of it (3.9993 is 3.99, not 4.00). The epsilon keeps exact ratios exact.
 */
export const ratio = (a: number, b: number, d = 2): string => {
  const x = a / b;
  if (!(b > 0) || !Number.isFinite(x)) return 'n/a';
  const k = 10 ** d;
  return (Math.floor(x * k + 1e-9) / k).toFixed(d);
};

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}
