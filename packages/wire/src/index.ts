/**
 * @scep/wire — the SCEP (RFC 8894) codec. Pure: no I/O, no clock or randomness of its own, no
 * crypto library imports. Crypto comes in as a CryptoProvider and PrivateKeyHandles (see
 * `@scep/wire/node` for the node:crypto ones, `webCryptoProvider` for WebCrypto).
 */
export * from './errors.js';
export * from './algorithms.js';
export type { CryptoProvider, PrivateKeyHandle, MaybePromise } from './crypto/types.js';
export { decodePkcs1v15, encodePkcs1v15 } from './crypto/pkcs1.js';
export { webCryptoProvider, webCryptoPrivateKey, type WebCryptoProviderOptions } from './crypto/webcrypto.js';

export { DEFAULT_DER_LIMITS, type DerLimits, type Element as DerElement } from './der/reader.js';

export * from './x509/name.js';
export * from './x509/extensions.js';
export * from './x509/public-key.js';
export * from './x509/certificate.js';
export * from './csr/csr.js';

export {
  buildSignedData,
  buildDegenerateSignedData,
  encodeIssuerAndSerialNumber,
  type SignerIdentifier,
  type SignerIdentifierStyle,
} from './cms/signed-data.js';
export {
  buildEnvelope,
  canEncryptTo,
  type EnvelopeOptions,
  type EnvelopeRecipient,
  type OpenedEnvelope,
  type RecipientIdentifierStyle,
} from './cms/enveloped-data.js';

export * from './scep/types.js';
export * from './scep/pki-message.js';
export * from './scep/request.js';
export * from './scep/cert-rep.js';
export * from './scep/client-request.js';
export * from './scep/ca-certs.js';
export * from './scep/caps.js';

export { toHex, fromHex, toBase64, toBase64Url, fromBase64, equalBytes, timingSafeEqual, copyBytes } from './util/bytes.js';
export { decodePem, encodePem, pemCertificates, type PemBlock } from './util/pem.js';
export * as oids from './oids.js';

export * from './client/presets.js';
