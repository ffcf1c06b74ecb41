/**
 * The offline model: a challenge is a compact signed token checked against operator-exported
 * trust anchors. Gates run in this order, and the first failure decides the outcome:
 *
 *   shape → signature → version → claims → time → audience → validity cap → CSR binding
 *   → replay (consumes the nonce) → rate limit (consumes a slot) → compliance hook
 *
 * Nothing is consumed before binding passes, so a token presented with the wrong CSR can still be
 * used with the right one, and a flood of forged tokens cannot exhaust a device's rate budget.
 */
import { IntuneCounters, type IntuneLabelCounts } from '../counters.js';
import {
  ComplianceFailedError,
  IntuneError,
  RateLimitedError,
  ReplayError,
  StoreFailedError,
  StoreFullError,
  ValidatorFailedError,
} from '../errors.js';
import { defaultSubtle, type SubtleCryptoLike } from '../lib/subtle.js';
import { ReplayCache, type ReplayCacheStats, type ReplayStore } from '../state/replay-cache.js';
import { RateLimiter, type RateLimitDecision, type RateLimiterStats, type RateLimitStore } from '../state/rate-limiter.js';
import type { TrustAnchor, TrustAnchorSource } from '../state/trust-anchors.js';
import {
  refusal,
  type IntuneCsr,
  type IntuneFailureReport,
  type IntuneNotifyResult,
  type IntuneOutcome,
  type IntuneRequestContext,
  type IntuneValidator,
  type IssuedCertificateInfo,
} from '../validator.js';
import { bindCsrToClaims, type UriSanPolicy } from './binding.js';
import {
  checkSignedChallengeAudience,
  checkSignedChallengeTime,
  checkSignedChallengeValidity,
  DEFAULT_CLAIM_LIMITS,
  readSignedChallengeClaims,
  type ClaimLimits,
  type SignedChallengeClaims,
} from './claims.js';
import {
  decodeSignedChallengePayload,
  DEFAULT_SIGNED_CHALLENGE_LIMITS,
  looksLikeSignedChallenge,
  parseSignedChallenge,
  type SignedChallengeLimits,
} from './parse.js';
import { verifySignedChallengeSignature } from './verify.js';

/** What the compliance hook is given. */
export interface ComplianceCheckInput {
  readonly claims: SignedChallengeClaims;
  readonly csr: IntuneCsr;
  readonly context: IntuneRequestContext;
  /** Aborted when `complianceTimeoutMs` passes or the request's own signal aborts. */
  readonly signal: AbortSignal;
}

/** Resolves true when the device may enrol. Throwing, false, or a timeout all refuse. */
export type ComplianceHook = (input: ComplianceCheckInput) => boolean | Promise<boolean>;

export interface SignedChallengeValidatorOptions {
  /** Where the signing certificates come from (a `TrustAnchorHolder`, usually). */
  readonly anchors: TrustAnchorSource;
  /** Audiences this server accepts; when set, `aud` is required and must name one. */
  readonly audience?: string | readonly string[];
  /** Longest `exp − iat` accepted, in seconds. Default 3600. */
  readonly maxValiditySeconds?: number;
  /** Tolerance for clock differences, in seconds. Default 60, at most 600. */
  readonly clockSkewSeconds?: number;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** WebCrypto to verify with. Default `globalThis.crypto.subtle`. */
  readonly crypto?: SubtleCryptoLike;
  /** Nonce store. Default a `ReplayCache` of 100,000 entries. */
  readonly replayStore?: ReplayStore;
  /** Per-device rate limit store. Default a `RateLimiter` (3 per 24 h). */
  readonly rateLimitStore?: RateLimitStore;
  /** Rate-limit key. Default `sub` and `iss`. */
  readonly rateLimitKey?: (claims: SignedChallengeClaims) => string;
  /**
   * URI SANs the CSR may carry although the token grants none (default: none). Intune adds
   * `tag:microsoft.com,2022-09-14:sid:<SID>` for strong mapping; admit it only together with a
   * check that the SID belongs to the device or user (the compliance hook is the place).
   */
  readonly allowUriSan?: UriSanPolicy;
  /** Optional last gate, e.g. a device-compliance lookup. */
  readonly compliance?: ComplianceHook;
  /** Default 10,000 ms. */
  readonly complianceTimeoutMs?: number;
  /** Size bounds of the token. */
  readonly limits?: Partial<SignedChallengeLimits>;
  /** Size bounds of individual claims. */
  readonly claimLimits?: Partial<ClaimLimits>;
}

