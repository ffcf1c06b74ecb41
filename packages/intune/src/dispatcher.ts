/**
 * What the SCEP server calls per request. It decides whether a challenge is Intune's at all
 * (mixed mode), runs the validator's gates, counts outcomes, and turns anything a validator throws
 * into a refusal, so errors become SCEP failures in exactly one place.
 */
import { IntuneCounters, type IntuneLabelCounts } from './counters.js';
import { IntuneError, ValidatorFailedError } from './errors.js';
import type { TrustAnchorHolder, TrustAnchorReport } from './state/trust-anchors.js';
import {
  refusal,
  type IntuneCsr,
  type IntuneFailureReport,
  type IntuneNotifyResult,
  type IntuneOutcome,
  type IntuneRequestContext,
  type IntuneValidator,
  type IssuedCertificateInfo,
} from './validator.js';

/**
 * `intune-only`: every challenge goes to the validator. `mixed`: only challenges the validator
 * recognises (token-shaped, by default); others come back as `not_intune` so the server can try
 * its static challenge.
 */
export type IntuneDispatchMode = 'intune-only' | 'mixed';

export interface IntuneNotMine {
  readonly ok: false;
  readonly label: 'not_intune';
}

export type IntuneDispatchResult = IntuneOutcome | IntuneNotMine;

export interface IntuneDispatcherOptions {
  readonly validator: IntuneValidator;
  /** Default `intune-only`. */
  readonly mode?: IntuneDispatchMode;
  /** Overrides the validator's `looksLikeChallenge` in mixed mode. */
  readonly looksLikeChallenge?: (challenge: string) => boolean;
  /** The anchor holder behind a signed-challenge validator, so `reload()` can reach it. */
  readonly anchors?: TrustAnchorHolder;
}

export interface IntuneDispatcherStats {
  readonly mode: IntuneDispatchMode;
  readonly validator: string;
  readonly outcomes: IntuneLabelCounts;
  /** Mixed mode: challenges handed back to the server. */
  readonly notIntune: number;
  readonly anchors: TrustAnchorReport | undefined;
}

export class IntuneDispatcher {
  readonly #validator: IntuneValidator;
  readonly #mode: IntuneDispatchMode;
  readonly #looksLike: (challenge: string) => boolean;
  readonly #anchors: TrustAnchorHolder | undefined;
  readonly #counters = new IntuneCounters();
  #notIntune = 0;

  constructor(options: IntuneDispatcherOptions) {
    if (options.validator === undefined || typeof options.validator.validate !== 'function') {
      throw new TypeError('IntuneDispatcher: `validator` must implement IntuneValidator');
    }
    const mode = options.mode ?? 'intune-only';
    if (mode !== 'intune-only' && mode !== 'mixed') throw new TypeError(`IntuneDispatcher: unknown mode ${String(mode)}`);
    const v = options.validator;
    const looksLike = options.looksLikeChallenge ?? (v.looksLikeChallenge === undefined ? undefined : (c: string) => v.looksLikeChallenge!(c));
    if (mode === 'mixed' && looksLike === undefined) {
      throw new TypeError('IntuneDispatcher: mixed mode needs `looksLikeChallenge` (the validator has none)');
    }
    this.#validator = v;
    this.#mode = mode;
    this.#looksLike = looksLike ?? (() => true);
    this.#anchors = options.anchors;
  }

  get mode(): IntuneDispatchMode {
    return this.#mode;
  }

  /** Runs the gates for one request. Never throws. */
  async dispatch(challenge: string, csr: IntuneCsr, context: IntuneRequestContext): Promise<IntuneDispatchResult> {
    if (this.#mode === 'mixed' && !(typeof challenge === 'string' && this.#safeLooksLike(challenge))) {
      this.#notIntune++;
      return { ok: false, label: 'not_intune' };
    }
    let outcome: IntuneOutcome;
    try {
      outcome = await this.#validator.validate(challenge, csr, context);
      if (outcome === null || typeof outcome !== 'object' || typeof outcome.ok !== 'boolean') {
        throw new TypeError('validator returned something that is not an IntuneOutcome');
      }
    } catch (error) {
      outcome = refusal(error instanceof IntuneError ? error : new ValidatorFailedError(`${this.#validator.kind} validator threw`, { cause: error }));
    }
    this.#counters.increment(outcome.label);
    return outcome;
  }

  #safeLooksLike(challenge: string): boolean {
    try {
      return this.#looksLike(challenge);
    } catch {
      return false;
    }
  }

  /** Passes through to the validator; a throw becomes `{ ok: false, issue: false }`. */
  async notifySuccess(issued: IssuedCertificateInfo, context: IntuneRequestContext): Promise<IntuneNotifyResult> {
    try {
      return await this.#validator.notifySuccess(issued, context);
    } catch (error) {
      return { ok: false, issue: false, error: asIntuneError(error, 'success notification threw') };
    }
  }

  async notifyFailure(report: IntuneFailureReport, context: IntuneRequestContext): Promise<IntuneNotifyResult> {
    try {
      return await this.#validator.notifyFailure(report, context);
    } catch (error) {
      return { ok: false, issue: false, error: asIntuneError(error, 'failure notification threw') };
    }
  }

  /** Reloads the trust anchors (SIGHUP, an admin endpoint). Throws `TrustAnchorError` and keeps the old set on failure. */
  reload(): Promise<TrustAnchorReport> {
    if (this.#anchors === undefined) return Promise.reject(new TypeError('IntuneDispatcher: no anchor holder configured'));
    return this.#anchors.reload();
  }

  stats(): IntuneDispatcherStats {
    return {
      mode: this.#mode,
      validator: this.#validator.kind,
      outcomes: this.#counters.snapshot(),
      notIntune: this.#notIntune,
      anchors: this.#anchors?.report(),
    };
  }
}

function asIntuneError(error: unknown, message: string): IntuneError {
  return error instanceof IntuneError ? error : new ValidatorFailedError(message, { cause: error });
}
