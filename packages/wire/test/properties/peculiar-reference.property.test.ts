/**
 * The DER writer against @peculiar/asn1-schema as an independent reference: for generated Names,
 * extensions, certificates, CSRs and SignedData, our encoding equals AsnConvert.serialize of the
 * parsed @peculiar object byte for byte, and our reader agrees with @peculiar on the fields.
 */
import { ContentInfo, SignedData as AsnSignedData } from '@peculiar/asn1-cms';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints as AsnBasicConstraints,
  Certificate as AsnCertificate,
  ExtendedKeyUsage as AsnExtendedKeyUsage,
  Extensions as AsnExtensions,
  GeneralNames as AsnGeneralNames,
  KeyUsage as AsnKeyUsage,
  Name as AsnName,
} from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertificate,
  buildCsr,
  buildSignedData,
  encodeAuthorityKeyIdentifier,
  encodeExtension,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeName,
  encodeSubjectAltName,
  encodeSubjectKeyIdentifier,
  KEY_USAGE_BITS,
  oids,
  parseCertificate,
  parseCsr,
  parseName,
  toHex,
  type DigestName,
  type Extension,
  type GeneralName,
  type KeyUsageName,
} from '@scep/wire';
import { encode, printableString, sequence } from '../../src/der/writer.js';
import { encodeAttribute, readContentInfo, readSignedData } from '../../src/cms/signed-data.js';
import { readExtensions } from '../../src/x509/extensions.js';
import { parseDer } from '../../src/der/reader.js';
import { crypto, fcOptions, makePki, type Pki } from '../helpers.js';

const hex = (b: ArrayBuffer | Uint8Array): string => toHex(b instanceof Uint8Array ? b : new Uint8Array(b));
const roundTrip = <T>(der: Uint8Array, type: new () => T): { parsed: T; reserialized: string } => {
  const parsed = AsnConvert.parse(der, type);
  return { parsed, reserialized: hex(AsnConvert.serialize(parsed)) };
};

// --- Generators --------------------------------------------------------------------------------

const printable = fc.stringMatching(/^[A-Za-z0-9 '()+,\-./:=?]{1,24}$/);
const ia5 = fc.stringMatching(/^[a-z0-9.@_-]{1,24}$/);
const utf8 = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 });
const atv = fc.oneof(
  fc.record({ type: fc.constantFrom(oids.id_at_commonName, oids.id_at_organizationName, oids.id_at_organizationalUnitName, oids.id_at_localityName, oids.id_at_stateOrProvinceName, oids.id_userId, oids.id_at_title), value: utf8 }),
  fc.record({ type: fc.constant(oids.id_at_countryName), value: fc.stringMatching(/^[A-Z]{2}$/) }),
  fc.record({ type: fc.constant(oids.id_at_serialNumber), value: printable }),
  fc.record({ type: fc.constantFrom(oids.id_emailAddress, oids.id_domainComponent), value: ia5 }),
);
const rdns = fc.array(fc.uniqueArray(atv, { minLength: 1, maxLength: 3, selector: (a) => a.type }), { minLength: 0, maxLength: 5 });

const dnsName = fc.stringMatching(/^[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}$/);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((w) => w.map((x) => x.toString(16)).join(':'));
const generalName: fc.Arbitrary<GeneralName> = fc.oneof(
  dnsName.map((value) => ({ type: 'dns' as const, value })),
  ia5.map((value) => ({ type: 'email' as const, value })),
  dnsName.map((value) => ({ type: 'uri' as const, value: `https://${value}/` })),
  fc.oneof(ipv4, ipv6).map((value) => ({ type: 'ip' as const, value })),
  fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), dnsName).map(([u, d]) => ({ type: 'upn' as const, value: `${u}@${d}` })),
  fc.array(fc.nat(1000), { minLength: 1, maxLength: 5 }).map((arcs) => ({ type: 'registeredId' as const, value: `1.3.${arcs.join('.')}` })),
  rdns.filter((r) => r.length > 0).map((r) => ({ type: 'directoryName' as const, value: parseName(encodeName(r)) })),
);
const keyUsage = fc.subarray([...KEY_USAGE_BITS], { minLength: 1 });
const ekus = fc.uniqueArray(fc.constantFrom(oids.id_kp_serverAuth, oids.id_kp_clientAuth, oids.id_kp_codeSigning, oids.id_kp_emailProtection, oids.id_kp_ipsecIKE, '1.3.6.1.4.1.311.20.2.2'), { minLength: 1, maxLength: 4 });
const keyId = fc.uint8Array({ minLength: 1, maxLength: 32 });

