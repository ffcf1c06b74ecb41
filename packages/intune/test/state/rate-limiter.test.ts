import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/index.js';

const H = 3_600_000;

describe('RateLimiter', () => {
  it('defaults to 3 per 24 h per key, as a sliding window', async () => {
    const r = new RateLimiter();
    expect((await r.consume('d', 0)).allowed).toBe(true);
    expect((await r.consume('d', 1 * H)).allowed).toBe(true);
    const third = await r.consume('d', 2 * H);
    expect(third).toEqual({ allowed: true, remaining: 0, retryAfterMs: undefined });
    const refused = await r.consume('d', 23 * H);
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 * H, reason: 'limited' });
    expect((await r.consume('d', 24 * H)).allowed).toBe(true); // the slot from t=0 left the window
    expect((await r.consume('d', 24 * H + 1)).allowed).toBe(false);
    expect((await r.consume('other', 24 * H)).allowed).toBe(true);
  });

  it('limit 0 disables limiting and keeps no state', () => {
    const r = new RateLimiter({ limit: 0 });
    for (let i = 0; i < 100; i++) expect(r.consumeSync('d', i).allowed).toBe(true);
    expect(r.stats().keys).toBe(0);
    expect(r.enabled).toBe(false);
  });

  it('by default refuses a new key when full, keeps every tracked key, and counts it', () => {
    const r = new RateLimiter({ limit: 1, maxKeys: 2, windowMs: 100 });
    expect(r.stats().whenFull).toBe('refuse');
    r.consumeSync('a', 0);
    r.consumeSync('b', 10);
    expect(r.consumeSync('c', 20)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 80, reason: 'full' });
    // a and b keep their windows: nothing was forgotten.
    expect(r.consumeSync('a', 30)).toMatchObject({ allowed: false, reason: 'limited' });
    expect(r.consumeSync('b', 30)).toMatchObject({ allowed: false, reason: 'limited' });
    expect(r.stats()).toMatchObject({ keys: 2, refusedFull: 1, refused: 2, evicted: 0, expired: 0 });
  });

  it('under refuse, keys whose window has emptied are dropped first, all of them, oldest slot first', () => {
    const r = new RateLimiter({ limit: 1, maxKeys: 3, windowMs: 100 });
    r.consumeSync('a', 0);
    r.consumeSync('b', 10);
    r.consumeSync('c', 50);
    // A refused attempt takes no slot, so it does not keep a key alive.
    expect(r.consumeSync('a', 60).reason).toBe('limited');
    expect(r.consumeSync('d', 99).reason).toBe('full');
    expect(r.consumeSync('d', 110).allowed).toBe(true); // a (0) and b (10) have emptied
    expect(r.stats()).toMatchObject({ keys: 2, expired: 2, refusedFull: 1 });
    expect(r.consumeSync('c', 111).reason).toBe('limited'); // c (50) kept its window
  });

  it("whenFull 'evict' forgets the key whose newest slot is oldest", () => {
    const r = new RateLimiter({ limit: 1, maxKeys: 2, whenFull: 'evict' });
    r.consumeSync('a', 0);
    r.consumeSync('b', 1);
    expect(r.consumeSync('a', 2).allowed).toBe(false); // a refused attempt does not renew a
    r.consumeSync('c', 3); // evicts a
    expect(r.stats()).toMatchObject({ keys: 2, evicted: 1, whenFull: 'evict' });
    expect(r.consumeSync('a', 4).allowed).toBe(true); // a got a fresh window (and evicted b)
    expect(r.consumeSync('c', 5).allowed).toBe(false);
    expect(r.stats()).toMatchObject({ evicted: 2, refusedFull: 0 });
  });

  it('default key bound is 100,000 and it holds', () => {
    const r = new RateLimiter();
    for (let i = 0; i < 100_010; i++) r.consumeSync(`k${i}`, i);
    expect(r.stats()).toMatchObject({ keys: 100_000, maxKeys: 100_000, refusedFull: 10, evicted: 0 });
    const e = new RateLimiter({ whenFull: 'evict' });
    for (let i = 0; i < 100_010; i++) e.consumeSync(`k${i}`, i);
    expect(e.stats()).toMatchObject({ keys: 100_000, evicted: 10 });
  });

  it('property: agrees with a naive sliding-window model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ key: fc.constantFrom('x', 'y'), advance: fc.integer({ min: 0, max: 40 }) }), { maxLength: 150 }),
        (limit, ops) => {
          const windowMs = 100;
          const r = new RateLimiter({ limit, windowMs });
          const model = new Map<string, number[]>();
          let now = 0;
          for (const { key, advance } of ops) {
            now += advance;
            const log = (model.get(key) ?? []).filter((t) => t > now - windowMs);
            const allowed = log.length < limit;
            if (allowed) log.push(now);
            model.set(key, log);
            expect(r.consumeSync(key, now).allowed).toBe(allowed);
          }
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });

  it('property: bounded; under refuse a full limiter refuses exactly when maxKeys keys have live slots, and forgets none', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('refuse' as const, 'evict' as const),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), advance: fc.integer({ min: 0, max: 30 }) }), { maxLength: 200 }),
        (limit, maxKeys, whenFull, ops) => {
          const windowMs = 100;
          const r = new RateLimiter({ limit, windowMs, maxKeys, whenFull });
          const model = new Map<string, number[]>(); // under refuse: every key's slots, none forgotten
          let now = 0;
          for (const { key, advance } of ops) {
            now += advance;
            const d = r.consumeSync(key, now);
            expect(r.stats().keys).toBeLessThanOrEqual(maxKeys);
            if (whenFull === 'evict') {
              expect(d.reason).not.toBe('full');
              continue;
            }
            for (const [k, log] of model) {
              const kept = log.filter((t) => t > now - windowMs);
              if (kept.length === 0) model.delete(k);
              else model.set(k, kept);
            }
            const log = model.get(key);
            if (log === undefined && model.size >= maxKeys) {
              expect(d).toMatchObject({ allowed: false, reason: 'full' });
              continue;
            }
            const slots = log ?? [];
            const allowed = slots.length < limit;
            expect(d.allowed).toBe(allowed);
            if (!allowed) expect(d.reason).toBe('limited');
            if (allowed) model.set(key, [...slots, now]);
          }
        },
      ),
      { seed: 32, numRuns: 400 },
    );
  });

  it('validates options', () => {
    expect(() => new RateLimiter({ limit: -1 })).toThrow(TypeError);
    expect(() => new RateLimiter({ limit: 1.5 })).toThrow(TypeError);
    expect(() => new RateLimiter({ windowMs: 0 })).toThrow(TypeError);
    expect(() => new RateLimiter({ maxKeys: 0 })).toThrow(TypeError);
    expect(() => new RateLimiter({ whenFull: 'drop' as 'refuse' })).toThrow(TypeError);
  });
});
