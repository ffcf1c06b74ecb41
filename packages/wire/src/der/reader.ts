/**
 * A small zero-copy ASN.1 reader over a Uint8Array (X.690). It accepts DER and the BER that real
 * SCEP clients send (indefinite lengths, constructed strings, long-form lengths), and is bounded:
 * nesting depth, element count, and every length is checked against its enclosing element.
 * Elements are offsets into the caller's buffer; nothing is copied until asked for.
 */
import { LimitExceededError, MalformedError } from '../errors.js';
import { concat } from '../util/bytes.js';

export interface DerLimits {
  /** Deepest nesting accepted (a PKIMessage needs about 20). */
  readonly maxDepth: number;
  /** Most elements one parse may visit (a 4 kB PKIMessage has about 300). */
  readonly maxNodes: number;
}

export const DEFAULT_DER_LIMITS: DerLimits = { maxDepth: 48, maxNodes: 50_000 };

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  VisibleString: 0x1a,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** Constructed bit of an identifier octet. */
  CONSTRUCTED: 0x20,
  CONTEXT: 0x80,
} as const;

/** `[n]` context-specific, constructed (EXPLICIT, or IMPLICIT of a constructed type). */
export const ctx = (n: number): number => 0xa0 | n;
/** `[n]` context-specific, primitive (IMPLICIT of a primitive type). */
export const ctxPrim = (n: number): number => 0x80 | n;

export class Element {
  /** Children, filled on first use (or while finding the end of an indefinite length). */
  kids: Element[] | undefined;
  constructor(
    readonly input: DerInput,
    /** The identifier octet: class, constructed bit and a tag number below 31. */
    readonly tag: number,
    readonly start: number,
    readonly contentStart: number,
    readonly contentEnd: number,
    readonly end: number,
    readonly depth: number,
    readonly indefinite: boolean,
  ) {}

  get constructed(): boolean {
    return (this.tag & Tag.CONSTRUCTED) !== 0;
  }
  get length(): number {
    return this.contentEnd - this.contentStart;
  }
  /** The whole TLV as received (a view, not a copy). */
  raw(): Uint8Array {
    return this.input.bytes.subarray(this.start, this.end);
  }
  /** The content octets as received (a view). For a constructed element this is the encoded children. */
  content(): Uint8Array {
    return this.input.bytes.subarray(this.contentStart, this.contentEnd);
  }
  children(): Element[] {
    return this.input.children(this);
  }
  /** True when the TLV's header is the DER form (definite, minimal length). */
  get definite(): boolean {
    return !this.indefinite;
  }
}

