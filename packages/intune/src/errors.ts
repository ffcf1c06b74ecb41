/**
 * Typed errors. Every refusal is an `IntuneError` with a stable `code`; one table maps each code to
 * a counter label, and the label to a SCEP failInfo (see outcome.ts). `message` is for operators'
 * logs only: a server must never send it to a client.
 */
import { FAIL_INFO_BY_LABEL, type IntuneFailureLabel, type ScepFailInfo } from './outcome.js';

/** Microsoft's documented `code` values of the ScepRequestValidationFEService, other than Success. */
export type IntuneServiceCode =
  | 'CertificateRequestDecodingFailed'
  | 'ChallengePasswordMissing'
  | 'ChallengeDeserializationError'
  | 'ChallengeDecryptionError'
  | 'ChallengeDecodingError'
  | 'ChallengeInvalidTimestamp'
  | 'ChallengeExpired'
  | 'SubjectNameMissing'
  | 'SubjectNameMismatch'
  | 'SubjectAltNameMissing'
  | 'SubjectAltNameMismatch'
  | 'KeyUsageMismatch'
  | 'KeyLengthMismatch'
  | 'EnhancedKeyUsageMissing'
  | 'EnhancedKeyUsageMismatch'
  | 'AadKeyIdentifierListMissing'
  | 'RegisteredKeyMismatch'
  | 'SigningCertThumbprintMismatch'
  | 'ScepProfileNoLongerTargetedToTheClient'
  | 'SignatureValidationFailed'
  | 'BadCertificateRequestIdInChallenge'
  | 'BadDeviceIdInChallenge'
  | 'BadUserIdInChallenge';

type ServiceErrorCode =
  | 'ERR_INTUNE_SERVICE_CERTIFICATE_REQUEST_DECODING_FAILED'
  | 'ERR_INTUNE_SERVICE_CHALLENGE_PASSWORD_MISSING'
  | 'ERR_INTUNE_SERVICE_CHALLENGE_DESERIALIZATION_ERROR'
  | 'ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR'
  | 'ERR_INTUNE_SERVICE_CHALLENGE_DECODING_ERROR'
  | 'ERR_INTUNE_SERVICE_CHALLENGE_INVALID_TIMESTAMP'
  | 'ERR_INTUNE_SERVICE_CHALLENGE_EXPIRED'
  | 'ERR_INTUNE_SERVICE_SUBJECT_NAME_MISSING'
  | 'ERR_INTUNE_SERVICE_SUBJECT_NAME_MISMATCH'
  | 'ERR_INTUNE_SERVICE_SUBJECT_ALT_NAME_MISSING'
  | 'ERR_INTUNE_SERVICE_SUBJECT_ALT_NAME_MISMATCH'
  | 'ERR_INTUNE_SERVICE_KEY_USAGE_MISMATCH'
  | 'ERR_INTUNE_SERVICE_KEY_LENGTH_MISMATCH'
  | 'ERR_INTUNE_SERVICE_ENHANCED_KEY_USAGE_MISSING'
  | 'ERR_INTUNE_SERVICE_ENHANCED_KEY_USAGE_MISMATCH'
  | 'ERR_INTUNE_SERVICE_AAD_KEY_IDENTIFIER_LIST_MISSING'
  | 'ERR_INTUNE_SERVICE_REGISTERED_KEY_MISMATCH'
  | 'ERR_INTUNE_SERVICE_SIGNING_CERT_THUMBPRINT_MISMATCH'
  | 'ERR_INTUNE_SERVICE_PROFILE_NOT_TARGETED'
  | 'ERR_INTUNE_SERVICE_SIGNATURE_VALIDATION_FAILED'
  | 'ERR_INTUNE_SERVICE_BAD_CERTIFICATE_REQUEST_ID'
  | 'ERR_INTUNE_SERVICE_BAD_DEVICE_ID'
  | 'ERR_INTUNE_SERVICE_BAD_USER_ID'
  | 'ERR_INTUNE_SERVICE_UNKNOWN_CODE';

