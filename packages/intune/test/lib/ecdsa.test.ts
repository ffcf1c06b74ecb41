import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ecdsaDerToRaw } from '../../src/lib/ecdsa.js';
import { integer, sequence } from '../../../../fixtures/intune/der.js';

describe('ecdsaDerToRaw', () => {
  it('property: DER of any (r, s) converts to the left-padded r‖s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 32 }), (r, s) => {
        const der = sequence(integer(r), integer(s));
        const raw = ecdsaDerToRaw(der, 32);
        const expected = new Uint8Array(64);
        expected.set(r, 32 - r.length);
        expected.set(s, 64 - s.length);
        expect(raw).toEqual(expected);
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('refuses non-DER: trailing bytes, non-minimal or negative integers, oversize, long-form length', () => {
    const r = Uint8Array.of(0x12, 0x34);
    const s = Uint8Array.of(0x56);
    const good = sequence(integer(r), integer(s));
    expect(ecdsaDerToRaw(good, 32)).toBeDefined();
    expect(ecdsaDerToRaw(Uint8Array.of(...good, 0), 32)).toBeUndefined();
    expect(ecdsaDerToRaw(Uint8Array.of(0x30, 0x08, 0x02, 0x02, 0x00, 0x12, 0x02, 0x02, 0x00, 0x56), 32)).toBeUndefined(); // non-minimal
    expect(ecdsaDerToRaw(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01), 32)).toBeUndefined(); // negative
    expect(ecdsaDerToRaw(sequence(integer(new Uint8Array(33).fill(1)), integer(s)), 32)).toBeUndefined(); // too big
    expect(ecdsaDerToRaw(Uint8Array.of(0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01), 32)).toBeUndefined(); // SET
    expect(ecdsaDerToRaw(Uint8Array.of(0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01), 32)).toBeUndefined(); // long form
    expect(ecdsaDerToRaw(Uint8Array.of(0x30, 0x06, 0x02, 0x00, 0x02, 0x02, 0x01, 0x01), 32)).toBeUndefined(); // empty INTEGER
  });

  it('property: random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const out = ecdsaDerToRaw(bytes, 32);
        if (out !== undefined) expect(out).toHaveLength(64);
      }),
      { seed: 4, numRuns: 500 },
    );
  });
});
