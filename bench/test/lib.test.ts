import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, medianBy } from '../lib.js';

describe('median', () => {
  it('is an element with at most half of the others below it and at most half above, the lower middle of an even count', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 }), (xs) => {
        const before = [...xs];
        const m = median(xs);
        expect(xs).toEqual(before); // the input keeps its order
        expect(xs).toContain(m);
        const below = xs.filter((x) => x < m).length;
        const above = xs.filter((x) => x > m).length;
        expect(below).toBeLessThanOrEqual(Math.floor((xs.length - 1) / 2));
        expect(above).toBeLessThanOrEqual(Math.ceil((xs.length - 1) / 2));
      }),
    );
  });

  it('takes the lower middle of an even count, and NaN for none', () => {
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('picks a row by its key, so that a row stands for its group', () => {
    const rows = [{ r: 1, v: 30 }, { r: 2, v: 10 }, { r: 3, v: 20 }, { r: 4, v: 40 }];
    expect(medianBy(rows, (x) => x.v)).toBe(rows[2]);
    expect(medianBy([], (x: number) => x)).toBeUndefined();
  });
});
