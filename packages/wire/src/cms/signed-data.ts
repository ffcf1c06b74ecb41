/** CMS ContentInfo and SignedData (RFC 5652 §3, §5). */
import {
  digestFromAlgorithm,
  encodeSignerInfoSignatureAlgorithm,
  readAlgorithmIdentifier,
  signatureFromAlgorithm,
  DIGESTS,
  type AlgorithmIdentifier,
  type DigestDescriptor,
  type DigestName,
  type LegacyPolicy,
  type SignatureAlgorithm,
  type SignerInfoSignatureStyle,
} from '../algorithms.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify-signature.js';
import {
  type Element,
  explicit as readExplicit,
  readIntegerBytes,
  readOctets,
  readOid,
  readSmallInt,
  sequence,
  setOf,
  Tag,
} from '../der/reader.js';
import {
  algorithmIdentifier,
  berConstructedOctets,
  berIndefinite,
  constructed,
  encode,
  explicit,
  implicitConstructed,
  integer,
  integerRaw,
  octetString,
  tlvRef,
  type DerNode,
  type DerPart,
  oid,
  sequence as seq,
  setInOrder,
  setOf as encSetOf,
  tlv,
} from '../der/writer.js';
import { MalformedError, MessageDigestError, MissingAttributeError, SignatureError, SignerNotFoundError } from '../errors.js';
import * as O from '../oids.js';
import { copyBytes, equalBytes } from '../util/bytes.js';
import { readCertificate, type Certificate } from '../x509/certificate.js';

export interface ContentInfo {
  readonly contentType: string;
  /** The element inside `[0] EXPLICIT`. */
  readonly content: Element;
}

export function readContentInfo(el: Element, what: string): ContentInfo {
  const [t, c] = sequence(el, what, 2, 2);
  return { contentType: readOid(t, `${what} contentType`), content: readExplicit(c, 0, `${what} content`) };
}

export const encodeContentInfo = (contentType: string, content: DerPart): DerNode => seq(oid(contentType), explicit(0, content));

export type SignerIdentifier =
  | { readonly type: 'issuerAndSerialNumber'; readonly issuer: Uint8Array; readonly serialNumber: Uint8Array }
  | { readonly type: 'subjectKeyIdentifier'; readonly keyIdentifier: Uint8Array };

export function readSignerIdentifier(el: Element | undefined, what: string): SignerIdentifier {
  if (el?.tag === Tag.SEQUENCE) {
    const [issuer, serial] = sequence(el, `${what} IssuerAndSerialNumber`, 2, 2) as [Element, Element];
    sequence(issuer, `${what} issuer`);
    return { type: 'issuerAndSerialNumber', issuer: issuer.raw(), serialNumber: readIntegerBytes(serial, `${what} serialNumber`) };
  }
  if (el?.tag === 0x80 || el?.tag === 0xa0) return { type: 'subjectKeyIdentifier', keyIdentifier: readOctets(el, `${what} subjectKeyIdentifier`, 0x80) };
  throw new MalformedError(`${what}: bad identifier`);
}

export function certificateMatches(cert: Certificate, id: SignerIdentifier): boolean {
  if (id.type === 'issuerAndSerialNumber') return equalBytes(cert.serialNumber, id.serialNumber) && equalBytes(cert.issuer.der, id.issuer);
  return cert.subjectKeyIdentifier !== undefined && equalBytes(cert.subjectKeyIdentifier, id.keyIdentifier);
}