/** Every code an `IntuneError` can carry. */
export type IntuneErrorCode =
  // Signed-challenge gates.
  | 'ERR_INTUNE_CHALLENGE_MALFORMED'
  | 'ERR_INTUNE_CHALLENGE_TOO_LARGE'
  | 'ERR_INTUNE_ALG_REFUSED'
  | 'ERR_INTUNE_CRIT_UNSUPPORTED'
  | 'ERR_INTUNE_NO_USABLE_ANCHOR'
  | 'ERR_INTUNE_SIGNATURE_INVALID'
  | 'ERR_INTUNE_UNKNOWN_VERSION'
  | 'ERR_INTUNE_CLAIM_MISSING'
  | 'ERR_INTUNE_CLAIM_INVALID'
  | 'ERR_INTUNE_TOKEN_EXPIRED'
  | 'ERR_INTUNE_TOKEN_NOT_YET_VALID'
  | 'ERR_INTUNE_WRONG_AUDIENCE'
  | 'ERR_INTUNE_VALIDITY_TOO_LONG'
  | 'ERR_INTUNE_CLAIM_MISMATCH'
  | 'ERR_INTUNE_REPLAY'
  | 'ERR_INTUNE_RATE_LIMITED'
  | 'ERR_INTUNE_COMPLIANCE_FAILED'
  // Infrastructure.
  | 'ERR_INTUNE_STORE_FAILED'
  | 'ERR_INTUNE_STORE_FULL'
  | 'ERR_INTUNE_VALIDATOR_FAILED'
  // Trust anchors (operator configuration).
  | 'ERR_INTUNE_ANCHORS_UNREADABLE'
  | 'ERR_INTUNE_ANCHORS_TOO_LARGE'
  | 'ERR_INTUNE_ANCHORS_UNPARSABLE'
  | 'ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY'
  | 'ERR_INTUNE_ANCHORS_EMPTY'
  | 'ERR_INTUNE_ANCHORS_ALL_EXPIRED'
  // Microsoft's online API: transport.
  | 'ERR_INTUNE_AUTH_FAILED'
  | 'ERR_INTUNE_DISCOVERY_FAILED'
  | 'ERR_INTUNE_HTTP_STATUS'
  | 'ERR_INTUNE_TIMEOUT'
  | 'ERR_INTUNE_NETWORK'
  | 'ERR_INTUNE_RESPONSE_MALFORMED'
  | 'ERR_INTUNE_URL_NOT_ALLOWED'
  | 'ERR_INTUNE_ONLINE_RATE_LIMITED'
  | 'ERR_INTUNE_ONLINE_BUSY'
  // Microsoft's online API: the service's own verdicts.
  | ServiceErrorCode;

