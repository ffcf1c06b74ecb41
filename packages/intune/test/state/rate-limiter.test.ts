import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateLimitDecision } from '../../src/index.js';

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

/**
 * A naive reference: every key's slots in a plain array, filtered on every call. Room for a new key
 * is made by dropping every key whose slots have all left the window, then (under 'evict') the key
 * that took its newest slot longest ago; ties cannot happen, as `seq` counts every slot taken.
 */
class ModelLimiter {
  readonly keys = new Map<string, { slots: number[]; seq: number }>();
  readonly counts = { allowed: 0, refused: 0, refusedFull: 0, expired: 0, evicted: 0 };
  /** Coverage: the most live slots one key held, and how often a key over 16 fell to 8 or fewer. */
  longest = 0;
  shrunk = 0;
  #seq = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly maxKeys: number,
    readonly whenFull: 'refuse' | 'evict',
  ) {}

  consume(key: string, now: number): RateLimitDecision {
    const cutoff = now - this.windowMs;
    let entry = this.keys.get(key);
    if (entry === undefined && this.keys.size >= this.maxKeys) {
      for (const [k, e] of [...this.keys]) {
        if (e.slots.every((t) => t <= cutoff)) {
          this.keys.delete(k);
          this.counts.expired++;
        }
      }
      if (this.keys.size >= this.maxKeys) {
        const byAge = [...this.keys].sort(([, a], [, b]) => a.seq - b.seq);
        if (this.whenFull === 'refuse') {
          this.counts.refusedFull++;
          const newest = byAge[0]![1].slots.at(-1)!;
          return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, newest + this.windowMs - now), reason: 'full' };
        }
        for (const [k] of byAge.slice(0, this.keys.size - this.maxKeys + 1)) {
          this.keys.delete(k);
          this.counts.evicted++;
        }
      }
    }
    entry ??= { slots: [], seq: 0 };
    const before = entry.slots.length;
    const live = entry.slots.filter((t) => t > cutoff);
    if (live.length >= this.limit) {
      this.keys.set(key, entry);
      this.counts.refused++;
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, live[0]! + this.windowMs - now), reason: 'limited' };
    }
    if (before > 16 && live.length <= 8) this.shrunk++;
    entry.slots = [...live, now];
    entry.seq = ++this.#seq;
    this.keys.set(key, entry);
    this.longest = Math.max(this.longest, entry.slots.length);
    this.counts.allowed++;
    return { allowed: true, remaining: this.limit - live.length - 1, retryAfterMs: undefined };
  }
}

type Op = { readonly kind: 'consume'; readonly key: string; readonly advance: number } | { readonly kind: 'clear' };

/** Mostly small steps, so that logs grow long; now and then a jump that empties windows. */
const advance = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 150 }) });
const opsOver = (keys: readonly string[]): fc.Arbitrary<Op[]> =>
  fc.array(
    fc.oneof(
      { weight: 60, arbitrary: fc.record({ kind: fc.constant('consume' as const), key: fc.constantFrom(...keys), advance }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
    ),
    { maxLength: 400, size: 'max' },
  );
/** Both sides of the 16 slots above which a log is a ring, and limits that make the ring grow. */
const limits = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 7, max: 20 }), fc.integer({ min: 30, max: 90 }));

/** Runs `ops` on a RateLimiter and the model, comparing every decision and the stats after it. */
function agree(r: RateLimiter, model: ModelLimiter, ops: readonly Op[]): void {
  let now = 0;
  for (const op of ops) {
    if (op.kind === 'clear') {
      r.clear();
      model.keys.clear();
      continue;
    }
    now += op.advance;
    expect(r.consumeSync(op.key, now)).toEqual(model.consume(op.key, now));
    expect(r.stats()).toMatchObject({ keys: model.keys.size, ...model.counts });
  }
}

