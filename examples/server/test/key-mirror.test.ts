/** KeyMirror: a worker's view of which keys the primary's reply cache holds (SCEP_WORKERS > 1). */
import { describe, expect, it } from 'vitest';
import { KeyMirror } from '../src/cluster.js';

describe('KeyMirror', () => {
  it('says "maybe" for every key until the primary sent its keys, then only for known, unexpired ones', () => {
    const m = new KeyMirror(10);
    expect(m.mayHave('anything', 0)).toBe(true);
    m.load([['a', 1000]]);
    expect(m.mayHave('a', 999)).toBe(true);
    expect(m.mayHave('a', 1000)).toBe(false);
    expect(m.size).toBe(0);
    expect(m.mayHave('b', 0)).toBe(false);
  });
  it('keeps keys learnt before the load as the newest, and drops the oldest past its bound', () => {
    const m = new KeyMirror(3);
    m.add('own', 9000);
    m.load([
      ['p1', 9000],
      ['p2', 9000],
      ['p3', 9000],
    ]);
    expect(m.size).toBe(3);
    expect(m.mayHave('p1', 0)).toBe(false); // the oldest went first
    expect(m.mayHave('own', 0)).toBe(true);
    m.add('p2', 9000); // re-added: now the newest
    m.add('n', 9000);
    expect(m.mayHave('p3', 0)).toBe(false);
    expect(m.mayHave('p2', 0)).toBe(true);
    expect(m.mayHave('n', 0)).toBe(true);
  });
});
