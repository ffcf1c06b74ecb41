/**
 * The algorithm descriptor table. Nothing else in the codec switches on algorithm names or OIDs:
 * parsing maps an AlgorithmIdentifier to a descriptor here, building maps a name to its encoding.
 * Legacy algorithms (MD5, SHA-1, DES, 3DES) are refused unless the caller opts in by name.
 */
import { parseDer, readOid, sequence, Tag, readOctets, type Element } from './der/reader.js';
import { algorithmIdentifier, encode, NULL, octetString, sequence as seq, explicit, integer, oid as encOid } from './der/writer.js';
import { LegacyAlgorithmError, MalformedError, UnsupportedAlgorithmError } from './errors.js';
import * as O from './oids.js';

export type DigestName = 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';
export type CipherName = 'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC' | 'DES-EDE3-CBC' | 'DES-CBC';
export type LegacyAlgorithm = 'MD5' | 'SHA-1' | 'DES-CBC' | 'DES-EDE3-CBC';

/**
 * Which legacy algorithms a caller accepts: `false`/absent (none, the default), `true` (all), or a
 * list of names, e.g. `['SHA-1', 'DES-CBC']` for micromdm scepclient.
 */
export type LegacyPolicy = boolean | readonly LegacyAlgorithm[];

export interface DigestDescriptor {
  readonly name: DigestName;
  readonly oid: string;
  readonly length: number;
  readonly legacy: boolean;
  readonly rsaSignatureOid: string;
  readonly ecdsaSignatureOid: string | undefined;
}

export interface CipherDescriptor {
  readonly name: CipherName;
  readonly oid: string;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly legacy: boolean;
}

export const DIGESTS: Readonly<Record<DigestName, DigestDescriptor>> = {
  MD5: { name: 'MD5', oid: O.id_md5, length: 16, legacy: true, rsaSignatureOid: O.md5WithRSAEncryption, ecdsaSignatureOid: undefined },
  'SHA-1': { name: 'SHA-1', oid: O.id_sha1, length: 20, legacy: true, rsaSignatureOid: O.sha1WithRSAEncryption, ecdsaSignatureOid: O.ecdsa_with_SHA1 },
  'SHA-224': { name: 'SHA-224', oid: O.id_sha224, length: 28, legacy: false, rsaSignatureOid: O.sha224WithRSAEncryption, ecdsaSignatureOid: O.ecdsa_with_SHA224 },
  'SHA-256': { name: 'SHA-256', oid: O.id_sha256, length: 32, legacy: false, rsaSignatureOid: O.sha256WithRSAEncryption, ecdsaSignatureOid: O.ecdsa_with_SHA256 },
  'SHA-384': { name: 'SHA-384', oid: O.id_sha384, length: 48, legacy: false, rsaSignatureOid: O.sha384WithRSAEncryption, ecdsaSignatureOid: O.ecdsa_with_SHA384 },
  'SHA-512': { name: 'SHA-512', oid: O.id_sha512, length: 64, legacy: false, rsaSignatureOid: O.sha512WithRSAEncryption, ecdsaSignatureOid: O.ecdsa_with_SHA512 },
};

export const CIPHERS: Readonly<Record<CipherName, CipherDescriptor>> = {
  'AES-128-CBC': { name: 'AES-128-CBC', oid: O.id_aes128_CBC, keyLength: 16, ivLength: 16, legacy: false },
  'AES-192-CBC': { name: 'AES-192-CBC', oid: O.id_aes192_CBC, keyLength: 24, ivLength: 16, legacy: false },
  'AES-256-CBC': { name: 'AES-256-CBC', oid: O.id_aes256_CBC, keyLength: 32, ivLength: 16, legacy: false },
  'DES-EDE3-CBC': { name: 'DES-EDE3-CBC', oid: O.des_ede3_cbc, keyLength: 24, ivLength: 8, legacy: true },
  'DES-CBC': { name: 'DES-CBC', oid: O.desCBC, keyLength: 8, ivLength: 8, legacy: true },
};

