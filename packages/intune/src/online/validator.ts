/**
 * The online model: Microsoft's documented integration for third-party CAs. Intune gives the
 * device an opaque challenge; we send the CSR to Intune's validation service, issue only on
 * Success, then report the outcome. Policy follows Microsoft's test matrix: no certificate when
 * validation fails or errors, and by default none when the success notification fails.
 *
 * Anyone can send a challenge, and each one would cost a call to Microsoft (a token's worth of
 * quota, throttling of the tenant), so validations draw on a bound of calls in flight
 * (`maxConcurrentCalls`) and then on a budget (`rateLimitStore`, per `rateLimitKey`) before
 * anything is sent. The slot comes first because taking it never waits: a request refused as busy
 * spends no budget. The budget's store may be remote, and the slot is held while it answers.
 */
import { IntuneCounters, type IntuneLabelCounts } from '../counters.js';
import { IntuneError, OnlineRateLimitedError, StoreFailedError, StoreFullError, ValidatorFailedError } from '../errors.js';
import { defaultSubtle, type SubtleCryptoLike } from '../lib/subtle.js';
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
import { RateLimiter, type RateLimitDecision, type RateLimiterStats, type RateLimitStore } from '../state/rate-limiter.js';
import { describeIssuedCertificate } from './certificate-info.js';
import { IntuneScepClient, type IntuneScepClientStats } from './client.js';
import { IntuneServiceLocator } from './discovery.js';
import { DEFAULT_ALLOWED_SERVICE_HOSTS, parseAllowedHosts } from './allowed-hosts.js';
import { checkServiceUrl, type FetchLike } from './http.js';
import { EntraClientCredentials, type AccessTokenProvider } from './token-provider.js';

export interface OnlineIntuneValidatorOptions {
  /** Entra tenant id or domain (for the built-in client-credentials provider). */
  readonly tenant?: string;
  /** App registration's client id (for the built-in provider). */
  readonly clientId?: string;
  /** App registration's client secret (for the built-in provider). */
  readonly clientSecret?: string;
  /** Use this instead of tenant/clientId/clientSecret. */
  readonly tokenProvider?: AccessTokenProvider;
  /** Default `https://graph.microsoft.com`. */
  readonly graphBaseUrl?: string;
  /** Default `https://login.microsoftonline.com`. */
  readonly loginBaseUrl?: string;
  readonly intuneAppId?: string;
  readonly serviceName?: string;
  /** Default `2018-02-20`. */
  readonly apiVersion?: string;
  /** Product name and version sent as callerInfo. */
  readonly callerInfo?: string;
  readonly fetch?: FetchLike;
  readonly randomUUID?: () => string;
  readonly now?: () => Date;
  readonly crypto?: SubtleCryptoLike;
  /** Per HTTP call. Default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Refuse non-https base and service URLs. Default true. */
  readonly requireHttps?: boolean;
  /**
   * Host suffixes (`host` or `host:port`; a suffix admits its subdomains, on a dot boundary) that
   * `loginBaseUrl`, `graphBaseUrl` and the service URI Graph names must be under. Default
   * `DEFAULT_ALLOWED_SERVICE_HOSTS`: Entra ID, Graph and Intune in Microsoft's public and national
   * clouds. Replace it only for a local test double or a cloud not listed.
   */
  readonly allowedServiceHosts?: readonly string[];
  /** Hand out the certificate even when the success notification fails. Default false. */
  readonly issueOnNotificationFailure?: boolean;
  /** Mixed-mode predicate. Default: longer than 200 characters. */
  readonly looksLikeChallenge?: (challenge: string) => boolean;
  /**
   * Budget of validation calls to Intune, taken before each one once it holds an outbound slot (a
   * validation refused as busy takes nothing from it). Default a `RateLimiter` of 600
   * calls per minute (`DEFAULT_ONLINE_RATE_LIMIT`, `DEFAULT_ONLINE_RATE_WINDOW_MS`) per key;
   * `new RateLimiter({ limit: 0 })` turns it off. Refusals: `OnlineRateLimitedError`
   * (`rate_limited`); a full store, `StoreFullError`; a failing one, `StoreFailedError`.
   */
  readonly rateLimitStore?: RateLimitStore;
  /**
   * Which budget a request draws on. Default `defaultOnlineRateLimitKey`: the profile, so the
   * budget is the profile's whole. Everything in a request is chosen by whoever sends it, so a
   * finer key (the transactionID, say) limits a retrying device but not a flood.
   */
  readonly rateLimitKey?: (input: OnlineRateLimitInput) => string;
  /**
   * Calls to Microsoft in flight at once (see `IntuneScepClientOptions`). Default 16. A validation
   * takes its slot before its budget and holds it while the budget's store answers.
   */
  readonly maxConcurrentCalls?: number;
}

