/**
 * CertRep (RFC 8894 §3.3.2): built by servers, read by clients.
 *
 * SUCCESS: the pkcsPKIEnvelope holds a degenerate certs-only SignedData (issued certificate first,
 * then the chain; or CRLs for GetCRL), encrypted to the requester's signer certificate.
 * FAILURE / PENDING: no content. Every CertRep carries the signed attributes Windows insists on:
 * contentType, messageDigest, signingTime, messageType, pkiStatus, transactionID, senderNonce,
 * recipientNonce (and failInfo / failInfoText on FAILURE).
 */
import {
  cipherByName,
  defaultSignatureAlgorithm,
  digestByName,
  type CipherName,
  type DigestName,
  type KeyTransportAlgorithm,
  type LegacyPolicy,
  type SignatureAlgorithm,
  type SignerInfoSignatureStyle,
} from '../algorithms.js';
import { buildEnvelope, canEncryptTo, openEnvelopedData, readEnvelope, type EnvelopeRecipient } from '../cms/enveloped-data.js';
import { buildDegenerateSignedData, buildSignedData, encodeAttribute, readContentInfo, readSignedData } from '../cms/signed-data.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { DEFAULT_DER_LIMITS, DerInput } from '../der/reader.js';
import { isPrintable, octetString, printableString, time, utf8String } from '../der/writer.js';
import { FAIL_INFO_CODES, type FailInfo, guard, MalformedError, ResponseMismatchError, UnsupportedAlgorithmError, UntrustedSignerError } from '../errors.js';
import * as O from '../oids.js';
import { equalBytes } from '../util/bytes.js';
import type { Certificate } from '../x509/certificate.js';
import { parsePkiMessage, type ParseOptions, type PkiMessage } from './pki-message.js';
import { GENERIC_FAIL_INFO_TEXT, MESSAGE_TYPES, PKI_STATUS, type MessageType, type PkiStatus } from './types.js';

export interface ResponseSigner {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
}

/** What a CertRep answers: the request's transaction, nonce and signer certificate. */
export interface CertRepRequest {
  readonly transactionId: string;
  readonly senderNonce: Uint8Array;
  /** The certificate a SUCCESS reply is encrypted to (the request's signer). Not needed for FAILURE/PENDING. */
  readonly signer?: Certificate | undefined;
}

export type CertRepResult =
  | { readonly status: 'SUCCESS'; readonly certificates: readonly Uint8Array[]; readonly crls?: readonly Uint8Array[] }
  /** SUCCESS for GetCRL: CRLs only. */
  | { readonly status: 'SUCCESS'; readonly certificates?: undefined; readonly crls: readonly Uint8Array[] }
  | { readonly status: 'FAILURE'; readonly failInfo: FailInfo; readonly failInfoText?: string | undefined }
  | { readonly status: 'PENDING' };

export interface CertRepOptions {
  readonly request: CertRepRequest;
  readonly result: CertRepResult;
  readonly signer: ResponseSigner;
  readonly crypto: CryptoProvider;
  /** Clock for signingTime (default: the system clock). */
  readonly now?: () => Date;
  /** Digest for the SignedData (default SHA-256). */
  readonly digest?: DigestName;
  /** Content cipher for the SUCCESS envelope (default AES-256-CBC). */
  readonly cipher?: CipherName;
  readonly keyTransport?: KeyTransportAlgorithm;
  readonly legacy?: LegacyPolicy | undefined;
  /** SignerInfo signature OID style (default rsaEncryption: strongSwan refuses anything else). */
  readonly signatureStyle?: SignerInfoSignatureStyle;
  /** Further certificates for the outer SignedData after the signer's (e.g. the CA, for Cisco). */
  readonly extraCertificates?: readonly Uint8Array[];
  /** Fresh senderNonce; default 16 random bytes from the crypto provider. */
  readonly senderNonce?: Uint8Array;
}

