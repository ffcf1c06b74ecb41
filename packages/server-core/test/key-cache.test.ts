/**
 * The node provider's public-key cache against a key forged to look like a victim's.
 *
 * Until this test, nodeCrypto() cached imported public keys under the SPKI's first and last 48
 * bytes. An RSA modulus can be chosen to equal a victim's in its top and bottom bits while its
 * factorisation is known, so an attacker could first get such a key cached (any request signed with
 * it) and then sign a RenewalReq with it while presenting the victim's certificate: the signature
 * was checked against the attacker's cached key, and the renewal issued a certificate for the
 * victim's name to the attacker's new key.
 */
import { checkPrimeSync, createPrivateKey, createPublicKey, generatePrimeSync, randomBytes, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Certificate } from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { createLocalCa, createScepHandler, staticChallenge, type ScepEvent } from '@scep/server-core';
import { clientRequest, party, send, T0, type Party } from './setup.js';

const bigFrom = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const b64u = (n: bigint): string => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(s0, m);
}

/**
 * An RSA private key whose modulus equals `n` in its top `topBits` and bottom `lowBits` bits:
 * n' = p·q with p a random prime and q ≡ n·p⁻¹ (mod 2^lowBits), q prime, in the range that keeps
 * the top bits.
 */
function keyWithSameEnds(n: bigint, e: bigint, topBits: number, lowBits: number): KeyObject {
  const bits = BigInt(n.toString(2).length);
  const M = 1n << BigInt(lowBits);
  const shift = bits - BigInt(topBits);
  const top = n >> shift;
  for (;;) {
    const p = generatePrimeSync(Number(bits) / 2, { bigint: true });
    const q0 = mod(mod(n, M) * modInverse(p, M), M);
    const lo = ((top << shift) + p - 1n) / p; // smallest q with p·q ≥ top·2^shift
    const hi = ((top + 1n) << shift) / p - 1n; // largest q with p·q < (top+1)·2^shift
    const kMin = (lo - q0 + M - 1n) / M;
    const span = (hi - q0) / M - kMin;
    for (let tries = 0; tries < 20_000; tries++) {
      const q = q0 + (kMin + mod(bigFrom(randomBytes(96)), span)) * M;
      if (!checkPrimeSync(q)) continue;
      const phi = (p - 1n) * (q - 1n);
      let d: bigint;
      try {
        d = modInverse(e, phi);
      } catch {
        continue;
      }
      const nn = p * q;
      return createPrivateKey({
        key: { kty: 'RSA', n: b64u(nn), e: b64u(e), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)) },
        format: 'jwk',
      });
    }
  }
}

let ca: Party;
let caCert: Certificate;
let victim: Party;
let forged: KeyObject;

beforeAll(async () => {
  ca = await party({ subject: 'CN=Key cache CA', ca: true });
  caCert = ca.certificate;
  victim = await party({ subject: 'CN=victim-device', issuer: ca });
  const jwk = createPublicKey(victim.keyObject).export({ format: 'jwk' });
  const big = (s: string | undefined): bigint => bigFrom(Buffer.from(s ?? '', 'base64url'));
  // Equal in the top 16 and bottom 48 bytes of the modulus: more than the old 48-byte windows of
  // the SPKI covered (33 bytes of header + 15 of modulus; 5 of exponent + 43 of modulus).
  forged = keyWithSameEnds(big(jwk.n), big(jwk.e), 128, 384);
});

describe("node provider key cache and a key forged to match a victim's SPKI at both ends", () => {
  it('the forged key differs from the victim’s, but only in the middle of the modulus', () => {
    const v = victim.certificate.publicKey.der;
    const f = nodePrivateKey(forged).publicKeyInfo;
    expect(f.length).toBe(v.length);
    expect(Buffer.from(f).equals(Buffer.from(v))).toBe(false);
    expect(Buffer.from(f.subarray(0, 48)).equals(Buffer.from(v.subarray(0, 48)))).toBe(true);
    expect(Buffer.from(f.subarray(-48)).equals(Buffer.from(v.subarray(-48)))).toBe(true);
  });

  it('a RenewalReq with the victim’s certificate but signed by the forged key is refused, after the forged key was cached', async () => {
    const events: ScepEvent[] = [];
    const crypto = nodeCrypto(); // a fresh cache, as after a restart: the victim's key is not in it
    const h = createScepHandler({
      profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: createLocalCa({ ca, crypto, now: () => T0, validityDays: 30 }).issue } },
      crypto,
      now: () => T0,
      onEvent: (e) => events.push(e),
    });
    const attacker = await party({ subject: 'CN=attacker', selfSignedNoExt: true, keyObject: forged });
    const attackerNewKey = await party({ subject: 'CN=attacker-new', selfSignedNoExt: true });

    // 1. Any message signed with the forged key puts it in the cache (a wrong challenge is enough).
    const warm = await send(h, await clientRequest({ device: attacker, recipients: [caCert], challenge: 'wrong', cn: 'attacker' }), { trusted: [caCert] });
    expect(warm.status).toBe('FAILURE');

    // 2. The victim's certificate, a signature by the forged key, a CSR for the attacker's new key.
    const impostor: Party = { certificate: victim.certificate, key: nodePrivateKey(forged), keyObject: forged };
    const rep = await send(h, await clientRequest({ device: impostor, csrKey: attackerNewKey, recipients: [caCert], messageType: 'RenewalReq', cn: 'victim-device' }), { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
    expect(events.some((e) => e.type === 'renewed' || e.type === 'enrolled')).toBe(false);

    // 3. The victim, signing with its own key, still renews through the same cache.
    const own = await send(h, await clientRequest({ device: victim, recipients: [caCert], messageType: 'RenewalReq', cn: 'victim-device' }), { trusted: [caCert] });
    expect(own.status).toBe('SUCCESS');
  });
});