const digestByOid = new Map<string, DigestDescriptor>(Object.values(DIGESTS).map((d) => [d.oid, d]));
const cipherByOid = new Map<string, CipherDescriptor>(Object.values(CIPHERS).map((c) => [c.oid, c]));

export function isLegacyAllowed(policy: LegacyPolicy | undefined, name: LegacyAlgorithm): boolean {
  if (policy === true) return true;
  if (policy === false || policy === undefined) return false;
  return policy.includes(name);
}

function checkLegacy(name: string, legacy: boolean, policy: LegacyPolicy | undefined): void {
  if (legacy && !isLegacyAllowed(policy, name as LegacyAlgorithm)) throw new LegacyAlgorithmError(name);
}

// --- AlgorithmIdentifier parsing -----------------------------------------------------------------

export interface AlgorithmIdentifier {
  readonly oid: string;
  /** Encoded parameters as received, if present. */
  readonly parameters: Element | undefined;
}

export function readAlgorithmIdentifier(el: Element | undefined, what: string): AlgorithmIdentifier {
  const kids = sequence(el, what, 1, 2);
  return { oid: readOid(kids[0], `${what}.algorithm`), parameters: kids[1] };
}

const absentOrNull = (p: Element | undefined): boolean => p === undefined || (p.tag === Tag.NULL && p.length === 0);

export function digestFromAlgorithm(alg: AlgorithmIdentifier, policy: LegacyPolicy | undefined): DigestDescriptor {
  const d = digestByOid.get(alg.oid);
  if (!d) throw new UnsupportedAlgorithmError(`unsupported digest algorithm ${alg.oid}`, alg.oid);
  if (!absentOrNull(alg.parameters)) throw new MalformedError('digest algorithm parameters must be absent or NULL');
  checkLegacy(d.name, d.legacy, policy);
  return d;
}

export function digestByName(name: DigestName, policy: LegacyPolicy | undefined): DigestDescriptor {
  const d = DIGESTS[name];
  if (d === undefined) throw new UnsupportedAlgorithmError(`unsupported digest ${String(name)}`);
  checkLegacy(d.name, d.legacy, policy);
  return d;
}

export interface ContentEncryption {
  readonly cipher: CipherDescriptor;
  readonly iv: Uint8Array;
}

export function cipherFromAlgorithm(alg: AlgorithmIdentifier, policy: LegacyPolicy | undefined): ContentEncryption {
  const c = cipherByOid.get(alg.oid);
  if (!c) throw new UnsupportedAlgorithmError(`unsupported content encryption algorithm ${alg.oid}`, alg.oid);
  checkLegacy(c.name, c.legacy, policy);
  // RFC 3565 §4.1 / RFC 3370 §5.1-5.2: the parameters are the IV as an OCTET STRING.
  const iv = readOctets(alg.parameters, 'content encryption IV');
  if (iv.length !== c.ivLength) throw new MalformedError('content encryption IV has the wrong length');
  return { cipher: c, iv };
}

export function cipherByName(name: CipherName, policy: LegacyPolicy | undefined): CipherDescriptor {
  const c = CIPHERS[name];
  if (c === undefined) throw new UnsupportedAlgorithmError(`unsupported cipher ${String(name)}`);
  checkLegacy(c.name, c.legacy, policy);
  return c;
}

export const encodeCipherAlgorithm = (c: CipherDescriptor, iv: Uint8Array): Uint8Array => algorithmIdentifier(c.oid, octetString(iv));

// --- Signatures ----------------------------------------------------------------------------------

export type SignatureAlgorithm =
  | { readonly scheme: 'RSASSA-PKCS1-v1_5'; readonly digest: DigestName }
  | { readonly scheme: 'RSASSA-PSS'; readonly digest: DigestName; readonly mgfDigest: DigestName; readonly saltLength: number }
  | { readonly scheme: 'ECDSA'; readonly digest: DigestName }
  | { readonly scheme: 'Ed25519' }
  | { readonly scheme: 'Ed448' };

