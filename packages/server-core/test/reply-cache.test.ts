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
});
