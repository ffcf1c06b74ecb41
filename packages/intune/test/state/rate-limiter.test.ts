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
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(1 * H);
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

  it('hits its key bound by evicting the least recently used key', () => {
    const r = new RateLimiter({ limit: 1, maxKeys: 2 });
    r.consumeSync('a', 0);
    r.consumeSync('b', 1);
    expect(r.consumeSync('a', 2).allowed).toBe(false); // touches a: b is now the oldest
    r.consumeSync('c', 3); // evicts b
    expect(r.stats()).toMatchObject({ keys: 2, evicted: 1 });
    expect(r.consumeSync('b', 4).allowed).toBe(true); // b got a fresh window (and evicted a)
    expect(r.consumeSync('c', 5).allowed).toBe(false);
  });

  it('default key bound is 100,000 and it holds', () => {
    const r = new RateLimiter();
    for (let i = 0; i < 100_010; i++) r.consumeSync(`k${i}`, i);
    expect(r.stats()).toMatchObject({ keys: 100_000, maxKeys: 100_000, evicted: 10 });
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

  it('validates options', () => {
    expect(() => new RateLimiter({ limit: -1 })).toThrow(TypeError);
    expect(() => new RateLimiter({ limit: 1.5 })).toThrow(TypeError);
    expect(() => new RateLimiter({ windowMs: 0 })).toThrow(TypeError);
    expect(() => new RateLimiter({ maxKeys: 0 })).toThrow(TypeError);
  });
});
