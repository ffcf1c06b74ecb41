import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryReplyCache } from '@scep/server-core';

const at = (ms: number): Date => new Date(1_700_000_000_000 + ms);
const bytes = (n: number): Uint8Array => new Uint8Array([n]);

describe('InMemoryReplyCache', () => {
  it('answers until the entry expires, then forgets it', async () => {
    const c = new InMemoryReplyCache();
    await c.put('k', bytes(1), at(1000));
    expect(await c.get('k', at(999))).toEqual(bytes(1));
    expect(await c.get('k', at(1000))).toBeUndefined();
    expect(c.size).toBe(0);
    expect(await c.get('other', at(0))).toBeUndefined();
  });

  it('is bounded: the oldest entry goes first, and a put of a known key refreshes its place', async () => {
    const c = new InMemoryReplyCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await c.put(k, bytes(k.charCodeAt(0)), at(60_000));
    await c.put('a', bytes(9), at(60_000)); // a is now the newest
    await c.put('d', bytes(4), at(60_000)); // evicts b
    expect(c.size).toBe(3);
    expect(await c.get('b', at(0))).toBeUndefined();
    expect(await c.get('a', at(0))).toEqual(bytes(9));
    expect(await c.get('c', at(0))).toBeDefined();
    expect(await c.get('d', at(0))).toBeDefined();
  });

  it('is bounded in bytes too: the oldest go until the new reply fits; a reply above the budget is not kept', async () => {
    const c = new InMemoryReplyCache({ maxBytes: 1000 });
    const big = (n: number): Uint8Array => new Uint8Array(n);
    await c.put('a', big(400), at(60_000));
    await c.put('b', big(400), at(60_000));
    expect(c.bytes).toBe(800);
    await c.put('c', big(400), at(60_000)); // evicts a
    expect(await c.get('a', at(0))).toBeUndefined();
    expect(c.bytes).toBe(800);
    await c.put('b', big(100), at(60_000)); // replacing counts the new size only
    expect(c.bytes).toBe(500);
    await c.put('huge', big(1001), at(60_000));
    expect(await c.get('huge', at(0))).toBeUndefined();
    expect(c.size).toBe(2);
    await c.get('c', at(60_000)); // expired on read: its bytes are released
    expect(c.bytes).toBe(100);
    expect(new InMemoryReplyCache().maxBytes).toBe(64 * 1024 * 1024);
    expect(() => new InMemoryReplyCache({ maxBytes: Number.NaN })).toThrow(TypeError);
    expect(() => new InMemoryReplyCache({ maxEntries: 0 })).toThrow(TypeError);
  });

  it('liveKeys lists the live entries oldest first, with their expiry', async () => {
    const c = new InMemoryReplyCache();
    await c.put('x', bytes(1), at(500));
    await c.put('y', bytes(2), at(2000));
    await c.put('z', bytes(3), at(3000));
    expect(c.liveKeys(at(0))).toEqual([
      ['x', at(500).getTime()],
      ['y', at(2000).getTime()],
      ['z', at(3000).getTime()],
    ]);
    expect(c.liveKeys(at(1000)).map(([k]) => k)).toEqual(['y', 'z']);
  });

  it('hands out a copy: the caller cannot change what the next retransmission gets', async () => {
    const c = new InMemoryReplyCache();
    await c.put('k', new Uint8Array([1, 2, 3]), at(60_000));
    const first = (await c.get('k', at(0)))!;
    first[0] = 9;
    expect(await c.get('k', at(0))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('grows its ring from 64 KiB as replies arrive, never past maxBytes', async () => {
    const c = new InMemoryReplyCache({ maxBytes: 1_000_000 });
    expect(c.capacity).toBe(0); // nothing held until the first reply
    for (let i = 0; i < 16; i++) await c.put(`k${i}`, new Uint8Array(4000).fill(i), at(60_000));
    expect(c.capacity).toBe(64 * 1024); // 16 replies of 4,000 bytes fit the first ring
    for (let i = 16; i < 1000; i++) await c.put(`k${i}`, new Uint8Array(4000).fill(i), at(60_000));
    expect(c.capacity).toBe(1_000_000);
    // Only what the ring holds: 1,000,000 / 4,000 = 250 replies, less one for the ring's end.
    expect(c.size).toBeGreaterThanOrEqual(249);
    expect(c.size).toBeLessThanOrEqual(250);
    expect(await c.get('k999', at(0))).toEqual(new Uint8Array(4000).fill(999 % 256));
    expect(await c.get(`k${1000 - c.size}`, at(0))).toEqual(new Uint8Array(4000).fill((1000 - c.size) % 256));
    expect(await c.get(`k${999 - c.size}`, at(0))).toBeUndefined();
  });

  // Round sizes as well as any: a reply that exactly fills what is left is where off-by-ones hide.
  const size = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0, 1, 50, 64, 100, 128, 250, 256));
  const ringBytes = fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constantFrom(100, 256, 500, 512, 1000, 1024));
  type Op = { t: 'put'; k: number; n: number; ttl: number } | { t: 'get'; k: number; dt: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('put' as const), k: fc.integer({ min: 0, max: 30 }), n: size, ttl: fc.integer({ min: 1, max: 50 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), k: fc.integer({ min: 0, max: 30 }), dt: fc.integer({ min: 0, max: 5 }) }) },
  );

  it('property: every reply read back is the last stored under its key, byte for byte; bounds hold; eviction is oldest first', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), ringBytes, fc.array(op, { maxLength: 400 }), async (maxEntries, maxBytes, ops) => {
        const c = new InMemoryReplyCache({ maxEntries, maxBytes });
        // The model: what was stored last under each key, in the order of storing (a Map keeps it).
        const stored = new Map<number, { bytes: Uint8Array; expiresAt: number }>();
        let now = 0;
        let serial = 0;
        for (const o of ops) {
          if (o.t === 'put') {
            const bytes = new Uint8Array(o.n).map((_, i) => (serial * 31 + i) & 0xff);
            serial++;
            await c.put(`k${o.k}`, bytes, at(now + o.ttl));
            stored.delete(o.k);
            if (o.n <= maxBytes) stored.set(o.k, { bytes, expiresAt: now + o.ttl });
            // The reply just stored is there, whatever it cost the others.
            if (o.n <= maxBytes) expect(await c.get(`k${o.k}`, at(now))).toEqual(bytes);
            else expect(await c.get(`k${o.k}`, at(now))).toBeUndefined();
          } else {
            now += o.dt;
            const got = await c.get(`k${o.k}`, at(now));
            const want = stored.get(o.k);
            if (got !== undefined) {
              expect(want).toBeDefined();
              expect(got).toEqual(want!.bytes);
              expect(want!.expiresAt).toBeGreaterThan(now);
            }
            if (want !== undefined && want.expiresAt <= now) stored.delete(o.k);
          }
          expect(c.size).toBeLessThanOrEqual(maxEntries);
          expect(c.bytes).toBeLessThanOrEqual(maxBytes);
          expect(c.capacity).toBeLessThanOrEqual(Math.max(maxBytes, 0));
          // Oldest first: the live keys, in order, are a suffix of the model's order.
          const live = c.liveKeys(at(-1)).map(([k]) => Number(k.slice(1)));
          const order = [...stored.keys()];
          expect(order.slice(order.length - live.length)).toEqual(live);
          expect(c.bytes).toBe(live.reduce((sum, k) => sum + stored.get(k)!.bytes.byteLength, 0));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: with distinct keys, nothing is evicted for bytes while the newer replies and two of the largest fit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(ringBytes, fc.integer({ min: 100, max: 5000 })), fc.array(size, { maxLength: 300 }), async (maxBytes, sizes) => {
        const c = new InMemoryReplyCache({ maxEntries: 10_000, maxBytes });
        const largest = Math.max(0, ...sizes);
        for (const [i, n] of sizes.entries()) {
          await c.put(`k${i}`, new Uint8Array(n), at(60_000));
          if (n > maxBytes) continue;
          // Every entry whose bytes, with the newer ones' and the waste of two wraps, fit is still there.
          let span = 2 * largest;
          for (let j = i; j >= 0; j--) {
            const m = sizes[j]!;
            if (m > maxBytes) continue;
            span += m;
            if (span > maxBytes) break;
            expect(await c.get(`k${j}`, at(0))).toBeDefined();
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