export type KeyType = 'RSA' | 'EC' | 'Ed25519' | 'Ed448';

const rsaSigByOid = new Map<string, DigestDescriptor>(Object.values(DIGESTS).map((d) => [d.rsaSignatureOid, d]));
const ecdsaSigByOid = new Map<string, DigestDescriptor>(
  Object.values(DIGESTS).flatMap((d) => (d.ecdsaSignatureOid ? [[d.ecdsaSignatureOid, d] as const] : [])),
);

/**
 * A signature AlgorithmIdentifier from a certificate or CSR. `rsaEncryption` alone only appears in
 * CMS SignerInfos, where the digest comes from the SignerInfo: pass it as `cmsDigest`.
 */
export function signatureFromAlgorithm(
  alg: AlgorithmIdentifier,
  policy: LegacyPolicy | undefined,
  cmsDigest?: DigestDescriptor,
): SignatureAlgorithm {
  if (alg.oid === O.rsaEncryption) {
    if (!cmsDigest) throw new UnsupportedAlgorithmError('rsaEncryption without a digest', alg.oid);
    if (!absentOrNull(alg.parameters)) throw new MalformedError('rsaEncryption parameters must be NULL');
    return { scheme: 'RSASSA-PKCS1-v1_5', digest: cmsDigest.name };
  }
  const rsa = rsaSigByOid.get(alg.oid);
  if (rsa) {
    if (!absentOrNull(alg.parameters)) throw new MalformedError('RSA signature parameters must be NULL');
    checkLegacy(rsa.name, rsa.legacy, policy);
    if (cmsDigest && cmsDigest.name !== rsa.name) throw new MalformedError('signature algorithm does not match the digest algorithm');
    return { scheme: 'RSASSA-PKCS1-v1_5', digest: rsa.name };
  }
  const ec = ecdsaSigByOid.get(alg.oid);
  if (ec) {
    if (alg.parameters !== undefined) throw new MalformedError('ECDSA signature parameters must be absent');
    checkLegacy(ec.name, ec.legacy, policy);
    return { scheme: 'ECDSA', digest: ec.name };
  }
  // Some CMS signers write id-ecPublicKey as the SignerInfo signature algorithm.
  if (alg.oid === O.id_ecPublicKey && cmsDigest) return { scheme: 'ECDSA', digest: cmsDigest.name };
  if (alg.oid === O.id_Ed25519 && alg.parameters === undefined) return { scheme: 'Ed25519' };
  if (alg.oid === O.id_Ed448 && alg.parameters === undefined) return { scheme: 'Ed448' };
  if (alg.oid === O.id_RSASSA_PSS) return readPssParams(alg.parameters, policy);
  throw new UnsupportedAlgorithmError(`unsupported signature algorithm ${alg.oid}`, alg.oid);
}

// RFC 4055 §3.1 RSASSA-PSS-params, with the RFC's defaults (SHA-1, MGF1-SHA-1, salt 20).
function readPssParams(p: Element | undefined, policy: LegacyPolicy | undefined): SignatureAlgorithm {
  let digest: DigestName = 'SHA-1';
  let mgfDigest: DigestName = 'SHA-1';
  let saltLength = 20;
  for (const f of p === undefined ? [] : sequence(p, 'RSASSA-PSS-params', 0, 4)) {
    const inner = f.children()[0];
    if (f.tag === 0xa0) digest = digestFromAlgorithm(readAlgorithmIdentifier(inner, 'PSS hash'), policy).name;
    else if (f.tag === 0xa1) {
      const mgf = readAlgorithmIdentifier(inner, 'PSS mask generation');
      if (mgf.oid !== O.id_mgf1) throw new UnsupportedAlgorithmError('unsupported PSS mask generation', mgf.oid);
      mgfDigest = digestFromAlgorithm(readAlgorithmIdentifier(mgf.parameters, 'MGF1 hash'), policy).name;
    } else if (f.tag === 0xa2) {
      const c = inner?.tag === Tag.INTEGER ? inner.content() : undefined;
      if (!c || c.length > 2) throw new MalformedError('bad PSS salt length');
      saltLength = c.reduce((v, b) => v * 256 + b, 0);
    } else if (f.tag === 0xa3) {
      const c = inner?.tag === Tag.INTEGER ? inner.content() : undefined;
      if (!c || c.length !== 1 || c[0] !== 1) throw new UnsupportedAlgorithmError('unsupported PSS trailer field');
    } else throw new MalformedError('bad RSASSA-PSS-params');
  }
  checkLegacy(digest, DIGESTS[digest].legacy, policy);
  return { scheme: 'RSASSA-PSS', digest, mgfDigest, saltLength };
}