/** The one table: error code → counter label (and through FAIL_INFO_BY_LABEL, failInfo). */
export const LABEL_BY_CODE: Readonly<Record<IntuneErrorCode, IntuneFailureLabel>> = {
  ERR_INTUNE_CHALLENGE_MALFORMED: 'malformed',
  ERR_INTUNE_CHALLENGE_TOO_LARGE: 'malformed',
  ERR_INTUNE_ALG_REFUSED: 'signature_invalid',
  ERR_INTUNE_CRIT_UNSUPPORTED: 'malformed',
  ERR_INTUNE_NO_USABLE_ANCHOR: 'signature_invalid',
  ERR_INTUNE_SIGNATURE_INVALID: 'signature_invalid',
  ERR_INTUNE_UNKNOWN_VERSION: 'unknown_version',
  ERR_INTUNE_CLAIM_MISSING: 'malformed',
  ERR_INTUNE_CLAIM_INVALID: 'malformed',
  ERR_INTUNE_TOKEN_EXPIRED: 'expired',
  ERR_INTUNE_TOKEN_NOT_YET_VALID: 'not_yet_valid',
  ERR_INTUNE_WRONG_AUDIENCE: 'wrong_audience',
  ERR_INTUNE_VALIDITY_TOO_LONG: 'malformed',
  ERR_INTUNE_CLAIM_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_REPLAY: 'replay',
  ERR_INTUNE_RATE_LIMITED: 'rate_limited',
  ERR_INTUNE_COMPLIANCE_FAILED: 'compliance_failed',
  ERR_INTUNE_STORE_FAILED: 'service_error',
  ERR_INTUNE_STORE_FULL: 'service_error',
  ERR_INTUNE_VALIDATOR_FAILED: 'service_error',
  ERR_INTUNE_ANCHORS_UNREADABLE: 'service_error',
  ERR_INTUNE_ANCHORS_TOO_LARGE: 'service_error',
  ERR_INTUNE_ANCHORS_UNPARSABLE: 'service_error',
  ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY: 'service_error',
  ERR_INTUNE_ANCHORS_EMPTY: 'service_error',
  ERR_INTUNE_ANCHORS_ALL_EXPIRED: 'service_error',
  ERR_INTUNE_AUTH_FAILED: 'service_error',
  ERR_INTUNE_DISCOVERY_FAILED: 'service_error',
  ERR_INTUNE_HTTP_STATUS: 'service_error',
  ERR_INTUNE_TIMEOUT: 'service_error',
  ERR_INTUNE_NETWORK: 'service_error',
  ERR_INTUNE_RESPONSE_MALFORMED: 'service_error',
  ERR_INTUNE_URL_NOT_ALLOWED: 'service_error',
  ERR_INTUNE_ONLINE_RATE_LIMITED: 'rate_limited',
  ERR_INTUNE_ONLINE_BUSY: 'rate_limited',
  ERR_INTUNE_SERVICE_CERTIFICATE_REQUEST_DECODING_FAILED: 'malformed',
  ERR_INTUNE_SERVICE_CHALLENGE_PASSWORD_MISSING: 'malformed',
  ERR_INTUNE_SERVICE_CHALLENGE_DESERIALIZATION_ERROR: 'malformed',
  ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR: 'signature_invalid',
  ERR_INTUNE_SERVICE_CHALLENGE_DECODING_ERROR: 'malformed',
  ERR_INTUNE_SERVICE_CHALLENGE_INVALID_TIMESTAMP: 'not_yet_valid',
  ERR_INTUNE_SERVICE_CHALLENGE_EXPIRED: 'expired',
  ERR_INTUNE_SERVICE_SUBJECT_NAME_MISSING: 'claim_mismatch',
  ERR_INTUNE_SERVICE_SUBJECT_NAME_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_SERVICE_SUBJECT_ALT_NAME_MISSING: 'claim_mismatch',
  ERR_INTUNE_SERVICE_SUBJECT_ALT_NAME_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_SERVICE_KEY_USAGE_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_SERVICE_KEY_LENGTH_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_SERVICE_ENHANCED_KEY_USAGE_MISSING: 'claim_mismatch',
  ERR_INTUNE_SERVICE_ENHANCED_KEY_USAGE_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_SERVICE_AAD_KEY_IDENTIFIER_LIST_MISSING: 'claim_mismatch',
  ERR_INTUNE_SERVICE_REGISTERED_KEY_MISMATCH: 'claim_mismatch',
  ERR_INTUNE_SERVICE_SIGNING_CERT_THUMBPRINT_MISMATCH: 'signature_invalid',
  ERR_INTUNE_SERVICE_PROFILE_NOT_TARGETED: 'compliance_failed',
  ERR_INTUNE_SERVICE_SIGNATURE_VALIDATION_FAILED: 'signature_invalid',
  ERR_INTUNE_SERVICE_BAD_CERTIFICATE_REQUEST_ID: 'claim_mismatch',
  ERR_INTUNE_SERVICE_BAD_DEVICE_ID: 'claim_mismatch',
  ERR_INTUNE_SERVICE_BAD_USER_ID: 'claim_mismatch',
  ERR_INTUNE_SERVICE_UNKNOWN_CODE: 'service_error',
};

