/**
 * Compact serialisation (RFC 7515 §7.1) of a signed challenge: three base64url segments. The
 * signing input is the first two segments exactly as received (§5.2 step 8), padding included.
 */
import { decodeBase64Url } from '../lib/base64.js';
import { decodeJsonObject, hasOwn, type JsonObject } from '../lib/json.js';
import { utf8 } from '../lib/bytes.js';
import { algorithmDescriptor, type AlgorithmDescriptor } from './algorithms.js';
import {
  AlgorithmRefusedError,
  ChallengeMalformedError,
  ChallengeTooLargeError,
  CriticalHeaderUnsupportedError,
  SignatureInvalidError,
} from '../errors.js';

export interface SignedChallengeLimits {
  /** Longest challenge string considered at all. Default 16 KiB. */
  readonly maxTokenLength: number;
  /** Largest decoded header. Default 2 KiB. */
  readonly maxHeaderBytes: number;
  /** Largest decoded payload. Default 8 KiB. */
  readonly maxPayloadBytes: number;
}

export const DEFAULT_SIGNED_CHALLENGE_LIMITS: SignedChallengeLimits = Object.freeze({
  maxTokenLength: 16 * 1024,
  maxHeaderBytes: 2 * 1024,
  maxPayloadBytes: 8 * 1024,
});

/** Below this length a string is taken for a static challenge, not a token. */
export const MIN_TOKEN_LENGTH = 201;
const MAX_KID_LENGTH = 256;

/**
 * The mixed-mode pre-check: longer than 200 characters and exactly two dots. Cheap and
 * allocation-free, so static challenges fall through without any decoding.
 */
export function looksLikeSignedChallenge(challenge: string): boolean {
  if (challenge.length < MIN_TOKEN_LENGTH) return false;
  const first = challenge.indexOf('.');
  if (first < 0) return false;
  const second = challenge.indexOf('.', first + 1);
  return second >= 0 && challenge.indexOf('.', second + 1) < 0;
}

export interface ParsedSignedChallenge {
  readonly header: JsonObject;
  readonly algorithm: AlgorithmDescriptor;
  readonly kid: string | undefined;
  /** The `x5t#S256` header: base64url SHA-256 of the signer's certificate. */
  readonly x5tS256: string | undefined;
  /** ASCII bytes of `segment0.segment1`, as received. */
  readonly signingInput: Uint8Array;
  /** Signature bytes in the form WebCrypto verifies (r‖s for ES256). */
  readonly signature: Uint8Array;
  /** The raw payload segment; decoded only after the signature verifies. */
  readonly payloadSegment: string;
}

function optionalString(header: JsonObject, name: string, maxLength: number): string | undefined {
  if (!hasOwn(header, name)) return undefined;
  const v = header[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) {
    throw new ChallengeMalformedError(`header ${name} must be a non-empty string of at most ${maxLength} characters`);
  }
  return v;
}

/**
 * Splits and checks a token up to (not including) signature verification. Throws
 * `ChallengeTooLargeError`, `ChallengeMalformedError`, `AlgorithmRefusedError`,
 * `CriticalHeaderUnsupportedError` or `SignatureInvalidError` (undecodable signature).
 */
export function parseSignedChallenge(token: string, limits: SignedChallengeLimits = DEFAULT_SIGNED_CHALLENGE_LIMITS): ParsedSignedChallenge {
  if (typeof token !== 'string') throw new ChallengeMalformedError('challenge is not a string');
  if (token.length > limits.maxTokenLength) throw new ChallengeTooLargeError('challenge', limits.maxTokenLength);
  if (!looksLikeSignedChallenge(token)) {
    throw new ChallengeMalformedError('challenge is not a compact token (needs > 200 characters and exactly two dots)');
  }
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  const h = token.slice(0, dot1);
  const p = token.slice(dot1 + 1, dot2);
  const s = token.slice(dot2 + 1);
  if (h.length === 0 || p.length === 0 || s.length === 0) throw new ChallengeMalformedError('token has an empty segment');

  // Bound before decoding: 4 base64 characters carry 3 bytes.
  if (Math.floor((h.length * 3) / 4) > limits.maxHeaderBytes) throw new ChallengeTooLargeError('header', limits.maxHeaderBytes);
  if (Math.floor((p.length * 3) / 4) > limits.maxPayloadBytes) throw new ChallengeTooLargeError('payload', limits.maxPayloadBytes);

  const headerBytes = decodeBase64Url(h);
  if (headerBytes === undefined) throw new ChallengeMalformedError('header is not base64url');
  // Validate the payload's encoding now so a broken token never reaches the crypto.
  if (!isBase64UrlShape(p)) throw new ChallengeMalformedError('payload is not base64url');
  const header = decodeJsonObject(headerBytes);
  if (header === undefined) throw new ChallengeMalformedError('header is not a JSON object');

  const alg = header['alg'];
  const algorithm = algorithmDescriptor(alg);
  if (algorithm === undefined || !hasOwn(header, 'alg')) {
    throw new AlgorithmRefusedError(typeof alg === 'string' ? alg : undefined);
  }

  if (hasOwn(header, 'crit')) {
    const crit = header['crit'];
    if (!Array.isArray(crit) || crit.length === 0 || !crit.every((c) => typeof c === 'string')) {
      throw new ChallengeMalformedError('header crit must be a non-empty array of strings (RFC 7515 §4.1.11)');
    }
    // We implement no JWS extension, so every listed name is unknown to us.
    throw new CriticalHeaderUnsupportedError(`critical header extension ${JSON.stringify(crit[0])} is not supported`);
  }

  const kid = optionalString(header, 'kid', MAX_KID_LENGTH);
  const x5tS256 = optionalString(header, 'x5t#S256', 64);
  if (hasOwn(header, 'typ')) optionalString(header, 'typ', 64);

  const rawSignature = decodeBase64Url(s);
  if (rawSignature === undefined) throw new ChallengeMalformedError('signature is not base64url');
  const signature = algorithm.normaliseSignature(rawSignature);
  if (signature === undefined) throw new SignatureInvalidError(`${algorithm.alg} signature is not in a valid encoding`);

  return {
    header,
    algorithm,
    kid,
    x5tS256,
    signingInput: utf8(token.slice(0, dot2)),
    signature,
    payloadSegment: p,
  };
}

function isBase64UrlShape(segment: string): boolean {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(segment);
}

/** Decodes the payload segment (after the signature verified). */
export function decodeSignedChallengePayload(parsed: ParsedSignedChallenge): JsonObject {
  const bytes = decodeBase64Url(parsed.payloadSegment);
  if (bytes === undefined) throw new ChallengeMalformedError('payload is not base64url');
  const payload = decodeJsonObject(bytes);
  if (payload === undefined) throw new ChallengeMalformedError('payload is not a JSON object');
  return payload;
}