export const DEFAULT_MAX_VALIDITY_SECONDS = 3600;
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 600;
export const DEFAULT_COMPLIANCE_TIMEOUT_MS = 10_000;

export interface SignedChallengeValidatorStats {
  readonly outcomes: IntuneLabelCounts;
  readonly replay: ReplayCacheStats | undefined;
  readonly rateLimiter: RateLimiterStats | undefined;
}

/** The default rate-limit key: the device (`sub`) within its issuer. */
export function defaultRateLimitKey(claims: SignedChallengeClaims): string {
  return `${claims.iss ?? ''}\u0000${claims.sub}`;
}

function nonNegative(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || value > max) throw new TypeError(`${name} must be a number in 0..${max}`);
  return value;
}

export class SignedChallengeValidator implements IntuneValidator {
  readonly kind = 'signed-challenge';
  readonly #anchors: TrustAnchorSource;
  readonly #audience: readonly string[];
  readonly #maxValidity: number;
  readonly #skew: number;
  readonly #now: () => Date;
  readonly #subtle: SubtleCryptoLike;
  readonly #replay: ReplayStore;
  readonly #rate: RateLimitStore;
  readonly #rateKey: (claims: SignedChallengeClaims) => string;
  readonly #compliance: ComplianceHook | undefined;
  readonly #binding: { readonly allowUriSan?: UriSanPolicy };
  readonly #complianceTimeout: number;
  readonly #limits: SignedChallengeLimits;
  readonly #claimLimits: ClaimLimits;
  readonly #counters = new IntuneCounters();

  constructor(options: SignedChallengeValidatorOptions) {
    if (options.anchors === undefined || typeof options.anchors.current !== 'function') {
      throw new TypeError('SignedChallengeValidator: `anchors` must be a TrustAnchorSource');
    }
    this.#anchors = options.anchors;
    const aud = options.audience;
    this.#audience = aud === undefined ? [] : typeof aud === 'string' ? [aud] : [...aud];
    if (this.#audience.some((a) => typeof a !== 'string' || a.length === 0)) {
      throw new TypeError('SignedChallengeValidator: audience entries must be non-empty strings');
    }
    this.#maxValidity = nonNegative('maxValiditySeconds', options.maxValiditySeconds, DEFAULT_MAX_VALIDITY_SECONDS);
    this.#skew = nonNegative('clockSkewSeconds', options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS, MAX_CLOCK_SKEW_SECONDS);
    this.#now = options.now ?? (() => new Date());
    this.#subtle = options.crypto ?? defaultSubtle();
    this.#replay = options.replayStore ?? new ReplayCache();
    this.#rate = options.rateLimitStore ?? new RateLimiter();
    this.#rateKey = options.rateLimitKey ?? defaultRateLimitKey;
    this.#compliance = options.compliance;
    this.#binding = options.allowUriSan === undefined ? {} : { allowUriSan: options.allowUriSan };
    this.#complianceTimeout = nonNegative('complianceTimeoutMs', options.complianceTimeoutMs, DEFAULT_COMPLIANCE_TIMEOUT_MS);
    this.#limits = { ...DEFAULT_SIGNED_CHALLENGE_LIMITS, ...options.limits };
    this.#claimLimits = { ...DEFAULT_CLAIM_LIMITS, ...options.claimLimits };
  }

  looksLikeChallenge(challenge: string): boolean {
    return looksLikeSignedChallenge(challenge);
  }

  async validate(challenge: string, csr: IntuneCsr, context: IntuneRequestContext): Promise<IntuneOutcome> {
    let outcome: IntuneOutcome;
    try {
      const claims = await this.#runGates(challenge, csr, context);
      outcome = { ok: true, label: 'success', claims };
    } catch (error) {
      outcome = refusal(
        error instanceof IntuneError ? error : new ValidatorFailedError('signed-challenge validation failed unexpectedly', { cause: error }),
      );
    }
    this.#counters.increment(outcome.label);
    return outcome;
  }