export interface IntuneErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error this package raises for bad input or a failed dependency. */
export class IntuneError extends Error {
  readonly code: IntuneErrorCode;
  constructor(code: IntuneErrorCode, message: string, options?: IntuneErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
  /** The counter label this error is reported under. */
  get label(): IntuneFailureLabel {
    return LABEL_BY_CODE[this.code];
  }
  /** The SCEP failInfo a server should answer with. */
  get failInfo(): ScepFailInfo {
    return FAIL_INFO_BY_LABEL[this.label];
  }
}

// ---------------------------------------------------------------------------------------------
// Signed-challenge gates

/** Not a compact token: wrong segment count, empty segment, bad base64url, JSON or header. */
export class ChallengeMalformedError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_CHALLENGE_MALFORMED', message, options);
  }
}

/** The token or one of its JSON parts is over its size bound. */
export class ChallengeTooLargeError extends IntuneError {
  readonly limit: number;
  constructor(what: string, limit: number, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_CHALLENGE_TOO_LARGE', `${what} exceeds ${limit} bytes`, options);
    this.limit = limit;
  }
}

/** `alg` is absent, `none`, an HMAC or anything else outside RS256/PS256/ES256. */
export class AlgorithmRefusedError extends IntuneError {
  readonly alg: string | undefined;
  constructor(alg: string | undefined, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_ALG_REFUSED', `algorithm ${alg === undefined ? '(absent)' : JSON.stringify(alg)} is refused`, options);
    this.alg = alg;
  }
}

/** The header lists a critical extension we do not understand (RFC 7515 §4.1.11). */
export class CriticalHeaderUnsupportedError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_CRIT_UNSUPPORTED', message, options);
  }
}

/** No trust anchor is currently valid, of the right key type, and selected by kid / x5t#S256. */
export class NoUsableAnchorError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_NO_USABLE_ANCHOR', message, options);
  }
}

/** The signature does not verify under any candidate anchor. */
export class SignatureInvalidError extends IntuneError {
  constructor(message = 'signature verification failed', options?: IntuneErrorOptions) {
    super('ERR_INTUNE_SIGNATURE_INVALID', message, options);
  }
}

/** `version` is present and is not `v1`. */
export class UnknownVersionError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_UNKNOWN_VERSION', message, options);
  }
}

/** A required claim is absent. */
export class ClaimMissingError extends IntuneError {
  readonly claim: string;
  constructor(claim: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_CLAIM_MISSING', `required claim ${claim} is missing`, options);
    this.claim = claim;
  }
}

/** A claim has the wrong type, is out of range or over its bound. */
export class ClaimInvalidError extends IntuneError {
  readonly claim: string;
  constructor(claim: string, message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_CLAIM_INVALID', `claim ${claim}: ${message}`, options);
    this.claim = claim;
  }
}

export class TokenExpiredError extends IntuneError {
  constructor(message = 'token has expired', options?: IntuneErrorOptions) {
    super('ERR_INTUNE_TOKEN_EXPIRED', message, options);
  }
}

export class TokenNotYetValidError extends IntuneError {
  constructor(message = 'token is not yet valid', options?: IntuneErrorOptions) {
    super('ERR_INTUNE_TOKEN_NOT_YET_VALID', message, options);
  }
}

export class WrongAudienceError extends IntuneError {
  constructor(message = 'token audience does not include this server', options?: IntuneErrorOptions) {
    super('ERR_INTUNE_WRONG_AUDIENCE', message, options);
  }
}

/** `exp − iat` is longer than the operator's cap. */
export class ValidityTooLongError extends IntuneError {
  readonly seconds: number;
  readonly maxSeconds: number;
  constructor(seconds: number, maxSeconds: number, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_VALIDITY_TOO_LONG', `token validity ${seconds}s exceeds the cap of ${maxSeconds}s`, options);
    this.seconds = seconds;
    this.maxSeconds = maxSeconds;
  }
}

