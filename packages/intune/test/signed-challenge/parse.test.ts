import { describe, expect, it } from 'vitest';
import {
  AlgorithmRefusedError,
  ChallengeMalformedError,
  ChallengeTooLargeError,
  CriticalHeaderUnsupportedError,
  IntuneError,
  looksLikeSignedChallenge,
  parseSignedChallenge,
  SignatureInvalidError,
} from '../../src/index.js';
import { b64url } from '../../../../fixtures/intune/token.js';

const PAYLOAD = b64url(JSON.stringify({ sub: 'x'.repeat(150), nonce: 'n', iat: 1, exp: 2 }));
const SIG = b64url(new Uint8Array(256).fill(7));

function token(header: unknown, sig = SIG, payload = PAYLOAD): string {
  return `${b64url(JSON.stringify(header))}.${payload}.${sig}`;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof IntuneError ? e.code : `non-intune: ${String(e)}`;
  }
}

describe('looksLikeSignedChallenge', () => {
  it('wants more than 200 characters and exactly two dots', () => {
    expect(looksLikeSignedChallenge('a'.repeat(100) + '.' + 'b'.repeat(100) + '.' + 'c')).toBe(true); // 202
    expect(looksLikeSignedChallenge('a'.repeat(98) + '.' + 'b'.repeat(99) + '.' + 'c')).toBe(false); // 200
    expect(looksLikeSignedChallenge('a'.repeat(300))).toBe(false);
    expect(looksLikeSignedChallenge('a'.repeat(100) + '.' + 'b'.repeat(100))).toBe(false);
    expect(looksLikeSignedChallenge('a.'.repeat(150))).toBe(false);
  });
});

describe('parseSignedChallenge', () => {
  it('parses a well-formed RS256 token and keeps the signing input as received', () => {
    const t = token({ alg: 'RS256', kid: 'abc' });
    const parsed = parseSignedChallenge(t);
    expect(parsed.algorithm.alg).toBe('RS256');
    expect(parsed.kid).toBe('abc');
    expect(new TextDecoder().decode(parsed.signingInput)).toBe(t.slice(0, t.lastIndexOf('.')));
  });

  it('accepts padded segments and signs over them as received', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    const t = `${header}.${PAYLOAD}.${SIG}`;
    const parsed = parseSignedChallenge(t);
    expect(new TextDecoder().decode(parsed.signingInput)).toBe(`${header}.${PAYLOAD}`);
  });

  it.each([
    ['none', { alg: 'none' }],
    ['HS256', { alg: 'HS256' }],
    ['HS512', { alg: 'HS512' }],
    ['RS384', { alg: 'RS384' }],
    ['EdDSA', { alg: 'EdDSA' }],
    ['lower-case rs256', { alg: 'rs256' }],
    ['absent', { typ: 'JWT' }],
    ['non-string', { alg: 256 }],
    ['inherited name', { alg: 'constructor' }],
  ])('refuses alg %s', (_n, header) => {
    expect(() => parseSignedChallenge(token(header))).toThrow(AlgorithmRefusedError);
  });

  it('honours crit: any listed extension is unknown to us; a malformed crit is malformed', () => {
    expect(() => parseSignedChallenge(token({ alg: 'RS256', crit: ['exp'], exp: 1 }))).toThrow(CriticalHeaderUnsupportedError);
    expect(() => parseSignedChallenge(token({ alg: 'RS256', crit: ['b64'], b64: false }))).toThrow(CriticalHeaderUnsupportedError);
    expect(() => parseSignedChallenge(token({ alg: 'RS256', crit: [] }))).toThrow(ChallengeMalformedError);
    expect(() => parseSignedChallenge(token({ alg: 'RS256', crit: 'x' }))).toThrow(ChallengeMalformedError);
  });

  it('checks kid, x5t#S256 and typ types', () => {
    expect(codeOf(() => parseSignedChallenge(token({ alg: 'RS256', kid: 5 })))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(token({ alg: 'RS256', kid: 'k'.repeat(257) })))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(token({ alg: 'RS256', 'x5t#S256': [] })))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(token({ alg: 'RS256', typ: {} })))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
  });

  it('refuses empty segments, bad base64url and non-object JSON', () => {
    const h = b64url(JSON.stringify({ alg: 'RS256' }));
    const pad = 'x'.repeat(250);
    expect(codeOf(() => parseSignedChallenge(`${h}.${PAYLOAD}.`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`.${PAYLOAD}.${SIG}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${h}..${SIG}${pad}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${h}!.${PAYLOAD}.${SIG}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${h}.${PAYLOAD}+.${SIG}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${h}.${PAYLOAD}.${SIG}*`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${b64url('[1]')}.${PAYLOAD}.${SIG}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${b64url('{')}.${PAYLOAD}.${SIG}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
    expect(codeOf(() => parseSignedChallenge(`${b64url(Uint8Array.of(0xff, 0xfe))}.${PAYLOAD}.${SIG}`))).toBe('ERR_INTUNE_CHALLENGE_MALFORMED');
  });

  it('hits the token, header and payload size bounds', () => {
    const limits = { maxTokenLength: 1000, maxHeaderBytes: 64, maxPayloadBytes: 300 };
    expect(() => parseSignedChallenge(token({ alg: 'RS256' }, SIG, 'A'.repeat(2000)), limits)).toThrow(ChallengeTooLargeError);
    expect(() => parseSignedChallenge(token({ alg: 'RS256', pad: 'p'.repeat(100) }), limits)).toThrow(ChallengeTooLargeError);
    const bigPayload = b64url(JSON.stringify({ sub: 'y'.repeat(400) }));
    expect(() => parseSignedChallenge(token({ alg: 'RS256' }, b64url(new Uint8Array(64)), bigPayload), limits)).toThrow(ChallengeTooLargeError);
    // The default token bound is 16 KiB.
    expect(() => parseSignedChallenge(token({ alg: 'RS256' }, SIG, 'A'.repeat(17_000)))).toThrow(ChallengeTooLargeError);
  });

  it('ES256: 64 bytes are r‖s, anything else must be strict DER', () => {
    const raw = parseSignedChallenge(token({ alg: 'ES256' }, b64url(new Uint8Array(64).fill(1))));
    expect(raw.signature).toHaveLength(64);
    expect(() => parseSignedChallenge(token({ alg: 'ES256' }, b64url(new Uint8Array(63).fill(1))))).toThrow(SignatureInvalidError);
    const der = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07);
    expect(parseSignedChallenge(token({ alg: 'ES256' }, b64url(der))).signature).toHaveLength(64);
  });

  it('refuses a non-string with a typed error', () => {
    expect(() => parseSignedChallenge(42 as unknown as string)).toThrow(ChallengeMalformedError);
  });
});
