/**
 * Reading a PKIMessage (RFC 8894 §3.2): ContentInfo → SignedData → signer certificate → signature
 * over the signed attributes as received → messageDigest and contentType → the SCEP attributes.
 * A PkiMessage object only exists once all of that has verified.
 */
import type { DigestName, LegacyPolicy, SignatureAlgorithm, SignerInfoSignatureStyle } from '../algorithms.js';
import { readContentInfo, readSignedData, verifySignerInfo, type SignedData } from '../cms/signed-data.js';
import type { CryptoProvider } from '../crypto/types.js';
import { DEFAULT_DER_LIMITS, DerInput, type DerLimits, type Element, readOctets, readString, readTime } from '../der/reader.js';
import {
  type FailInfo,
  guard,
  InvalidAttributeError,
  LimitExceededError,
  MalformedError,
  MissingAttributeError,
  ScepError,
  UnsupportedMessageTypeError,
} from '../errors.js';
import * as O from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import { failInfoFromNumber, messageTypeFromNumber, pkiStatusFromNumber, type MessageType, type PkiStatus } from './types.js';

/** Default cap on a PKIMessage's size. Real requests are 2-6 kB; CertReps with long chains ~20 kB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;

export interface PkiMessage {
  readonly der: Uint8Array;
  readonly messageType: MessageType;
  readonly transactionId: string;
  readonly senderNonce: Uint8Array;
  readonly recipientNonce: Uint8Array | undefined;
  readonly pkiStatus: PkiStatus | undefined;
  readonly failInfo: FailInfo | undefined;
  readonly failInfoText: string | undefined;
  readonly signingTime: Date | undefined;
  /** The certificate that signed the message (self-signed for a first PKCSReq, the old cert for renewal). */
  readonly signer: Certificate;
  /** All certificates carried in the SignedData. */
  readonly certificates: readonly Certificate[];
  readonly digest: DigestName;
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** How the signer wrote the SignerInfo signature OID, for replying in kind if wanted. */
  readonly signatureStyle: SignerInfoSignatureStyle;
  /** The pkcsPKIEnvelope bytes (DER of ContentInfo(EnvelopedData)); absent in FAILURE/PENDING CertReps. */
  readonly envelope: Uint8Array | undefined;
  /** 'ber' when any part arrived with indefinite lengths. */
  readonly encoding: 'der' | 'ber';
}

export interface ParseOptions {
  readonly crypto: CryptoProvider;
  /** Legacy algorithms accepted (default none). */
  readonly legacy?: LegacyPolicy | undefined;
  readonly limits?: DerLimits | undefined;
  /** Largest message accepted, in bytes (default 256 KiB). */
  readonly maxMessageSize?: number | undefined;
  /** Signer certificates to look in besides those the message carries (e.g. the CA's, for clients). */
  readonly extraCertificates?: readonly Certificate[] | undefined;
}

const NONCE_MIN = 8;
const NONCE_MAX = 64;
const TRANSACTION_ID_MAX = 256;

function single(attrs: ReadonlyMap<string, readonly Element[]>, oid: string, name: string, required: boolean): Element | undefined {
  const v = attrs.get(oid);
  if (v === undefined) {
    if (required) throw new MissingAttributeError(name);
    return undefined;
  }
  if (v.length !== 1) throw new InvalidAttributeError(name, 'must have exactly one value');
  return v[0];
}

/** Decodes one SCEP attribute value: a value of the wrong ASN.1 type is an invalid attribute, like a wrong value. */
function attributeValue<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ScepError && err.code !== 'ERR_MALFORMED') throw err;
    throw new InvalidAttributeError(name, 'cannot be decoded', { cause: err });
  }
}

function decimal(el: Element, name: string): number {
  const s = attributeValue(name, () => readString(el, name));
  if (!/^\d{1,3}$/.test(s)) throw new InvalidAttributeError(name, 'not a small decimal number');
  return Number(s);
}

function nonce(el: Element, name: string): Uint8Array {
  const n = attributeValue(name, () => readOctets(el, name));
  if (n.length < NONCE_MIN || n.length > NONCE_MAX) throw new InvalidAttributeError(name, 'bad length');
  return n;
}

/** Reads the SignedData of a PKIMessage without verifying it (shared by parse and peek). */
function readOuter(der: Uint8Array, o: { readonly limits?: DerLimits | undefined; readonly maxMessageSize?: number | undefined }): {
  sd: SignedData;
  input: DerInput;
  root: Element;
} {
  if (!(der instanceof Uint8Array)) throw new TypeError('a PKIMessage must be a Uint8Array');
  if (der.length > (o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)) throw new LimitExceededError('PKIMessage too large');
  const input = new DerInput(der, o.limits ?? DEFAULT_DER_LIMITS);
  return guard('PKIMessage', () => {
    const root = input.root('PKIMessage');
    const ci = readContentInfo(root, 'PKIMessage');
    if (ci.contentType !== O.id_signedData) throw new MalformedError('PKIMessage is not SignedData');
    const sd = readSignedData(ci.content);
    if (sd.signerInfos.length !== 1) throw new MalformedError('PKIMessage must have exactly one SignerInfo');
    if (sd.eContentType !== O.id_data) throw new MalformedError('PKIMessage eContentType must be id-data');
    return { sd, input, root };
  });
}

