import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayCache } from '../../src/index.js';

describe('ReplayCache', () => {
  it('first sighting wins, repeats are replays until expiry', async () => {
    const c = new ReplayCache();
    expect(await c.checkAndInsert('n1', 2000, 1000)).toBe(true);
    expect(await c.checkAndInsert('n1', 2000, 1500)).toBe(false);
    expect(await c.checkAndInsert('n1', 2000, 1999)).toBe(false);
    // At expiry the entry is purged and the key is new again.
    expect(await c.checkAndInsert('n1', 3000, 2000)).toBe(true);
    expect(c.stats()).toMatchObject({ size: 1, inserted: 2, replays: 2, expired: 1 });
  });

  it('concurrent duplicates: exactly one wins', async () => {
    const c = new ReplayCache();
    const results = await Promise.all(Array.from({ length: 100 }, () => c.checkAndInsert('same', 10_000, 0)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('does not store keys that are already dead', () => {
    const c = new ReplayCache();
    expect(c.checkAndInsertSync('old', 100, 200)).toBe(true);
    expect(c.size).toBe(0);
  });

  it('hits its bound: evicts the earliest expiry first and counts it', () => {
    const c = new ReplayCache({ maxEntries: 3 });
    c.checkAndInsertSync('late', 5000, 0);
    c.checkAndInsertSync('early', 1000, 0);
    c.checkAndInsertSync('mid', 3000, 0);
    c.checkAndInsertSync('new', 4000, 0);
    expect(c.size).toBe(3);
    expect(c.stats().evictedUnexpired).toBe(1);
    expect(c.checkAndInsertSync('early', 1000, 0)).toBe(true); // was evicted
    expect(c.checkAndInsertSync('late', 5000, 0)).toBe(false);
  });

  it('default bound is 100,000 entries and it holds', () => {
    const c = new ReplayCache();
    for (let i = 0; i < 100_050; i++) c.checkAndInsertSync(`k${i}`, 1_000_000 + i, 0);
    expect(c.size).toBe(100_000);
    expect(c.stats()).toMatchObject({ maxEntries: 100_000, evictedUnexpired: 50 });
  });

  it('property: agrees with a naive model (unbounded)', () => {
    const op = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), ttl: fc.integer({ min: 1, max: 50 }), advance: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const c = new ReplayCache();
        const model = new Map<string, number>();
        let now = 0;
        for (const { key, ttl, advance } of ops) {
          now += advance;
          const live = model.has(key) && model.get(key)! > now;
          const expected = !live;
          if (expected) model.set(key, now + ttl);
          expect(c.checkAndInsertSync(key, now + ttl, now)).toBe(expected);
        }
      }),
      { seed: 21, numRuns: 300 },
    );
  });

  it('validates options', () => {
    expect(() => new ReplayCache({ maxEntries: 0 })).toThrow(TypeError);
  });
});
