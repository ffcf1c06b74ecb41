import { beforeAll, describe, expect, it } from 'vitest';
import {
  IntuneError,
  kidMatchesAnchor,
  parseSignedChallenge,
  parseTrustAnchors,
  selectCandidateAnchors,
  verifySignedChallengeSignature,
  type SubtleCryptoLike,
  type TrustAnchor,
} from '../../src/index.js';
import { goodClaims, makeSigner, makeToken, TEST_NOW, type TestSigner } from '../support/keys.js';

const subtle = globalThis.crypto.subtle as unknown as SubtleCryptoLike; // the platform implements the interface

let a: TestSigner;
let b: TestSigner;
let e: TestSigner;
let anchors: TrustAnchor[];

beforeAll(async () => {
  a = makeSigner('rsa', { cn: 'A' });
  b = makeSigner('rsa', { cn: 'B', serial: 2 });
  e = makeSigner('ec-p256', { cn: 'E', serial: 3 });
  anchors = await parseTrustAnchors(a.pem + b.pem + e.pem);
});

async function verifyCode(token: string, set: readonly TrustAnchor[] = anchors, at = TEST_NOW): Promise<string> {
  try {
    const anchor = await verifySignedChallengeSignature(parseSignedChallenge(token), set, at, subtle);
    return `ok:${anchor.subject}`;
  } catch (err) {
    return err instanceof IntuneError ? err.code : `other:${String(err)}`;
  }
}

describe('anchor selection', () => {
  it('kid matches the SKI hex, the SHA-256 fingerprint (hex, any case, colons) or x5t#S256', () => {
    const anchor = anchors[0]!;
    expect(kidMatchesAnchor(a.ski, anchor)).toBe(true);
    expect(kidMatchesAnchor(a.ski.toUpperCase(), anchor)).toBe(true);
    expect(kidMatchesAnchor(anchor.fingerprintSha256, anchor)).toBe(true);
    expect(kidMatchesAnchor(anchor.fingerprintSha256.toUpperCase().match(/../g)!.join(':'), anchor)).toBe(true);
    expect(kidMatchesAnchor(a.x5tS256, anchor)).toBe(true);
    expect(kidMatchesAnchor(b.ski, anchor)).toBe(false);
    expect(kidMatchesAnchor('connector-key-1', anchor)).toBe(false);
  });

  it('without kid every anchor of the right key type is a candidate', () => {
    const parsed = parseSignedChallenge(makeToken(a, goodClaims()));
    expect(selectCandidateAnchors(parsed, anchors, TEST_NOW).map((x) => x.subject)).toEqual(['CN=A', 'CN=B']);
  });

  it('kid and x5t#S256 narrow the candidates', () => {
    const byKid = parseSignedChallenge(makeToken(b, goodClaims(), { header: { kid: b.ski } }));
    expect(selectCandidateAnchors(byKid, anchors, TEST_NOW).map((x) => x.subject)).toEqual(['CN=B']);
    const byX5t = parseSignedChallenge(makeToken(b, goodClaims(), { header: { 'x5t#S256': b.x5tS256 } }));
    expect(selectCandidateAnchors(byX5t, anchors, TEST_NOW).map((x) => x.subject)).toEqual(['CN=B']);
  });
});

describe('verifySignedChallengeSignature', () => {
  it('finds the signing anchor by trying each candidate', async () => {
    expect(await verifyCode(makeToken(b, goodClaims()))).toBe('ok:CN=B');
    expect(await verifyCode(makeToken(e, goodClaims()))).toBe('ok:CN=E');
    expect(await verifyCode(makeToken(e, goodClaims(), { alg: 'ES256-DER' }))).toBe('ok:CN=E');
    expect(await verifyCode(makeToken(a, goodClaims(), { alg: 'PS256' }))).toBe('ok:CN=A');
  });

  it('refuses when kid names an anchor that did not sign', async () => {
    expect(await verifyCode(makeToken(a, goodClaims(), { header: { kid: b.ski } }))).toBe('ERR_INTUNE_SIGNATURE_INVALID');
  });

  it('refuses when kid or x5t#S256 names no loaded anchor', async () => {
    expect(await verifyCode(makeToken(a, goodClaims(), { header: { kid: 'unknown' } }))).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
    expect(await verifyCode(makeToken(a, goodClaims(), { header: { 'x5t#S256': e.x5tS256 } }))).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
  });

  it('refuses when no anchor of the key type is loaded', async () => {
    const rsaOnly = anchors.filter((x) => x.keyType === 'rsa');
    expect(await verifyCode(makeToken(e, goodClaims()), rsaOnly)).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
    expect(await verifyCode(makeToken(a, goodClaims()), [])).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
  });

  it('does not use anchors outside their validity at the given time', async () => {
    const token = makeToken(a, goodClaims());
    expect(await verifyCode(token, anchors, new Date('2024-12-31T23:59:59Z'))).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
    expect(await verifyCode(token, anchors, new Date('2027-01-01T00:00:00Z'))).toBe('ok:CN=A');
    expect(await verifyCode(token, anchors, new Date('2027-01-01T00:00:01Z'))).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
  });

  it('ignores keys embedded in the header', async () => {
    const forger = makeSigner('rsa', { cn: 'Forger' });
    const jwk = forger.privateKey.export({ format: 'jwk' });
    const token = makeToken(forger, goodClaims(), { header: { jwk: { kty: jwk.kty, n: jwk.n, e: jwk.e }, x5c: [Buffer.from(forger.certificate).toString('base64')] } });
    expect(await verifyCode(token)).toBe('ERR_INTUNE_SIGNATURE_INVALID');
  });

  it('turns WebCrypto exceptions into a signature failure', async () => {
    const throwing: SubtleCryptoLike = { ...subtle, importKey: subtle.importKey.bind(subtle), digest: subtle.digest.bind(subtle), verify: () => Promise.reject(new Error('boom')) };
    const parsed = parseSignedChallenge(makeToken(a, goodClaims()));
    await expect(verifySignedChallengeSignature(parsed, anchors, TEST_NOW, throwing)).rejects.toMatchObject({ code: 'ERR_INTUNE_SIGNATURE_INVALID' });
  });
});
