/** X.509 certificates (RFC 5280 §4.1): a fast parser for what SCEP needs, and a builder. */
import {
  encodeSignatureAlgorithm,
  readAlgorithmIdentifier,
  signatureFromAlgorithm,
  type AlgorithmIdentifier,
  type LegacyPolicy,
  type SignatureAlgorithm,
} from '../algorithms.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { verifySignature } from '../crypto/verify-signature.js';
import { type Element, explicit as readExplicit, readBitString, readIntegerBytes, readSmallInt, readTime, sequence, type DerLimits, DerInput } from '../der/reader.js';
import { bitString, encode, explicit, integer, integerRaw, sequence as seq, time, type DerPart } from '../der/writer.js';
import { CertificateError, isScepError, MalformedError } from '../errors.js';
import * as O from '../oids.js';
import { toHex } from '../util/bytes.js';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectAltName,
  decodeSubjectKeyIdentifier,
  encodeExtension,
  readExtensions,
  type BasicConstraints,
  type Extension,
  type GeneralName,
  type KeyUsage,
} from './extensions.js';
import { encodeName, readName, type Name, type NameInput } from './name.js';
import { parsePublicKeyInfo, readPublicKeyInfo, type PublicKeyInfo } from './public-key.js';

export interface Certificate {
  readonly der: Uint8Array;
  /** TBSCertificate as received: what the issuer signed. */
  readonly tbs: Uint8Array;
  readonly version: 1 | 2 | 3;
  /** serialNumber INTEGER content octets as received (two's complement). */
  readonly serialNumber: Uint8Array;
  /** Lower-case hex of `serialNumber`. */
  readonly serialNumberHex: string;
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKeyInfo;
  readonly extensions: readonly Extension[];
  readonly subjectKeyIdentifier: Uint8Array | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly keyUsage: KeyUsage | undefined;
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly basicConstraints: BasicConstraints | undefined;
  readonly subjectAltNames: readonly GeneralName[];
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export function readCertificate(el: Element, what = 'certificate'): Certificate {
  try {
    const [tbsEl, sigAlgEl, sigEl] = sequence(el, what, 3, 3) as [Element, Element, Element];
    const f = sequence(tbsEl, `${what} tbsCertificate`, 6, 10);
    let i = 0;
    let version: 1 | 2 | 3 = 1;
    if (f[0]?.tag === 0xa0) {
      const v = readSmallInt(readExplicit(f[i++], 0, `${what} version`), `${what} version`);
      if (v > 2) throw new MalformedError(`${what}: unknown version`);
      version = (v + 1) as 1 | 2 | 3;
    }
    const serialNumber = readIntegerBytes(f[i++], `${what} serialNumber`);
    if (serialNumber.length > 64) throw new MalformedError(`${what}: serialNumber too long`);
    readAlgorithmIdentifier(f[i++], `${what} signature`);
    const issuer = readName(f[i++], `${what} issuer`);
    const [nb, na] = sequence(f[i++], `${what} validity`, 2, 2);
    const notBefore = readTime(nb, `${what} notBefore`);
    const notAfter = readTime(na, `${what} notAfter`);
    const subject = readName(f[i++], `${what} subject`);
    const publicKey = readPublicKeyInfo(f[i++], `${what} subjectPublicKeyInfo`);
    let extensions: Extension[] = [];
    for (; i < f.length; i++) {
      const e = f[i] as Element;
      if (e.tag === 0x81 || e.tag === 0x82 || e.tag === 0xa1 || e.tag === 0xa2) continue; // unique IDs
      if (e.tag === 0xa3) {
        if (version !== 3) throw new MalformedError(`${what}: extensions in a v${version} certificate`);
        extensions = readExtensions(readExplicit(e, 3, `${what} extensions`), `${what} extensions`);
      } else throw new MalformedError(`${what}: unexpected field in tbsCertificate`);
    }
    const ext = (id: string): Uint8Array | undefined => extensions.find((x) => x.oid === id)?.value;
    const ski = ext(O.id_ce_subjectKeyIdentifier);
    const aki = ext(O.id_ce_authorityKeyIdentifier);
    const ku = ext(O.id_ce_keyUsage);
    const eku = ext(O.id_ce_extKeyUsage);
    const bc = ext(O.id_ce_basicConstraints);
    const san = ext(O.id_ce_subjectAltName);
    const sig = readBitString(sigEl, `${what} signature`);
    return {
      der: el.raw(),
      tbs: tbsEl.raw(),
      version,
      serialNumber,
      serialNumberHex: toHex(serialNumber),
      issuer,
      subject,
      notBefore,
      notAfter,
      publicKey,
      extensions,
      subjectKeyIdentifier: ski && decodeSubjectKeyIdentifier(ski),
      authorityKeyIdentifier: aki && decodeAuthorityKeyIdentifier(aki),
      keyUsage: ku && decodeKeyUsage(ku),
      extendedKeyUsage: eku && decodeExtKeyUsage(eku),
      basicConstraints: bc && decodeBasicConstraints(bc),
      subjectAltNames: san ? decodeSubjectAltName(san) : [],
      signatureAlgorithm: readAlgorithmIdentifier(sigAlgEl, `${what} signatureAlgorithm`),
      signature: sig.bytes,
    };
  } catch (err) {
    if (isScepError(err) && err.code !== 'ERR_MALFORMED') throw err;
    throw new CertificateError(`${what} is not a valid X.509 certificate`, { cause: err });
  }
}

/** Parses one DER (or BER) certificate. Raises CertificateError on anything else. */
export function parseCertificate(der: Uint8Array, limits?: DerLimits): Certificate {
  let root: Element;
  try {
    root = new DerInput(der, limits).root('certificate');
  } catch (err) {
    throw new CertificateError('not a DER certificate', { cause: err });
  }
  return readCertificate(root);
}

/**
 * Verifies `cert`'s signature with the issuer's public key (DER SubjectPublicKeyInfo, or already
 * parsed). False also when the signature algorithm does not fit the key's type.
 */
export async function verifyCertificateSignature(
  cert: Certificate,
  issuerPublicKey: Uint8Array | PublicKeyInfo,
  crypto: CryptoProvider,
  legacy?: LegacyPolicy,
): Promise<boolean> {
  const algorithm = signatureFromAlgorithm(cert.signatureAlgorithm, legacy);
  const publicKey = issuerPublicKey instanceof Uint8Array ? parsePublicKeyInfo(issuerPublicKey) : issuerPublicKey;
  return verifySignature({ crypto, algorithm, publicKey, data: cert.tbs, signature: cert.signature });
}

export function isSelfIssued(cert: Certificate): boolean {
  return cert.issuer.der.length === cert.subject.der.length && cert.issuer.der.every((b, i) => b === cert.subject.der[i]);
}

/** True when `at` lies within the certificate's validity, widened by `graceMs` at both ends. */
export function isWithinValidity(cert: Certificate, at: Date, graceMs = 0): boolean {
  const t = at.getTime();
  return t >= cert.notBefore.getTime() - graceMs && t <= cert.notAfter.getTime() + graceMs;
}

// --- Building ------------------------------------------------------------------------------------

export interface CertificateTemplate {
  /** 3 (default) or 1 (no extensions allowed: the shape certmonger's first signer has). */
  readonly version?: 1 | 3;
  /** Positive serial number: a bigint, or unsigned big-endian bytes. */
  readonly serialNumber: bigint | Uint8Array;
  readonly issuer: NameInput;
  readonly subject: NameInput;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER of the certified key. */
  readonly publicKeyInfo: Uint8Array;
  readonly extensions?: readonly Extension[];
  readonly signatureAlgorithm: SignatureAlgorithm;
}

/** Encodes the TBSCertificate for a template (useful when the signature is made elsewhere). */
export function encodeTbsCertificate(t: CertificateTemplate): Uint8Array {
  const version = t.version ?? 3;
  const exts = t.extensions ?? [];
  if (version === 1 && exts.length > 0) throw new TypeError('a v1 certificate cannot carry extensions');
  const serial =
    t.serialNumber instanceof Uint8Array
      ? (t.serialNumber.length > 0 && ((t.serialNumber[0] as number) & 0x80) === 0 ? integerRaw(trimZeros(t.serialNumber)) : integer(t.serialNumber))
      : integer(t.serialNumber);
  const parts: DerPart[] = [];
  if (version === 3) parts.push(explicit(0, integer(2)));
  parts.push(
    serial,
    encodeSignatureAlgorithm(t.signatureAlgorithm),
    encodeName(t.issuer),
    seq(time(t.notBefore), time(t.notAfter)),
    encodeName(t.subject),
    t.publicKeyInfo,
  );
  if (exts.length > 0) parts.push(explicit(3, seq(...exts.map(encodeExtension))));
  return encode(seq(...parts));
}

function trimZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && ((b[i + 1] as number) & 0x80) === 0) i++;
  return b.subarray(i);
}

/** Assembles and signs a certificate. Returns its DER. */
export async function buildCertificate(t: CertificateTemplate, signer: PrivateKeyHandle): Promise<Uint8Array> {
  const tbs = encodeTbsCertificate(t);
  const signature = await signer.sign(t.signatureAlgorithm, tbs);
  return encode(seq(tbs, encodeSignatureAlgorithm(t.signatureAlgorithm), bitString(signature)));
}

/** Parses `der` that must be a certificate, else throws `TypeError` (for caller-supplied configuration). */
export function certificateFromConfig(der: Uint8Array | Certificate, what: string): Certificate {
  if (!(der instanceof Uint8Array)) return der;
  try {
    return parseCertificate(der);
  } catch (err) {
    throw new TypeError(`${what} is not a DER X.509 certificate`, { cause: err });
  }
}
