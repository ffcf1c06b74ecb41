/**
 * Claims of a signed challenge and the checks on them, each a small function so the validator
 * reads as its list of gates. Times are NumericDate (RFC 7519 §2): seconds since the epoch.
 */
import { hasOwn, type JsonObject } from '../lib/json.js';
import {
  ClaimInvalidError,
  ClaimMissingError,
  TokenExpiredError,
  TokenNotYetValidError,
  UnknownVersionError,
  ValidityTooLongError,
  WrongAudienceError,
} from '../errors.js';

/** The verified claims. Array claims absent from the token read as empty arrays. */
export interface SignedChallengeClaims {
  readonly iss: string | undefined;
  readonly sub: string;
  /** `aud` as a list (a single string becomes a one-element list). */
  readonly aud: readonly string[];
  readonly iat: number;
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly nonce: string;
  readonly device_name: string | undefined;
  readonly san_dns: readonly string[];
  readonly san_rfc822: readonly string[];
  readonly san_upn: readonly string[];
  readonly version: 'v1' | undefined;
}

export interface ClaimLimits {
  /** Longest string claim. Default 1024. */
  readonly maxStringLength: number;
  /** Longest nonce. Default 256. */
  readonly maxNonceLength: number;
  /** Most entries in each SAN claim and in `aud`. Default 64. */
  readonly maxListEntries: number;
}

export const DEFAULT_CLAIM_LIMITS: ClaimLimits = Object.freeze({ maxStringLength: 1024, maxNonceLength: 256, maxListEntries: 64 });

/** The only version this package understands. */
export const SIGNED_CHALLENGE_VERSION = 'v1';

/** Version gate: `version` absent or exactly `v1`. */
export function checkSignedChallengeVersion(payload: JsonObject): 'v1' | undefined {
  if (!hasOwn(payload, 'version')) return undefined;
  const v = payload['version'];
  if (v !== SIGNED_CHALLENGE_VERSION) {
    throw new UnknownVersionError(`token version ${typeof v === 'string' ? JSON.stringify(v.slice(0, 32)) : typeof v} is not v1`);
  }
  return SIGNED_CHALLENGE_VERSION;
}

function str(payload: JsonObject, name: string, required: boolean, max: number): string | undefined {
  if (!hasOwn(payload, name) || payload[name] === null) {
    if (required) throw new ClaimMissingError(name);
    return undefined;
  }
  const v = payload[name];
  if (typeof v !== 'string') throw new ClaimInvalidError(name, 'must be a string');
  if (v.length === 0) throw new ClaimInvalidError(name, 'must not be empty');
  if (v.length > max) throw new ClaimInvalidError(name, `longer than ${max} characters`);
  return v;
}

function numericDate(payload: JsonObject, name: string, required: boolean): number | undefined {
  if (!hasOwn(payload, name) || payload[name] === null) {
    if (required) throw new ClaimMissingError(name);
    return undefined;
  }
  const v = payload[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 253402300799) {
    throw new ClaimInvalidError(name, 'must be a NumericDate (seconds since the epoch, before year 10000)');
  }
  return v;
}

function stringList(payload: JsonObject, name: string, limits: ClaimLimits): readonly string[] {
  if (!hasOwn(payload, name) || payload[name] === null) return [];
  const v = payload[name];
  if (!Array.isArray(v)) throw new ClaimInvalidError(name, 'must be an array of strings');
  if (v.length > limits.maxListEntries) throw new ClaimInvalidError(name, `has more than ${limits.maxListEntries} entries`);
  for (const item of v) {
    if (typeof item !== 'string' || item.length === 0 || item.length > limits.maxStringLength) {
      throw new ClaimInvalidError(name, `entries must be non-empty strings of at most ${limits.maxStringLength} characters`);
    }
  }
  return Object.freeze([...(v as string[])]); // every entry checked to be a string just above
}

function audience(payload: JsonObject, required: boolean, limits: ClaimLimits): readonly string[] {
  if (!hasOwn(payload, 'aud') || payload['aud'] === null) {
    if (required) throw new ClaimMissingError('aud');
    return [];
  }
  const v = payload['aud'];
  if (typeof v === 'string') {
    if (v.length === 0 || v.length > limits.maxStringLength) throw new ClaimInvalidError('aud', 'must be a non-empty string');
    return [v];
  }
  const list = stringList(payload, 'aud', limits);
  if (required && list.length === 0) throw new ClaimMissingError('aud');
  return list;
}

/**
 * Reads and type-checks the claims. Required: `sub`, `iat`, `exp`, `nonce`, and `aud` when
 * `audienceRequired`. Throws `ClaimMissingError` or `ClaimInvalidError`.
 */
export function readSignedChallengeClaims(
  payload: JsonObject,
  options: { readonly audienceRequired: boolean; readonly limits?: ClaimLimits },
): SignedChallengeClaims {
  const limits = options.limits ?? DEFAULT_CLAIM_LIMITS;
  const version = checkSignedChallengeVersion(payload);
  const exp = numericDate(payload, 'exp', true)!; // required: numericDate throws when absent
  const iat = numericDate(payload, 'iat', true)!;
  const nonce = str(payload, 'nonce', true, limits.maxNonceLength)!;
  const sub = str(payload, 'sub', true, limits.maxStringLength)!;
  const claims: SignedChallengeClaims = {
    iss: str(payload, 'iss', false, limits.maxStringLength),
    sub,
    aud: audience(payload, options.audienceRequired, limits),
    iat,
    exp,
    nbf: numericDate(payload, 'nbf', false),
    nonce,
    device_name: str(payload, 'device_name', false, limits.maxStringLength),
    san_dns: stringList(payload, 'san_dns', limits),
    san_rfc822: stringList(payload, 'san_rfc822', limits),
    san_upn: stringList(payload, 'san_upn', limits),
    version,
  };
  if (exp <= iat) throw new ClaimInvalidError('exp', 'must be later than iat');
  return Object.freeze(claims);
}

/**
 * Time gate. Expired once `now ≥ exp + skew`; not yet valid while `now < iat − skew` or
 * `now < nbf − skew`.
 */
export function checkSignedChallengeTime(claims: SignedChallengeClaims, now: Date, clockSkewSeconds: number): void {
  const t = now.getTime() / 1000;
  if (t >= claims.exp + clockSkewSeconds) throw new TokenExpiredError();
  if (t < claims.iat - clockSkewSeconds) throw new TokenNotYetValidError('token was issued in the future');
  if (claims.nbf !== undefined && t < claims.nbf - clockSkewSeconds) throw new TokenNotYetValidError();
}

/** Audience gate: when the operator configured audiences, the token must name one of them. */
export function checkSignedChallengeAudience(claims: SignedChallengeClaims, expected: readonly string[]): void {
  if (expected.length === 0) return;
  if (!claims.aud.some((a) => expected.includes(a))) throw new WrongAudienceError();
}

/** Validity cap: `exp − iat` at most `maxValiditySeconds`. */
export function checkSignedChallengeValidity(claims: SignedChallengeClaims, maxValiditySeconds: number): void {
  const seconds = claims.exp - claims.iat;
  if (seconds > maxValiditySeconds) throw new ValidityTooLongError(seconds, maxValiditySeconds);
}