/** What `rateLimitKey` is given. */
export interface OnlineRateLimitInput {
  readonly csr: IntuneCsr;
  readonly context: IntuneRequestContext;
}

export const DEFAULT_ONLINE_RATE_LIMIT = 600;
export const DEFAULT_ONLINE_RATE_WINDOW_MS = 60_000;

/** The default budget key: one budget per server profile. */
export function defaultOnlineRateLimitKey(input: OnlineRateLimitInput): string {
  return `online\u0000${input.context.profile}`;
}

export interface NotificationCounts {
  readonly successSent: number;
  readonly successFailed: number;
  readonly failureSent: number;
  readonly failureFailed: number;
}

export interface OnlineOutboundStats {
  /** Slots in flight and waited for, and refusals for want of one. */
  readonly calls: IntuneScepClientStats;
  /** Validations refused by the budget (`OnlineRateLimitedError`) or a full budget store. */
  readonly rateLimited: number;
  /** The budget's own report, when it is the in-memory `RateLimiter`. */
  readonly rateLimiter: RateLimiterStats | undefined;
}

export interface OnlineIntuneValidatorStats {
  readonly outcomes: IntuneLabelCounts;
  readonly notifications: NotificationCounts;
  readonly outbound: OnlineOutboundStats;
  /** The cached service URI, if discovery has run. */
  readonly serviceUri: string | undefined;
}

const MIN_ONLINE_CHALLENGE_LENGTH = 201;

export class OnlineIntuneValidator implements IntuneValidator {
  readonly kind = 'online';
  readonly #client: IntuneScepClient;
  readonly #locator: IntuneServiceLocator;
  readonly #subtle: SubtleCryptoLike;
  readonly #issueOnNotificationFailure: boolean;
  readonly #looksLike: (challenge: string) => boolean;
  readonly #now: () => Date;
  readonly #rate: RateLimitStore;
  readonly #rateKey: (input: OnlineRateLimitInput) => string;
  readonly #counters = new IntuneCounters();
  #rateLimited = 0;
  #successSent = 0;
  #successFailed = 0;
  #failureSent = 0;
  #failureFailed = 0;