const extensions: fc.Arbitrary<Extension[]> = fc
  .record(
    {
      bc: fc.record({ ca: fc.boolean(), pathLength: fc.option(fc.nat(10), { nil: undefined }), critical: fc.boolean() }),
      ku: fc.record({ usages: keyUsage, critical: fc.boolean() }),
      eku: ekus,
      san: fc.array(generalName, { minLength: 1, maxLength: 5 }),
      ski: keyId,
      aki: keyId,
    },
    { requiredKeys: [] },
  )
  .map((e) => {
    const out: Extension[] = [];
    if (e.bc) out.push({ oid: oids.id_ce_basicConstraints, critical: e.bc.critical, value: encodeBasicConstraints(e.bc) });
    if (e.ku) out.push({ oid: oids.id_ce_keyUsage, critical: e.ku.critical, value: encodeKeyUsage(e.ku.usages as KeyUsageName[]) });
    if (e.eku) out.push({ oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage(e.eku) });
    if (e.san) out.push({ oid: oids.id_ce_subjectAltName, critical: false, value: encodeSubjectAltName(e.san) });
    if (e.ski) out.push({ oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(e.ski) });
    if (e.aki) out.push({ oid: oids.id_ce_authorityKeyIdentifier, critical: false, value: encodeAuthorityKeyIdentifier(e.aki) });
    return out;
  });

const date = fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));
const serial = fc.oneof(fc.bigInt({ min: 1n, max: 2n ** 159n }), fc.uint8Array({ minLength: 1, maxLength: 20 }).filter((b) => b.some((x) => x !== 0)));

let pki: Pki;
beforeAll(async () => {
  pki = await makePki();
});

