/** BoundedMap and OldestFirst: oldest out first, whatever mix of inserts, re-inserts and deletes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedMap, OldestFirst } from '../src/bounded-map.js';

type Op = { readonly t: 'set'; readonly k: number; readonly size: number } | { readonly t: 'delete'; readonly k: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('set' as const), k: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 40 }) }) },
);

describe('BoundedMap', () => {
  it('agrees with a plain list model: the same entries, in the same order, within both bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 30, max: 120 }), fc.array(op, { maxLength: 300 }), (maxEntries, maxBytes, ops) => {
        const m = new BoundedMap<number>(maxEntries, maxBytes);
        let model: { k: string; size: number }[] = [];
        for (const o of ops) {
          const k = `k${o.k}`;
          model = model.filter((e) => e.k !== k);
          if (o.t === 'delete') m.delete(k);
          else {
            m.set(k, o.k, o.size);
            while (model.length > 0 && (model.length >= maxEntries || model.reduce((a, e) => a + e.size, 0) + o.size > maxBytes)) model.shift();
            model.push({ k, size: o.size });
          }
          expect([...m.entries()].map(([key]) => key)).toEqual(model.map((e) => e.k));
          expect(m.bytes).toBe(model.reduce((a, e) => a + e.size, 0));
          expect(m.size).toBeLessThanOrEqual(maxEntries);
        }
      }),
    );
  });
});

describe('OldestFirst', () => {
  it('gives the oldest key each time, through many deletes and a clear', () => {
    const map = new Map<number, true>();
    const oldest = new OldestFirst(map);
    expect(oldest.key()).toBeUndefined();
    for (let i = 0; i < 50_000; i++) {
      map.set(i, true);
      if (map.size > 1000) {
        const k = oldest.key() as number;
        expect(k).toBe(i - 1000);
        map.delete(k);
      }
    }
    // Dropped (an insert that evicted nothing), the next call starts a new one: still the oldest.
    oldest.reset();
    expect(oldest.key()).toBe(49_000);
    map.clear();
    expect(oldest.key()).toBeUndefined();
    map.set(7, true);
    expect(oldest.key()).toBe(7);
  });
});