  constructor(options: OnlineIntuneValidatorOptions) {
    const requireHttps = options.requireHttps ?? true;
    const allowedServiceHosts = options.allowedServiceHosts ?? DEFAULT_ALLOWED_SERVICE_HOSTS;
    const policy = { requireHttps, allowedHosts: parseAllowedHosts(allowedServiceHosts, 'OnlineIntuneValidator') };
    for (const k of ['graphBaseUrl', 'loginBaseUrl'] as const) {
      const v = options[k];
      const checked = v === undefined ? undefined : checkServiceUrl(v, policy);
      if (checked !== undefined && !checked.ok) throw new TypeError(`OnlineIntuneValidator: ${k} ${checked.why}`);
    }
    const tokenProvider =
      options.tokenProvider ??
      new EntraClientCredentials({
        tenant: options.tenant ?? '',
        clientId: options.clientId ?? '',
        clientSecret: options.clientSecret ?? '',
        ...(options.loginBaseUrl === undefined ? {} : { loginBaseUrl: options.loginBaseUrl }),
        requireHttps,
        allowedServiceHosts,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      });
    const shared = {
      tokenProvider,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
    };
    this.#locator = new IntuneServiceLocator({
      ...shared,
      requireHttps,
      allowedServiceHosts,
      ...(options.graphBaseUrl === undefined ? {} : { graphBaseUrl: options.graphBaseUrl }),
      ...(options.intuneAppId === undefined ? {} : { intuneAppId: options.intuneAppId }),
      ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    });
    this.#client = new IntuneScepClient({
      ...shared,
      locator: this.#locator,
      ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
      ...(options.callerInfo === undefined ? {} : { callerInfo: options.callerInfo }),
      ...(options.randomUUID === undefined ? {} : { randomUUID: options.randomUUID }),
      ...(options.maxConcurrentCalls === undefined ? {} : { maxConcurrentCalls: options.maxConcurrentCalls }),
    });
    this.#now = options.now ?? (() => new Date());
    this.#rate = options.rateLimitStore ?? new RateLimiter({ limit: DEFAULT_ONLINE_RATE_LIMIT, windowMs: DEFAULT_ONLINE_RATE_WINDOW_MS });
    this.#rateKey = options.rateLimitKey ?? defaultOnlineRateLimitKey;
    this.#subtle = options.crypto ?? defaultSubtle();
    this.#issueOnNotificationFailure = options.issueOnNotificationFailure ?? false;
    this.#looksLike = options.looksLikeChallenge ?? ((c) => c.length >= MIN_ONLINE_CHALLENGE_LENGTH);
  }

  /** The underlying API client, for callers that need the raw calls. */
  get client(): IntuneScepClient {
    return this.#client;
  }

  looksLikeChallenge(challenge: string): boolean {
    return this.#looksLike(challenge);
  }

  /** Intune decides; the challenge travels inside the CSR, so the string itself is not sent. */
  async validate(_challenge: string, csr: IntuneCsr, context: IntuneRequestContext): Promise<IntuneOutcome> {
    let outcome: IntuneOutcome;
    try {
      // The slot first (no wait), then the budget: a request refused as busy spends no budget.
      await this.#client.validateRequest(
        {
          transactionId: context.transactionId,
          certificateRequest: csr.der,
          ...(context.callerInfo === undefined ? {} : { callerInfo: context.callerInfo }),
        },
        context.signal,
        () => this.#takeBudget(csr, context),
      );
      outcome = { ok: true, label: 'success', claims: undefined };
    } catch (error) {
      outcome = refusal(asIntuneError(error, 'Intune validateRequest failed unexpectedly'));
    }
    this.#counters.increment(outcome.label);
    return outcome;
  }

  /** One call from the budget, or a refusal before anything is sent (an outbound slot is held meanwhile). */
  async #takeBudget(csr: IntuneCsr, context: IntuneRequestContext): Promise<void> {
    const key = this.#rateKey({ csr, context });
    let decision: RateLimitDecision;
    try {
      decision = await this.#rate.consume(key, this.#now().getTime());
    } catch (cause) {
      throw new StoreFailedError('online rate-limit store failed', { cause });
    }
    if (decision.allowed) return;
    this.#rateLimited++;
    if (decision.reason === 'full') throw new StoreFullError('rate-limit', 'online rate limiter is full: no room for a new key');
    throw new OnlineRateLimitedError(decision.retryAfterMs);
  }

  async notifySuccess(issued: IssuedCertificateInfo, context: IntuneRequestContext): Promise<IntuneNotifyResult> {
    const facts = await describeIssuedCertificate(issued.certificate, this.#subtle);
    try {
      await this.#client.sendSuccessNotification(
        {
          transactionId: context.transactionId,
          certificateRequest: issued.certificateRequest,
          certificateThumbprint: facts.thumbprint,
          certificateSerialNumber: facts.serialNumber,
          certificateExpirationDateUtc: facts.notAfter,
          issuingCertificateAuthority: issued.issuingCertificateAuthority ?? facts.issuer,
          ...(issued.caConfiguration === undefined ? {} : { caConfiguration: issued.caConfiguration }),
          ...(issued.certificateAuthority === undefined ? {} : { certificateAuthority: issued.certificateAuthority }),
          ...(context.callerInfo === undefined ? {} : { callerInfo: context.callerInfo }),
        },
        context.signal,
      );
      this.#successSent++;
      return { ok: true };
    } catch (error) {
      this.#successFailed++;
      return { ok: false, error: asIntuneError(error, 'Intune successNotification failed unexpectedly'), issue: this.#issueOnNotificationFailure };
    }
  }

  async notifyFailure(report: IntuneFailureReport, context: IntuneRequestContext): Promise<IntuneNotifyResult> {
    try {
      await this.#client.sendFailureNotification(
        {
          transactionId: context.transactionId,
          certificateRequest: report.certificateRequest,
          errorDescription: report.description,
          ...(report.hResult === undefined ? {} : { hResult: report.hResult }),
          ...(context.callerInfo === undefined ? {} : { callerInfo: context.callerInfo }),
        },
        context.signal,
      );
      this.#failureSent++;
      return { ok: true };
    } catch (error) {
      this.#failureFailed++;
      return { ok: false, error: asIntuneError(error, 'Intune failureNotification failed unexpectedly'), issue: false };
    }
  }

  stats(): OnlineIntuneValidatorStats {
    return {
      outcomes: this.#counters.snapshot(),
      notifications: {
        successSent: this.#successSent,
        successFailed: this.#successFailed,
        failureSent: this.#failureSent,
        failureFailed: this.#failureFailed,
      },
      outbound: {
        calls: this.#client.stats(),
        rateLimited: this.#rateLimited,
        rateLimiter: this.#rate instanceof RateLimiter ? this.#rate.stats() : undefined,
      },
      serviceUri: this.#locator.cached(),
    };
  }
}

function asIntuneError(error: unknown, message: string): IntuneError {
  return error instanceof IntuneError ? error : new ValidatorFailedError(message, { cause: error });
}
