/** CMS EnvelopedData with key transport recipients (RFC 5652 §6). */
import {
  cipherByName,
  cipherFromAlgorithm,
  encodeCipherAlgorithm,
  encodeKeyTransportAlgorithm,
  keyTransportFromAlgorithm,
  readAlgorithmIdentifier,
  type AlgorithmIdentifier,
  type CipherName,
  type KeyTransportAlgorithm,
  type LegacyPolicy,
} from '../algorithms.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { type Element, readOctets, readOid, readSmallInt, sequence, setOf, Tag } from '../der/reader.js';
import { constructed, encode, integer, oid, octetString, sequence as seq, setOf as encSetOf, tlv, tlvRef, type DerPart } from '../der/writer.js';
import { DecryptionError, MalformedError, RecipientNotFoundError, UnsupportedAlgorithmError } from '../errors.js';
import * as O from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import { certificateMatches, encodeContentInfo, encodeIssuerAndSerialNumber, readContentInfo, readSignerIdentifier, type SignerIdentifier } from './signed-data.js';

export interface KeyTransRecipientInfo {
  readonly version: number;
  readonly rid: SignerIdentifier;
  readonly keyEncryptionAlgorithm: AlgorithmIdentifier;
  readonly encryptedKey: Uint8Array;
}

export interface EnvelopedData {
  readonly version: number;
  /** KeyTransRecipientInfos; other recipient kinds are counted in `otherRecipients` and skipped. */
  readonly recipients: readonly KeyTransRecipientInfo[];
  readonly otherRecipients: number;
  readonly contentType: string;
  readonly contentEncryptionAlgorithm: AlgorithmIdentifier;
  readonly encryptedContent: Uint8Array;
}

export function readEnvelopedData(el: Element, what = 'EnvelopedData'): EnvelopedData {
  const f = sequence(el, what, 3, 5);
  let i = 0;
  const version = readSmallInt(f[i++], `${what} version`);
  if (f[i]?.tag === 0xa0) i++; // originatorInfo: not used by key transport
  const recipients: KeyTransRecipientInfo[] = [];
  let otherRecipients = 0;
  for (const r of setOf(f[i++], `${what} recipientInfos`)) {
    if (r.tag !== Tag.SEQUENCE) {
      otherRecipients++;
      continue;
    }
    const [v, rid, alg, key] = sequence(r, `${what} KeyTransRecipientInfo`, 4, 4);
    recipients.push({
      version: readSmallInt(v, 'KeyTransRecipientInfo version'),
      rid: readSignerIdentifier(rid, 'KeyTransRecipientInfo rid'),
      keyEncryptionAlgorithm: readAlgorithmIdentifier(alg, 'keyEncryptionAlgorithm'),
      encryptedKey: readOctets(key, 'encryptedKey'),
    });
  }
  const eci = sequence(f[i++], `${what} encryptedContentInfo`, 2, 3);
  const contentType = readOid(eci[0], 'encryptedContentInfo contentType');
  const contentEncryptionAlgorithm = readAlgorithmIdentifier(eci[1], 'contentEncryptionAlgorithm');
  // [0] IMPLICIT OCTET STRING: primitive (strongSwan) or constructed with segments (Go, BER clients).
  if (eci[2] === undefined) throw new MalformedError(`${what}: no encryptedContent`);
  const encryptedContent = readOctets(eci[2], 'encryptedContent', 0x80);
  if (i < f.length && f[i]?.tag !== 0xa1) throw new MalformedError(`${what}: unexpected field`);
  if (recipients.length === 0 && otherRecipients === 0) throw new MalformedError(`${what}: no recipients`);
  return { version, recipients, otherRecipients, contentType, contentEncryptionAlgorithm, encryptedContent };
}

/**
 * The pkcsPKIEnvelope travels as the DER of ContentInfo(EnvelopedData) (RFC 8894 §3.2.2). Some
 * clients put a bare EnvelopedData there; that is accepted on input, never produced.
 */
export function readEnvelope(el: Element): EnvelopedData {
  const first = el.children()[0];
  if (first?.tag === Tag.OID) {
    const ci = readContentInfo(el, 'pkcsPKIEnvelope');
    if (ci.contentType !== O.id_envelopedData) throw new MalformedError('pkcsPKIEnvelope is not EnvelopedData');
    return readEnvelopedData(ci.content);
  }
  return readEnvelopedData(el);
}

export interface EnvelopeRecipient {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
}

export interface OpenEnvelopeOptions {
  /** Our certificates and keys (e.g. the RA's encryption certificate). The first matching one is used. */
  readonly recipients: readonly EnvelopeRecipient[];
  readonly crypto: CryptoProvider;
  readonly legacy?: LegacyPolicy | undefined;
}

