/**
 * Client for Microsoft's ScepRequestValidationFEService (API version 2018-02-20): the three
 * `ScepActions` calls a third-party SCEP server makes. Each call gets a fresh `client-request-id`
 * (the "activity id" Microsoft support asks for). Only `code: "Success"` is success; every other
 * code raises its own typed error. Any failed call drops the cached service location. At most
 * `maxConcurrentCalls` calls (each with the token and discovery work it needs) are in flight.
 */
import {
  createServiceRefusal,
  IntuneServiceRefusedError,
  OnlineBusyError,
  ServiceHttpError,
  ServiceResponseMalformedError,
} from '../errors.js';
import { encodeBase64 } from '../lib/base64.js';
import { parseJsonObject } from '../lib/json.js';
import { CallGate, type CallGateStats, type ReleaseSlot } from './call-gate.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, defaultFetch, httpCall, type FetchLike } from './http.js';
import type { IntuneServiceLocator } from './discovery.js';
import { INTUNE_SCOPE, type AccessTokenProvider } from './token-provider.js';

export const INTUNE_API_VERSION = '2018-02-20';
export const DEFAULT_CALLER_INFO = '@scep/intune';
/** Microsoft caps errorDescription at 255 characters. */
export const MAX_ERROR_DESCRIPTION_LENGTH = 255;
/** E_FAIL, the HRESULT used when the server gives none. */
export const DEFAULT_FAILURE_HRESULT = 0x80004005;
/** Outbound calls in flight at once, per client. */
export const DEFAULT_MAX_CONCURRENT_CALLS = 16;

export interface IntuneScepClientOptions {
  readonly tokenProvider: AccessTokenProvider;
  readonly locator: IntuneServiceLocator;
  readonly fetch?: FetchLike;
  /** Default `2018-02-20`. */
  readonly apiVersion?: string;
  /** Product name and version, sent as `callerInfo` and `User-Agent`. Default `@scep/intune`. */
  readonly callerInfo?: string;
  /** GUID source for `client-request-id`. Default `crypto.randomUUID`. */
  readonly randomUUID?: () => string;
  /** Default 10,000 ms per call. */
  readonly timeoutMs?: number;
  /** Default 64 KiB. */
  readonly maxResponseBytes?: number;
  /**
   * Most calls in flight at once. Beyond it a validation is refused at once and a notification
   * waits its turn (up to `timeoutMs`), both with `OnlineBusyError`. Default 16.
   */
  readonly maxConcurrentCalls?: number;
}

export interface IntuneScepClientStats extends CallGateStats {
  /** Validations refused because every slot was taken. */
  readonly refusedBusy: number;
  /** Notifications that gave up waiting for a slot. */
  readonly notificationsTimedOut: number;
}

export interface ValidateRequestInput {
  readonly transactionId: string;
  /** DER of the PKCS#10 CSR (sent base64-encoded). */
  readonly certificateRequest: Uint8Array;
  readonly callerInfo?: string;
}

export interface SuccessNotificationInput {
  readonly transactionId: string;
  readonly certificateRequest: Uint8Array;
  /** SHA-1 thumbprint, hex. */
  readonly certificateThumbprint: string;
  /** Serial number, hex. */
  readonly certificateSerialNumber: string;
  readonly certificateExpirationDateUtc: Date;
  readonly issuingCertificateAuthority: string;
  readonly caConfiguration?: string;
  readonly certificateAuthority?: string;
  readonly callerInfo?: string;
}

export interface FailureNotificationInput {
  readonly transactionId: string;
  readonly certificateRequest: Uint8Array;
  readonly hResult?: number;
  readonly errorDescription: string;
  readonly callerInfo?: string;
}

export type ScepAction = 'validateRequest' | 'successNotification' | 'failureNotification';

function defaultRandomUUID(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID !== 'function') throw new TypeError('@scep/intune: no crypto.randomUUID; pass the `randomUUID` option');
  return c.randomUUID();
}

function requireText(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
}

export class IntuneScepClient {
  readonly #options: IntuneScepClientOptions;
  readonly #fetch: FetchLike;
  readonly #randomUUID: () => string;
  readonly #gate: CallGate;
  #refusedBusy = 0;
  #notificationsTimedOut = 0;

  constructor(options: IntuneScepClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? defaultFetch();
    this.#randomUUID = options.randomUUID ?? defaultRandomUUID;
    this.#gate = new CallGate(options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS);
  }

