/**
 * crypto/pkcs1.ts: RSAES-PKCS1-v1_5 padding. Decoding is implicit rejection: every invalid block
 * yields the caller's synthetic key, never an exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePkcs1v15, encodePkcs1v15, toHex } from '@scep/wire';
import { fcOptions, seededRandom } from './helpers.js';

const K = 256; // RSA-2048
const random = seededRandom('pkcs1 tests');
const key = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);
const synthetic = (n: number): Uint8Array => new Uint8Array(n).fill(0x5a);

/** A valid block for `m`, then `edit` applied to a copy. */
function block(m: Uint8Array, edit?: (em: Uint8Array) => void, k = K): Uint8Array {
  const em = encodePkcs1v15(m, k, random);
  edit?.(em);
  return em;
}

describe('encodePkcs1v15', () => {
  for (const n of [8, 16, 24, 32]) {
    it(`${n}-byte key: 00 02 PS(non-zero, >= 8) 00 M`, () => {
      const m = key(n);
      const em = block(m);
      expect(em.length).toBe(K);
      expect([em[0], em[1]]).toEqual([0, 2]);
      const ps = em.subarray(2, K - n - 1);
      expect(ps.length).toBeGreaterThanOrEqual(8);
      expect(ps.every((b) => b !== 0)).toBe(true);
      expect(em[K - n - 1]).toBe(0);
      expect(toHex(em.subarray(K - n))).toBe(toHex(m));
    });
  }

  it('skips zero bytes from the random source', () => {
    let calls = 0;
    const zerosFirst = (n: number): Uint8Array => (calls++ === 0 ? new Uint8Array(n) : new Uint8Array(n).fill(0x11));
    const em = encodePkcs1v15(key(16), 64, zerosFirst);
    expect(em.subarray(2, 64 - 17).every((b) => b === 0x11)).toBe(true);
    expect(calls).toBe(2);
  });

  it('a message leaving fewer than 8 padding bytes is a caller bug', () => {
    expect(() => encodePkcs1v15(new Uint8Array(K - 10), K, random)).toThrow(TypeError);
    expect(encodePkcs1v15(new Uint8Array(K - 11), K, random).length).toBe(K);
  });
});

describe('decodePkcs1v15', () => {
  for (const n of [8, 16, 24, 32]) {
    it(`valid ${n}-byte key decodes to itself`, () => {
      expect(toHex(decodePkcs1v15(block(key(n)), n, synthetic(n)))).toBe(toHex(key(n)));
    });
  }

  it('the shortest padding (exactly 8 bytes) is valid', () => {
    const n = K - 11;
    const m = key(n);
    expect(toHex(decodePkcs1v15(block(m), n, synthetic(n)))).toBe(toHex(m));
  });

  const invalid: [string, (em: Uint8Array) => void, number?][] = [
    ['first byte not 0x00', (em) => void (em[0] = 1)],
    ['block type 0x01 (signature padding)', (em) => void (em[1] = 1)],
    ['block type 0x00', (em) => void (em[1] = 0)],
    ['no 0x00 separator', (em) => em.fill(0x33, 2)],
    ['separator at byte 2 (empty PS)', (em) => void (em[2] = 0)],
    ['separator at byte 9 (7 bytes of PS)', (em) => void (em[9] = 0)],
    ['message one byte longer than expected (separator moved left)', (em) => void (em[K - 34] = 0), 32],
    ['message one byte shorter than expected (separator moved right)', (em) => {
      em[K - 33] = 0x44;
      em[K - 32] = 0;
    }, 32],
    ['all zeros', (em) => em.fill(0)],
    ['all 0xff', (em) => em.fill(0xff)],
  ];
  for (const [label, edit, n = 32] of invalid) {
    it(`invalid: ${label} → the synthetic key, no exception`, () => {
      const out = decodePkcs1v15(block(key(32), edit), n, synthetic(n));
      expect(toHex(out)).toBe(toHex(synthetic(n)));
    });
  }

  it('short and empty blocks → the synthetic key', () => {
    expect(toHex(decodePkcs1v15(new Uint8Array(0), 16, synthetic(16)))).toBe(toHex(synthetic(16)));
    expect(toHex(decodePkcs1v15(Uint8Array.of(0, 2, 0), 16, synthetic(16)))).toBe(toHex(synthetic(16)));
    // 00 02, 3 bytes of PS, 00, 16-byte key: too little padding for its length.
    expect(toHex(decodePkcs1v15(Uint8Array.of(0, 2, 1, 1, 1, 0, ...key(16)), 16, synthetic(16)))).toBe(toHex(synthetic(16)));
  });

  it('a synthetic key of the wrong length is a caller bug (TypeError)', () => {
    expect(() => decodePkcs1v15(block(key(16)), 16, synthetic(8))).toThrow(TypeError);
  });

  it('property: any bytes decode to either the embedded key or the synthetic key, never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.constantFrom(8, 16, 24, 32), (em, n) => {
        const out = decodePkcs1v15(em, n, synthetic(n));
        expect(out.length).toBe(n);
        const tail = em.subarray(Math.max(0, em.length - n));
        expect(toHex(out) === toHex(synthetic(n)) || toHex(out) === toHex(tail)).toBe(true);
      }),
      fcOptions(500),
    );
  });

  it('property: a single-byte change in the header or separator region is always rejected', () => {
    const m = key(16);
    const em = block(m);
    const sep = K - 17;
    fc.assert(
      fc.property(fc.constantFrom(0, 1, sep), fc.integer({ min: 1, max: 255 }), (pos, delta) => {
        const bad = em.slice();
        bad[pos] = ((bad[pos] as number) + delta) & 0xff;
        expect(toHex(decodePkcs1v15(bad, 16, synthetic(16)))).toBe(toHex(synthetic(16)));
      }),
      fcOptions(300),
    );
  });
});