/** The AlgorithmIdentifier for a signature, as certificates and CSRs carry it. */
export function encodeSignatureAlgorithm(alg: SignatureAlgorithm): Uint8Array {
  switch (alg.scheme) {
    case 'RSASSA-PKCS1-v1_5':
      return algorithmIdentifier(DIGESTS[alg.digest].rsaSignatureOid, NULL);
    case 'ECDSA': {
      const o = DIGESTS[alg.digest].ecdsaSignatureOid;
      if (!o) throw new UnsupportedAlgorithmError(`ECDSA with ${alg.digest}`);
      return algorithmIdentifier(o);
    }
    case 'RSASSA-PSS': {
      const h = DIGESTS[alg.digest];
      const m = DIGESTS[alg.mgfDigest];
      return encode(
        seq(
          encOid(O.id_RSASSA_PSS),
          seq(
            explicit(0, algorithmIdentifier(h.oid)),
            explicit(1, algorithmIdentifier(O.id_mgf1, algorithmIdentifier(m.oid))),
            explicit(2, integer(alg.saltLength)),
          ),
        ),
      );
    }
    case 'Ed25519':
      return algorithmIdentifier(O.id_Ed25519);
    case 'Ed448':
      return algorithmIdentifier(O.id_Ed448);
  }
}

/** How the SignerInfo's signatureAlgorithm is written: `rsaEncryption` (what strongSwan requires) or `sha*WithRSAEncryption`. */
export type SignerInfoSignatureStyle = 'rsaEncryption' | 'algorithm';

export function encodeSignerInfoSignatureAlgorithm(alg: SignatureAlgorithm, style: SignerInfoSignatureStyle): Uint8Array {
  if (alg.scheme === 'RSASSA-PKCS1-v1_5' && style === 'rsaEncryption') return algorithmIdentifier(O.rsaEncryption, NULL);
  return encodeSignatureAlgorithm(alg);
}

/** The default signature algorithm for a key type and digest. */
export function defaultSignatureAlgorithm(keyType: KeyType, digest: DigestName): SignatureAlgorithm {
  switch (keyType) {
    case 'RSA':
      return { scheme: 'RSASSA-PKCS1-v1_5', digest };
    case 'EC':
      return { scheme: 'ECDSA', digest };
    case 'Ed25519':
      return { scheme: 'Ed25519' };
    case 'Ed448':
      return { scheme: 'Ed448' };
  }
}

/**
 * The SubjectPublicKeyInfo algorithms each scheme verifies with (RFC 3279 §2.3, RFC 4055 §1.2,
 * RFC 5480 §2.1.1, RFC 8410 §3). OpenSSL picks the scheme from the key, not the label: without this
 * a DSA key verifies a signature labelled ecdsa-with-SHA256, and an RSA key one labelled ECDSA.
 */
const SIGNATURE_KEY_OIDS: Readonly<Record<SignatureAlgorithm['scheme'], readonly string[]>> = {
  'RSASSA-PKCS1-v1_5': [O.rsaEncryption],
  'RSASSA-PSS': [O.rsaEncryption, O.id_RSASSA_PSS],
  ECDSA: [O.id_ecPublicKey],
  Ed25519: [O.id_Ed25519],
  Ed448: [O.id_Ed448],
};