/** Which CSR name failed to match the token's claims. */
export type BindingField = 'commonName' | 'dnsNames' | 'emails' | 'upns' | 'ipAddresses' | 'uris';

/** The CSR's names are not exactly the names the token grants. */
export class ClaimMismatchError extends IntuneError {
  readonly field: BindingField;
  constructor(field: BindingField, message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_CLAIM_MISMATCH', message, options);
    this.field = field;
  }
}

/** The token's nonce was seen before. */
export class ReplayError extends IntuneError {
  constructor(options?: IntuneErrorOptions) {
    super('ERR_INTUNE_REPLAY', 'nonce was already used', options);
  }
}

/** The device (sub + iss by default) used up its enrolments for the window. */
export class RateLimitedError extends IntuneError {
  constructor(options?: IntuneErrorOptions) {
    super('ERR_INTUNE_RATE_LIMITED', 'enrolment rate limit reached', options);
  }
}

/** The operator's compliance hook said no, threw, or timed out. */
export class ComplianceFailedError extends IntuneError {
  constructor(message = 'compliance check refused the device', options?: IntuneErrorOptions) {
    super('ERR_INTUNE_COMPLIANCE_FAILED', message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Infrastructure

/** A replay or rate-limit store failed (a shared store is unreachable, say). Fails closed. */
export class StoreFailedError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_STORE_FAILED', message, options);
  }
}

/** Which store had no room. */
export type FullStore = 'replay' | 'rate-limit';

/**
 * A store is full and its policy is to refuse rather than forget a live entry (`whenFull:
 * 'refuse'`, the default): the request is refused and nothing already stored is dropped.
 */
export class StoreFullError extends IntuneError {
  readonly store: FullStore;
  constructor(store: FullStore, message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_STORE_FULL', message, options);
    this.store = store;
  }
}

/** A validator threw instead of returning an outcome; the dispatcher refuses the request. */
export class ValidatorFailedError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_VALIDATOR_FAILED', message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Trust anchors

type AnchorErrorCode =
  | 'ERR_INTUNE_ANCHORS_UNREADABLE'
  | 'ERR_INTUNE_ANCHORS_TOO_LARGE'
  | 'ERR_INTUNE_ANCHORS_UNPARSABLE'
  | 'ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY'
  | 'ERR_INTUNE_ANCHORS_EMPTY'
  | 'ERR_INTUNE_ANCHORS_ALL_EXPIRED';

/** A trust-anchor bundle could not be (re)loaded; the previous anchors stay in force. */
export class TrustAnchorError extends IntuneError {
  constructor(code: AnchorErrorCode, message: string, options?: IntuneErrorOptions) {
    super(code, message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Microsoft's online API: transport

/** Entra ID refused or failed the client-credentials token request. */
export class EntraAuthError extends IntuneError {
  /** Entra's `error` field (e.g. `invalid_client`), when it sent one. */
  readonly oauthError: string | undefined;
  readonly status: number | undefined;
  constructor(message: string, details: { oauthError?: string; status?: number } = {}, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_AUTH_FAILED', message, options);
    this.oauthError = details.oauthError;
    this.status = details.status;
  }
}

/** Graph did not tell us where the ScepRequestValidationFEService lives. */
export class ServiceDiscoveryError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_DISCOVERY_FAILED', message, options);
  }
}

/** A non-2xx HTTP status. */
export class ServiceHttpError extends IntuneError {
  readonly status: number;
  constructor(status: number, message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_HTTP_STATUS', message, options);
    this.status = status;
  }
}

/** The call did not finish within its timeout (or the caller's signal aborted it). */
export class ServiceTimeoutError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_TIMEOUT', message, options);
  }
}

/** `fetch` itself failed (DNS, TCP, TLS). */
export class ServiceNetworkError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_NETWORK', message, options);
  }
}

/** The body was not the JSON we expected, or was over its size bound. */
export class ServiceResponseMalformedError extends IntuneError {
  constructor(message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_RESPONSE_MALFORMED', message, options);
  }
}