export interface OpenedEnvelope {
  readonly content: Uint8Array;
  readonly cipher: CipherName;
  readonly keyTransport: KeyTransportAlgorithm;
  /** The certificate whose key opened it. */
  readonly recipient: Certificate;
}

/** Decrypts an EnvelopedData addressed to one of `recipients` (RFC 5652 §6.2.1, §6.3). */
export async function openEnvelopedData(env: EnvelopedData, o: OpenEnvelopeOptions): Promise<OpenedEnvelope> {
  let match: { ktri: KeyTransRecipientInfo; r: EnvelopeRecipient } | undefined;
  for (const ktri of env.recipients) {
    const r = o.recipients.find((x) => x.key.unwrapKey !== undefined && certificateMatches(x.certificate, ktri.rid));
    if (r) {
      match = { ktri, r };
      break;
    }
  }
  if (!match) throw new RecipientNotFoundError('the envelope is not addressed to any of our certificates');
  const { cipher, iv } = cipherFromAlgorithm(env.contentEncryptionAlgorithm, o.legacy);
  const keyTransport = keyTransportFromAlgorithm(match.ktri.keyEncryptionAlgorithm);
  if (env.encryptedContent.length === 0 || env.encryptedContent.length % (cipher.ivLength) !== 0) throw new DecryptionError();
  const unwrap = match.r.key.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>;
  const cek = await unwrap(keyTransport, match.ktri.encryptedKey, cipher.keyLength);
  let content: Uint8Array;
  try {
    content = await o.crypto.decrypt(cipher.name, cek, iv, env.encryptedContent);
  } catch (err) {
    throw new DecryptionError({ cause: err });
  }
  return { content, cipher: cipher.name, keyTransport, recipient: match.r.certificate };
}

export type RecipientIdentifierStyle = 'issuerAndSerialNumber' | 'subjectKeyIdentifier';

export interface EnvelopeOptions {
  readonly content: Uint8Array;
  readonly recipients: readonly Certificate[];
  readonly cipher: CipherName;
  readonly keyTransport?: KeyTransportAlgorithm;
  readonly recipientIdentifier?: RecipientIdentifierStyle;
  /** 'primitive' (default, DER) or 'constructed' segments, as the Go clients write. */
  readonly encryptedContentForm?: 'primitive' | 'constructed';
  readonly legacy?: LegacyPolicy | undefined;
  readonly crypto: CryptoProvider;
}

/** Encrypts `content` to every recipient; returns the DER of ContentInfo(EnvelopedData). */
export async function buildEnvelope(o: EnvelopeOptions): Promise<Uint8Array> {
  if (o.recipients.length === 0) throw new TypeError('an envelope needs at least one recipient');
  const cipher = cipherByName(o.cipher, o.legacy);
  const keyTransport = o.keyTransport ?? { scheme: 'RSAES-PKCS1-v1_5' };
  const cek = o.crypto.randomBytes(cipher.keyLength);
  const iv = o.crypto.randomBytes(cipher.ivLength);
  const ski = o.recipientIdentifier === 'subjectKeyIdentifier';
  const ktris: DerPart[] = [];
  for (const r of o.recipients) {
    if (r.publicKey.type !== 'RSA') throw new UnsupportedAlgorithmError('key transport needs an RSA recipient certificate');
    let rid: Uint8Array;
    if (ski) {
      if (!r.subjectKeyIdentifier) throw new TypeError('recipient certificate has no subjectKeyIdentifier');
      rid = tlv(0x80, r.subjectKeyIdentifier);
    } else rid = encodeIssuerAndSerialNumber(r);
    const encryptedKey = await o.crypto.wrapKey(keyTransport, r.publicKey.der, cek);
    ktris.push(seq(integer(ski ? 2 : 0), rid, encodeKeyTransportAlgorithm(keyTransport), octetString(encryptedKey)));
  }
  const ciphertext = await o.crypto.encrypt(cipher.name, cek, iv, o.content);
  // Constructed: one segment in a definite-length [0], byte for byte what the Go SCEP peers write.
  const encryptedContent = o.encryptedContentForm === 'constructed' ? constructed(0xa0, [tlvRef(Tag.OCTET_STRING, ciphertext)]) : tlvRef(0x80, ciphertext);
  // RFC 5652 §6.1: version 2 when any recipient uses a subjectKeyIdentifier, else 0.
  const env = seq(integer(ski ? 2 : 0), encSetOf(ktris), seq(oid(O.id_data), encodeCipherAlgorithm(cipher, iv), encryptedContent));
  return encode(encodeContentInfo(O.id_envelopedData, env));
}

/** True when a reply can be key-transported to this certificate's key (RSA only). */
export const canEncryptTo = (cert: Certificate): boolean => cert.publicKey.type === 'RSA';
