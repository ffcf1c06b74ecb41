/** X.501 Name (RFC 5280 §4.1.2.4): parse, format, build. */
import { type Element, parseDer, readOid, readString, sequence, setOf, STRING_TAGS } from '../der/reader.js';
import { constructed, encode, ia5String, oid, printableString, sequence as seq, setOf as encSetOf, utf8String } from '../der/writer.js';
import { MalformedError } from '../errors.js';
import { Tag } from '../der/reader.js';
import * as O from '../oids.js';

export interface AttributeTypeAndValue {
  /** The attribute type OID. */
  readonly type: string;
  /** The value decoded to a string ('' with `raw` set when the value is not a string type). */
  readonly value: string;
  /** The ASN.1 tag the value was (or will be) encoded with. */
  readonly tag: number;
}

export interface Name {
  /** The encoded Name as received (what issuer/subject comparisons and IssuerAndSerialNumber use). */
  readonly der: Uint8Array;
  /** RDNs in encoded order (most significant first, e.g. C, O, CN). */
  readonly rdns: readonly (readonly AttributeTypeAndValue[])[];
}

const SHORT: ReadonlyArray<readonly [string, string]> = [
  ['CN', O.id_at_commonName],
  ['C', O.id_at_countryName],
  ['L', O.id_at_localityName],
  ['ST', O.id_at_stateOrProvinceName],
  ['O', O.id_at_organizationName],
  ['OU', O.id_at_organizationalUnitName],
  ['serialNumber', O.id_at_serialNumber],
  ['emailAddress', O.id_emailAddress],
  ['DC', O.id_domainComponent],
  ['UID', O.id_userId],
  ['street', O.id_at_streetAddress],
  ['title', O.id_at_title],
  ['GN', O.id_at_givenName],
  ['SN', O.id_at_surname],
  ['postalCode', O.id_at_postalCode],
  ['unstructuredName', O.id_unstructuredName],
];
const oidByShort = new Map(SHORT.map(([s, o]) => [s.toLowerCase(), o]));
oidByShort.set('e', O.id_emailAddress);
oidByShort.set('email', O.id_emailAddress);
const shortByOid = new Map(SHORT.map(([s, o]) => [o, s]));

export function readName(el: Element | undefined, what: string): Name {
  if (el === undefined) throw new MalformedError(`${what}: missing`);
  const rdns = sequence(el, what).map((rdn) => {
    const atvs = setOf(rdn, `${what} RDN`);
    if (atvs.length === 0) throw new MalformedError(`${what}: empty RDN`);
    return atvs.map((atv) => {
      const [t, v] = sequence(atv, `${what} attribute`, 2, 2) as [Element, Element];
      const type = readOid(t, `${what} attribute type`);
      return { type, value: STRING_TAGS.has(v.tag) ? readString(v, `${what} ${type}`) : '', tag: v.tag };
    });
  });
  return { der: el.raw(), rdns };
}

export function parseName(der: Uint8Array): Name {
  return readName(parseDer(der, 'Name'), 'Name');
}

/** The first value of an attribute type (e.g. commonName), if present. */
export function nameAttribute(name: Name, type: string): string | undefined {
  for (const rdn of name.rdns) for (const atv of rdn) if (atv.type === type) return atv.value;
  return undefined;
}

/** Every value of an attribute type, in encoded order (a subject may carry several CNs). */
export function nameAttributes(name: Name, type: string): string[] {
  const out: string[] = [];
  for (const rdn of name.rdns) for (const atv of rdn) if (atv.type === type) out.push(atv.value);
  return out;
}

export const commonNameOf = (name: Name): string | undefined => nameAttribute(name, O.id_at_commonName);

function escapeValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith(' ') || s.startsWith('#')) s = `\\${s}`;
  if (s.endsWith(' ')) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** "C=US, O=Example, CN=device" — RDNs in encoded order, values escaped as in RFC 4514 §2.4. */
export function formatName(name: Name): string {
  return name.rdns.map((rdn) => rdn.map((a) => `${shortByOid.get(a.type) ?? a.type}=${escapeValue(a.value)}`).join('+')).join(', ');
}

export type NameInput = string | Name | readonly (readonly { readonly type: string; readonly value: string }[])[];

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

/**
 * Parses "C=US, O=Example, CN=device" (encoded order, left = first RDN; `+` joins multi-valued RDNs;
 * types by short name or dotted OID). Also accepts OpenSSL's "/C=US/O=Example/CN=device".
 */
export function parseDn(dn: string): readonly (readonly { type: string; value: string }[])[] {
  const text = dn.trim();
  if (text === '') return [];
  const parts = text.startsWith('/') ? text.slice(1).split('/') : splitUnescaped(text, ',');
  return parts.map((rdn) =>
    splitUnescaped(rdn, '+').map((atv) => {
      const eq = atv.indexOf('=');
      if (eq <= 0) throw new TypeError(`bad DN component ${JSON.stringify(atv)}`);
      const key = atv.slice(0, eq).trim();
      const type = /^\d+(\.\d+)+$/.test(key) ? key : oidByShort.get(key.toLowerCase());
      if (!type) throw new TypeError(`unknown DN attribute type ${key}`);
      return { type, value: unescape(atv.slice(eq + 1).trim()) };
    }),
  );
}

function encodeValue(type: string, value: string): Uint8Array {
  // RFC 5280 §4.1.2.4 / Appendix A: these types are PrintableString or IA5String; the rest UTF8String.
  if (type === O.id_at_countryName || type === O.id_at_serialNumber) return printableString(value);
  if (type === O.id_emailAddress || type === O.id_domainComponent) return ia5String(value);
  return utf8String(value);
}

/** Encodes a Name from a DN string, RDN arrays, or an existing Name (returned as is). */
export function encodeName(input: NameInput): Uint8Array {
  if (typeof input !== 'string' && 'der' in input) return input.der;
  const rdns = typeof input === 'string' ? parseDn(input) : input;
  return encode(seq(...rdns.map((rdn) => encSetOf(rdn.map((atv) => seq(oid(atv.type), encodeValue(atv.type, atv.value)))))));
}

export function buildName(input: NameInput): Name {
  return parseName(encodeName(input));
}

/**
 * Name equality for matching (RFC 5280 §7.1, simplified): same RDN structure, same types, and
 * string values equal after case folding and whitespace collapsing. Byte equality is tried first.
 */
export function namesMatch(a: Name, b: Name): boolean {
  if (a.der.length === b.der.length && a.der.every((x, i) => x === b.der[i])) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  const norm = (v: string): string => v.trim().replace(/\s+/g, ' ').toLowerCase();
  return a.rdns.every((rdn, i) => {
    const other = b.rdns[i] as readonly AttributeTypeAndValue[];
    if (rdn.length !== other.length) return false;
    // One partner each (a bijection): "CN=a+CN=a" must not match "CN=a+OU=b".
    const used = new Array<boolean>(other.length).fill(false);
    return rdn.every((atv) => {
      const j = other.findIndex((o, k) => !used[k] && o.type === atv.type && STRING_TAGS.has(o.tag) && STRING_TAGS.has(atv.tag) && norm(o.value) === norm(atv.value));
      if (j < 0) return false;
      used[j] = true;
      return true;
    });
  });
}

/** An empty Name (SEQUENCE {}), as some self-signed client certificates carry. */
export const EMPTY_NAME_DER: Uint8Array = encode(constructed(Tag.SEQUENCE, []));
