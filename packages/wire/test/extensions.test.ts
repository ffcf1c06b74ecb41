/** x509/extensions.ts: GeneralName (UPN, IPv4/IPv6, ...), key usage, basic constraints, EKU, key identifiers. */
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName as AsnGeneralName, GeneralNames as AsnGeneralNames, OtherName } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectAltName,
  decodeSubjectKeyIdentifier,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeGeneralNames,
  encodeKeyUsage,
  encodeName,
  encodeSubjectAltName,
  encodeSubjectKeyIdentifier,
  encodeTlsFeature,
  fromHex,
  KEY_USAGE_BITS,
  oids,
  parseName,
  toHex,
  type GeneralName,
  type KeyUsageName,
} from '@scep/wire';
import { parseDer } from '../src/der/reader.js';
import { readExtensions, readGeneralName } from '../src/x509/extensions.js';
import { encode, octetString, oid, sequence, tlv, utf8String, explicit } from '../src/der/writer.js';
import { throwsWith } from './helpers.js';
import { x509 } from './x509-reference.js';

const san = (names: GeneralName[]): GeneralName[] => decodeSubjectAltName(encodeSubjectAltName(names));

describe('GeneralName', () => {
  it('dNSName, rfc822Name, URI round trip', () => {
    const names: GeneralName[] = [
      { type: 'dns', value: 'device.example.test' },
      { type: 'email', value: 'alice@example.test' },
      { type: 'uri', value: 'https://example.test/x?y=1' },
    ];
    expect(san(names)).toEqual(names);
  });

  it('UPN otherName: ours encodes what @peculiar/x509 encodes, and reads what it writes', () => {
    const ours = encodeSubjectAltName([{ type: 'upn', value: 'alice@corp.example.test' }]);
    const theirs = new x509.SubjectAlternativeNameExtension([{ type: 'upn', value: 'alice@corp.example.test' }]);
    expect(toHex(ours)).toBe(toHex(new Uint8Array(theirs.value)));
    expect(decodeSubjectAltName(new Uint8Array(theirs.value))).toEqual([{ type: 'upn', value: 'alice@corp.example.test' }]);
    // otherName { 1.3.6.1.4.1.311.20.2.3, [0] EXPLICIT UTF8String }
    expect(toHex(ours)).toBe(toHex(encode(sequence(tlv(0xa0, new Uint8Array([...oid(oids.id_ms_upn), ...encode(explicit(0, utf8String('alice@corp.example.test')))]))))));
  });

  it('a UPN written as another string type (e.g. by asn1-x509 users) still reads', () => {
    const other = new AsnGeneralName({ otherName: new OtherName({ typeId: oids.id_ms_upn, value: new Uint8Array([0x16, 0x03, 0x61, 0x40, 0x62]).buffer }) });
    const der = new Uint8Array(AsnConvert.serialize(new AsnGeneralNames([other])));
    expect(decodeSubjectAltName(der)).toEqual([{ type: 'upn', value: 'a@b' }]);
  });

  it('other otherNames keep their OID and raw value', () => {
    const value = encode(sequence(utf8String('x')));
    expect(san([{ type: 'otherName', oid: '1.2.3.4', value }])).toEqual([{ type: 'otherName', oid: '1.2.3.4', value }]);
  });

  it('iPAddress: IPv4 and IPv6 (compressed forms), byte for byte as @peculiar/x509 writes them', () => {
    for (const [input, canonical, bytes] of [
      ['192.0.2.1', '192.0.2.1', 'c0000201'],
      ['0.0.0.0', '0.0.0.0', '00000000'],
      ['2001:db8::1', '2001:db8::1', '20010db8000000000000000000000001'],
      ['::1', '::1', '00000000000000000000000000000001'],
      ['::', '::', '00000000000000000000000000000000'],
      ['fe80::', 'fe80::', 'fe800000000000000000000000000000'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
      // RFC 5952 §4.2: the longest run of zero words is the one compressed; a single zero word is not.
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3', '00010000000000020000000000000003'],
      ['0:0:1:0:0:0:0:1', '0:0:1::1', '00000000000100000000000000000001'],
      ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7', '00010000000200030004000500060007'],
    ] as const) {
      const enc = encodeSubjectAltName([{ type: 'ip', value: input }]);
      expect(toHex(enc), input).toBe(`3012`.slice(0, 0) + toHex(encode(sequence(tlv(0x87, fromHex(bytes))))));
      expect(decodeSubjectAltName(enc), input).toEqual([{ type: 'ip', value: canonical }]);
      const theirs = new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: input }]);
      expect(toHex(new Uint8Array(theirs.value)), input).toBe(toHex(enc));
    }
  });

  it('bad IP strings are caller bugs; a 5-byte iPAddress is malformed input', () => {
    for (const bad of ['256.1.1.1', '1.2.3', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'x::']) expect(() => encodeSubjectAltName([{ type: 'ip', value: bad }]), bad).toThrow(TypeError);
    throwsWith(() => decodeSubjectAltName(encode(sequence(tlv(0x87, new Uint8Array(5))))), 'ERR_MALFORMED');
  });

  it('directoryName, registeredID, x400Address and ediPartyName', () => {
    const dir = parseName(encodeName('O=Example, CN=dir'));
    const back = san([{ type: 'directoryName', value: dir }, { type: 'registeredId', value: '1.2.840.113549' }]);
    expect(back[0]?.type === 'directoryName' && toHex(back[0].value.der)).toBe(toHex(dir.der));
    expect(back[1]).toEqual({ type: 'registeredId', value: '1.2.840.113549' });
    const x400 = encode(tlv(0xa3, encode(sequence())));
    const edi = encode(tlv(0xa5, encode(explicit(1, utf8String('p')))));
    const raw = san([{ type: 'x400Address', value: x400 }, { type: 'ediPartyName', value: edi }]);
    expect(raw.map((g) => g.type)).toEqual(['x400Address', 'ediPartyName']);
  });

  it('agrees with @peculiar/asn1-x509 on a mixed list', () => {
    const names: GeneralName[] = [
      { type: 'dns', value: 'a.example' },
      { type: 'email', value: 'e@example' },
      { type: 'uri', value: 'urn:x' },
      { type: 'ip', value: '10.0.0.1' },
      { type: 'registeredId', value: '1.2.3' },
    ];
    const ours = encodeGeneralNames(names);
    const parsed = AsnConvert.parse(ours, AsnGeneralNames);
    expect(parsed.map((g) => g.dNSName ?? g.rfc822Name ?? g.uniformResourceIdentifier ?? g.iPAddress ?? g.registeredID)).toEqual(['a.example', 'e@example', 'urn:x', '10.0.0.1', '1.2.3']);
    expect(toHex(new Uint8Array(AsnConvert.serialize(parsed)))).toBe(toHex(ours));
  });

  it('non-ASCII in IA5 names: caller bug on encode, malformed on decode; unknown tags malformed', () => {
    expect(() => encodeSubjectAltName([{ type: 'dns', value: 'é.example' }])).toThrow(TypeError);
    throwsWith(() => decodeSubjectAltName(encode(sequence(tlv(0x82, Uint8Array.of(0xe9))))), 'ERR_MALFORMED');
    throwsWith(() => readGeneralName(parseDer(Uint8Array.of(0x89, 0x00)), 'g'), 'ERR_MALFORMED');
  });
});

