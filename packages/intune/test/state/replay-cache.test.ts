import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayCache, StoreFullError } from '../../src/index.js';

/** The error a call throws, or undefined. */
function thrown(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (e) {
    return e;
  }
}

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

  it('by default refuses a new token when full, keeps every live entry, and counts it', async () => {
    const c = new ReplayCache({ maxEntries: 3 });
    expect(c.stats().whenFull).toBe('refuse');
    c.checkAndInsertSync('late', 5000, 0);
    c.checkAndInsertSync('early', 1000, 0);
    c.checkAndInsertSync('mid', 3000, 0);
    const e = thrown(() => c.checkAndInsertSync('new', 4000, 0));
    expect(e).toBeInstanceOf(StoreFullError);
    expect((e as StoreFullError).code).toBe('ERR_INTUNE_STORE_FULL');
    expect((e as StoreFullError).store).toBe('replay');
    expect((e as StoreFullError).label).toBe('service_error');
    // The async form rejects with the same error.
    await expect(c.checkAndInsert('new', 4000, 0)).rejects.toBeInstanceOf(StoreFullError);
    // Nothing stored was dropped: every live token is still a replay (a replay, not "full").
    for (const k of ['late', 'early', 'mid']) expect(c.checkAndInsertSync(k, 9000, 0)).toBe(false);
    expect(c.stats()).toMatchObject({ size: 3, refusedFull: 2, evictedUnexpired: 0, replays: 3 });
  });

  it('under refuse, expired entries are swept first: room comes back as they expire', () => {
    const c = new ReplayCache({ maxEntries: 2 });
    c.checkAndInsertSync('a', 1000, 0);
    c.checkAndInsertSync('b', 2000, 0);
    expect(thrown(() => c.checkAndInsertSync('c', 3000, 999))).toBeInstanceOf(StoreFullError);
    expect(c.checkAndInsertSync('c', 3000, 1000)).toBe(true); // 'a' expired at 1000
    expect(c.stats()).toMatchObject({ size: 2, expired: 1, refusedFull: 1 });
    // A dead token needs no room, so it is not refused.
    expect(c.checkAndInsertSync('dead', 1500, 1500)).toBe(true);
  });

  it("whenFull 'evict' evicts the earliest expiry first and counts it", () => {
    const c = new ReplayCache({ maxEntries: 3, whenFull: 'evict' });
    c.checkAndInsertSync('late', 5000, 0);
    c.checkAndInsertSync('early', 1000, 0);
    c.checkAndInsertSync('mid', 3000, 0);
    c.checkAndInsertSync('new', 4000, 0);
    expect(c.size).toBe(3);
    expect(c.stats()).toMatchObject({ whenFull: 'evict', evictedUnexpired: 1, refusedFull: 0 });
    expect(c.checkAndInsertSync('early', 1000, 0)).toBe(true); // was evicted: replayable
    expect(c.checkAndInsertSync('late', 5000, 0)).toBe(false);
  });

  it('default bound is 100,000 entries and it holds', () => {
    const c = new ReplayCache();
    let refused = 0;
    for (let i = 0; i < 100_050; i++) {
      try {
        c.checkAndInsertSync(`k${i}`, 1_000_000 + i, 0);
      } catch (e) {
        if (!(e instanceof StoreFullError)) throw e;
        refused++;
      }
    }
    expect(refused).toBe(50);
    expect(c.size).toBe(100_000);
    expect(c.stats()).toMatchObject({ maxEntries: 100_000, refusedFull: 50, evictedUnexpired: 0 });
    const e = new ReplayCache({ whenFull: 'evict' });
    for (let i = 0; i < 100_050; i++) e.checkAndInsertSync(`k${i}`, 1_000_000 + i, 0);
    expect(e.stats()).toMatchObject({ size: 100_000, evictedUnexpired: 50 });
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

  it('property: bounded, and under refuse a live entry is never accepted again (and agrees with a bounded model)', () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
      ttl: fc.integer({ min: 0, max: 60 }),
      advance: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.constantFrom('refuse' as const, 'evict' as const), fc.array(op, { maxLength: 250 }), (max, whenFull, ops) => {
        const c = new ReplayCache({ maxEntries: max, whenFull });
        const model = new Map<string, number>(); // what the cache must hold under refuse
        let now = 0;
        for (const { key, ttl, advance } of ops) {
          now += advance;
          for (const [k, exp] of model) if (exp <= now) model.delete(k);
          const live = model.has(key);
          let result: boolean | 'full';
          try {
            result = c.checkAndInsertSync(key, now + ttl, now);
          } catch (e) {
            if (!(e instanceof StoreFullError)) throw e;
            result = 'full';
          }
          expect(c.size).toBeLessThanOrEqual(max);
          if (whenFull === 'evict') {
            expect(result).not.toBe('full');
            continue;
          }
          // refuse: a live entry is never accepted again, and nothing live is ever forgotten.
          if (live) expect(result).toBe(false);
          else if (ttl === 0) expect(result).toBe(true);
          else if (model.size >= max) expect(result).toBe('full');
          else {
            expect(result).toBe(true);
            model.set(key, now + ttl);
          }
          expect(c.size).toBe(model.size);
        }
      }),
      { seed: 22, numRuns: 400 },
    );
  });

  it('validates options', () => {
    expect(() => new ReplayCache({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new ReplayCache({ whenFull: 'drop' as 'evict' })).toThrow(TypeError);
  });
});
