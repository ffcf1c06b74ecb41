import { describe, expect, it } from 'vitest';
import { formatProfileDiff, mergeSummaries, summariseProfile, type CpuProfile } from '../server/profile.js';

/** A profile whose samples hit `leaf` functions (under one root) for the given microseconds each. */
function profile(samples: readonly [string, number][]): CpuProfile {
  const names = [...new Set(samples.map(([n]) => n))];
  const nodes = [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: names.map((_, i) => i + 2) }, ...names.map((n, i) => ({ id: i + 2, callFrame: { functionName: n, url: 'file:///x/packages/wire/src/a.ts', lineNumber: n.length } }))];
  return { nodes, samples: samples.map(([n]) => names.indexOf(n) + 2), timeDeltas: [0, ...samples.map(([, us]) => us)], startTime: 0, endTime: samples.reduce((t, [, us]) => t + us, 0) };
}

describe('profile summaries', () => {
  it('merges the main threads of several workers by function', () => {
    const m = mergeSummaries([summariseProfile(profile([['put', 1000], ['sign', 3000]])), summariseProfile(profile([['put', 500]]))]);
    expect(m.functions.find((f) => f.name === 'put')?.selfMs).toBeCloseTo(1.5);
    expect(m.functions.find((f) => f.name === 'sign')?.selfMs).toBeCloseTo(3);
    expect(m.busyMs).toBeCloseTo(4.5);
  });

  it('diffs two runs per unit, the largest move first', () => {
    const a = { summary: summariseProfile(profile([['put', 4000], ['sign', 10000]])), units: 2 };
    const b = { summary: summariseProfile(profile([['sign', 9000]])), units: 1 };
    const text = formatProfileDiff(a, b);
    expect(text).toContain('A 7000.0, B 9000.0, A − B -2000.0');
    const rows = text.split('\n').filter((l) => /^(put|sign)\s/.test(l));
    expect(rows[0]).toMatch(/^sign\s.*5000\.0\s+9000\.0\s+-4000\.0/);
    expect(rows[1]).toMatch(/^put\s.*2000\.0\s+0\.0\s+2000\.0/);
  });
});