/** Builds a CertRep PKIMessage. */
export async function buildCertRep(o: CertRepOptions): Promise<Uint8Array> {
  const digest = digestByName(o.digest ?? 'SHA-256', o.legacy);
  const signatureAlgorithm: SignatureAlgorithm = defaultSignatureAlgorithm(o.signer.key.keyType, digest.name);
  const now = (o.now ?? ((): Date => new Date()))();
  const r = o.result;
  const attrs: Uint8Array[] = [
    encodeAttribute(O.id_signingTime, time(now)),
    encodeAttribute(O.id_messageType, printableString(String(MESSAGE_TYPES.CertRep))),
    encodeAttribute(O.id_pkiStatus, printableString(String(PKI_STATUS[r.status]))),
    // Echoed as received: a transactionID parsed from another string type may not be printable.
    encodeAttribute(O.id_transactionID, isPrintable(o.request.transactionId) ? printableString(o.request.transactionId) : utf8String(o.request.transactionId)),
    encodeAttribute(O.id_senderNonce, octetString(o.senderNonce ?? o.crypto.randomBytes(16))),
    encodeAttribute(O.id_recipientNonce, octetString(o.request.senderNonce)),
  ];
  let eContent: Uint8Array | undefined;
  if (r.status === 'FAILURE') {
    attrs.push(encodeAttribute(O.id_failInfo, printableString(String(FAIL_INFO_CODES[r.failInfo]))));
    attrs.push(encodeAttribute(O.id_scep_failInfoText, utf8String(r.failInfoText ?? GENERIC_FAIL_INFO_TEXT[r.failInfo])));
  } else if (r.status === 'SUCCESS') {
    const recipient = o.request.signer;
    if (!recipient) throw new TypeError('a SUCCESS CertRep needs the request signer certificate to encrypt to');
    if (!canEncryptTo(recipient)) throw new UnsupportedAlgorithmError('the requester key cannot receive an encrypted reply');
    const inner = buildDegenerateSignedData(r.certificates ?? [], r.crls ?? []);
    eContent = await buildEnvelope({
      content: inner,
      recipients: [recipient],
      cipher: cipherByName(o.cipher ?? 'AES-256-CBC', o.legacy).name,
      keyTransport: o.keyTransport ?? { scheme: 'RSAES-PKCS1-v1_5' },
      legacy: o.legacy,
      crypto: o.crypto,
    });
  }
  return buildSignedData({
    eContentType: O.id_data,
    eContent,
    certificates: [o.signer.certificate.der, ...(o.extraCertificates ?? [])],
    signer: {
      certificate: o.signer.certificate,
      key: o.signer.key,
      digest: digest.name,
      signatureAlgorithm,
      signatureStyle: o.signatureStyle ?? 'rsaEncryption',
      attributes: attrs,
    },
    crypto: o.crypto,
  });
}

// --- Client side ---------------------------------------------------------------------------------

export interface ReadCertRepOptions extends Omit<ParseOptions, 'extraCertificates'> {
  /** The request this answers: transactionID and senderNonce must be echoed. */
  readonly request: { readonly transactionId: string; readonly senderNonce: Uint8Array };
  /**
   * Certificates allowed to sign the CertRep (the CA/RA certificates from GetCACert). When given, a
   * CertRep signed by anything else is refused, and the signer may be absent from the message.
   */
  readonly trusted?: readonly Certificate[];
  /** Our certificate and key, to decrypt a SUCCESS reply. */
  readonly recipient?: EnvelopeRecipient;
}

export interface CertRepResponse {
  readonly message: PkiMessage;
  readonly status: PkiStatus;
  readonly failInfo: FailInfo | undefined;
  readonly failInfoText: string | undefined;
  /** Decrypted certificates of a SUCCESS reply, in the order sent (issued certificate first). */
  readonly certificates: readonly Certificate[];
  readonly crls: readonly Uint8Array[];
}

/** Client side: verifies a CertRep, checks it answers our request, and decrypts a SUCCESS reply. */
export async function readCertRep(der: Uint8Array, o: ReadCertRepOptions): Promise<CertRepResponse> {
  const message = await parsePkiMessage(der, { ...o, extraCertificates: o.trusted });
  if (message.messageType !== 'CertRep') throw new ResponseMismatchError(`expected a CertRep, got ${message.messageType}`);
  if (message.transactionId !== o.request.transactionId) throw new ResponseMismatchError('transactionID does not match the request');
  if (!message.recipientNonce || !equalBytes(message.recipientNonce, o.request.senderNonce)) {
    throw new ResponseMismatchError('recipientNonce does not echo our senderNonce');
  }
  if (o.trusted && !o.trusted.some((t) => equalBytes(t.der, message.signer.der) || equalBytes(t.publicKey.der, message.signer.publicKey.der))) {
    throw new UntrustedSignerError('the CertRep signer is not a trusted CA/RA certificate');
  }
  const base = { message, status: message.pkiStatus as PkiStatus, failInfo: message.failInfo, failInfoText: message.failInfoText };
  if (message.pkiStatus !== 'SUCCESS') return { ...base, certificates: [], crls: [] };
  if (!o.recipient) throw new TypeError('a recipient certificate and key are needed to decrypt a SUCCESS CertRep');
  const limits = o.limits ?? DEFAULT_DER_LIMITS;
  const envDer = message.envelope;
  if (!envDer) throw new MalformedError('SUCCESS CertRep without content');
  const env = guard('CertRep envelope', () => readEnvelope(new DerInput(envDer, limits).root('CertRep envelope')));
  const opened = await openEnvelopedData(env, { recipients: [o.recipient], crypto: o.crypto, legacy: o.legacy });
  const inner = guard('CertRep content', () => {
    const ci = readContentInfo(new DerInput(opened.content, limits).root('CertRep content'), 'CertRep content');
    if (ci.contentType !== O.id_signedData) throw new MalformedError('CertRep content is not SignedData');
    return readSignedData(ci.content, 'degenerate SignedData');
  });
  return { ...base, certificates: inner.certificates, crls: inner.crls };
}

export type { MessageType };
