import { describe, expect, it } from 'vitest';
import { ScepMetrics } from '../src/metrics.js';

describe('ScepMetrics.onCollect', () => {
  it('brings outside figures in just before every read, and merges them like any counter', () => {
    const m = new ScepMetrics();
    let outside = 0;
    let seen = 0;
    let calls = 0;
    m.onCollect((x) => {
      calls++;
      x.inc('outside_total', 'Counted elsewhere', { where: 'there' }, outside - seen);
      seen = outside;
    });
    outside = 3;
    expect(m.get('outside_total')).toBe(3);
    outside = 5;
    expect(m.snapshot()['outside_total']).toEqual([{ labels: { where: 'there' }, value: 5 }]);
    outside = 6;
    expect(m.toPrometheus()).toContain('outside_total{where="there"} 6\n');
    outside = 10;
    const dump = m.dump();
    expect(new ScepMetrics().merge(dump).merge(dump).get('outside_total', { where: 'there' })).toBe(20);
    expect(calls).toBe(4);
    // Nothing new: a read adds nothing.
    expect(m.get('outside_total')).toBe(10);
  });
});
