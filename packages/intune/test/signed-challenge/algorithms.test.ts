import { describe, expect, it } from 'vitest';
import { ALGORITHMS, algorithmDescriptor } from '../../src/index.js';

describe('algorithm table', () => {
  it('holds exactly RS256, PS256 and ES256', () => {
    expect(Object.keys(ALGORITHMS).sort()).toEqual(['ES256', 'PS256', 'RS256']);
    expect(ALGORITHMS.PS256.verifyAlgorithm).toEqual({ name: 'RSA-PSS', saltLength: 32 });
    expect(ALGORITHMS.ES256.importAlgorithm).toEqual({ name: 'ECDSA', namedCurve: 'P-256' });
  });

  it('looks up own names only', () => {
    for (const bad of ['none', 'HS256', 'toString', '__proto__', '', 5, undefined, null]) expect(algorithmDescriptor(bad)).toBeUndefined();
    expect(algorithmDescriptor('RS256')?.keyType).toBe('rsa');
  });

  it('ES256 normalises DER to r‖s and passes 64-byte signatures through', () => {
    const raw = new Uint8Array(64).fill(9);
    expect(ALGORITHMS.ES256.normaliseSignature(raw)).toBe(raw);
    expect(ALGORITHMS.ES256.normaliseSignature(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02))).toHaveLength(64);
    expect(ALGORITHMS.ES256.normaliseSignature(new Uint8Array(65))).toBeUndefined();
  });
});