/** One parse of one buffer. Counts nodes across the whole parse so the bound covers every path. */
export class DerInput {
  private nodes = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly limits: DerLimits = DEFAULT_DER_LIMITS,
  ) {}

  /** The buffer must hold exactly one element, with nothing after it. */
  root(what = 'input'): Element {
    if (this.bytes.length === 0) throw new MalformedError(`${what}: empty`);
    const el = this.element(0, this.bytes.length, 0);
    if (el.end !== this.bytes.length) throw new MalformedError(`${what}: trailing bytes after the ASN.1 element`);
    return el;
  }

  element(offset: number, limit: number, depth: number): Element {
    if (depth > this.limits.maxDepth) throw new LimitExceededError('ASN.1 nesting too deep');
    if (++this.nodes > this.limits.maxNodes) throw new LimitExceededError('too many ASN.1 elements');
    const b = this.bytes;
    if (offset + 2 > limit) throw new MalformedError('truncated ASN.1 element');
    const tag = b[offset] as number;
    if ((tag & 0x1f) === 0x1f) throw new MalformedError('ASN.1 high tag numbers are not used here');
    let p = offset + 1;
    const first = b[p++] as number;
    if (first < 0x80) {
      const contentEnd = p + first;
      if (contentEnd > limit) throw new MalformedError('ASN.1 length runs past its container');
      return new Element(this, tag, offset, p, contentEnd, contentEnd, depth, false);
    }
    if (first === 0x80) {
      // BER indefinite length (X.690 §8.1.3.6): constructed only, ends with end-of-contents.
      if ((tag & Tag.CONSTRUCTED) === 0) throw new MalformedError('indefinite length on a primitive element');
      const kids: Element[] = [];
      let q = p;
      for (;;) {
        if (q + 2 > limit) throw new MalformedError('indefinite length without end-of-contents');
        if (b[q] === 0 && b[q + 1] === 0) break;
        const kid = this.element(q, limit, depth + 1);
        kids.push(kid);
        q = kid.end;
      }
      const el = new Element(this, tag, offset, p, q, q + 2, depth, true);
      el.kids = kids;
      return el;
    }
    const n = first & 0x7f;
    if (n > 4 || first === 0xff) throw new MalformedError('ASN.1 length field too long');
    if (p + n > limit) throw new MalformedError('truncated ASN.1 length');
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[p++] as number);
    const contentEnd = p + len;
    if (contentEnd > limit) throw new MalformedError('ASN.1 length runs past its container');
    return new Element(this, tag, offset, p, contentEnd, contentEnd, depth, false);
  }

  children(el: Element): Element[] {
    if (el.kids) return el.kids;
    if (!el.constructed) throw new MalformedError('expected a constructed element');
    const kids: Element[] = [];
    let q = el.contentStart;
    while (q < el.contentEnd) {
      if (this.bytes[q] === 0) throw new MalformedError('end-of-contents outside an indefinite length');
      const kid = this.element(q, el.contentEnd, el.depth + 1);
      kids.push(kid);
      q = kid.end;
    }
    el.kids = kids;
    return kids;
  }
}

/** Parses `bytes` as exactly one ASN.1 element. */
export function parseDer(bytes: Uint8Array, what = 'input', limits?: DerLimits): Element {
  return new DerInput(bytes, limits).root(what);
}

// ---------------------------------------------------------------------------------------------
// Typed accessors. Each one checks the tag and raises MalformedError naming `what`.

