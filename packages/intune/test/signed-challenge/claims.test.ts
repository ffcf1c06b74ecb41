import { describe, expect, it } from 'vitest';
import {
  checkSignedChallengeAudience,
  checkSignedChallengeTime,
  checkSignedChallengeValidity,
  checkSignedChallengeVersion,
  IntuneError,
  readSignedChallengeClaims,
  type SignedChallengeClaims,
} from '../../src/index.js';

const base = { sub: 'dev', nonce: 'n1', iat: 1000, exp: 2000 };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof IntuneError ? e.code : 'other';
  }
}

const read = (p: Record<string, unknown>, audienceRequired = false): SignedChallengeClaims => readSignedChallengeClaims(p, { audienceRequired });

describe('claims', () => {
  it('reads a minimal claim set with defaults', () => {
    expect(read(base)).toEqual({
      iss: undefined,
      sub: 'dev',
      aud: [],
      iat: 1000,
      exp: 2000,
      nbf: undefined,
      nonce: 'n1',
      device_name: undefined,
      san_dns: [],
      san_rfc822: [],
      san_upn: [],
      version: undefined,
    });
  });

  it.each(['exp', 'iat', 'nonce', 'sub'])('requires %s', (name) => {
    const p: Record<string, unknown> = { ...base };
    delete p[name];
    expect(code(() => read(p))).toBe('ERR_INTUNE_CLAIM_MISSING');
    expect(code(() => read({ ...base, [name]: null }))).toBe('ERR_INTUNE_CLAIM_MISSING');
  });

  it('requires aud when an audience is configured (string or non-empty array)', () => {
    expect(code(() => read(base, true))).toBe('ERR_INTUNE_CLAIM_MISSING');
    expect(code(() => read({ ...base, aud: [] }, true))).toBe('ERR_INTUNE_CLAIM_MISSING');
    expect(read({ ...base, aud: 'x' }, true).aud).toEqual(['x']);
    expect(read({ ...base, aud: ['x', 'y'] }, true).aud).toEqual(['x', 'y']);
  });

  it.each([
    ['exp as string', { exp: '2000' }],
    ['negative iat', { iat: -1 }],
    ['NaN-ish exp', { exp: 1e300 }],
    ['sub number', { sub: 5 }],
    ['empty nonce', { nonce: '' }],
    ['long nonce', { nonce: 'n'.repeat(257) }],
    ['san_dns not array', { san_dns: 'a.example' }],
    ['san_upn with number', { san_upn: ['a', 1] }],
    ['too many SANs', { san_dns: Array.from({ length: 65 }, (_, i) => `h${i}.example`) }],
    ['aud object', { aud: { a: 1 } }],
    ['exp before iat', { exp: 999 }],
    ['exp equal iat', { exp: 1000 }],
  ])('refuses %s as invalid', (_n, patch) => {
    expect(code(() => read({ ...base, ...patch }))).toBe('ERR_INTUNE_CLAIM_INVALID');
  });

  it('version: absent or v1 only', () => {
    expect(checkSignedChallengeVersion({})).toBeUndefined();
    expect(checkSignedChallengeVersion({ version: 'v1' })).toBe('v1');
    for (const v of ['v2', 'V1', '', 1, null, ['v1']]) expect(code(() => checkSignedChallengeVersion({ version: v }))).toBe('ERR_INTUNE_UNKNOWN_VERSION');
  });

  it('time: boundaries with and without skew', () => {
    const c = read(base);
    const at = (s: number): Date => new Date(s * 1000);
    expect(code(() => checkSignedChallengeTime(c, at(1999.999), 0))).toBeUndefined();
    expect(code(() => checkSignedChallengeTime(c, at(2000), 0))).toBe('ERR_INTUNE_TOKEN_EXPIRED');
    expect(code(() => checkSignedChallengeTime(c, at(2059), 60))).toBeUndefined();
    expect(code(() => checkSignedChallengeTime(c, at(2060), 60))).toBe('ERR_INTUNE_TOKEN_EXPIRED');
    expect(code(() => checkSignedChallengeTime(c, at(999), 0))).toBe('ERR_INTUNE_TOKEN_NOT_YET_VALID');
    expect(code(() => checkSignedChallengeTime(c, at(940), 60))).toBeUndefined();
    expect(code(() => checkSignedChallengeTime(read({ ...base, nbf: 1500 }), at(1400), 60))).toBe('ERR_INTUNE_TOKEN_NOT_YET_VALID');
  });

  it('audience: any overlap passes; no configuration passes everything', () => {
    const c = read({ ...base, aud: ['a', 'b'] });
    expect(code(() => checkSignedChallengeAudience(c, ['b']))).toBeUndefined();
    expect(code(() => checkSignedChallengeAudience(c, ['c']))).toBe('ERR_INTUNE_WRONG_AUDIENCE');
    expect(code(() => checkSignedChallengeAudience(c, []))).toBeUndefined();
  });

  it('validity cap', () => {
    const c = read(base);
    expect(code(() => checkSignedChallengeValidity(c, 1000))).toBeUndefined();
    expect(code(() => checkSignedChallengeValidity(c, 999))).toBe('ERR_INTUNE_VALIDITY_TOO_LONG');
  });
});
