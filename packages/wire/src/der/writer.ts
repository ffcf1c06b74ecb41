/**
 * DER writer (X.690 §10). Every helper returns the complete encoding as a Uint8Array; a parent
 * allocates once for the sum of its children. The BER helpers at the end exist only so the client
 * direction can reproduce devices that send indefinite lengths (Apple, jscep).
 */
import { Tag } from './reader.js';
import { copyBytes } from '../util/bytes.js';

function lengthOctets(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

function writeHeader(out: Uint8Array, o: number, tag: number, n: number): number {
  out[o++] = tag;
  if (n < 0x80) {
    out[o++] = n;
  } else {
    const k = lengthOctets(n) - 1;
    out[o++] = 0x80 | k;
    for (let i = k - 1; i >= 0; i--) out[o++] = (n / 2 ** (8 * i)) & 0xff;
  }
  return o;
}

/**
 * A constructed (or large primitive) element not yet serialised: its children are kept by
 * reference and its size is known, so a whole message is written with one allocation and one
 * copy of each leaf (`encode`), instead of one allocation and copy per nesting level.
 */
export class DerNode {
  readonly byteLength: number;
  constructor(
    readonly tag: number,
    readonly kids: readonly DerPart[],
    readonly contentLength: number,
  ) {
    this.byteLength = 1 + lengthOctets(contentLength) + contentLength;
  }
}

export type DerPart = Uint8Array | DerNode;

const sizeOf = (p: DerPart): number => p.byteLength;

function writePart(out: Uint8Array, o: number, p: DerPart): number {
  if (p instanceof Uint8Array) {
    out.set(p, o);
    return o + p.length;
  }
  o = writeHeader(out, o, p.tag, p.contentLength);
  for (const k of p.kids) o = writePart(out, o, k);
  return o;
}

/** Serialises a part (a Uint8Array is returned as it is). */
export function encode(p: DerPart): Uint8Array {
  if (p instanceof Uint8Array) return p;
  const out = new Uint8Array(p.byteLength);
  writePart(out, 0, p);
  return out;
}

/** One TLV with the given content octets (copied now: for small values). */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + lengthOctets(content.length) + content.length);
  out.set(content, writeHeader(out, 0, tag, content.length));
  return out;
}

/** One TLV whose content is referenced, not copied (for large values such as ciphertext). */
export const tlvRef = (tag: number, content: Uint8Array): DerNode => new DerNode(tag, [content], content.length);

/** A constructed TLV whose content is the concatenation of its children. */
export function constructed(tag: number, children: readonly DerPart[]): DerNode {
  let n = 0;
  for (const c of children) n += sizeOf(c);
  return new DerNode(tag, children, n);
}

export const sequence = (...children: DerPart[]): DerNode => constructed(Tag.SEQUENCE, children);

/** SET OF in DER order: elements sorted by their encodings (X.690 §11.6). */
export function setOf(children: readonly DerPart[]): DerNode {
  return constructed(Tag.SET, children.map(encode).sort(compareBytes));
}

/** A SET written in the given order (CMS CertificateSet: clients rely on the issued cert coming first). */
export const setInOrder = (children: readonly DerPart[]): DerNode => constructed(Tag.SET, children);

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** `[n] EXPLICIT` around one encoded element. */
export const explicit = (n: number, inner: DerPart): DerNode => constructed(0xa0 | n, [inner]);

/** `[n] IMPLICIT` of a constructed type: the same element re-tagged. */
export function implicitConstructed(n: number, part: DerPart): DerPart {
  if (part instanceof DerNode) return new DerNode(0xa0 | n, part.kids, part.contentLength);
  const out = copyBytes(part);
  out[0] = 0xa0 | n;
  return out;
}

/** `[n] IMPLICIT` of a primitive type, from its content octets. */
export const implicitPrimitive = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);

// Bounded like the reader's: OIDs can come from requests (a subject hook may copy a CSR's RDN types).
export const WRITER_CACHE_MAX = 4096;
const oidCache = new Map<string, Uint8Array>();

/** Entries in the encoding caches (for tests: they must stay bounded). */
export const writerCacheSizes = (): { oid: number; algorithmIdentifier: number } => ({ oid: oidCache.size, algorithmIdentifier: algCache.size });

export function oid(dotted: string): Uint8Array {
  const hit = oidCache.get(dotted);
  if (hit !== undefined) return hit;
  const arcs = dotted.split('.').map((s) => {
    // Arcs must stay exact numbers (the reader refuses arcs above 2^53 - 1 too).
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new TypeError(`bad OID ${dotted}`);
    return Number(s);
  });
  // X.690 §8.19.4: the second arc is below 40 under roots 0 and 1.
  if (arcs.length < 2 || (arcs[0] as number) > 2 || ((arcs[0] as number) < 2 && (arcs[1] as number) > 39)) throw new TypeError(`bad OID ${dotted}`);
  const body: number[] = [];
  const push = (v: number): void => {
    const tmp = [v & 0x7f];
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    body.push(...tmp);
  };
  push((arcs[0] as number) * 40 + (arcs[1] as number));
  for (const a of arcs.slice(2)) push(a);
  const enc = tlv(Tag.OID, Uint8Array.from(body));
  if (oidCache.size < WRITER_CACHE_MAX) oidCache.set(dotted, enc);
  return enc;
}

