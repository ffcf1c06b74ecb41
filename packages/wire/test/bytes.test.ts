import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toBase64Url, toHex } from '@scep/wire';

// Node's Buffer is the reference for the runtime-neutral helpers.
describe('byte helpers', () => {
  it('toHex / fromHex match Buffer and round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
        expect(fromHex(toHex(b))).toEqual(b);
      }),
    );
    expect(toHex(new Uint8Array())).toBe('');
  });

  it('toBase64 / toBase64Url / fromBase64 match Buffer and round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
        expect(toBase64Url(b)).toBe(Buffer.from(b).toString('base64url'));
        expect(fromBase64(toBase64(b))).toEqual(b);
        expect(fromBase64(toBase64Url(b))).toEqual(b);
      }),
    );
  });
});
