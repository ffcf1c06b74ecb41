import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryHeap } from '../../src/lib/expiry-heap.js';

describe('ExpiryHeap', () => {
  it('property: pops keys in non-decreasing expiry order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 300 }), (expiries) => {
        const heap = new ExpiryHeap();
        expiries.forEach((e, i) => heap.push(e, `k${i}`));
        expect(heap.size).toBe(expiries.length);
        const popped: number[] = [];
        while (heap.size > 0) {
          const e = heap.peekExpiry();
          const key = heap.pop()!;
          expect(expiries[Number(key.slice(1))]).toBe(e);
          popped.push(e);
        }
        expect(popped).toEqual([...expiries].sort((a, b) => a - b));
        expect(heap.pop()).toBeUndefined();
        expect(heap.peekExpiry()).toBe(Number.POSITIVE_INFINITY);
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});
