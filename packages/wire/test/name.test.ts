/** x509/name.ts: X.501 Names — DN strings, encoding, formatting, matching. */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name as AsnName, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { buildName, commonNameOf, EMPTY_NAME_DER, encodeName, formatName, nameAttribute, namesMatch, oids, parseDn, parseName, toHex } from '@scep/wire';
import { Tag } from '../src/der/reader.js';
import { throwsWith } from './helpers.js';
import { x509 } from './x509-reference.js';

describe('parseDn', () => {
  it('RFC 4514-style strings in encoded order, short names and dotted OIDs', () => {
    expect(parseDn('C=US, O=Example, CN=device')).toEqual([
      [{ type: oids.id_at_countryName, value: 'US' }],
      [{ type: oids.id_at_organizationName, value: 'Example' }],
      [{ type: oids.id_at_commonName, value: 'device' }],
    ]);
    expect(parseDn('2.5.4.3=x')).toEqual([[{ type: '2.5.4.3', value: 'x' }]]);
    expect(parseDn('  ')).toEqual([]);
  });

  it('multi-valued RDNs with +, escaped separators', () => {
    expect(parseDn('CN=a\\,b+UID=c\\+d, O=x')).toEqual([
      [
        { type: oids.id_at_commonName, value: 'a,b' },
        { type: oids.id_userId, value: 'c+d' },
      ],
      [{ type: oids.id_at_organizationName, value: 'x' }],
    ]);
  });

  it("OpenSSL's /C=US/O=Example/CN=device form", () => {
    expect(parseDn('/C=US/O=Example/CN=device').map((r) => r[0]?.value)).toEqual(['US', 'Example', 'device']);
  });

  it('unknown attribute names and components without = are caller bugs', () => {
    expect(() => parseDn('XX=1')).toThrow(TypeError);
    expect(() => parseDn('CN')).toThrow(TypeError);
    expect(() => parseDn('=x')).toThrow(TypeError);
  });

  it('email, E and emailAddress all name PKCS #9 emailAddress', () => {
    for (const k of ['E', 'email', 'emailAddress']) expect(parseDn(`${k}=a@b`)[0]?.[0]?.type).toBe(oids.id_emailAddress);
  });
});

describe('encodeName', () => {
  it('string types per RFC 5280: PrintableString for C and serialNumber, IA5String for email and DC, else UTF8String', () => {
    const n = parseName(encodeName('C=US, serialNumber=42, E=a@b.c, DC=example, O=Ünïcode, CN=device'));
    expect(n.rdns.map((r) => r[0]?.tag)).toEqual([Tag.PrintableString, Tag.PrintableString, Tag.IA5String, Tag.IA5String, Tag.UTF8String, Tag.UTF8String]);
    expect(n.rdns.map((r) => r[0]?.value)).toEqual(['US', '42', 'a@b.c', 'example', 'Ünïcode', 'device']);
  });

  it('a value that cannot be a PrintableString is a caller bug', () => {
    expect(() => encodeName('C=U_')).toThrow(TypeError);
  });

  it('equals @peculiar/asn1-x509 serialising the same Name, byte for byte', () => {
    const ours = encodeName('C=ZZ, O=scep wire, OU=tests, CN=device 1');
    const theirs = new AsnName([
      new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oids.id_at_countryName, value: new AttributeValue({ printableString: 'ZZ' }) })]),
      new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oids.id_at_organizationName, value: new AttributeValue({ utf8String: 'scep wire' }) })]),
      new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oids.id_at_organizationalUnitName, value: new AttributeValue({ utf8String: 'tests' }) })]),
      new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oids.id_at_commonName, value: new AttributeValue({ utf8String: 'device 1' }) })]),
    ]);
    expect(toHex(ours)).toBe(toHex(new Uint8Array(AsnConvert.serialize(theirs))));
  });

  it('multi-valued RDNs are sorted as DER SET OF', () => {
    const a = encodeName('CN=b+O=a');
    const b = encodeName('O=a+CN=b');
    expect(toHex(a)).toBe(toHex(b));
  });

  it('RDN arrays and existing Names are accepted; a Name is returned as it is', () => {
    const n = buildName([[{ type: oids.id_at_commonName, value: 'x' }]]);
    expect(encodeName(n)).toBe(n.der);
    expect(commonNameOf(n)).toBe('x');
    expect(toHex(EMPTY_NAME_DER)).toBe('3000');
    expect(parseName(EMPTY_NAME_DER).rdns).toEqual([]);
  });
});

