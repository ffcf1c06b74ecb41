/** der/reader.ts: the bounded zero-copy BER/DER reader. Every bound has a test that hits it. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DER_LIMITS, LimitExceededError, MalformedError, fromHex, toHex } from '@scep/wire';
import {
  DerInput,
  decodeOid,
  parseDer,
  readBitString,
  readBoolean,
  readIntegerBytes,
  readOctets,
  readOid,
  readSmallInt,
  readString,
  readTime,
  sequence,
  Tag,
} from '../src/der/reader.js';
import { throwsWith } from './helpers.js';

const h = fromHex;

/** `depth` SEQUENCEs nested inside each other around a NULL. */
function nested(depth: number): Uint8Array {
  let inner = Uint8Array.of(0x05, 0x00);
  for (let i = 0; i < depth; i++) {
    const len = inner.length;
    const head = len < 0x80 ? [0x30, len] : len < 0x100 ? [0x30, 0x81, len] : [0x30, 0x82, len >> 8, len & 0xff];
    const next = new Uint8Array(head.length + len);
    next.set(head);
    next.set(inner, head.length);
    inner = next;
  }
  return inner;
}

/** Walks every element, as a parse of untrusted bytes eventually does. */
function walk(input: DerInput, el = input.root()): number {
  let n = 1;
  if (el.constructed) for (const k of el.children()) n += walk(input, k);
  return n;
}