function anyIndefinite(el: Element): boolean {
  if (el.indefinite) return true;
  if (!el.constructed || el.kids === undefined) return false;
  return el.kids.some(anyIndefinite);
}

/** Parses and verifies a PKIMessage. Raises only ScepError subclasses for bad input. */
export async function parsePkiMessage(der: Uint8Array, options: ParseOptions): Promise<PkiMessage> {
  const { sd, root } = readOuter(der, options);
  const si = sd.signerInfos[0] as SignedData['signerInfos'][number];
  const verified = await guardAsync(() => verifySignerInfo(sd, si, { crypto: options.crypto, legacy: options.legacy, extraCertificates: options.extraCertificates }));
  const a = si.attributes;
  const mt = decimal(single(a, O.id_messageType, 'messageType', true) as Element, 'messageType');
  const messageType = messageTypeFromNumber(mt);
  if (!messageType) throw new UnsupportedMessageTypeError(mt);
  const txEl = single(a, O.id_transactionID, 'transactionID', true) as Element;
  const transactionId = attributeValue('transactionID', () => readString(txEl, 'transactionID'));
  if (transactionId.length === 0 || transactionId.length > TRANSACTION_ID_MAX) throw new InvalidAttributeError('transactionID', 'bad length');
  const senderNonceEl = single(a, O.id_senderNonce, 'senderNonce', messageType !== 'CertRep');
  const recipientNonceEl = single(a, O.id_recipientNonce, 'recipientNonce', messageType === 'CertRep');
  let pkiStatus: PkiStatus | undefined;
  let failInfo: FailInfo | undefined;
  let failInfoText: string | undefined;
  if (messageType === 'CertRep') {
    const st = decimal(single(a, O.id_pkiStatus, 'pkiStatus', true) as Element, 'pkiStatus');
    pkiStatus = pkiStatusFromNumber(st);
    if (!pkiStatus) throw new InvalidAttributeError('pkiStatus', 'unknown value');
    const fi = single(a, O.id_failInfo, 'failInfo', pkiStatus === 'FAILURE');
    if (fi) {
      failInfo = failInfoFromNumber(decimal(fi, 'failInfo'));
      if (!failInfo) throw new InvalidAttributeError('failInfo', 'unknown value');
    }
    const ft = single(a, O.id_scep_failInfoText, 'failInfoText', false);
    if (ft) failInfoText = attributeValue('failInfoText', () => readString(ft, 'failInfoText'));
  }
  const st = single(a, O.id_signingTime, 'signingTime', false);
  const signingTime = st ? attributeValue('signingTime', () => readTime(st, 'signingTime')) : undefined;
  const hasEnvelope = sd.eContent !== undefined && sd.eContent.length > 0;
  if (messageType !== 'CertRep' && !hasEnvelope) throw new MalformedError('request without a pkcsPKIEnvelope');
  if (pkiStatus !== undefined && pkiStatus !== 'SUCCESS' && hasEnvelope) throw new MalformedError(`${pkiStatus} CertRep must not carry content`);
  return {
    der,
    messageType,
    transactionId,
    senderNonce: senderNonceEl ? nonce(senderNonceEl, 'senderNonce') : new Uint8Array(0),
    recipientNonce: recipientNonceEl ? nonce(recipientNonceEl, 'recipientNonce') : undefined,
    pkiStatus,
    failInfo,
    failInfoText,
    signingTime,
    signer: verified.certificate,
    certificates: sd.certificates,
    digest: verified.digest.name,
    signatureAlgorithm: verified.signatureAlgorithm,
    signatureStyle: verified.signatureStyle,
    envelope: hasEnvelope ? sd.eContent : undefined,
    encoding: anyIndefinite(root) ? 'ber' : 'der',
  };
}

async function guardAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScepError) throw err;
    throw new MalformedError('PKIMessage is malformed', { cause: err });
  }
}

export interface UnverifiedFields {
  readonly messageType: MessageType | undefined;
  readonly transactionId: string | undefined;
  readonly senderNonce: Uint8Array | undefined;
}

/**
 * Best-effort read of a message's transactionID, senderNonce and messageType WITHOUT verifying
 * anything, so a server can still address a FAILURE CertRep (badMessageCheck) to a message that
 * failed verification. Never throws; fields it cannot read are undefined. Never trust these values
 * for anything but echoing them back.
 */
export function peekPkiMessage(der: Uint8Array, options: { readonly limits?: DerLimits; readonly maxMessageSize?: number } = {}): UnverifiedFields {
  const none: UnverifiedFields = { messageType: undefined, transactionId: undefined, senderNonce: undefined };
  try {
    const { sd } = readOuter(der, options);
    const a = (sd.signerInfos[0] as SignedData['signerInfos'][number]).attributes;
    const get = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch {
        return undefined;
      }
    };
    const mt = get(() => messageTypeFromNumber(decimal(single(a, O.id_messageType, 'messageType', true) as Element, 'messageType')));
    const tx = get(() => readString(single(a, O.id_transactionID, 'transactionID', true), 'transactionID'));
    const sn = get(() => nonce(single(a, O.id_senderNonce, 'senderNonce', true) as Element, 'senderNonce'));
    return { messageType: mt, transactionId: tx !== undefined && tx.length > 0 && tx.length <= TRANSACTION_ID_MAX ? tx : undefined, senderNonce: sn };
  } catch {
    return none;
  }
}