/** Whether a public key whose SubjectPublicKeyInfo algorithm is `keyAlgorithmOid` may verify `alg` signatures. */
export function signatureMatchesKey(alg: SignatureAlgorithm, keyAlgorithmOid: string): boolean {
  return SIGNATURE_KEY_OIDS[alg.scheme].includes(keyAlgorithmOid);
}

// --- Key transport -------------------------------------------------------------------------------

export type KeyTransportAlgorithm =
  | { readonly scheme: 'RSAES-PKCS1-v1_5' }
  | { readonly scheme: 'RSAES-OAEP'; readonly digest: DigestName };

export function keyTransportFromAlgorithm(alg: AlgorithmIdentifier): KeyTransportAlgorithm {
  if (alg.oid === O.rsaEncryption) {
    if (!absentOrNull(alg.parameters)) throw new MalformedError('rsaEncryption parameters must be NULL');
    return { scheme: 'RSAES-PKCS1-v1_5' };
  }
  if (alg.oid === O.id_RSAES_OAEP) {
    // RFC 4055 §4.1 RSAES-OAEP-params; defaults SHA-1 / MGF1-SHA-1 / empty label.
    let digest: DigestName = 'SHA-1';
    let mgfDigest: DigestName = 'SHA-1';
    for (const f of alg.parameters === undefined ? [] : sequence(alg.parameters, 'RSAES-OAEP-params', 0, 3)) {
      const inner = f.children()[0];
      // OAEP's hash is not a signature digest: SHA-1 here is not a legacy weakness (RFC 8017 §7.1).
      if (f.tag === 0xa0) digest = digestFromAlgorithm(readAlgorithmIdentifier(inner, 'OAEP hash'), true).name;
      else if (f.tag === 0xa1) {
        const mgf = readAlgorithmIdentifier(inner, 'OAEP mask generation');
        if (mgf.oid !== O.id_mgf1) throw new UnsupportedAlgorithmError('unsupported OAEP mask generation', mgf.oid);
        mgfDigest = digestFromAlgorithm(readAlgorithmIdentifier(mgf.parameters, 'MGF1 hash'), true).name;
      } else if (f.tag === 0xa2) {
        const src = readAlgorithmIdentifier(inner, 'OAEP label source');
        if (src.oid !== O.id_pSpecified || readOctets(src.parameters, 'OAEP label').length !== 0) {
          throw new UnsupportedAlgorithmError('OAEP labels are not supported');
        }
      } else throw new MalformedError('bad RSAES-OAEP-params');
    }
    if (digest !== mgfDigest) throw new UnsupportedAlgorithmError('OAEP with different hash and MGF1 hash');
    if (digest === 'MD5') throw new UnsupportedAlgorithmError('OAEP with MD5');
    return { scheme: 'RSAES-OAEP', digest };
  }
  throw new UnsupportedAlgorithmError(`unsupported key transport algorithm ${alg.oid}`, alg.oid);
}

export function encodeKeyTransportAlgorithm(alg: KeyTransportAlgorithm): Uint8Array {
  if (alg.scheme === 'RSAES-PKCS1-v1_5') return algorithmIdentifier(O.rsaEncryption, NULL);
  if (alg.digest === 'SHA-1') return algorithmIdentifier(O.id_RSAES_OAEP, seq());
  const h = DIGESTS[alg.digest];
  return algorithmIdentifier(
    O.id_RSAES_OAEP,
    seq(explicit(0, algorithmIdentifier(h.oid)), explicit(1, algorithmIdentifier(O.id_mgf1, algorithmIdentifier(h.oid)))),
  );
}

/** Parses an encoded AlgorithmIdentifier (used by tests and by callers holding raw bytes). */
export function parseAlgorithmIdentifier(der: Uint8Array): AlgorithmIdentifier {
  return readAlgorithmIdentifier(parseDer(der, 'AlgorithmIdentifier'), 'AlgorithmIdentifier');
}
