/**
 * The one algorithm descriptor table (RFC 7518 §3). Nothing else in the package switches on
 * algorithm names. Anything not in this table — `none`, HS*, RS384, EdDSA … — is refused.
 */
import { ecdsaDerToRaw } from '../lib/ecdsa.js';
import type { ImportAlgorithm, VerifyAlgorithm } from '../lib/subtle.js';

export type SignedChallengeAlgorithm = 'RS256' | 'PS256' | 'ES256';

/** Which anchor keys can verify an algorithm. */
export type AnchorKeyType = 'rsa' | 'ec-p256';

export interface AlgorithmDescriptor {
  readonly alg: SignedChallengeAlgorithm;
  readonly keyType: AnchorKeyType;
  readonly importAlgorithm: ImportAlgorithm;
  readonly verifyAlgorithm: VerifyAlgorithm;
  /** The signature bytes WebCrypto wants, or `undefined` when the encoding is wrong. */
  normaliseSignature(sig: Uint8Array): Uint8Array | undefined;
}

const P256_SIZE = 32;

export const ALGORITHMS: Readonly<Record<SignedChallengeAlgorithm, AlgorithmDescriptor>> = {
  RS256: {
    alg: 'RS256',
    keyType: 'rsa',
    importAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    verifyAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
    normaliseSignature: (sig) => sig,
  },
  PS256: {
    alg: 'PS256',
    keyType: 'rsa',
    importAlgorithm: { name: 'RSA-PSS', hash: 'SHA-256' },
    // RFC 7518 §3.5: the salt is as long as the hash.
    verifyAlgorithm: { name: 'RSA-PSS', saltLength: 32 },
    normaliseSignature: (sig) => sig,
  },
  ES256: {
    alg: 'ES256',
    keyType: 'ec-p256',
    importAlgorithm: { name: 'ECDSA', namedCurve: 'P-256' },
    verifyAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    // Exactly 64 bytes is r‖s; anything else must be strict DER. A DER signature of exactly 64
    // bytes needs r and s about 7 bytes short together (probability ≈ 2⁻⁵⁰), so no ambiguity.
    normaliseSignature: (sig) => (sig.length === P256_SIZE * 2 ? sig : ecdsaDerToRaw(sig, P256_SIZE)),
  },
};

/** Algorithms each key type serves. */
export const ALGORITHMS_BY_KEY_TYPE: Readonly<Record<AnchorKeyType, readonly SignedChallengeAlgorithm[]>> = {
  rsa: ['RS256', 'PS256'],
  'ec-p256': ['ES256'],
};

export function algorithmDescriptor(alg: unknown): AlgorithmDescriptor | undefined {
  return typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg as SignedChallengeAlgorithm] : undefined;
}