/**
 * Graph named a service URL we will not call: not https, user info, or a host outside
 * `allowedServiceHosts`. Nothing was sent to it.
 */
export class UrlNotAllowedError extends IntuneError {
  /** The URL as received. */
  readonly url: string;
  /** What is wrong with it. */
  readonly why: string;
  constructor(url: string, why: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_URL_NOT_ALLOWED', `service URL ${why}`, options);
    this.url = url;
    this.why = why;
  }
}

/**
 * The online model's budget of validation calls (`rateLimitStore`, per `rateLimitKey`) is spent:
 * the request is refused without calling Microsoft.
 */
export class OnlineRateLimitedError extends IntuneError {
  /** How long until the budget frees a call, when the store says. */
  readonly retryAfterMs: number | undefined;
  constructor(retryAfterMs: number | undefined, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_ONLINE_RATE_LIMITED', 'budget of calls to Intune is spent for now', options);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Every outbound slot (`maxConcurrentCalls`) is taken: a validation is refused at once, a
 * notification after waiting its turn for the call timeout. Nothing was sent to Microsoft.
 */
export class OnlineBusyError extends IntuneError {
  readonly action: 'validateRequest' | 'successNotification' | 'failureNotification';
  constructor(action: OnlineBusyError['action'], message: string, options?: IntuneErrorOptions) {
    super('ERR_INTUNE_ONLINE_BUSY', message, options);
    this.action = action;
  }
}

// ---------------------------------------------------------------------------------------------
// Microsoft's online API: the service's verdicts

/** Details Intune returned with a non-Success `code`. */
export interface ServiceRefusalDetails {
  /** The `code` string exactly as received. */
  readonly serviceCode: string;
  readonly errorDescription: string;
  /** The `client-request-id` we sent, to quote to Microsoft support. */
  readonly activityId: string;
  readonly transactionId: string;
}

/** Intune answered with a `code` other than `Success`. One subclass per documented code. */
export class IntuneServiceRefusedError extends IntuneError {
  readonly serviceCode: string;
  readonly errorDescription: string;
  readonly activityId: string;
  readonly transactionId: string;
  constructor(code: ServiceErrorCode, details: ServiceRefusalDetails, options?: IntuneErrorOptions) {
    super(code, `Intune refused the request: ${details.serviceCode} (activity ${details.activityId})`, options);
    this.serviceCode = details.serviceCode;
    this.errorDescription = details.errorDescription;
    this.activityId = details.activityId;
    this.transactionId = details.transactionId;
  }
}

export class CertificateRequestDecodingFailedError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CERTIFICATE_REQUEST_DECODING_FAILED', d, o); }
}
export class ChallengePasswordMissingError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CHALLENGE_PASSWORD_MISSING', d, o); }
}
export class ChallengeDeserializationError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CHALLENGE_DESERIALIZATION_ERROR', d, o); }
}
export class ChallengeDecryptionError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR', d, o); }
}
export class ChallengeDecodingError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CHALLENGE_DECODING_ERROR', d, o); }
}
export class ChallengeInvalidTimestampError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CHALLENGE_INVALID_TIMESTAMP', d, o); }
}
export class ChallengeExpiredError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_CHALLENGE_EXPIRED', d, o); }
}
export class SubjectNameMissingError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_SUBJECT_NAME_MISSING', d, o); }
}
export class SubjectNameMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_SUBJECT_NAME_MISMATCH', d, o); }
}
export class SubjectAltNameMissingError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_SUBJECT_ALT_NAME_MISSING', d, o); }
}
export class SubjectAltNameMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_SUBJECT_ALT_NAME_MISMATCH', d, o); }
}
export class KeyUsageMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_KEY_USAGE_MISMATCH', d, o); }
}
export class KeyLengthMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_KEY_LENGTH_MISMATCH', d, o); }
}
export class EnhancedKeyUsageMissingError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_ENHANCED_KEY_USAGE_MISSING', d, o); }
}
export class EnhancedKeyUsageMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_ENHANCED_KEY_USAGE_MISMATCH', d, o); }
}
export class AadKeyIdentifierListMissingError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_AAD_KEY_IDENTIFIER_LIST_MISSING', d, o); }
}
export class RegisteredKeyMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_REGISTERED_KEY_MISMATCH', d, o); }
}
export class SigningCertThumbprintMismatchError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_SIGNING_CERT_THUMBPRINT_MISMATCH', d, o); }
}
export class ScepProfileNoLongerTargetedError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_PROFILE_NOT_TARGETED', d, o); }
}
export class SignatureValidationFailedError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_SIGNATURE_VALIDATION_FAILED', d, o); }
}
export class BadCertificateRequestIdInChallengeError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_BAD_CERTIFICATE_REQUEST_ID', d, o); }
}
export class BadDeviceIdInChallengeError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_BAD_DEVICE_ID', d, o); }
}
export class BadUserIdInChallengeError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_BAD_USER_ID', d, o); }
}
/** A `code` Microsoft has not documented (or that we do not know yet). Still a refusal. */
export class UnknownServiceCodeError extends IntuneServiceRefusedError {
  constructor(d: ServiceRefusalDetails, o?: IntuneErrorOptions) { super('ERR_INTUNE_SERVICE_UNKNOWN_CODE', d, o); }
}