export const NULL: Uint8Array = Uint8Array.of(Tag.NULL, 0);

/** INTEGER from a non-negative number, bigint, or unsigned big-endian magnitude. */
export function integer(value: number | bigint | Uint8Array): Uint8Array {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 0x80) return Uint8Array.of(Tag.INTEGER, 1, value);
  let mag: Uint8Array;
  if (value instanceof Uint8Array) {
    mag = value;
  } else {
    let v = BigInt(value);
    if (v < 0n) throw new TypeError('negative INTEGER not supported');
    const bytes: number[] = [];
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    mag = Uint8Array.from(bytes);
  }
  let start = 0;
  while (start < mag.length - 1 && mag[start] === 0) start++;
  mag = mag.subarray(start);
  if (mag.length === 0) mag = Uint8Array.of(0);
  if (((mag[0] as number) & 0x80) !== 0) {
    const padded = new Uint8Array(mag.length + 1);
    padded.set(mag, 1);
    return tlv(Tag.INTEGER, padded);
  }
  return tlv(Tag.INTEGER, mag);
}

/** INTEGER from content octets already in two's complement (e.g. a serial number as received). */
export const integerRaw = (content: Uint8Array): Uint8Array => tlv(Tag.INTEGER, content);

export const octetString = (bytes: Uint8Array): Uint8Array => tlv(Tag.OCTET_STRING, bytes);

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  const c = new Uint8Array(bytes.length + 1);
  c[0] = unusedBits;
  c.set(bytes, 1);
  return tlv(Tag.BIT_STRING, c);
}

export const boolean = (v: boolean): Uint8Array => Uint8Array.of(Tag.BOOLEAN, 1, v ? 0xff : 0);

const utf8 = new TextEncoder();

export const utf8String = (s: string): Uint8Array => tlv(Tag.UTF8String, utf8.encode(s));

function ascii(tag: number, s: string, allowed: RegExp, name: string): Uint8Array {
  if (!allowed.test(s)) throw new TypeError(`${JSON.stringify(s)} is not a valid ${name}`);
  const c = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) c[i] = s.charCodeAt(i);
  return tlv(tag, c);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
// eslint-disable-next-line no-control-regex
const IA5 = /^[\x00-\x7f]*$/;

export const isPrintable = (s: string): boolean => PRINTABLE.test(s);
export const printableString = (s: string): Uint8Array => ascii(Tag.PrintableString, s, PRINTABLE, 'PrintableString');
export const ia5String = (s: string): Uint8Array => ascii(Tag.IA5String, s, IA5, 'IA5String');

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function utcTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new TypeError('UTCTime covers 1950-2049');
  const s = `${pad(y % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return ascii(Tag.UTCTime, s, /^\d{12}Z$/, 'UTCTime');
}

export function generalizedTime(d: Date): Uint8Array {
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return ascii(Tag.GeneralizedTime, s, /^\d{14}Z$/, 'GeneralizedTime');
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export const time = (d: Date): Uint8Array => {
  if (Number.isNaN(d.getTime())) throw new TypeError('invalid Date');
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? utcTime(d) : generalizedTime(d);
};

const algCache = new Map<string, Uint8Array>();

/** AlgorithmIdentifier; `params` undefined means absent (RFC 5754 for SHA-2), NULL must be passed explicitly. */
export function algorithmIdentifier(oidDotted: string, params?: DerPart): Uint8Array {
  if (params === undefined || params === NULL) {
    const key = params === undefined ? oidDotted : `${oidDotted}/null`;
    let hit = algCache.get(key);
    if (!hit) {
      hit = encode(params === undefined ? sequence(oid(oidDotted)) : sequence(oid(oidDotted), NULL));
      if (algCache.size < WRITER_CACHE_MAX) algCache.set(key, hit);
    }
    return hit;
  }
  return encode(sequence(oid(oidDotted), params));
}

// --- BER (client-direction reproduction of devices only) ------------------------------------------

/** A constructed element with indefinite length (X.690 §8.1.3.6). */
export function berIndefinite(tag: number, children: readonly DerPart[]): Uint8Array {
  const kids = children.map(encode);
  let n = 4;
  for (const c of kids) n += c.length;
  const out = new Uint8Array(n);
  out[0] = tag;
  out[1] = 0x80;
  let o = 2;
  for (const c of kids) {
    out.set(c, o);
    o += c.length;
  }
  return out; // the last two bytes stay 00 00 (end-of-contents)
}

/** A constructed OCTET STRING made of segments of at most `segment` bytes (X.690 §8.7.3.2). */
export function berConstructedOctets(bytes: Uint8Array, segment = 1000, tag: number = Tag.OCTET_STRING | Tag.CONSTRUCTED): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += segment) parts.push(octetString(bytes.subarray(i, i + segment)));
  if (parts.length === 0) parts.push(octetString(new Uint8Array(0)));
  return berIndefinite(tag, parts);
}