describe('RateLimiter against a naive model', () => {
  it('property: the same decisions, remaining, retryAfterMs, reasons and stats, refuse and evict, short logs and long', () => {
    let longest = 0;
    let shrunk = 0;
    let evicted = 0;
    fc.assert(
      fc.property(
        limits,
        fc.constantFrom(60, 100, 400),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('refuse' as const, 'evict' as const),
        opsOver(['a', 'a', 'a', 'a', 'b', 'b', 'c', 'd', 'e', 'f']),
        (limit, windowMs, maxKeys, whenFull, ops) => {
          const model = new ModelLimiter(limit, windowMs, maxKeys, whenFull);
          agree(new RateLimiter({ limit, windowMs, maxKeys, whenFull }), model, ops);
          longest = Math.max(longest, model.longest);
          shrunk += model.shrunk;
          evicted += model.counts.evicted;
        },
      ),
      { seed: 33, numRuns: 400 },
    );
    // The runs reached rings that grew past their first size, and rings that went back to arrays.
    expect(longest).toBeGreaterThan(40);
    expect(shrunk).toBeGreaterThan(0);
    expect(evicted).toBeGreaterThan(0);
  });

  it("property: whenFull 'evict' with many keys through few places, moves and evictions interleaved", () => {
    let evicted = 0;
    fc.assert(
      fc.property(
        limits,
        fc.constantFrom(30, 100, 1000),
        fc.integer({ min: 1, max: 6 }),
        opsOver(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']),
        (limit, windowMs, maxKeys, ops) => {
          const model = new ModelLimiter(limit, windowMs, maxKeys, 'evict');
          agree(new RateLimiter({ limit, windowMs, maxKeys, whenFull: 'evict' }), model, ops);
          evicted += model.counts.evicted;
        },
      ),
      { seed: 34, numRuns: 400 },
    );
    expect(evicted).toBeGreaterThan(10_000);
  });

  it('a budget of 2,000 on one key: a ring that fills, drains in bursts and fills again agrees with the model', () => {
    const model = new ModelLimiter(2000, 10_000, 4, 'refuse');
    const r = new RateLimiter({ limit: 2000, windowMs: 10_000, maxKeys: 4 });
    let now = 0;
    let s = 7;
    for (let i = 0; i < 20_000; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31; // a fixed sequence: bursts, pauses and gaps past the window
      now += s % 4001 === 0 ? 4000 + (s % 9000) : s % 5;
      const key = s % 50 === 0 ? 'other' : 'budget';
      expect(r.consumeSync(key, now)).toEqual(model.consume(key, now));
    }
    expect(r.stats()).toMatchObject({ keys: model.keys.size, ...model.counts });
    expect(model.longest).toBe(2000);
    expect(model.counts.refused).toBeGreaterThan(0);
  });
});

/** Calls `fn` and counts the calls to `names` on `proto` meanwhile (the calls still happen). */
function countCalls(proto: object, names: readonly PropertyKey[], fn: () => void): number {
  const saved = names.map((n) => Object.getOwnPropertyDescriptor(proto, n)!);
  let calls = 0;
  for (const [i, n] of names.entries()) {
    const original = saved[i]!.value as (...args: unknown[]) => unknown;
    Object.defineProperty(proto, n, {
      ...saved[i],
      value(this: unknown, ...args: unknown[]) {
        calls++;
        return original.apply(this, args);
      },
    });
  }
  try {
    fn();
  } finally {
    for (const [i, n] of names.entries()) Object.defineProperty(proto, n, saved[i]!);
  }
  return calls;
}

const MAP_ITERATORS = ['keys', 'values', 'entries', Symbol.iterator] as const;

describe('RateLimiter costs', () => {
  it('a long log is not copied per call: at limit 600 a full window turns over with no array copied', () => {
    const r = new RateLimiter({ limit: 600, windowMs: 600 });
    let t = 0;
    while (t < 600) r.consumeSync('online\u0000p', t++);
    let allowed = 0;
    const copies = countCalls(Array.prototype, ['concat', 'slice'], () => {
      for (let i = 0; i < 1000; i++) if (r.consumeSync('online\u0000p', t++).allowed) allowed++;
    });
    expect(allowed).toBe(1000);
    expect(copies).toBe(0);
  });

  it("whenFull 'evict': a new key per call evicts through one kept iterator, not a fresh one per eviction", () => {
    const r = new RateLimiter({ limit: 3, windowMs: 1e9, maxKeys: 1000, whenFull: 'evict' });
    for (let i = 0; i < 1000; i++) r.consumeSync(`k${i}`, i);
    const iterators = countCalls(Map.prototype, MAP_ITERATORS, () => {
      for (let i = 1000; i < 6000; i++) r.consumeSync(`k${i}`, i);
    });
    expect(r.stats()).toMatchObject({ keys: 1000, evicted: 5000 });
    expect(iterators).toBe(1);
  });

  it("whenFull 'refuse': a flood of new keys at a full limiter looks at the oldest key through one iterator", () => {
    const r = new RateLimiter({ limit: 3, windowMs: 1e9, maxKeys: 1000 });
    for (let i = 0; i < 1000; i++) r.consumeSync(`k${i}`, i);
    const iterators = countCalls(Map.prototype, MAP_ITERATORS, () => {
      for (let i = 1000; i < 6000; i++) r.consumeSync(`k${i}`, i);
    });
    expect(r.stats()).toMatchObject({ keys: 1000, refusedFull: 5000 });
    expect(iterators).toBe(1);
  });
});
