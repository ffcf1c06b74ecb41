/**
 * Signature gate: pick candidate anchors (valid now, right key type, selected by `x5t#S256` or
 * `kid` when the header carries one) and verify with WebCrypto. Keys embedded in the header
 * (`jwk`, `x5c`, `jku`, `x5u`) are never trusted or fetched.
 */
import { toArrayBuffer } from '../lib/bytes.js';
import type { SubtleCryptoLike } from '../lib/subtle.js';
import { isAnchorValidAt, type TrustAnchor } from '../state/trust-anchors.js';
import { NoUsableAnchorError, SignatureInvalidError } from '../errors.js';
import type { ParsedSignedChallenge } from './parse.js';

/**
 * Does `kid` name this anchor? Accepted spellings: the SubjectKeyIdentifier in hex, the SHA-256
 * certificate fingerprint in hex (both case-insensitive), or that fingerprint in base64url.
 */
export function kidMatchesAnchor(kid: string, anchor: TrustAnchor): boolean {
  if (kid === anchor.x5tS256) return true;
  const lower = kid.toLowerCase().replace(/:/g, '');
  return lower === anchor.fingerprintSha256 || (anchor.subjectKeyId !== undefined && lower === anchor.subjectKeyId);
}

/** Anchors that may verify this token at `at`. */
export function selectCandidateAnchors(parsed: ParsedSignedChallenge, anchors: readonly TrustAnchor[], at: Date): TrustAnchor[] {
  const out: TrustAnchor[] = [];
  for (const a of anchors) {
    if (a.keyType !== parsed.algorithm.keyType || !isAnchorValidAt(a, at)) continue;
    if (parsed.x5tS256 !== undefined && parsed.x5tS256 !== a.x5tS256) continue;
    if (parsed.kid !== undefined && !kidMatchesAnchor(parsed.kid, a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Verifies the token's signature; returns the anchor that verified it. Throws
 * `NoUsableAnchorError` or `SignatureInvalidError`.
 */
export async function verifySignedChallengeSignature(
  parsed: ParsedSignedChallenge,
  anchors: readonly TrustAnchor[],
  at: Date,
  subtle: SubtleCryptoLike,
): Promise<TrustAnchor> {
  const candidates = selectCandidateAnchors(parsed, anchors, at);
  if (candidates.length === 0) {
    throw new NoUsableAnchorError(
      parsed.kid !== undefined || parsed.x5tS256 !== undefined
        ? `no currently valid ${parsed.algorithm.keyType} anchor matches the token's key id`
        : `no currently valid ${parsed.algorithm.keyType} anchor is loaded`,
    );
  }
  const data = toArrayBuffer(parsed.signingInput);
  const sig = toArrayBuffer(parsed.signature);
  let lastCause: unknown;
  for (const anchor of candidates) {
    const key = anchor.keys.get(parsed.algorithm.alg);
    if (key === undefined) continue;
    try {
      if (await subtle.verify(parsed.algorithm.verifyAlgorithm, key, sig, data)) return anchor;
    } catch (cause) {
      // WebCrypto throws on some malformed signatures (wrong length); that is just "invalid".
      lastCause = cause;
    }
  }
  throw new SignatureInvalidError('signature verification failed', lastCause === undefined ? undefined : { cause: lastCause });
}