describe('keyUsage (RFC 5280 §4.2.1.3)', () => {
  const FLAGS: Record<KeyUsageName, number> = {
    digitalSignature: x509.KeyUsageFlags.digitalSignature,
    nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
    keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
    dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
    keyAgreement: x509.KeyUsageFlags.keyAgreement,
    keyCertSign: x509.KeyUsageFlags.keyCertSign,
    cRLSign: x509.KeyUsageFlags.cRLSign,
    encipherOnly: x509.KeyUsageFlags.encipherOnly,
    decipherOnly: x509.KeyUsageFlags.decipherOnly,
  };

  it('every one of the 512 usage sets encodes byte for byte as @peculiar/x509, and decodes back', () => {
    for (let mask = 0; mask < 512; mask++) {
      const usages = KEY_USAGE_BITS.filter((_, i) => (mask & (1 << i)) !== 0);
      const ours = encodeKeyUsage(usages);
      const flags = usages.reduce((f, u) => f | FLAGS[u], 0);
      const theirs = new Uint8Array(new x509.KeyUsagesExtension(flags).value);
      expect(toHex(ours), usages.join(',')).toBe(toHex(theirs));
      expect([...decodeKeyUsage(ours)].sort()).toEqual([...usages].sort());
    }
  });

  it('known encodings: trailing zero bits dropped (X.690 §11.2.2)', () => {
    expect(toHex(encodeKeyUsage(['digitalSignature', 'keyEncipherment']))).toBe('030205a0');
    expect(toHex(encodeKeyUsage(['keyCertSign', 'cRLSign']))).toBe('03020106');
    expect(toHex(encodeKeyUsage(['decipherOnly']))).toBe('0303070080');
    expect(toHex(encodeKeyUsage([]))).toBe('030100');
  });

  it('reads non-minimal encodings other encoders write', () => {
    expect([...decodeKeyUsage(fromHex('03020080'))]).toEqual(['digitalSignature']);
    expect([...decodeKeyUsage(fromHex('0303008000'))]).toEqual(['digitalSignature']);
  });
});