/** A SEQUENCE of `n` NULLs. */
function manyNulls(n: number): Uint8Array {
  const body = new Uint8Array(2 * n).map((_, i) => (i % 2 === 0 ? 0x05 : 0));
  const len = body.length;
  const head = [0x30, 0x83, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  out.set(body, head.length);
  return out;
}

describe('DerInput limits', () => {
  it('defaults are 48 levels and 50,000 elements', () => {
    expect(DEFAULT_DER_LIMITS).toEqual({ maxDepth: 48, maxNodes: 50_000 });
  });

  it('maxDepth: nesting up to the limit parses, one more level raises LimitExceededError', () => {
    const limits = { maxDepth: 10, maxNodes: 1000 };
    expect(walk(new DerInput(nested(10), limits))).toBe(11);
    const deeper = new DerInput(nested(11), limits);
    expect(() => walk(deeper)).toThrow(LimitExceededError);
  });

  it('maxDepth default: 48 levels parse, 49 raise', () => {
    expect(walk(new DerInput(nested(48)))).toBe(49);
    throwsWith(() => walk(new DerInput(nested(49))), 'ERR_LIMIT_EXCEEDED');
  });

  it('maxDepth also bounds indefinite-length nesting, which is parsed eagerly', () => {
    const indefinite = (d: number): Uint8Array => {
      const out: number[] = [];
      for (let i = 0; i < d; i++) out.push(0x30, 0x80);
      out.push(0x05, 0x00);
      for (let i = 0; i < d; i++) out.push(0, 0);
      return Uint8Array.from(out);
    };
    expect(new DerInput(indefinite(5), { maxDepth: 5, maxNodes: 100 }).root().indefinite).toBe(true);
    throwsWith(() => new DerInput(indefinite(6), { maxDepth: 5, maxNodes: 100 }).root(), 'ERR_LIMIT_EXCEEDED');
  });

  it('maxNodes: counts every element of the parse, across siblings and levels', () => {
    expect(walk(new DerInput(manyNulls(99), { maxDepth: 4, maxNodes: 100 }))).toBe(100);
    throwsWith(() => walk(new DerInput(manyNulls(100), { maxDepth: 4, maxNodes: 100 })), 'ERR_LIMIT_EXCEEDED');
  });

  it('maxNodes default: 50,000 elements', () => {
    expect(walk(new DerInput(manyNulls(49_999)))).toBe(50_000);
    throwsWith(() => walk(new DerInput(manyNulls(50_000))), 'ERR_LIMIT_EXCEEDED');
  });

  it('LimitExceededError maps to failInfo badRequest', () => {
    expect(new LimitExceededError('x').failInfo).toBe('badRequest');
  });
});

describe('lengths and truncation', () => {
  it('short and long definite lengths', () => {
    const long = new Uint8Array(300).fill(7);
    const der = new Uint8Array([0x04, 0x82, 0x01, 0x2c, ...long]);
    const el = parseDer(der);
    expect(el.length).toBe(300);
    expect(el.contentStart).toBe(4);
    expect(readOctets(el, 'x')).toEqual(long);
  });

  it('is zero-copy: raw() and content() are views of the input', () => {
    const der = h('300604010102017f');
    const el = parseDer(der);
    expect(el.raw().buffer).toBe(der.buffer);
    expect(el.children()[1]?.content().byteOffset).toBe(der.byteOffset + 7);
  });

  it('empty input', () => {
    throwsWith(() => parseDer(new Uint8Array(0)), 'ERR_MALFORMED');
  });

  it('a lone identifier octet', () => {
    throwsWith(() => parseDer(h('30')), 'ERR_MALFORMED');
  });

  it('content shorter than the length says', () => {
    throwsWith(() => parseDer(h('0405010203')), 'ERR_MALFORMED');
  });

  it('a child running past its parent', () => {
    throwsWith(() => parseDer(h('3003040201ff')).children(), 'ERR_MALFORMED');
    throwsWith(() => parseDer(h('30040403010203')).children(), 'ERR_MALFORMED');
  });

  it('truncated long-form length octets', () => {
    throwsWith(() => parseDer(h('048201')), 'ERR_MALFORMED');
  });

  it('length fields longer than 4 octets, and the reserved 0xff', () => {
    throwsWith(() => parseDer(h('04850000000001ff')), 'ERR_MALFORMED');
    throwsWith(() => parseDer(h('04ff')), 'ERR_MALFORMED');
  });

  it('trailing bytes after the single root element', () => {
    expect(() => parseDer(h('050000'))).toThrow(/trailing bytes/);
    throwsWith(() => parseDer(h('05000500')), 'ERR_MALFORMED');
  });
});

describe('BER leniency', () => {
  it('indefinite lengths: children found eagerly, end-of-contents consumed', () => {
    const der = h('3080' + '0500' + '3080' + '020101' + '0000' + '0000');
    const el = parseDer(der);
    expect(el.indefinite).toBe(true);
    expect(el.definite).toBe(false);
    expect(el.end).toBe(der.length);
    const [a, b] = el.children();
    expect(a?.tag).toBe(Tag.NULL);
    expect(b?.indefinite).toBe(true);
    expect(readSmallInt(b?.children()[0], 'n')).toBe(1);
    expect(toHex(el.content())).toBe('05003080020101' + '0000');
  });

  it('indefinite length on a primitive element is refused', () => {
    throwsWith(() => parseDer(h('048001020000')), 'ERR_MALFORMED');
  });

  it('indefinite length without end-of-contents', () => {
    throwsWith(() => parseDer(h('30800500')), 'ERR_MALFORMED');
  });

  it('end-of-contents inside a definite length is refused', () => {
    throwsWith(() => parseDer(h('30040000' + '0500')).children(), 'ERR_MALFORMED');
  });

  it('constructed OCTET STRING: segments joined, nested segments too', () => {
    const der = h('2480' + '0402aabb' + '2406' + '0401cc' + '0401dd' + '0000');
    expect(toHex(readOctets(parseDer(der), 'x'))).toBe('aabbccdd');
    const definite = h('240a' + '0402aabb' + '2404' + '0402ccdd');
    expect(toHex(readOctets(parseDer(definite), 'x'))).toBe('aabbccdd');
  });

  it('constructed OCTET STRING with an implicit tag ([0], as encryptedContent)', () => {
    const der = h('a080' + '0401aa' + '0401bb' + '0000');
    expect(toHex(readOctets(parseDer(der), 'x', 0x80))).toBe('aabb');
    expect(toHex(readOctets(parseDer(h('8002aabb')), 'x', 0x80))).toBe('aabb');
  });

  it('a constructed OCTET STRING with a non-OCTET STRING segment is refused', () => {
    throwsWith(() => readOctets(parseDer(h('2403020101')), 'x'), 'ERR_MALFORMED');
  });

  it('high tag numbers (>= 31) are refused, in any class', () => {
    throwsWith(() => parseDer(h('1f2100')), 'ERR_MALFORMED');
    throwsWith(() => parseDer(h('bf2100')), 'ERR_MALFORMED');
    throwsWith(() => parseDer(h('3003' + '9f2100')).children(), 'ERR_MALFORMED');
  });
});

describe('typed accessors', () => {
  it('sequence() checks tag and field count', () => {
    const el = parseDer(h('30060500050005 00'.replace(/ /g, '')));
    expect(sequence(el, 's', 3, 3)).toHaveLength(3);
    throwsWith(() => sequence(el, 's', 4), 'ERR_MALFORMED');
    throwsWith(() => sequence(parseDer(h('3100')), 's'), 'ERR_MALFORMED');
    throwsWith(() => sequence(undefined, 's'), 'ERR_MALFORMED');
  });

  it('OIDs: decoding, caching, and bad encodings', () => {
    expect(readOid(parseDer(h('06092a864886f70d010701')), 'oid')).toBe('1.2.840.113549.1.7.1');
    expect(readOid(parseDer(h('06092a864886f70d010701')), 'oid')).toBe('1.2.840.113549.1.7.1');
    expect(decodeOid(h('8837'))).toBe('2.999');
    expect(decodeOid(h('00'))).toBe('0.0');
    expect(decodeOid(h('2a03'))).toBe('1.2.3');
    expect(decodeOid(h('8fffffffffff7f'))).toBe('2.70368744177583');
    throwsWith(() => decodeOid(new Uint8Array(0)), 'ERR_MALFORMED');
    throwsWith(() => decodeOid(new Uint8Array(65).fill(1)), 'ERR_MALFORMED');
    throwsWith(() => decodeOid(h('2a8001')), 'ERR_MALFORMED'); // non-minimal arc
    throwsWith(() => decodeOid(h('2a86')), 'ERR_MALFORMED'); // truncated
    // Arcs stay exact up to 2^53 - 1; anything larger is refused rather than rounded.
    expect(decodeOid(h('2a8fffffffffffff7f'))).toBe('1.2.9007199254740991');
    throwsWith(() => decodeOid(h('2a9080808080808000')), 'ERR_MALFORMED'); // 2^53
    throwsWith(() => decodeOid(h('2affffffffffffff7f')), 'ERR_MALFORMED'); // 2^56 - 1
    throwsWith(() => decodeOid(h('2affffffffffffffff7f')), 'ERR_MALFORMED');
  });

  it('INTEGERs', () => {
    expect(toHex(readIntegerBytes(parseDer(h('020300ff01')), 'i'))).toBe('00ff01');
    throwsWith(() => readIntegerBytes(parseDer(h('0200')), 'i'), 'ERR_MALFORMED');
    expect(readSmallInt(parseDer(h('02047fffffff')), 'i')).toBe(0x7fffffff);
    throwsWith(() => readSmallInt(parseDer(h('020180')), 'i'), 'ERR_MALFORMED'); // negative
    throwsWith(() => readSmallInt(parseDer(h('02050100000000')), 'i'), 'ERR_MALFORMED'); // too large
  });

  it('BIT STRING and BOOLEAN', () => {
    expect(readBitString(parseDer(h('030205a0')), 'b')).toEqual({ unusedBits: 5, bytes: h('a0') });
    throwsWith(() => readBitString(parseDer(h('0300')), 'b'), 'ERR_MALFORMED');
    throwsWith(() => readBitString(parseDer(h('030108')), 'b'), 'ERR_MALFORMED');
    throwsWith(() => readBitString(parseDer(h('030101')), 'b'), 'ERR_MALFORMED');
    expect(readBoolean(parseDer(h('0101ff')), 'b')).toBe(true);
    expect(readBoolean(parseDer(h('010100')), 'b')).toBe(false);
    throwsWith(() => readBoolean(parseDer(h('01020000')), 'b'), 'ERR_MALFORMED');
  });

  it('character strings of every type', () => {
    const s = (hex: string): string => readString(parseDer(h(hex)), 's');
    expect(s('0c03c3a978')).toBe('éx'); // UTF8String
    expect(s('1302 4142'.replace(' ', ''))).toBe('AB'); // PrintableString
    expect(s('16026140')).toBe('a@'); // IA5String
    expect(s('1a026162')).toBe('ab'); // VisibleString
    expect(s('1402e961')).toBe('éa'); // T61String as Latin-1
    expect(s('1e0400e90061')).toBe('éa'); // BMPString
    expect(s('1c080001f6000000004a'.slice(0, 20))).toBe('😀J'); // UniversalString
    throwsWith(() => s('0c02c328'), 'ERR_MALFORMED'); // invalid UTF-8
    throwsWith(() => s('1301e9'), 'ERR_MALFORMED'); // non-ASCII PrintableString
    throwsWith(() => s('1601ff'), 'ERR_MALFORMED');
    throwsWith(() => s('1e0300e9'), 'ERR_MALFORMED'); // odd BMPString
    throwsWith(() => s('1c03000000'), 'ERR_MALFORMED');
    throwsWith(() => s('1c0400110000'), 'ERR_MALFORMED'); // beyond U+10FFFF
    throwsWith(() => s('0401aa'), 'ERR_MALFORMED');
  });

  it('times: UTCTime century rule, GeneralizedTime with fractions and offsets', () => {
    const t = (tag: number, s: string): Date => readTime(parseDer(Uint8Array.from([tag, s.length, ...Array.from(s, (c) => c.charCodeAt(0))])), 't');
    expect(t(Tag.UTCTime, '491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(t(Tag.UTCTime, '500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(t(Tag.UTCTime, '2603011200Z').toISOString()).toBe('2026-03-01T12:00:00.000Z'); // no seconds
    expect(t(Tag.GeneralizedTime, '20500101000000Z').toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(t(Tag.GeneralizedTime, '20260301120000.25Z').toISOString()).toBe('2026-03-01T12:00:00.250Z');
    expect(t(Tag.GeneralizedTime, '20260301120000+0130').toISOString()).toBe('2026-03-01T10:30:00.000Z');
    throwsWith(() => t(Tag.UTCTime, '260301120000'), 'ERR_MALFORMED'); // no zone
    throwsWith(() => t(Tag.UTCTime, '261301120000Z'), 'ERR_MALFORMED'); // month 13
    throwsWith(() => t(Tag.UTCTime, '2603011200a0Z'), 'ERR_MALFORMED');
    throwsWith(() => t(Tag.GeneralizedTime, '20260301120000.Z'), 'ERR_MALFORMED');
    throwsWith(() => t(Tag.GeneralizedTime, '20260301120000Z0'), 'ERR_MALFORMED');
    throwsWith(() => t(Tag.GeneralizedTime, '20260301120000+01'), 'ERR_MALFORMED');
    throwsWith(() => t(Tag.UTCTime, '2603'), 'ERR_MALFORMED');
    throwsWith(() => t(Tag.OCTET_STRING, '260301120000Z'), 'ERR_MALFORMED');
  });

  it('errors are MalformedError instances naming what was being read', () => {
    try {
      sequence(parseDer(h('0500')), 'the thing');
    } catch (err) {
      expect(err).toBeInstanceOf(MalformedError);
      expect((err as Error).message).toContain('the thing');
    }
  });
});