describe('formatName', () => {
  it('round-trips through parseDn, escaping RFC 4514 specials', () => {
    for (const dn of ['C=US, O=Example, CN=device', 'CN=a\\,b+UID=c', 'CN=\\#hash, O=\\ lead', 'CN=trail\\ ', 'CN=q\\"uote\\;semi', '1.2.3.4=x']) {
      const n = parseName(encodeName(dn));
      expect(formatName(parseName(encodeName(formatName(n))))).toBe(formatName(n));
      expect(toHex(encodeName(formatName(n)))).toBe(toHex(n.der));
    }
    expect(formatName(parseName(encodeName('CN=a,b'.replace(',', '\\,'))))).toBe('CN=a\\,b');
  });

  it('reads Names @peculiar/x509 writes', () => {
    const theirs = new x509.Name('CN=device, O=Example Org, C=US');
    const ours = parseName(new Uint8Array(theirs.toArrayBuffer()));
    expect(nameAttribute(ours, oids.id_at_organizationName)).toBe('Example Org');
    expect(ours.rdns.flat().map((a) => a.value).sort()).toEqual(['Example Org', 'US', 'device']);
  });
});

describe('namesMatch (RFC 5280 §7.1, simplified)', () => {
  it('byte-equal names match; so do names differing in case, spacing and string type', () => {
    const a = parseName(encodeName('C=US, O=Example, CN=Device'));
    const b = parseName(encodeName([[{ type: oids.id_at_countryName, value: 'us' }], [{ type: oids.id_at_organizationName, value: '  example ' }], [{ type: oids.id_at_commonName, value: 'DEVICE' }]]));
    expect(namesMatch(a, a)).toBe(true);
    expect(namesMatch(a, b)).toBe(true);
  });

  it('different structure, types or values do not match', () => {
    const a = parseName(encodeName('O=Example, CN=device'));
    expect(namesMatch(a, parseName(encodeName('CN=device, O=Example')))).toBe(false);
    expect(namesMatch(a, parseName(encodeName('O=Example, CN=device2')))).toBe(false);
    expect(namesMatch(a, parseName(encodeName('O=Example, OU=device')))).toBe(false);
    expect(namesMatch(a, parseName(encodeName('O=Example')))).toBe(false);
    expect(namesMatch(a, parseName(encodeName('O=Example, CN=device+UID=x')))).toBe(false);
  });

  it('a multi-valued RDN matches one attribute to one partner, in either direction', () => {
    const twice = parseName(encodeName('CN=alice+CN=alice'));
    const staff = parseName(encodeName('CN=alice+OU=Staff'));
    expect(namesMatch(twice, staff)).toBe(false);
    expect(namesMatch(staff, twice)).toBe(false);
    expect(namesMatch(staff, parseName(encodeName('OU=staff+CN=Alice')))).toBe(true);
  });
});

describe('reading untrusted Names', () => {
  it('empty RDNs, non-sequences and broken attributes are malformed', () => {
    throwsWith(() => parseName(Uint8Array.of(0x30, 0x02, 0x31, 0x00)), 'ERR_MALFORMED');
    throwsWith(() => parseName(Uint8Array.of(0x31, 0x00)), 'ERR_MALFORMED');
    throwsWith(() => parseName(Uint8Array.of(0x30, 0x04, 0x31, 0x02, 0x30, 0x00)), 'ERR_MALFORMED');
  });

  it('a non-string attribute value is kept with an empty string and its tag', () => {
    // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, INTEGER 5 } } }
    const n = parseName(Uint8Array.of(0x30, 0x0a, 0x31, 0x08, 0x30, 0x06, 0x06, 0x01, 0x55, 0x02, 0x01, 0x05));
    expect(n.rdns[0]?.[0]).toEqual({ type: '2.5', value: '', tag: Tag.INTEGER });
  });
});
