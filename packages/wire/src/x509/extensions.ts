/** X.509 extensions (RFC 5280 §4.2) that SCEP servers read and write, and GeneralName. */
import {
  type Element,
  explicit as readExplicit,
  parseDer,
  readBitString,
  readBoolean,
  readOctets,
  readOid,
  readSmallInt,
  readString,
  sequence,
  Tag,
} from '../der/reader.js';
import {
  bitString,
  boolean,
  encode,
  explicit,
  integer,
  octetString,
  oid,
  sequence as seq,
  tlv,
  utf8String,
} from '../der/writer.js';
import { MalformedError } from '../errors.js';
import { copyBytes } from '../util/bytes.js';
import * as O from '../oids.js';
import { readName, type Name } from './name.js';

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue content: the DER of the extension's own value. */
  readonly value: Uint8Array;
}

export function readExtensions(el: Element, what: string): Extension[] {
  const seen = new Set<string>();
  return sequence(el, what).map((ext) => {
    const f = sequence(ext, `${what} entry`, 2, 3);
    const id = readOid(f[0], `${what} extnID`);
    if (seen.has(id)) throw new MalformedError(`${what}: duplicate extension ${id}`); // RFC 5280 §4.2
    seen.add(id);
    const critical = f.length === 3 ? readBoolean(f[1], `${what} critical`) : false;
    return { oid: id, critical, value: readOctets(f[f.length - 1], `${what} extnValue`) };
  });
}

export const encodeExtension = (e: Extension): Uint8Array =>
  encode(e.critical ? seq(oid(e.oid), boolean(true), octetString(e.value)) : seq(oid(e.oid), octetString(e.value)));

// --- GeneralName (RFC 5280 §4.2.1.6) ----------------------------------------------------------------

export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string }
  | { readonly type: 'upn'; readonly value: string }
  | { readonly type: 'otherName'; readonly oid: string; readonly value: Uint8Array }
  | { readonly type: 'directoryName'; readonly value: Name }
  | { readonly type: 'registeredId'; readonly value: string }
  | { readonly type: 'x400Address' | 'ediPartyName'; readonly value: Uint8Array };

const ascii = (el: Element, what: string): string => {
  const c = el.content();
  let s = '';
  for (let i = 0; i < c.length; i++) {
    if ((c[i] as number) > 0x7f) throw new MalformedError(`${what}: non-ASCII byte`);
    s += String.fromCharCode(c[i] as number);
  }
  return s;
};

function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
    // RFC 5952 §4.2: compress the longest run (the first if tied) of two or more zero words.
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && words[j] === '0') j++;
      if (j - i > bestLen) [best, bestLen] = [i, j - i];
      i = j === i ? i + 1 : j;
    }
    if (best < 0) return words.join(':');
    return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
  }
  throw new MalformedError('iPAddress must be 4 or 16 bytes');
}

function parseIp(s: string): Uint8Array {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) throw new TypeError(`bad IPv4 address ${s}`);
    return Uint8Array.from(parts);
  }
  const [head = '', tail, ...rest] = s.split('::');
  if (rest.length > 0) throw new TypeError(`bad IPv6 address ${s}`);
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const words = [...h, ...Array<string>(fill).fill('0'), ...t];
  if (words.length !== 8 || words.some((w) => !/^[0-9a-fA-F]{1,4}$/.test(w))) throw new TypeError(`bad IP address ${s}`);
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    const v = parseInt(w, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function readGeneralName(el: Element, what: string): GeneralName {
  switch (el.tag) {
    case 0xa0: {
      const [typeId, value] = el.children();
      const id = readOid(typeId, `${what} otherName type`);
      const inner = readExplicit(value, 0, `${what} otherName value`);
      if (id === O.id_ms_upn) return { type: 'upn', value: readString(inner, `${what} UPN`) };
      return { type: 'otherName', oid: id, value: inner.raw() };
    }
    case 0x81:
      return { type: 'email', value: ascii(el, `${what} rfc822Name`) };
    case 0x82:
      return { type: 'dns', value: ascii(el, `${what} dNSName`) };
    case 0x86:
      return { type: 'uri', value: ascii(el, `${what} URI`) };
    case 0x87:
      return { type: 'ip', value: formatIp(el.content()) };
    case 0x88: {
      const bytes = copyBytes(el.raw());
      bytes[0] = Tag.OID;
      return { type: 'registeredId', value: readOid(parseDer(bytes), `${what} registeredID`) };
    }
    case 0xa4:
      return { type: 'directoryName', value: readName(readExplicit(el, 4, what), `${what} directoryName`) };
    case 0xa3:
      return { type: 'x400Address', value: el.raw() };
    case 0xa5:
      return { type: 'ediPartyName', value: el.raw() };
    default:
      throw new MalformedError(`${what}: unknown GeneralName tag`);
  }
}

export function readGeneralNames(el: Element, what: string): GeneralName[] {
  return sequence(el, what).map((g) => readGeneralName(g, what));
}

export function encodeGeneralName(g: GeneralName): Uint8Array {
  switch (g.type) {
    case 'dns':
      return tlv(0x82, ia5Content(g.value));
    case 'email':
      return tlv(0x81, ia5Content(g.value));
    case 'uri':
      return tlv(0x86, ia5Content(g.value));
    case 'ip':
      return tlv(0x87, parseIp(g.value));
    case 'upn':
      return tlv(0xa0, concat(oid(O.id_ms_upn), encode(explicit(0, utf8String(g.value)))));
    case 'otherName':
      return tlv(0xa0, concat(oid(g.oid), encode(explicit(0, g.value))));
    case 'directoryName':
      return encode(explicit(4, g.value.der));
    case 'registeredId':
      return tlv(0x88, oid(g.value).subarray(2));
    case 'x400Address':
    case 'ediPartyName':
      return g.value;
  }
}

function ia5Content(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new TypeError(`${JSON.stringify(s)} is not an IA5String`);
    out[i] = c;
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export const encodeGeneralNames = (names: readonly GeneralName[]): Uint8Array => encode(seq(...names.map(encodeGeneralName)));

// --- Key usage (RFC 5280 §4.2.1.3) -----------------------------------------------------------------

export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];
export type KeyUsage = ReadonlySet<KeyUsageName>;

export function decodeKeyUsage(value: Uint8Array): KeyUsage {
  const { bytes } = readBitString(parseDer(value, 'keyUsage'), 'keyUsage');
  const out = new Set<KeyUsageName>();
  KEY_USAGE_BITS.forEach((name, bit) => {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) out.add(name);
  });
  return out;
}