  /**
   * Runs every gate up to and including the signature check, for tools and tests that want the
   * verified claims without consuming anything. Throws `IntuneError`.
   */
  async verify(challenge: string): Promise<{ readonly claims: SignedChallengeClaims; readonly anchor: TrustAnchor }> {
    const now = this.#now();
    const parsed = parseSignedChallenge(challenge, this.#limits);
    const anchor = await verifySignedChallengeSignature(parsed, this.#anchors.current(), now, this.#subtle);
    const payload = decodeSignedChallengePayload(parsed);
    const claims = readSignedChallengeClaims(payload, { audienceRequired: this.#audience.length > 0, limits: this.#claimLimits });
    return { claims, anchor };
  }

  async #runGates(challenge: string, csr: IntuneCsr, context: IntuneRequestContext): Promise<SignedChallengeClaims> {
    const now = this.#now();
    // Shape, header, signature.
    const parsed = parseSignedChallenge(challenge, this.#limits);
    await verifySignedChallengeSignature(parsed, this.#anchors.current(), now, this.#subtle);
    // Version, then required claims and their types.
    const payload = decodeSignedChallengePayload(parsed);
    const claims = readSignedChallengeClaims(payload, { audienceRequired: this.#audience.length > 0, limits: this.#claimLimits });
    checkSignedChallengeTime(claims, now, this.#skew);
    checkSignedChallengeAudience(claims, this.#audience);
    checkSignedChallengeValidity(claims, this.#maxValidity);
    bindCsrToClaims(claims, csr, this.#binding);

    // Only now consume state: the nonce, then a rate-limit slot.
    const nowMs = now.getTime();
    let fresh: boolean;
    try {
      fresh = await this.#replay.checkAndInsert(`${claims.iss ?? ''}\u0000${claims.nonce}`, (claims.exp + this.#skew) * 1000, nowMs);
    } catch (cause) {
      if (cause instanceof StoreFullError) throw cause;
      throw new StoreFailedError('replay store failed', { cause });
    }
    if (!fresh) throw new ReplayError();

    let decision: RateLimitDecision;
    try {
      decision = await this.#rate.consume(this.#rateKey(claims), nowMs);
    } catch (cause) {
      throw new StoreFailedError('rate-limit store failed', { cause });
    }
    if (!decision.allowed) {
      if (decision.reason === 'full') throw new StoreFullError('rate-limit', 'rate limiter is full: no room for a new device');
      throw new RateLimitedError();
    }

    if (this.#compliance !== undefined) await this.#checkCompliance(this.#compliance, { claims, csr, context });
    return claims;
  }

  async #checkCompliance(hook: ComplianceHook, input: Omit<ComplianceCheckInput, 'signal'>): Promise<void> {
    const controller = new AbortController();
    const outer = input.context.signal;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer !== undefined) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', onOuterAbort, { once: true });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ComplianceFailedError(`compliance hook did not answer within ${this.#complianceTimeout} ms`);
        controller.abort(error);
        reject(error);
      }, this.#complianceTimeout);
    });
    const aborted = new Promise<never>((_, reject) => {
      const fail = (): void => reject(new ComplianceFailedError('compliance check aborted', { cause: controller.signal.reason }));
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener('abort', fail, { once: true });
    });
    // Keep the losing racers from surfacing as unhandled rejections.
    timeout.catch(() => undefined);
    aborted.catch(() => undefined);
    try {
      let ok: boolean;
      try {
        ok = await Promise.race([Promise.resolve().then(() => hook({ ...input, signal: controller.signal })), timeout, aborted]);
      } catch (cause) {
        if (cause instanceof ComplianceFailedError) throw cause;
        throw new ComplianceFailedError('compliance hook threw', { cause });
      }
      if (ok !== true) throw new ComplianceFailedError();
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** The offline model has nobody to notify: the certificate may always be issued. */
  notifySuccess(_issued: IssuedCertificateInfo, _context: IntuneRequestContext): Promise<IntuneNotifyResult> {
    return Promise.resolve({ ok: true });
  }

  notifyFailure(_report: IntuneFailureReport, _context: IntuneRequestContext): Promise<IntuneNotifyResult> {
    return Promise.resolve({ ok: true });
  }

  stats(): SignedChallengeValidatorStats {
    return {
      outcomes: this.#counters.snapshot(),
      replay: this.#replay instanceof ReplayCache ? this.#replay.stats() : undefined,
      rateLimiter: this.#rate instanceof RateLimiter ? this.#rate.stats() : undefined,
    };
  }
}