describe('basicConstraints, extKeyUsage, key identifiers, TLS feature', () => {
  it('basicConstraints: cA omitted when false (DER DEFAULT), pathLen optional', () => {
    expect(toHex(encodeBasicConstraints({ ca: false }))).toBe('3000');
    expect(toHex(encodeBasicConstraints({ ca: true }))).toBe('30030101ff');
    expect(toHex(encodeBasicConstraints({ ca: true, pathLength: 0 }))).toBe('30060101ff020100');
    expect(decodeBasicConstraints(encodeBasicConstraints({ ca: true, pathLength: 3 }))).toEqual({ ca: true, pathLength: 3 });
    expect(decodeBasicConstraints(fromHex('3000'))).toEqual({ ca: false, pathLength: undefined });
    expect(toHex(encodeBasicConstraints({ ca: true, pathLength: 2 }))).toBe(toHex(new Uint8Array(new x509.BasicConstraintsExtension(true, 2).value)));
  });

  it('extKeyUsage round trip, as @peculiar/x509 writes it', () => {
    const ekus = [oids.id_kp_clientAuth, oids.id_kp_serverAuth, '1.3.6.1.4.1.311.20.2.2'];
    expect(decodeExtKeyUsage(encodeExtKeyUsage(ekus))).toEqual(ekus);
    expect(toHex(encodeExtKeyUsage(ekus))).toBe(toHex(new Uint8Array(new x509.ExtendedKeyUsageExtension(ekus).value)));
  });

  it('subject and authority key identifiers', () => {
    const id = fromHex('0102030405060708090a0b0c0d0e0f1011121314');
    expect(toHex(decodeSubjectKeyIdentifier(encodeSubjectKeyIdentifier(id)))).toBe(toHex(id));
    expect(toHex(decodeAuthorityKeyIdentifier(encodeAuthorityKeyIdentifier(id)) ?? new Uint8Array())).toBe(toHex(id));
    expect(toHex(encodeAuthorityKeyIdentifier(id))).toBe(toHex(new Uint8Array(new x509.AuthorityKeyIdentifierExtension(toHex(id)).value)));
    expect(decodeAuthorityKeyIdentifier(fromHex('3000'))).toBeUndefined();
  });

  it('TLS feature (must-staple)', () => {
    expect(toHex(encodeTlsFeature([5]))).toBe('3003020105');
  });
});

describe('readExtensions', () => {
  const ext = (id: string, critical: boolean, value: Uint8Array): Uint8Array => encode(critical ? sequence(oid(id), Uint8Array.of(1, 1, 0xff), octetString(value)) : sequence(oid(id), octetString(value)));

  it('reads criticality and extnValue; absent critical means false', () => {
    const el = parseDer(encode(sequence(ext(oids.id_ce_keyUsage, true, fromHex('030205a0')), ext(oids.id_ce_subjectKeyIdentifier, false, fromHex('0401aa')))));
    expect(readExtensions(el, 'e')).toEqual([
      { oid: oids.id_ce_keyUsage, critical: true, value: fromHex('030205a0') },
      { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: fromHex('0401aa') },
    ]);
  });

  it('a duplicated extension is malformed (RFC 5280 §4.2)', () => {
    const el = parseDer(encode(sequence(ext(oids.id_ce_keyUsage, false, fromHex('030100')), ext(oids.id_ce_keyUsage, false, fromHex('030100')))));
    throwsWith(() => readExtensions(el, 'e'), 'ERR_MALFORMED');
  });
});