type RefusalConstructor = new (d: ServiceRefusalDetails, o?: IntuneErrorOptions) => IntuneServiceRefusedError;

/** Microsoft's code → our error class. */
export const SERVICE_REFUSAL_BY_CODE: Readonly<Record<IntuneServiceCode, RefusalConstructor>> = {
  CertificateRequestDecodingFailed: CertificateRequestDecodingFailedError,
  ChallengePasswordMissing: ChallengePasswordMissingError,
  ChallengeDeserializationError: ChallengeDeserializationError,
  ChallengeDecryptionError: ChallengeDecryptionError,
  ChallengeDecodingError: ChallengeDecodingError,
  ChallengeInvalidTimestamp: ChallengeInvalidTimestampError,
  ChallengeExpired: ChallengeExpiredError,
  SubjectNameMissing: SubjectNameMissingError,
  SubjectNameMismatch: SubjectNameMismatchError,
  SubjectAltNameMissing: SubjectAltNameMissingError,
  SubjectAltNameMismatch: SubjectAltNameMismatchError,
  KeyUsageMismatch: KeyUsageMismatchError,
  KeyLengthMismatch: KeyLengthMismatchError,
  EnhancedKeyUsageMissing: EnhancedKeyUsageMissingError,
  EnhancedKeyUsageMismatch: EnhancedKeyUsageMismatchError,
  AadKeyIdentifierListMissing: AadKeyIdentifierListMissingError,
  RegisteredKeyMismatch: RegisteredKeyMismatchError,
  SigningCertThumbprintMismatch: SigningCertThumbprintMismatchError,
  ScepProfileNoLongerTargetedToTheClient: ScepProfileNoLongerTargetedError,
  SignatureValidationFailed: SignatureValidationFailedError,
  BadCertificateRequestIdInChallenge: BadCertificateRequestIdInChallengeError,
  BadDeviceIdInChallenge: BadDeviceIdInChallengeError,
  BadUserIdInChallenge: BadUserIdInChallengeError,
};

/** Builds the typed error for a non-Success `code` from the service. */
export function createServiceRefusal(details: ServiceRefusalDetails): IntuneServiceRefusedError {
  const ctor = Object.hasOwn(SERVICE_REFUSAL_BY_CODE, details.serviceCode)
    ? SERVICE_REFUSAL_BY_CODE[details.serviceCode as IntuneServiceCode] // narrowed by hasOwn just above
    : UnknownServiceCodeError;
  return new ctor(details);
}

/** True for any error this package raised. */
export function isIntuneError(value: unknown): value is IntuneError {
  return value instanceof IntuneError;
}
