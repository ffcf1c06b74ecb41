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
  per.sort((a, b) => a - b);
  const us = per[Math.floor(per.length / 2)] ?? NaN;
  return { name, us, opsPerSec: 1e6 / us, samples: per.length * batch };
}

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
