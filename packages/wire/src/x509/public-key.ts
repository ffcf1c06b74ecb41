/** SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279, RFC 5480, RFC 8410). */
import type { KeyType } from '../algorithms.js';
import { type Element, parseDer, readBitString, readIntegerBytes, readOid, sequence, Tag } from '../der/reader.js';
import { readAlgorithmIdentifier } from '../algorithms.js';
import { MalformedError } from '../errors.js';
import * as O from '../oids.js';

export type CurveName = 'P-256' | 'P-384' | 'P-521';

export interface PublicKeyInfo {
  /** The SubjectPublicKeyInfo DER as received. */
  readonly der: Uint8Array;
  readonly type: KeyType | 'unknown';
  readonly algorithmOid: string;
  /** RSA modulus size, or the curve's field size; 255/448 for EdDSA. */
  readonly bits: number;
  readonly curve: CurveName | undefined;
  /** The subjectPublicKey BIT STRING content (without the unused-bits octet). */
  readonly keyBits: Uint8Array;
}

const CURVES = new Map<string, readonly [CurveName, number]>([
  [O.secp256r1, ['P-256', 256]],
  [O.secp384r1, ['P-384', 384]],
  [O.secp521r1, ['P-521', 521]],
]);

function bitLength(mag: Uint8Array): number {
  let i = 0;
  while (i < mag.length && mag[i] === 0) i++;
  if (i === mag.length) return 0;
  return (mag.length - i - 1) * 8 + (32 - Math.clz32(mag[i] as number));
}

/** RSA keys above this many modulus bits are refused when read (verifying one costs milliseconds). */
export const RSA_MAX_MODULUS_BITS = 8192;
/** RSA public exponents above this many bits are refused when read (FIPS 186-5 needs 17 to 256; devices use 65537). */
export const RSA_MAX_EXPONENT_BITS = 64;

/** The modulus size of an RSAPublicKey, after the bounds on the work it can cause. */
function readRsaPublicKey(der: Uint8Array): number {
  const [n, e] = sequence(parseDer(der, 'RSAPublicKey'), 'RSAPublicKey', 2, 2);
  const mod = readIntegerBytes(n, 'RSA modulus');
  const exp = readIntegerBytes(e, 'RSA exponent');
  if (((mod[0] as number) & 0x80) !== 0) throw new MalformedError('negative RSA modulus');
  // A verification costs about one modular squaring per exponent bit. OpenSSL itself allows e
  // up to the modulus size below 3072 bits; a 3072-bit modulus with a 3064-bit exponent made one
  // verify cost 6 ms.
  checkRsaBounds(bitLength(mod), bitLength(exp), ((exp[exp.length - 1] as number) & 1) === 1);
  return bitLength(mod);
}

/** Throws MalformedError for an RSA key past RSA_MAX_MODULUS_BITS / RSA_MAX_EXPONENT_BITS, or with an even or tiny exponent. */
export function checkRsaBounds(modulusBits: number, exponentBits: number, exponentOdd: boolean): void {
  if (modulusBits > RSA_MAX_MODULUS_BITS) throw new MalformedError(`RSA modulus above ${RSA_MAX_MODULUS_BITS} bits`);
  if (exponentBits > RSA_MAX_EXPONENT_BITS || exponentBits < 2 || !exponentOdd) throw new MalformedError('unusable RSA public exponent (odd, at least 3, at most 64 bits)');
}

export function readPublicKeyInfo(el: Element | undefined, what: string): PublicKeyInfo {
  if (el === undefined) throw new MalformedError(`${what}: missing`);
  const [algEl, keyEl] = sequence(el, what, 2, 2);
  const alg = readAlgorithmIdentifier(algEl, `${what} algorithm`);
  const bs = readBitString(keyEl, `${what} subjectPublicKey`);
  if (bs.unusedBits !== 0) throw new MalformedError(`${what}: subjectPublicKey has unused bits`);
  const base = { der: el.raw(), algorithmOid: alg.oid, keyBits: bs.bytes };
  switch (alg.oid) {
    case O.rsaEncryption:
      return { ...base, type: 'RSA', bits: readRsaPublicKey(bs.bytes), curve: undefined };
    case O.id_RSASSA_PSS:
      // Not a key type we use, but OpenSSL verifies with it: the same bounds apply.
      readRsaPublicKey(bs.bytes);
      return { ...base, type: 'unknown', bits: 0, curve: undefined };
    case O.id_ecPublicKey: {
      // RFC 5480 §2.1.1: implicitCurve and specifiedCurve MUST NOT be used. Explicit curve
      // parameters are untrusted arithmetic handed to OpenSSL, and no client sends them.
      if (alg.parameters?.tag !== Tag.OID) throw new MalformedError(`${what}: EC key without a named curve`);
      const c = CURVES.get(readOid(alg.parameters, 'EC named curve'));
      return { ...base, type: 'EC', bits: c?.[1] ?? 0, curve: c?.[0] };
    }
    case O.id_Ed25519:
      return { ...base, type: 'Ed25519', bits: 255, curve: undefined };
    case O.id_Ed448:
      return { ...base, type: 'Ed448', bits: 448, curve: undefined };
    default:
      return { ...base, type: 'unknown', bits: 0, curve: undefined };
  }
}

export function parsePublicKeyInfo(der: Uint8Array): PublicKeyInfo {
  return readPublicKeyInfo(parseDer(der, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
}
