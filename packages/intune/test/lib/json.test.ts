import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJsonObject, parseJsonObject } from '../../src/lib/json.js';

describe('decodeJsonObject', () => {
  it('accepts objects only', () => {
    expect(decodeJsonObject(new TextEncoder().encode('{"a":1}'))).toEqual({ a: 1 });
    for (const t of ['[]', '1', '"x"', 'null', 'true', '{', '']) expect(parseJsonObject(t)).toBeUndefined();
  });

  it('refuses invalid UTF-8', () => {
    expect(decodeJsonObject(Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d))).toBeUndefined();
  });

  it('keeps __proto__ as plain data', () => {
    const o = parseJsonObject('{"__proto__":{"polluted":1}}');
    expect(o).toBeDefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('property: random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const v = decodeJsonObject(b);
        expect(v === undefined || typeof v === 'object').toBe(true);
      }),
      { seed: 41, numRuns: 300 },
    );
  });
});
