/** der/writer.ts: the lazy DER writer (X.690 §10) and the BER helpers used to mimic devices. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@scep/wire';
import { parseDer, READER_OID_CACHE_MAX, readerOidCacheSize, readOctets, readOid, readTime, Tag } from '../src/der/reader.js';
import {
  algorithmIdentifier,
  berConstructedOctets,
  berIndefinite,
  bitString,
  boolean,
  constructed,
  DerNode,
  WRITER_CACHE_MAX,
  writerCacheSizes,
  encode,
  explicit,
  generalizedTime,
  ia5String,
  implicitConstructed,
  implicitPrimitive,
  integer,
  integerRaw,
  NULL,
  octetString,
  oid,
  printableString,
  sequence,
  setInOrder,
  setOf,
  time,
  tlv,
  tlvRef,
  utcTime,
  utf8String,
} from '../src/der/writer.js';

const hex = (p: Parameters<typeof encode>[0]): string => toHex(encode(p));

describe('lengths', () => {
  for (const [n, head] of [
    [0, '0400'],
    [127, '047f'],
    [128, '048180'],
    [255, '0481ff'],
    [256, '04820100'],
    [65535, '0482ffff'],
    [65536, '0483010000'],
    [16777216, '048401000000'],
  ] as const) {
    it(`${n} content octets → header ${head}`, () => {
      const der = tlv(Tag.OCTET_STRING, new Uint8Array(n));
      expect(toHex(der.subarray(0, head.length / 2))).toBe(head);
      expect(der.length).toBe(head.length / 2 + n);
      expect(parseDer(der).length).toBe(n);
    });
  }

  it('a DerNode knows its size before it is written, and encode() writes it once', () => {
    const big = new Uint8Array(300).fill(1);
    const node = sequence(tlvRef(Tag.OCTET_STRING, big), sequence(integer(1), NULL));
    expect(node).toBeInstanceOf(DerNode);
    const der = encode(node);
    expect(node.byteLength).toBe(der.length);
    expect(toHex(der.subarray(0, 8))).toBe('308201370482012c');
    expect(encode(der)).toBe(der); // a Uint8Array is returned as it is
  });

  it('tlvRef references its content until written', () => {
    const content = Uint8Array.of(1, 2, 3);
    const node = tlvRef(Tag.OCTET_STRING, content);
    content[0] = 9;
    expect(hex(node)).toBe('0403090203');
  });
});

describe('INTEGER', () => {
  for (const [v, want] of [
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [255, '020200ff'],
    [256, '02020100'],
    [2n ** 64n, '0209010000000000000000'],
    [fromHex('0000ff'), '020200ff'],
    [fromHex('000001'), '020101'],
    [fromHex('00'), '020100'],
    [new Uint8Array(0), '020100'],
    [fromHex('80'), '02020080'],
  ] as const) {
    it(`${typeof v === 'object' ? toHex(v) : String(v)} → ${want}`, () => {
      expect(toHex(integer(v))).toBe(want);
    });
  }

  it('negative values are a caller bug', () => {
    expect(() => integer(-1)).toThrow(TypeError);
    expect(() => integer(-1n)).toThrow(TypeError);
  });

  it('integerRaw keeps two’s-complement content octets as given', () => {
    expect(toHex(integerRaw(fromHex('ff')))).toBe('0201ff');
  });
});

describe('OBJECT IDENTIFIER', () => {
  for (const [dotted, want] of [
    ['1.2.840.113549.1.7.2', '06092a864886f70d010702'],
    ['2.16.840.1.101.3.4.2.1', '0609608648016503040201'],
    ['2.999.3', '0603883703'],
    ['0.9.2342.19200300.100.1.25', '060a0992268993f22c640119'],
    ['1.3.6.1.4.1.311.20.2.3', '060a2b0601040182371402 03'.replace(' ', '')],
  ] as const) {
    it(`${dotted}`, () => {
      expect(toHex(oid(dotted))).toBe(want);
      expect(readOid(parseDer(oid(dotted)), 'oid')).toBe(dotted);
    });
  }

  it('bad dotted strings are a caller bug', () => {
    for (const bad of ['', '1', '3.1', '1..2', '1.2.a', '1.2.-3', '1.40', '0.99.1']) expect(() => oid(bad), bad).toThrow(TypeError);
  });

  it('arcs above 2^53 - 1 are refused instead of being rounded', () => {
    expect(readOid(parseDer(oid('1.2.9007199254740991')), 'oid')).toBe('1.2.9007199254740991');
    expect(() => oid('1.2.9007199254740993')).toThrow(TypeError);
    expect(() => oid('2.25.329800735698586629295641978511506172918')).toThrow(TypeError);
  });
});

describe('SET OF, SET, tagging', () => {
  it('setOf sorts by encoding (X.690 §11.6), setInOrder keeps the order given', () => {
    const a = integer(2);
    const b = octetString(Uint8Array.of(1));
    const c = integer(1);
    expect(hex(setOf([a, b, c]))).toBe('3109' + '020101' + '020102' + '040101');
    expect(hex(setInOrder([a, b, c]))).toBe('3109' + '020102' + '040101' + '020101');
    expect(hex(setOf([]))).toBe('3100');
  });

  it('shorter encodings sort first when one is a prefix of the other', () => {
    expect(hex(setOf([octetString(Uint8Array.of(1, 2)), octetString(Uint8Array.of(1))]))).toBe('3107' + '040101' + '04020102');
  });

  it('explicit, implicit constructed and implicit primitive tags', () => {
    expect(hex(explicit(0, integer(2)))).toBe('a003020102');
    expect(hex(implicitConstructed(0, sequence(integer(1))))).toBe('a003020101');
    expect(hex(implicitConstructed(1, encode(sequence(integer(1)))))).toBe('a103020101');
    expect(toHex(implicitPrimitive(2, Uint8Array.of(0xaa)))).toBe('8201aa');
    expect(hex(constructed(0x31, [NULL, NULL]))).toBe('310405000500');
  });
});

describe('strings, booleans, bit strings', () => {
  it('UTF8String, PrintableString, IA5String', () => {
    expect(toHex(utf8String('é'))).toBe('0c02c3a9');
    expect(toHex(printableString("A-z 0'()+,./:=?"))).toBe('130f412d7a2030272829 2b2c2e2f3a3d3f'.replace(' ', ''));
    expect(() => printableString('a@b')).toThrow(TypeError);
    expect(() => printableString('a_b')).toThrow(TypeError);
    expect(toHex(ia5String('a@b'))).toBe('1603614062');
    expect(() => ia5String('é')).toThrow(TypeError);
  });

  it('BOOLEAN is 0xff / 0x00 (DER)', () => {
    expect(toHex(boolean(true))).toBe('0101ff');
    expect(toHex(boolean(false))).toBe('010100');
  });

  it('BIT STRING with unused bits', () => {
    expect(toHex(bitString(Uint8Array.of(0xa0), 5))).toBe('030205a0');
    expect(toHex(bitString(new Uint8Array(0)))).toBe('030100');
  });
});

describe('time (RFC 5280 §4.1.2.5)', () => {
  it('UTCTime through 2049, GeneralizedTime from 2050 and before 1950', () => {
    expect(toHex(time(new Date('2049-12-31T23:59:59Z')))).toBe(toHex(utcTime(new Date('2049-12-31T23:59:59Z'))));
    expect(time(new Date('2049-12-31T23:59:59Z'))[0]).toBe(Tag.UTCTime);
    expect(time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(Tag.GeneralizedTime);
    expect(time(new Date('1949-12-31T23:59:59Z'))[0]).toBe(Tag.GeneralizedTime);
    expect(new TextDecoder().decode(utcTime(new Date('2026-03-01T12:34:56.789Z')).subarray(2))).toBe('260301123456Z');
    expect(new TextDecoder().decode(generalizedTime(new Date('2126-03-01T12:34:56Z')).subarray(2))).toBe('21260301123456Z');
  });

  it('milliseconds are dropped (DER forbids a zero fraction; certificates carry whole seconds)', () => {
    expect(readTime(parseDer(time(new Date('2026-03-01T12:00:00.999Z'))), 't').toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it('invalid dates and out-of-range UTCTime are caller bugs', () => {
    expect(() => time(new Date(Number.NaN))).toThrow(TypeError);
    expect(() => utcTime(new Date('2050-01-01T00:00:00Z'))).toThrow(TypeError);
  });
});

describe('AlgorithmIdentifier', () => {
  it('absent parameters, NULL, or given ones', () => {
    expect(toHex(algorithmIdentifier('2.16.840.1.101.3.4.2.1'))).toBe('300b0609608648016503040201');
    expect(toHex(algorithmIdentifier('1.2.840.113549.1.1.11', NULL))).toBe('300d06092a864886f70d01010b0500');
    expect(toHex(algorithmIdentifier('1.3.14.3.2.7', octetString(fromHex('0102030405060708'))))).toBe('3011' + '06052b0e030207' + '04080102030405060708');
  });

  it('cached encodings are the same bytes on every call', () => {
    expect(algorithmIdentifier('1.3.14.3.2.26')).toBe(algorithmIdentifier('1.3.14.3.2.26'));
  });

  it('the OID caches of the writer and the reader stay bounded however many distinct OIDs pass', () => {
    for (let i = 0; i < READER_OID_CACHE_MAX + WRITER_CACHE_MAX + 500; i++) {
      const dotted = `1.3.6.1.4.1.55555.${i}`;
      const enc = oid(dotted);
      expect(readOid(parseDer(enc), 'oid')).toBe(dotted);
      algorithmIdentifier(dotted);
    }
    expect(writerCacheSizes().oid).toBe(WRITER_CACHE_MAX);
    expect(writerCacheSizes().algorithmIdentifier).toBe(WRITER_CACHE_MAX);
    expect(readerOidCacheSize()).toBe(READER_OID_CACHE_MAX);
    // Past the bound, encodings are still right, only not kept.
    expect(toHex(oid('1.3.6.1.4.1.55555.999999'))).toBe('060b2b0601040183b203bd843f');
  });
});

describe('BER helpers (client-direction device reproduction)', () => {
  it('berIndefinite writes 0x80 and end-of-contents; the reader reads it back', () => {
    const ber = berIndefinite(Tag.SEQUENCE, [integer(1), sequence(NULL)]);
    expect(toHex(ber)).toBe('3080' + '020101' + '30020500' + '0000');
    const el = parseDer(ber);
    expect(el.indefinite).toBe(true);
    expect(el.children()).toHaveLength(2);
  });

  it('berConstructedOctets segments the content; readOctets joins it again', () => {
    const data = Uint8Array.from({ length: 2500 }, (_, i) => i & 0xff);
    const ber = berConstructedOctets(data, 1000);
    const el = parseDer(ber);
    expect(el.children().map((k) => k.length)).toEqual([1000, 1000, 500]);
    expect(readOctets(el, 'x')).toEqual(data);
    expect(toHex(berConstructedOctets(new Uint8Array(0)))).toBe('2480' + '0400' + '0000');
    expect(readOctets(parseDer(berConstructedOctets(Uint8Array.of(1, 2), 1, 0xa0)), 'x', 0x80)).toEqual(Uint8Array.of(1, 2));
  });
});
