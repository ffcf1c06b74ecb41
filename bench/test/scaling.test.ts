import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workersBound } from '../server/scaling.js';

const cores = (max: number) => fc.double({ min: 0.05, max, noNaN: true });
const cpuMs = fc.double({ min: 0.1, max: 10, noNaN: true });

describe('workersBound', () => {
  it("gives run 4's figures of machine D (docs/benchmarks.md)", () => {
    const b = workersBound({ cpus: 2, clientCores: 0.08, oneProcessCores: 1.73, oneProcessCpuMs: 1.23, workersCpuMs: 1.34 });
    expect(b.bound).toBeCloseTo(1.0187, 3);
    expect(b.maxOneProcessCores).toBeCloseTo(1.1765, 3);
  });

  it('is never below the ratio of a run whose workers stay within the cores the load generator leaves', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4, 8), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), cpuMs, cpuMs, (cpus, client, uShare, wShare, a, b) => {
        const u = uShare * cpus;
        const workersCores = wShare * Math.max(0, cpus - client);
        const ratio = workersCores / b / (u / a);
        const { bound } = workersBound({ cpus, clientCores: client, oneProcessCores: u, oneProcessCpuMs: a, workersCpuMs: b });
        expect(ratio).toBeLessThanOrEqual(bound * (1 + 1e-9));
      }),
    );
  });

  it('allows the target only to one process that leaves cores idle, when workers cost no less CPU each', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 4), cores(4), cores(0.5), cpuMs, fc.double({ min: 1, max: 2, noNaN: true }), (cpus, u, client, a, extra) => {
        const b = workersBound({ cpus, clientCores: client, oneProcessCores: u, oneProcessCpuMs: a, workersCpuMs: a * extra });
        if (b.bound >= 1.7) expect(u).toBeLessThanOrEqual(b.maxOneProcessCores);
      }),
    );
  });

  it('says nothing for a run without figures', () => {
    expect(workersBound({ cpus: 2, clientCores: 0, oneProcessCores: 0, oneProcessCpuMs: 1, workersCpuMs: 1 }).bound).toBeNaN();
    expect(workersBound({ cpus: 2, clientCores: 0, oneProcessCores: 1, oneProcessCpuMs: 1, workersCpuMs: Number.NaN }).bound).toBeNaN();
  });
});