describe('DER writer vs @peculiar/asn1-schema', () => {
  it('Names: same bytes after a @peculiar parse/serialize; same attribute values read', () => {
    fc.assert(
      fc.property(rdns, (r) => {
        const ours = encodeName(r);
        const { parsed, reserialized } = roundTrip(ours, AsnName);
        expect(reserialized).toBe(toHex(ours));
        const theirs = parsed.map((rdn) => rdn.map((a) => ({ type: a.type, value: a.value.toString() })));
        const mine = parseName(ours).rdns.map((rdn) => rdn.map((a) => ({ type: a.type, value: a.value })));
        expect(mine).toEqual(theirs);
      }),
      fcOptions(300),
    );
  });

  it('extensions (basicConstraints, keyUsage, extKeyUsage, subjectAltName, key identifiers)', () => {
    fc.assert(
      fc.property(extensions, (exts) => {
        const ours = encode(sequence(...exts.map(encodeExtension)));
        const { parsed, reserialized } = roundTrip(ours, AsnExtensions);
        expect(reserialized).toBe(toHex(ours));
        const mine = readExtensions(parseDer(ours), 'extensions');
        expect(mine.map((e) => [e.oid, e.critical, toHex(e.value)])).toEqual(parsed.map((e) => [e.extnID, e.critical, hex(e.extnValue.buffer)]));
        for (const e of parsed) {
          const value = new Uint8Array(e.extnValue.buffer);
          if (e.extnID === oids.id_ce_subjectAltName) expect(hex(AsnConvert.serialize(AsnConvert.parse(value, AsnGeneralNames)))).toBe(toHex(value));
          if (e.extnID === oids.id_ce_keyUsage) expect(hex(AsnConvert.serialize(AsnConvert.parse(value, AsnKeyUsage)))).toBe(toHex(value));
          if (e.extnID === oids.id_ce_extKeyUsage) expect(hex(AsnConvert.serialize(AsnConvert.parse(value, AsnExtendedKeyUsage)))).toBe(toHex(value));
          if (e.extnID === oids.id_ce_basicConstraints) {
            const bc = AsnConvert.parse(value, AsnBasicConstraints);
            expect(hex(AsnConvert.serialize(bc))).toBe(toHex(value));
          }
        }
      }),
      fcOptions(300),
    );
  });

  it('certificates: same bytes, same fields', async () => {
    await fc.assert(
      fc.asyncProperty(serial, rdns, rdns, date, date, extensions, fc.boolean(), fc.constantFrom<DigestName>('SHA-256', 'SHA-384', 'SHA-512'), async (sn, issuer, subject, d1, d2, exts, v1, digest) => {
        const [notBefore, notAfter] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const der = await buildCertificate(
          { version: v1 ? 1 : 3, serialNumber: sn, issuer, subject, notBefore, notAfter, publicKeyInfo: pki.device.key.publicKeyInfo, extensions: v1 ? [] : exts, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest } },
          pki.ca.key,
        );
        const { parsed, reserialized } = roundTrip(der, AsnCertificate);
        expect(reserialized).toBe(toHex(der));
        const c = parseCertificate(der);
        const tbs = parsed.tbsCertificate;
        expect(c.version).toBe(tbs.version + 1);
        expect(c.serialNumberHex).toBe(hex(tbs.serialNumber));
        expect(toHex(c.issuer.der)).toBe(hex(AsnConvert.serialize(tbs.issuer)));
        expect(toHex(c.subject.der)).toBe(hex(AsnConvert.serialize(tbs.subject)));
        expect([c.notBefore.getTime(), c.notAfter.getTime()]).toEqual([tbs.validity.notBefore.getTime().getTime(), tbs.validity.notAfter.getTime().getTime()]);
        expect([c.notBefore.getTime(), c.notAfter.getTime()]).toEqual([notBefore.getTime(), notAfter.getTime()]);
        expect(c.extensions.map((e) => [e.oid, e.critical, toHex(e.value)])).toEqual((tbs.extensions ?? []).map((e) => [e.extnID, e.critical, hex(e.extnValue.buffer)]));
        expect(toHex(c.signature)).toBe(hex(parsed.signatureValue));
      }),
      fcOptions(60),
    );
  });

  it('CSRs: same bytes, same attributes', async () => {
    await fc.assert(
      fc.asyncProperty(rdns, fc.option(fc.oneof(printable, utf8), { nil: undefined }), fc.option(extensions, { nil: undefined }), async (subject, challengePassword, exts) => {
        const der = await buildCsr(
          { subject, ...(challengePassword === undefined ? {} : { challengePassword }), ...(exts === undefined ? {} : { extensions: exts }), signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } },
          pki.device.key,
        );
        const { parsed, reserialized } = roundTrip(der, CertificationRequest);
        expect(reserialized).toBe(toHex(der));
        const csr = parseCsr(der);
        expect(csr.attributes.map((a) => a.oid)).toEqual(parsed.certificationRequestInfo.attributes.map((a) => a.type));
        expect(csr.attributes.map((a) => a.values.map(toHex))).toEqual(parsed.certificationRequestInfo.attributes.map((a) => a.values.map(hex)));
        expect(csr.challengePassword).toBe(challengePassword);
        expect(toHex(csr.subject.der)).toBe(hex(AsnConvert.serialize(parsed.certificationRequestInfo.subject)));
        expect(toHex(csr.signature)).toBe(hex(parsed.signature));
      }),
      fcOptions(60),
    );
  });

  it('SignedData: same bytes, same fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        fc.subarray([0, 1, 2]),
        fc.option(fc.record({ digest: fc.constantFrom<DigestName>('SHA-256', 'SHA-384', 'SHA-512'), style: fc.constantFrom('rsaEncryption' as const, 'algorithm' as const), ski: fc.boolean(), tx: printable }), { nil: undefined }),
        async (eContent, certIdx, signer) => {
          const certs = [pki.ca, pki.ra, pki.device].map((p) => p.certificate.der);
          const der = await buildSignedData({
            eContentType: oids.id_data,
            eContent,
            certificates: certIdx.map((i) => certs[i] as Uint8Array),
            ...(signer === undefined
              ? {}
              : {
                  signer: {
                    certificate: pki.ra.certificate,
                    key: pki.ra.key,
                    digest: signer.digest,
                    signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: signer.digest },
                    signatureStyle: signer.style,
                    identifier: signer.ski ? 'subjectKeyIdentifier' : 'issuerAndSerialNumber',
                    attributes: [encodeAttribute(oids.id_transactionID, printableString(signer.tx))],
                  },
                }),
            crypto,
          });
          const { parsed, reserialized } = roundTrip(der, ContentInfo);
          expect(reserialized).toBe(toHex(der));
          const theirs = AsnConvert.parse(parsed.content, AsnSignedData);
          expect(hex(AsnConvert.serialize(theirs))).toBe(toHex(readContentInfo(parseDer(der), 'ci').content.raw()));
          const ours = readSignedData(readContentInfo(parseDer(der), 'ci').content);
          expect(ours.version).toBe(theirs.version);
          expect(ours.eContentType).toBe(theirs.encapContentInfo.eContentType);
          expect(ours.eContent && toHex(ours.eContent)).toBe(theirs.encapContentInfo.eContent?.single && hex(theirs.encapContentInfo.eContent.single.buffer));
          expect(ours.certificates.map((c) => toHex(c.der))).toEqual((theirs.certificates ?? []).map((c) => hex(AsnConvert.serialize(c.certificate as AsnCertificate))));
          expect(ours.signerInfos.length).toBe(theirs.signerInfos.length);
          for (const [i, si] of theirs.signerInfos.entries()) {
            const mine = ours.signerInfos[i];
            expect(mine?.version).toBe(si.version);
            expect(mine?.digestAlgorithm.oid).toBe(si.digestAlgorithm.algorithm);
            expect(mine?.signatureAlgorithm.oid).toBe(si.signatureAlgorithm.algorithm);
            expect(mine && toHex(mine.signature)).toBe(hex(si.signature.buffer));
            expect(mine?.sid.type).toBe(si.sid.subjectKeyIdentifier ? 'subjectKeyIdentifier' : 'issuerAndSerialNumber');
            expect([...(mine?.attributes.keys() ?? [])]).toEqual((si.signedAttrs ?? []).map((a) => a.attrType));
          }
        },
      ),
      fcOptions(60),
    );
  });
});
