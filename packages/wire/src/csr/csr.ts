/** PKCS #10 certification requests (RFC 2986), with the PKCS #9 attributes SCEP uses (RFC 2985). */
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
import { type DerLimits, DerInput, type Element, readBitString, readOid, readSmallInt, readString, sequence, setOf } from '../der/reader.js';
import { bitString, encode, implicitConstructed, integer, isPrintable, oid, printableString, sequence as seq, setOf as encSetOf, utf8String } from '../der/writer.js';
import { CsrError, CsrSignatureError, isScepError } from '../errors.js';
import * as O from '../oids.js';
import {
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectAltName,
  encodeExtension,
  readExtensions,
  type Extension,
  type GeneralName,
  type KeyUsage,
} from '../x509/extensions.js';
import { encodeName, readName, commonNameOf, type Name, type NameInput } from '../x509/name.js';
import { readPublicKeyInfo, type PublicKeyInfo } from '../x509/public-key.js';

export interface CsrAttribute {
  readonly oid: string;
  /** Each attribute value's DER as received. */
  readonly values: readonly Uint8Array[];
}

export interface CertificationRequest {
  readonly der: Uint8Array;
  /** CertificationRequestInfo as received: what the requester signed. */
  readonly info: Uint8Array;
  readonly subject: Name;
  /** The subject's commonName, if any. */
  readonly commonName: string | undefined;
  readonly publicKey: PublicKeyInfo;
  readonly attributes: readonly CsrAttribute[];
  /** PKCS #9 challengePassword (RFC 2985 §5.4.1), if present. */
  readonly challengePassword: string | undefined;
  /** Extensions from the PKCS #9 extensionRequest attribute (RFC 2985 §5.4.2). */
  readonly extensions: readonly Extension[];
  readonly subjectAltNames: readonly GeneralName[];
  readonly keyUsage: KeyUsage | undefined;
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export function readCsr(root: Element): CertificationRequest {
  try {
    const [infoEl, algEl, sigEl] = sequence(root, 'CSR', 3, 3) as [Element, Element, Element];
    const [verEl, subjEl, spkiEl, attrsEl] = sequence(infoEl, 'CertificationRequestInfo', 3, 4);
    if (readSmallInt(verEl, 'CSR version') !== 0) throw new CsrError('unsupported CSR version');
    const subject = readName(subjEl, 'CSR subject');
    const publicKey = readPublicKeyInfo(spkiEl, 'CSR subjectPKInfo');
    // attributes [0] IMPLICIT SET OF Attribute; some encoders omit it when empty.
    const attributes: CsrAttribute[] = [];
    if (attrsEl !== undefined) {
      if (attrsEl.tag !== 0xa0) throw new CsrError('CSR attributes must be [0]');
      const seen = new Set<string>(); // not attributes.some(): quadratic in what a client sends
      for (const a of attrsEl.children()) {
        const [t, v] = sequence(a, 'CSR attribute', 2, 2);
        const id = readOid(t, 'CSR attribute type');
        if (seen.has(id)) throw new CsrError(`CSR attribute ${id} appears twice`);
        seen.add(id);
        attributes.push({ oid: id, values: setOf(v, 'CSR attribute values').map((e) => e.raw()) });
      }
    }
    let challengePassword: string | undefined;
    let extensions: Extension[] = [];
    for (const a of attrsEl?.children() ?? []) {
      const [t, v] = a.children() as [Element, Element];
      const id = readOid(t, 'CSR attribute type');
      const values = v.children();
      if (id === O.id_challengePassword) {
        if (values.length !== 1) throw new CsrError('challengePassword must have one value');
        challengePassword = readString(values[0], 'challengePassword');
      } else if (id === O.id_extensionRequest) {
        if (values.length !== 1) throw new CsrError('extensionRequest must have one value');
        extensions = readExtensions(values[0] as Element, 'extensionRequest');
      }
    }
    const ext = (id: string): Uint8Array | undefined => extensions.find((x) => x.oid === id)?.value;
    const san = ext(O.id_ce_subjectAltName);
    const ku = ext(O.id_ce_keyUsage);
    const eku = ext(O.id_ce_extKeyUsage);
    return {
      der: root.raw(),
      info: infoEl.raw(),
      subject,
      commonName: commonNameOf(subject),
      publicKey,
      attributes,
      challengePassword,
      extensions,
      subjectAltNames: san ? decodeSubjectAltName(san) : [],
      keyUsage: ku && decodeKeyUsage(ku),
      extendedKeyUsage: eku && decodeExtKeyUsage(eku),
      signatureAlgorithm: readAlgorithmIdentifier(algEl, 'CSR signatureAlgorithm'),
      signature: readBitString(sigEl, 'CSR signature').bytes,
    };
  } catch (err) {
    if (err instanceof CsrError) throw err;
    if (isScepError(err) && err.code !== 'ERR_MALFORMED') throw err;
    throw new CsrError('not a valid PKCS #10 request', { cause: err });
  }
}

/** Parses a DER (or BER) PKCS #10 request. Raises CsrError on anything else. Does not verify it. */
export function parseCsr(der: Uint8Array, limits?: DerLimits): CertificationRequest {
  let root: Element;
  try {
    root = new DerInput(der, limits).root('CSR');
  } catch (err) {
    throw new CsrError('not a DER PKCS #10 request', { cause: err });
  }
  return readCsr(root);
}

/** Verifies the CSR's self-signature (proof of possession). Raises CsrSignatureError if it fails. */
export async function verifyCsr(csr: CertificationRequest, crypto: CryptoProvider, legacy?: LegacyPolicy): Promise<void> {
  const algorithm = signatureFromAlgorithm(csr.signatureAlgorithm, legacy);
  let ok: boolean;
  try {
    ok = await verifySignature({ crypto, algorithm, publicKey: csr.publicKey, data: csr.info, signature: csr.signature });
  } catch (err) {
    if (isScepError(err) && err.code !== 'ERR_MALFORMED') throw err;
    throw new CsrSignatureError('CSR public key or signature is unusable', { cause: err });
  }
  if (!ok) throw new CsrSignatureError();
}

export interface CsrTemplate {
  readonly subject: NameInput;
  readonly challengePassword?: string;
  readonly extensions?: readonly Extension[];
  /** Further attributes, each value already DER-encoded. */
  readonly attributes?: readonly CsrAttribute[];
  readonly signatureAlgorithm: SignatureAlgorithm;
}

function attribute(id: string, values: readonly Uint8Array[]): Uint8Array {
  return encode(seq(oid(id), encSetOf(values)));
}

/** Builds and signs a PKCS #10 request for `key`. Returns its DER. */
export async function buildCsr(t: CsrTemplate, key: PrivateKeyHandle): Promise<Uint8Array> {
  const attrs: Uint8Array[] = [];
  if (t.challengePassword !== undefined) {
    const v = isPrintable(t.challengePassword) ? printableString(t.challengePassword) : utf8String(t.challengePassword);
    attrs.push(attribute(O.id_challengePassword, [v]));
  }
  if (t.extensions && t.extensions.length > 0) attrs.push(attribute(O.id_extensionRequest, [encode(seq(...t.extensions.map(encodeExtension)))]));
  for (const a of t.attributes ?? []) attrs.push(attribute(a.oid, a.values));
  const info = encode(seq(integer(0), encodeName(t.subject), key.publicKeyInfo, implicitConstructed(0, encSetOf(attrs))));
  const signature = await key.sign(t.signatureAlgorithm, info);
  return encode(seq(info, encodeSignatureAlgorithm(t.signatureAlgorithm), bitString(signature)));
}