/** DER named BIT STRING: trailing zero bits removed (X.690 §11.2.2). */
export function encodeKeyUsage(usages: Iterable<KeyUsageName>): Uint8Array {
  let bits = 0;
  for (const u of usages) bits |= 1 << KEY_USAGE_BITS.indexOf(u);
  if (bits === 0) return bitString(new Uint8Array(0));
  let highest = 0;
  for (let i = 0; i < 9; i++) if (bits & (1 << i)) highest = i;
  const nbytes = (highest >> 3) + 1;
  const out = new Uint8Array(nbytes);
  for (let i = 0; i <= highest; i++) if (bits & (1 << i)) out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
  return bitString(out, 7 - (highest & 7));
}

// --- Basic constraints, EKU, key identifiers, TLS feature ----------------------------------------

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLength: number | undefined;
}

export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  const f = sequence(parseDer(value, 'basicConstraints'), 'basicConstraints', 0, 2);
  let i = 0;
  let ca = false;
  if (f[i]?.tag === Tag.BOOLEAN) ca = readBoolean(f[i++], 'basicConstraints cA');
  const pathLength = f[i] === undefined ? undefined : readSmallInt(f[i], 'basicConstraints pathLen');
  return { ca, pathLength };
}

export function encodeBasicConstraints(bc: { readonly ca: boolean; readonly pathLength?: number | undefined }): Uint8Array {
  const parts: Uint8Array[] = [];
  if (bc.ca) parts.push(boolean(true));
  if (bc.pathLength !== undefined) parts.push(integer(bc.pathLength));
  return encode(seq(...parts));
}

export const decodeExtKeyUsage = (value: Uint8Array): string[] =>
  sequence(parseDer(value, 'extKeyUsage'), 'extKeyUsage').map((e) => readOid(e, 'extKeyUsage'));

export const encodeExtKeyUsage = (oids: readonly string[]): Uint8Array => encode(seq(...oids.map(oid)));

export const decodeSubjectKeyIdentifier = (value: Uint8Array): Uint8Array =>
  readOctets(parseDer(value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier');

export const encodeSubjectKeyIdentifier = (keyId: Uint8Array): Uint8Array => octetString(keyId);

/** The keyIdentifier [0] of AuthorityKeyIdentifier, if present. */
export function decodeAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | undefined {
  const f = sequence(parseDer(value, 'authorityKeyIdentifier'), 'authorityKeyIdentifier', 0, 3);
  const k = f.find((e) => e.tag === 0x80 || e.tag === 0xa0);
  return k ? readOctets(k, 'authorityKeyIdentifier keyIdentifier', 0x80) : undefined;
}

export const encodeAuthorityKeyIdentifier = (keyId: Uint8Array): Uint8Array => encode(seq(tlv(0x80, keyId)));

/** RFC 7633 TLS feature extension; `[5]` (status_request) is OCSP must-staple. */
export const encodeTlsFeature = (features: readonly number[]): Uint8Array => encode(seq(...features.map((f) => integer(f))));

export const encodeSubjectAltName = encodeGeneralNames;

export function decodeSubjectAltName(value: Uint8Array): GeneralName[] {
  return readGeneralNames(parseDer(value, 'subjectAltName'), 'subjectAltName');
}
