/**
 * Typed errors. Untrusted input only ever raises a `ScepError`; each code maps to one SCEP failInfo
 * (RFC 8894 §3.2.1.4.5) so a server can answer with a proper FAILURE CertRep.
 */

/** RFC 8894 §3.2.1.4.5 failInfo values. */
export type FailInfo = 'badAlg' | 'badMessageCheck' | 'badRequest' | 'badTime' | 'badCertId';

export const FAIL_INFO_CODES: Readonly<Record<FailInfo, number>> = {
  badAlg: 0,
  badMessageCheck: 1,
  badRequest: 2,
  badTime: 3,
  badCertId: 4,
};

export type ScepErrorCode =
  | 'ERR_MALFORMED'
  | 'ERR_LIMIT_EXCEEDED'
  | 'ERR_UNSUPPORTED_ALGORITHM'
  | 'ERR_LEGACY_ALGORITHM_DISABLED'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_MESSAGE_DIGEST_MISMATCH'
  | 'ERR_SIGNER_NOT_FOUND'
  | 'ERR_RECIPIENT_NOT_FOUND'
  | 'ERR_DECRYPTION_FAILED'
  | 'ERR_MISSING_ATTRIBUTE'
  | 'ERR_INVALID_ATTRIBUTE'
  | 'ERR_UNSUPPORTED_MESSAGE_TYPE'
  | 'ERR_CSR_INVALID'
  | 'ERR_CSR_SIGNATURE_INVALID'
  | 'ERR_CERTIFICATE_INVALID'
  | 'ERR_RESPONSE_MISMATCH'
  | 'ERR_UNTRUSTED_SIGNER';

/** One table: error code → SCEP failInfo. */
export const FAIL_INFO_BY_CODE: Readonly<Record<ScepErrorCode, FailInfo>> = {
  ERR_MALFORMED: 'badRequest',
  ERR_LIMIT_EXCEEDED: 'badRequest',
  ERR_UNSUPPORTED_ALGORITHM: 'badAlg',
  ERR_LEGACY_ALGORITHM_DISABLED: 'badAlg',
  ERR_SIGNATURE_INVALID: 'badMessageCheck',
  ERR_MESSAGE_DIGEST_MISMATCH: 'badMessageCheck',
  ERR_SIGNER_NOT_FOUND: 'badMessageCheck',
  ERR_RECIPIENT_NOT_FOUND: 'badMessageCheck',
  ERR_DECRYPTION_FAILED: 'badMessageCheck',
  ERR_MISSING_ATTRIBUTE: 'badRequest',
  ERR_INVALID_ATTRIBUTE: 'badRequest',
  ERR_UNSUPPORTED_MESSAGE_TYPE: 'badRequest',
  ERR_CSR_INVALID: 'badRequest',
  ERR_CSR_SIGNATURE_INVALID: 'badMessageCheck',
  ERR_CERTIFICATE_INVALID: 'badRequest',
  ERR_RESPONSE_MISMATCH: 'badMessageCheck',
  ERR_UNTRUSTED_SIGNER: 'badMessageCheck',
};

export interface ScepErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error @scep/wire raises for bad input. `code` is stable; `message` is for logs only. */
export class ScepError extends Error {
  readonly code: ScepErrorCode;
  constructor(code: ScepErrorCode, message: string, options?: ScepErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
  /** The SCEP failInfo a server should answer with. */
  get failInfo(): FailInfo {
    return FAIL_INFO_BY_CODE[this.code];
  }
}

/** Bytes that are not the ASN.1/CMS/SCEP structure they claim to be. */
export class MalformedError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_MALFORMED', message, options);
  }
}

/** A size, depth or count bound was hit (message size, ASN.1 depth, node count). */
export class LimitExceededError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_LIMIT_EXCEEDED', message, options);
  }
}

export class UnsupportedAlgorithmError extends ScepError {
  readonly oid: string | undefined;
  constructor(message: string, oid?: string, options?: ScepErrorOptions) {
    super('ERR_UNSUPPORTED_ALGORITHM', message, options);
    this.oid = oid;
  }
}

/** DES, 3DES, SHA-1 or MD5 met while the caller did not enable legacy algorithms. */
export class LegacyAlgorithmError extends ScepError {
  readonly algorithm: string;
  constructor(algorithm: string, options?: ScepErrorOptions) {
    super('ERR_LEGACY_ALGORITHM_DISABLED', `legacy algorithm ${algorithm} is not enabled`, options);
    this.algorithm = algorithm;
  }
}

export class SignatureError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_SIGNATURE_INVALID', message, options);
  }
}

export class MessageDigestError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_MESSAGE_DIGEST_MISMATCH', message, options);
  }
}

export class SignerNotFoundError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_SIGNER_NOT_FOUND', message, options);
  }
}

export class RecipientNotFoundError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_RECIPIENT_NOT_FOUND', message, options);
  }
}

/** Content decryption failed. Deliberately says nothing about why (RFC 3218 §2.3.2). */
export class DecryptionError extends ScepError {
  constructor(options?: ScepErrorOptions) {
    super('ERR_DECRYPTION_FAILED', 'content decryption failed', options);
  }
}

export class MissingAttributeError extends ScepError {
  readonly attribute: string;
  constructor(attribute: string, options?: ScepErrorOptions) {
    super('ERR_MISSING_ATTRIBUTE', `missing signed attribute ${attribute}`, options);
    this.attribute = attribute;
  }
}

export class InvalidAttributeError extends ScepError {
  readonly attribute: string;
  constructor(attribute: string, message: string, options?: ScepErrorOptions) {
    super('ERR_INVALID_ATTRIBUTE', `${attribute}: ${message}`, options);
    this.attribute = attribute;
  }
}

export class UnsupportedMessageTypeError extends ScepError {
  readonly messageType: number | string;
  constructor(messageType: number | string, options?: ScepErrorOptions) {
    super('ERR_UNSUPPORTED_MESSAGE_TYPE', `unsupported messageType ${String(messageType)}`, options);
    this.messageType = messageType;
  }
}

export class CsrError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_CSR_INVALID', message, options);
  }
}

export class CsrSignatureError extends ScepError {
  constructor(message = 'CSR self-signature does not verify', options?: ScepErrorOptions) {
    super('ERR_CSR_SIGNATURE_INVALID', message, options);
  }
}

export class CertificateError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_CERTIFICATE_INVALID', message, options);
  }
}

/** Client side: a CertRep that does not answer our request (transactionID, recipientNonce). */
export class ResponseMismatchError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_RESPONSE_MISMATCH', message, options);
  }
}

/** Client side: a CertRep signed by a certificate we were not told to trust. */
export class UntrustedSignerError extends ScepError {
  constructor(message: string, options?: ScepErrorOptions) {
    super('ERR_UNTRUSTED_SIGNER', message, options);
  }
}

export function isScepError(value: unknown): value is ScepError {
  return value instanceof ScepError;
}

/**
 * Runs `fn` and converts anything that is not a ScepError (a TypeError from a library, a RangeError,
 * an OpenSSL error) into a MalformedError, so untrusted input only ever raises our errors.
 */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ScepError) throw err;
    throw new MalformedError(`${what} is malformed`, { cause: err });
  }
}

export async function guardAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScepError) throw err;
    throw new MalformedError(`${what} is malformed`, { cause: err });
  }
}
