import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from '../../src/lib/base64.js';

describe('base64url', () => {
  it('round-trips and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const enc = encodeBase64Url(bytes);
        expect(enc).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decodeBase64Url(enc)).toEqual(bytes);
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('accepts correct padding and refuses wrong padding', () => {
    expect(decodeBase64Url('QQ==')).toEqual(Uint8Array.of(0x41));
    expect(decodeBase64Url('QUI=')).toEqual(Uint8Array.of(0x41, 0x42));
    expect(decodeBase64Url('QQ')).toEqual(Uint8Array.of(0x41));
    expect(decodeBase64Url('QQ=')).toBeUndefined();
    expect(decodeBase64Url('QUI==')).toBeUndefined();
    expect(decodeBase64Url('QQ==', false)).toBeUndefined();
    expect(decodeBase64Url('====')).toBeUndefined();
    expect(decodeBase64Url('Q')).toBeUndefined();
  });

  it('refuses non-canonical trailing bits, so each byte string has one spelling', () => {
    expect(decodeBase64Url('QR')).toBeUndefined(); // 'R' sets bits that 'Q' leaves zero
    expect(decodeBase64Url('QUJ')).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat({ max: 63 }), (bytes, pos, v) => {
        const enc = encodeBase64Url(bytes);
        const i = pos % enc.length;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const changed = enc.slice(0, i) + alphabet[v] + enc.slice(i + 1);
        fc.pre(changed !== enc);
        const dec = decodeBase64Url(changed);
        // A different spelling never decodes to the same bytes.
        if (dec !== undefined) expect(dec).not.toEqual(bytes);
      }),
      { seed: 2, numRuns: 500 },
    );
  });

  it('refuses characters outside the alphabet', () => {
    for (const bad of ['QQ+/', 'QQ/=', 'Q Q=', 'QQ\n', 'ÄÄÄÄ', 'QQ.Q']) expect(decodeBase64Url(bad)).toBeUndefined();
  });

  it('decodeBase64 skips PEM whitespace', () => {
    expect(decodeBase64('QU\r\nJD\n')).toEqual(Uint8Array.of(0x41, 0x42, 0x43));
  });
});