export interface SignerInfo {
  readonly version: number;
  readonly sid: SignerIdentifier;
  readonly digestAlgorithm: AlgorithmIdentifier;
  /** The signed attributes as a DER SET (tag 0x31): the bytes the signature covers (RFC 5652 §5.4). */
  readonly signedAttrs: Uint8Array | undefined;
  /** Signed attribute values by type OID. Each type appears once (RFC 5652 §11). */
  readonly attributes: ReadonlyMap<string, readonly Element[]>;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export interface SignedData {
  readonly version: number;
  readonly eContentType: string;
  /** The encapsulated content octets; undefined when absent. */
  readonly eContent: Uint8Array | undefined;
  readonly certificates: readonly Certificate[];
  /** Each CRL's DER as received. */
  readonly crls: readonly Uint8Array[];
  readonly signerInfos: readonly SignerInfo[];
}

function readSignerInfo(el: Element, what: string): SignerInfo {
  const f = sequence(el, what, 5, 7);
  let i = 0;
  const version = readSmallInt(f[i++], `${what} version`);
  const sid = readSignerIdentifier(f[i++], `${what} sid`);
  const digestAlgorithm = readAlgorithmIdentifier(f[i++], `${what} digestAlgorithm`);
  let signedAttrs: Uint8Array | undefined;
  const attributes = new Map<string, Element[]>();
  if (f[i]?.tag === 0xa0) {
    const a = f[i++] as Element;
    for (const attr of a.children()) {
      const [t, v] = sequence(attr, `${what} attribute`, 2, 2);
      const type = readOid(t, `${what} attribute type`);
      if (attributes.has(type)) throw new MalformedError(`${what}: attribute ${type} appears twice`);
      attributes.set(type, setOf(v, `${what} attribute values`));
    }
    // Verify over the bytes as received, re-tagged as SET. An indefinite outer length is the only
    // BER we rewrite: the signer must have signed the DER form (RFC 5652 §5.4).
    const sa = a.indefinite ? encode(constructed(Tag.SET, a.children().map((k) => k.raw()))) : copyBytes(a.raw());
    sa[0] = Tag.SET;
    signedAttrs = sa;
  }
  const signatureAlgorithm = readAlgorithmIdentifier(f[i++], `${what} signatureAlgorithm`);
  const signature = readOctets(f[i++], `${what} signature`);
  if (i < f.length && f[i]?.tag !== 0xa1) throw new MalformedError(`${what}: unexpected field`);
  return { version, sid, digestAlgorithm, signedAttrs, attributes, signatureAlgorithm, signature };
}

export function readSignedData(el: Element, what = 'SignedData'): SignedData {
  const f = sequence(el, what, 4, 6);
  let i = 0;
  const version = readSmallInt(f[i++], `${what} version`);
  setOf(f[i++], `${what} digestAlgorithms`);
  const [typeEl, contentEl] = sequence(f[i++], `${what} encapContentInfo`, 1, 2);
  const eContentType = readOid(typeEl, `${what} eContentType`);
  const eContent = contentEl === undefined ? undefined : readOctets(readExplicit(contentEl, 0, `${what} eContent`), `${what} eContent`);
  const certificates: Certificate[] = [];
  const crls: Uint8Array[] = [];
  if (f[i]?.tag === 0xa0) {
    for (const c of (f[i++] as Element).children()) if (c.tag === Tag.SEQUENCE) certificates.push(readCertificate(c, `${what} certificate`));
  }
  if (f[i]?.tag === 0xa1) for (const c of (f[i++] as Element).children()) crls.push(c.raw());
  const signerInfos = setOf(f[i++], `${what} signerInfos`).map((s) => readSignerInfo(s, `${what} SignerInfo`));
  if (i !== f.length) throw new MalformedError(`${what}: unexpected field`);
  return { version, eContentType, eContent, certificates, crls, signerInfos };
}

export interface VerifiedSigner {
  readonly certificate: Certificate;
  readonly digest: DigestDescriptor;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signatureStyle: SignerInfoSignatureStyle;
}

/**
 * Verifies one SignerInfo (RFC 5652 §5.6): finds its certificate (in `sd.certificates`, or among
 * `extraCertificates`), checks contentType and messageDigest, and verifies the signature over the
 * signed attributes as received.
 */
export async function verifySignerInfo(
  sd: SignedData,
  si: SignerInfo,
  options: { readonly crypto: CryptoProvider; readonly legacy?: LegacyPolicy | undefined; readonly extraCertificates?: readonly Certificate[] | undefined },
): Promise<VerifiedSigner> {
  const certificate = sd.certificates.find((c) => certificateMatches(c, si.sid)) ?? options.extraCertificates?.find((c) => certificateMatches(c, si.sid));
  if (!certificate) throw new SignerNotFoundError('no certificate matches the SignerInfo');
  const digest = digestFromAlgorithm(si.digestAlgorithm, options.legacy);
  const signatureAlgorithm = signatureFromAlgorithm(si.signatureAlgorithm, options.legacy, digest);
  if (!si.signedAttrs) throw new MissingAttributeError('signedAttrs');
  const ct = si.attributes.get(O.id_contentType);
  if (!ct || ct.length !== 1) throw new MissingAttributeError('contentType');
  if (readOid(ct[0], 'contentType attribute') !== sd.eContentType) throw new MessageDigestError('contentType attribute does not match eContentType');
  const md = si.attributes.get(O.id_messageDigest);
  if (!md || md.length !== 1) throw new MissingAttributeError('messageDigest');
  const expected = readOctets(md[0], 'messageDigest attribute');
  const actual = await options.crypto.digest(digest.name, sd.eContent ?? new Uint8Array(0));
  if (!equalBytes(expected, actual)) throw new MessageDigestError('messageDigest does not match the content');
  const ok = await verifySignature({ crypto: options.crypto, algorithm: signatureAlgorithm, publicKey: certificate.publicKey, data: si.signedAttrs, signature: si.signature });
  if (!ok) throw new SignatureError('SignerInfo signature does not verify');
  return { certificate, digest, signatureAlgorithm, signatureStyle: si.signatureAlgorithm.oid === O.rsaEncryption ? 'rsaEncryption' : 'algorithm' };
}

// --- Building ------------------------------------------------------------------------------------

export const encodeAttribute = (type: string, ...values: DerPart[]): Uint8Array => encode(seq(oid(type), encSetOf(values)));

export const encodeIssuerAndSerialNumber = (cert: Certificate): Uint8Array => encode(seq(cert.issuer.der, integerRaw(cert.serialNumber)));

export type SignerIdentifierStyle = 'issuerAndSerialNumber' | 'subjectKeyIdentifier';

export interface SignerOptions {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
  readonly digest: DigestName;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signatureStyle?: SignerInfoSignatureStyle;
  readonly identifier?: SignerIdentifierStyle;
  /** Encoded Attribute values to sign besides contentType and messageDigest. */
  readonly attributes: readonly Uint8Array[];
}

export interface SignedDataOptions {
  readonly eContentType: string;
  readonly eContent: Uint8Array | undefined;
  /** Certificates in the order given (CMS CertificateSet order is meaningful to SCEP clients). */
  readonly certificates: readonly Uint8Array[];
  readonly crls?: readonly Uint8Array[];
  readonly signer?: SignerOptions;
  /** 'ber' writes indefinite lengths and a segmented eContent, as Apple and jscep clients do. */
  readonly encoding?: 'der' | 'ber';
  readonly crypto: CryptoProvider;
}

/** Builds ContentInfo(SignedData). With no signer this is the degenerate certs-only form (RFC 8894 §3.4). */
export async function buildSignedData(o: SignedDataOptions): Promise<Uint8Array> {
  const ber = o.encoding === 'ber';
  const c = (tag: number, kids: DerPart[]): DerPart => (ber ? berIndefinite(tag, kids) : constructed(tag, kids));
  const signers: DerPart[] = [];
  const digestAlgs: Uint8Array[] = [];
  let ski = false;
  if (o.signer) {
    const s = o.signer;
    const d = DIGESTS[s.digest];
    const digest = await o.crypto.digest(d.name, o.eContent ?? new Uint8Array(0));
    const signed = encode(encSetOf([encodeAttribute(O.id_contentType, oid(o.eContentType)), encodeAttribute(O.id_messageDigest, octetString(digest)), ...s.attributes]));
    const signature = await s.key.sign(s.signatureAlgorithm, signed);
    ski = s.identifier === 'subjectKeyIdentifier';
    let sid: Uint8Array;
    if (ski) {
      if (!s.certificate.subjectKeyIdentifier) throw new TypeError('the signer certificate has no subjectKeyIdentifier');
      sid = tlv(0x80, s.certificate.subjectKeyIdentifier);
    } else sid = encodeIssuerAndSerialNumber(s.certificate);
    digestAlgs.push(algorithmIdentifier(d.oid));
    signers.push(
      seq(
        integer(ski ? 3 : 1),
        sid,
        algorithmIdentifier(d.oid),
        implicitConstructed(0, signed),
        encodeSignerInfoSignatureAlgorithm(s.signatureAlgorithm, s.signatureStyle ?? 'rsaEncryption'),
        octetString(signature),
      ),
    );
  }
  // RFC 5652 §5.1: version 3 when a SignerInfo uses SKI or eContentType is not id-data, else 1.
  const version = ski || o.eContentType !== O.id_data ? 3 : 1;
  const encap =
    o.eContent === undefined
      ? seq(oid(o.eContentType))
      : c(Tag.SEQUENCE, [oid(o.eContentType), c(0xa0, [ber ? berConstructedOctets(o.eContent) : tlvRef(Tag.OCTET_STRING, o.eContent)])]);
  const parts: DerPart[] = [integer(version), encSetOf(digestAlgs), encap];
  if (o.certificates.length > 0) parts.push(implicitConstructed(0, setInOrder(o.certificates)));
  if (o.crls && o.crls.length > 0) parts.push(implicitConstructed(1, setInOrder(o.crls)));
  parts.push(encSetOf(signers));
  const sd = c(Tag.SEQUENCE, parts);
  return encode(c(Tag.SEQUENCE, [oid(O.id_signedData), c(0xa0, [sd])]));
}

/** Degenerate certs-only SignedData (RFC 8894 §3.4) holding certificates and/or CRLs. */
export function buildDegenerateSignedData(certificates: readonly Uint8Array[], crls: readonly Uint8Array[] = []): Uint8Array {
  return encode(degenerateSignedData(certificates, crls));
}

export function degenerateSignedData(certificates: readonly Uint8Array[], crls: readonly Uint8Array[] = []): DerNode {
  const parts: DerPart[] = [integer(1), encSetOf([]), seq(oid(O.id_data))];
  if (certificates.length > 0) parts.push(implicitConstructed(0, setInOrder(certificates)));
  if (crls.length > 0) parts.push(implicitConstructed(1, setInOrder(crls)));
  parts.push(encSetOf([]));
  return encodeContentInfo(O.id_signedData, seq(...parts));
}