  /**
   * Asks Intune whether the CSR (with its challenge) is genuine. Throws `IntuneError` unless
   * Success; `OnlineBusyError` without calling anyone when every slot is taken. `admit`, if given,
   * runs once a slot is held and before anything is sent (the validator takes its budget there, so
   * a request refused as busy spends none); if it throws, the slot is given back and nothing is sent.
   */
  async validateRequest(input: ValidateRequestInput, signal?: AbortSignal, admit?: () => Promise<void>): Promise<void> {
    requireText('transactionId', input.transactionId);
    const release = this.#gate.tryAcquire();
    if (release === undefined) {
      this.#refusedBusy++;
      throw new OnlineBusyError('validateRequest', `all ${this.#gate.stats().maxConcurrentCalls} outbound slots are taken`);
    }
    try {
      if (admit !== undefined) await admit();
      await this.#post(
        'validateRequest',
        {
          request: {
            transactionId: input.transactionId,
            certificateRequest: encodeBase64(input.certificateRequest),
            callerInfo: input.callerInfo ?? this.#callerInfo(),
          },
        },
        input.transactionId,
        signal,
      );
    } finally {
      release();
    }
  }

  /** Tells Intune a certificate was issued. Throws `IntuneError` unless Success. */
  async sendSuccessNotification(input: SuccessNotificationInput, signal?: AbortSignal): Promise<void> {
    requireText('transactionId', input.transactionId);
    requireText('certificateThumbprint', input.certificateThumbprint);
    requireText('certificateSerialNumber', input.certificateSerialNumber);
    requireText('issuingCertificateAuthority', input.issuingCertificateAuthority);
    const release = await this.#waitForSlot('successNotification', signal);
    try {
      await this.#post(
        'successNotification',
        {
          notification: {
            transactionId: input.transactionId,
            certificateRequest: encodeBase64(input.certificateRequest),
            certificateThumbprint: input.certificateThumbprint,
            certificateSerialNumber: input.certificateSerialNumber,
            certificateExpirationDateUtc: input.certificateExpirationDateUtc.toISOString(),
            issuingCertificateAuthority: input.issuingCertificateAuthority,
            callerInfo: input.callerInfo ?? this.#callerInfo(),
            caConfiguration: input.caConfiguration ?? '',
            certificateAuthority: input.certificateAuthority ?? '',
          },
        },
        input.transactionId,
        signal,
      );
    } finally {
      release();
    }
  }

  /** Tells Intune the request failed. Throws `IntuneError` unless Success. */
  async sendFailureNotification(input: FailureNotificationInput, signal?: AbortSignal): Promise<void> {
    requireText('transactionId', input.transactionId);
    requireText('errorDescription', input.errorDescription);
    const hResult = input.hResult ?? DEFAULT_FAILURE_HRESULT;
    if (!Number.isSafeInteger(hResult) || hResult < -0x80000000 || hResult > 0xffffffff) {
      throw new TypeError('hResult must be a 32-bit integer');
    }
    const release = await this.#waitForSlot('failureNotification', signal);
    try {
      await this.#post(
        'failureNotification',
        {
          notification: {
            transactionId: input.transactionId,
            certificateRequest: encodeBase64(input.certificateRequest),
            hResult,
            errorDescription: input.errorDescription.slice(0, MAX_ERROR_DESCRIPTION_LENGTH),
            callerInfo: input.callerInfo ?? this.#callerInfo(),
          },
        },
        input.transactionId,
        signal,
      );
    } finally {
      release();
    }
  }

  /** Outbound slots in use and waited for, and what was refused for want of one. */
  stats(): IntuneScepClientStats {
    return { ...this.#gate.stats(), refusedBusy: this.#refusedBusy, notificationsTimedOut: this.#notificationsTimedOut };
  }

  /** A notification waits for a slot, at most one call timeout. */
  async #waitForSlot(action: 'successNotification' | 'failureNotification', signal: AbortSignal | undefined): Promise<ReleaseSlot> {
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const release = await this.#gate.acquire(timeoutMs, signal);
    if (release !== undefined) return release;
    this.#notificationsTimedOut++;
    throw new OnlineBusyError(
      action,
      signal?.aborted === true ? `Intune ${action} was aborted while waiting for an outbound slot` : `no outbound slot for Intune ${action} within ${timeoutMs} ms`,
      signal?.aborted === true ? { cause: signal.reason } : undefined,
    );
  }

  #callerInfo(): string {
    return this.#options.callerInfo ?? DEFAULT_CALLER_INFO;
  }

  async #post(action: ScepAction, body: unknown, transactionId: string, signal: AbortSignal | undefined): Promise<void> {
    const { locator, tokenProvider } = this.#options;
    try {
      const base = await locator.locate(signal);
      const token = await tokenProvider.getAccessToken(INTUNE_SCOPE, signal);
      const activityId = this.#randomUUID();
      const result = await httpCall({
        fetch: this.#fetch,
        url: `${base}/ScepActions/${action}`,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'client-request-id': activityId,
          'api-version': this.#options.apiVersion ?? INTUNE_API_VERSION,
          'user-agent': this.#callerInfo(),
        },
        body: JSON.stringify(body),
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        ...(signal === undefined ? {} : { signal }),
        what: `Intune ${action}`,
      });
      if (result.status < 200 || result.status > 299) {
        if (result.status === 401) tokenProvider.invalidate?.(INTUNE_SCOPE);
        throw new ServiceHttpError(result.status, `Intune ${action} answered HTTP ${result.status} (activity ${activityId})`);
      }
      const json = parseJsonObject(result.text);
      const code = json?.['code'];
      if (typeof code !== 'string') {
        throw new ServiceResponseMalformedError(`Intune ${action} response has no code (activity ${activityId})`);
      }
      if (code === 'Success') return;
      const description = json?.['errorDescription'];
      throw createServiceRefusal({
        serviceCode: code,
        errorDescription: typeof description === 'string' ? description : '',
        activityId,
        transactionId,
      });
    } catch (error) {
      // A verdict from the service is not a failed call; anything else drops the cached location.
      if (!(error instanceof IntuneServiceRefusedError)) locator.invalidate();
      throw error;
    }
  }
}