export function expectTag(el: Element | undefined, tag: number, what: string): Element {
  if (el === undefined) throw new MalformedError(`${what}: missing`);
  if (el.tag !== tag) {
    throw new MalformedError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${el.tag.toString(16)}`);
  }
  return el;
}

/** Children of a SEQUENCE, with a check on how many there may be. */
export function sequence(el: Element | undefined, what: string, min = 0, max = Infinity): Element[] {
  const kids = expectTag(el, Tag.SEQUENCE, what).children();
  if (kids.length < min || kids.length > max) throw new MalformedError(`${what}: unexpected number of fields`);
  return kids;
}

export function setOf(el: Element | undefined, what: string): Element[] {
  return expectTag(el, Tag.SET, what).children();
}

/** Children of an EXPLICIT `[n]` wrapper, which must hold exactly one element. */
export function explicit(el: Element | undefined, n: number, what: string): Element {
  const kids = expectTag(el, ctx(n), what).children();
  if (kids.length !== 1) throw new MalformedError(`${what}: explicit tag must hold one element`);
  return kids[0] as Element;
}

export const READER_OID_CACHE_MAX = 4096;
const oidCache = new Map<string, string>();
/** Entries in the OID cache (for tests: it must stay bounded). */
export const readerOidCacheSize = (): number => oidCache.size;

export function readOid(el: Element | undefined, what: string): string {
  const e = expectTag(el, Tag.OID, what);
  return decodeOid(e.content(), what);
}

export function decodeOid(c: Uint8Array, what = 'OID'): string {
  if (c.length === 0 || c.length > 64) throw new MalformedError(`${what}: bad OID length`);
  // A short binary key makes repeated lookups of the same OID cheap.
  let key = '';
  for (let i = 0; i < c.length; i++) key += String.fromCharCode(c[i] as number);
  const hit = oidCache.get(key);
  if (hit !== undefined) return hit;
  const parts: number[] = [];
  let v = 0;
  let started = false;
  for (let i = 0; i < c.length; i++) {
    const byte = c[i] as number;
    if (!started && byte === 0x80) throw new MalformedError(`${what}: non-minimal OID arc`);
    started = true;
    if (v > 0x3fffffffffff) throw new MalformedError(`${what}: OID arc too large`); // keeps v * 128 + 127 <= 2^53 - 1
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(v);
      v = 0;
      started = false;
    }
  }
  if (started) throw new MalformedError(`${what}: truncated OID`);
  const head = parts[0] as number;
  const arcs = head < 40 ? [0, head] : head < 80 ? [1, head - 40] : [2, head - 80];
  const s = arcs.concat(parts.slice(1)).join('.');
  if (oidCache.size < READER_OID_CACHE_MAX) oidCache.set(key, s);
  return s;
}

/** INTEGER content octets as received (two's complement, big-endian). */
export function readIntegerBytes(el: Element | undefined, what: string): Uint8Array {
  const e = expectTag(el, Tag.INTEGER, what);
  if (e.length === 0) throw new MalformedError(`${what}: empty INTEGER`);
  return e.content();
}

/** A small non-negative INTEGER (versions, counts). */
export function readSmallInt(el: Element | undefined, what: string): number {
  const c = readIntegerBytes(el, what);
  if (c.length > 4 || ((c[0] as number) & 0x80) !== 0) throw new MalformedError(`${what}: integer out of range`);
  let v = 0;
  for (let i = 0; i < c.length; i++) v = v * 256 + (c[i] as number);
  return v;
}

/**
 * OCTET STRING content. BER allows a constructed OCTET STRING made of segments (X.690 §8.7.3);
 * the segments are joined. `tag` lets IMPLICIT-tagged strings be read the same way.
 */
export function readOctets(el: Element | undefined, what: string, tag: number = Tag.OCTET_STRING): Uint8Array {
  if (el === undefined) throw new MalformedError(`${what}: missing`);
  const prim = tag & ~Tag.CONSTRUCTED;
  if (el.tag === prim) return el.content();
  if (el.tag === (prim | Tag.CONSTRUCTED)) {
    const parts: Uint8Array[] = [];
    collectSegments(el, parts, what);
    return parts.length === 1 ? (parts[0] as Uint8Array) : concat(...parts);
  }
  throw new MalformedError(`${what}: expected an OCTET STRING`);
}

function collectSegments(el: Element, out: Uint8Array[], what: string): void {
  for (const k of el.children()) {
    if (k.tag === Tag.OCTET_STRING) out.push(k.content());
    else if (k.tag === (Tag.OCTET_STRING | Tag.CONSTRUCTED)) collectSegments(k, out, what);
    else throw new MalformedError(`${what}: bad segment in a constructed OCTET STRING`);
  }
}

export interface BitString {
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
}

export function readBitString(el: Element | undefined, what: string): BitString {
  const c = expectTag(el, Tag.BIT_STRING, what).content();
  if (c.length === 0) throw new MalformedError(`${what}: empty BIT STRING`);
  const unusedBits = c[0] as number;
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) throw new MalformedError(`${what}: bad BIT STRING`);
  return { unusedBits, bytes: c.subarray(1) };
}

export function readBoolean(el: Element | undefined, what: string): boolean {
  const c = expectTag(el, Tag.BOOLEAN, what).content();
  if (c.length !== 1) throw new MalformedError(`${what}: bad BOOLEAN`);
  return c[0] !== 0;
}

const latin1 = (c: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < c.length; i++) s += String.fromCharCode(c[i] as number);
  return s;
};
const utf8 = new TextDecoder('utf-8', { fatal: true });

export const STRING_TAGS: ReadonlySet<number> = new Set<number>([
  Tag.UTF8String,
  Tag.PrintableString,
  Tag.T61String,
  Tag.IA5String,
  Tag.VisibleString,
  Tag.UniversalString,
  Tag.BMPString,
]);

/** Any of the ASN.1 character string types, decoded to a JS string. */
export function readString(el: Element | undefined, what: string): string {
  if (el === undefined) throw new MalformedError(`${what}: missing`);
  const c = el.content();
  switch (el.tag) {
    case Tag.UTF8String:
      try {
        return utf8.decode(c);
      } catch (err) {
        throw new MalformedError(`${what}: invalid UTF-8`, { cause: err });
      }
    case Tag.PrintableString:
    case Tag.IA5String:
    case Tag.VisibleString:
      for (let i = 0; i < c.length; i++) {
        if ((c[i] as number) > 0x7f) throw new MalformedError(`${what}: non-ASCII byte in a ${el.tag === Tag.IA5String ? 'IA5' : 'Printable'}String`);
      }
      return latin1(c);
    case Tag.T61String:
      return latin1(c);
    case Tag.BMPString: {
      if (c.length % 2 !== 0) throw new MalformedError(`${what}: odd BMPString length`);
      let s = '';
      for (let i = 0; i < c.length; i += 2) s += String.fromCharCode(((c[i] as number) << 8) | (c[i + 1] as number));
      return s;
    }
    case Tag.UniversalString: {
      if (c.length % 4 !== 0) throw new MalformedError(`${what}: bad UniversalString length`);
      let s = '';
      for (let i = 0; i < c.length; i += 4) {
        const cp = ((c[i] as number) << 24) | ((c[i + 1] as number) << 16) | ((c[i + 2] as number) << 8) | (c[i + 3] as number);
        if (cp < 0 || cp > 0x10ffff) throw new MalformedError(`${what}: bad code point`);
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      throw new MalformedError(`${what}: expected a character string`);
  }
}

const digits2 = (c: Uint8Array, i: number, what: string): number => {
  const a = (c[i] as number) - 48;
  const b = (c[i + 1] as number) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) throw new MalformedError(`${what}: bad time`);
  return a * 10 + b;
};

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5 forms, plus fractional seconds and offsets). */
export function readTime(el: Element | undefined, what: string): Date {
  if (el === undefined) throw new MalformedError(`${what}: missing`);
  const c = el.content();
  let i: number;
  let year: number;
  if (el.tag === Tag.UTCTime) {
    if (c.length < 11) throw new MalformedError(`${what}: bad UTCTime`);
    const yy = digits2(c, 0, what);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
    i = 2;
  } else if (el.tag === Tag.GeneralizedTime) {
    if (c.length < 13) throw new MalformedError(`${what}: bad GeneralizedTime`);
    year = digits2(c, 0, what) * 100 + digits2(c, 2, what);
    i = 4;
  } else {
    throw new MalformedError(`${what}: expected a time`);
  }
  const month = digits2(c, i, what);
  const day = digits2(c, i + 2, what);
  const hour = digits2(c, i + 4, what);
  const minute = digits2(c, i + 6, what);
  i += 8;
  let second = 0;
  if (i + 1 < c.length && (c[i] as number) >= 48 && (c[i] as number) <= 57) {
    second = digits2(c, i, what);
    i += 2;
  }
  let ms = 0;
  if (i < c.length && (c[i] === 0x2e || c[i] === 0x2c)) {
    i++;
    let frac = '';
    while (i < c.length && (c[i] as number) >= 48 && (c[i] as number) <= 57) frac += String.fromCharCode(c[i++] as number);
    if (frac.length === 0) throw new MalformedError(`${what}: bad fraction`);
    ms = Math.floor(Number(`0.${frac}`) * 1000);
  }
  let offsetMin = 0;
  if (i < c.length && c[i] === 0x5a) {
    i++;
  } else if (i < c.length && (c[i] === 0x2b || c[i] === 0x2d)) {
    const sign = c[i] === 0x2b ? 1 : -1;
    if (i + 5 > c.length) throw new MalformedError(`${what}: bad offset`);
    offsetMin = sign * (digits2(c, i + 1, what) * 60 + digits2(c, i + 3, what));
    i += 5;
  } else {
    throw new MalformedError(`${what}: time without a zone`);
  }
  if (i !== c.length) throw new MalformedError(`${what}: trailing bytes in time`);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw new MalformedError(`${what}: time out of range`);
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
  return new Date(t);
}
