/** cms/signed-data.ts: ContentInfo, SignedData (RFC 5652 §5), signer identifiers, verification over the attributes as received. */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDegenerateSignedData, buildSignedData, oids, toHex, type SignerInfoSignatureStyle } from '@scep/wire';
import { parseDer } from '../src/der/reader.js';
import { encode, octetString, oid, printableString, sequence, setOf, utf8String } from '../src/der/writer.js';
import { encodeAttribute, readContentInfo, readSignedData, verifySignerInfo, type SignedData, type SignerOptions } from '../src/cms/signed-data.js';
import { crypto, makePki, makeParty, rejectsWith, throwsWith, type Party, type Pki, flip, indexOfBytes } from './helpers.js';

let pki: Pki;
let ec: Party;
beforeAll(async () => {
  pki = await makePki();
  ec = await makeParty({ subject: 'CN=ec signer', keyType: 'EC' });
});

const read = (der: Uint8Array): SignedData => {
  const ci = readContentInfo(parseDer(der), 'ContentInfo');
  expect(ci.contentType).toBe(oids.id_signedData);
  return readSignedData(ci.content);
};
const content = new TextEncoder().encode('encapsulated content');

function signer(p: Party, o: Partial<SignerOptions> = {}): SignerOptions {
  return {
    certificate: p.certificate,
    key: p.key,
    digest: 'SHA-256',
    signatureAlgorithm: p.key.keyType === 'EC' ? { scheme: 'ECDSA', digest: 'SHA-256' } : { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    attributes: [encodeAttribute(oids.id_transactionID, printableString('tx'))],
    ...o,
  };
}

describe('buildSignedData / readSignedData / verifySignerInfo', () => {
  it('issuerAndSerialNumber signer: version 1, attributes by OID, verifies', async () => {
    const sd = read(await buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [pki.ra.certificate.der], signer: signer(pki.ra), crypto }));
    expect(sd.version).toBe(1);
    expect(sd.eContentType).toBe(oids.id_data);
    expect(toHex(sd.eContent ?? new Uint8Array())).toBe(toHex(content));
    const si = sd.signerInfos[0];
    if (!si) throw new Error('no SignerInfo');
    expect(si.version).toBe(1);
    expect(si.sid.type).toBe('issuerAndSerialNumber');
    expect([...si.attributes.keys()].sort()).toEqual([oids.id_contentType, oids.id_messageDigest, oids.id_transactionID].sort());
    expect(si.signedAttrs?.[0]).toBe(0x31); // verified as a SET (RFC 5652 §5.4)
    const v = await verifySignerInfo(sd, si, { crypto });
    expect(toHex(v.certificate.der)).toBe(toHex(pki.ra.certificate.der));
    expect(v.digest.name).toBe('SHA-256');
    expect(v.signatureStyle).toBe('rsaEncryption');
  });

  it('subjectKeyIdentifier signer: version 3 SignerInfo and SignedData, [0] sid, verifies', async () => {
    const sd = read(await buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [pki.ra.certificate.der], signer: signer(pki.ra, { identifier: 'subjectKeyIdentifier' }), crypto }));
    expect(sd.version).toBe(3);
    const si = sd.signerInfos[0];
    if (!si) throw new Error('no SignerInfo');
    expect(si.version).toBe(3);
    expect(si.sid.type === 'subjectKeyIdentifier' && toHex(si.sid.keyIdentifier)).toBe(toHex(pki.ra.certificate.subjectKeyIdentifier ?? new Uint8Array(1)));
    expect((await verifySignerInfo(sd, si, { crypto })).certificate.der).toEqual(pki.ra.certificate.der);
  });

  it('an SKI signer identifier needs a certificate with a subjectKeyIdentifier (caller bug otherwise)', async () => {
    await expect(buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [], signer: signer(pki.device, { identifier: 'subjectKeyIdentifier' }), crypto })).rejects.toThrow(TypeError);
  });

  for (const style of ['rsaEncryption', 'algorithm'] as SignerInfoSignatureStyle[]) {
    it(`SignerInfo signature OID style ${style} is reported back`, async () => {
      const sd = read(await buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [pki.ra.certificate.der], signer: signer(pki.ra, { signatureStyle: style }), crypto }));
      expect((await verifySignerInfo(sd, sd.signerInfos[0] as SignedData['signerInfos'][number], { crypto })).signatureStyle).toBe(style);
    });
  }

  it('ECDSA signer', async () => {
    const sd = read(await buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [ec.certificate.der], signer: signer(ec), crypto }));
    expect((await verifySignerInfo(sd, sd.signerInfos[0] as SignedData['signerInfos'][number], { crypto })).signatureAlgorithm).toEqual({ scheme: 'ECDSA', digest: 'SHA-256' });
  });

  it('BER (indefinite lengths, segmented eContent) reads and verifies the same', async () => {
    const der = await buildSignedData({ eContentType: oids.id_data, eContent: new Uint8Array(2500).fill(3), certificates: [pki.ra.certificate.der], signer: signer(pki.ra), encoding: 'ber', crypto });
    const root = parseDer(der);
    expect(root.indefinite).toBe(true);
    const sd = read(der);
    expect(sd.eContent?.length).toBe(2500);
    await verifySignerInfo(sd, sd.signerInfos[0] as SignedData['signerInfos'][number], { crypto });
  });

  it('a non-data eContentType makes it version 3 (RFC 5652 §5.1)', async () => {
    const sd = read(await buildSignedData({ eContentType: oids.id_envelopedData, eContent: content, certificates: [], crypto }));
    expect(sd.version).toBe(3);
    expect(sd.signerInfos).toEqual([]);
  });

  it('the signer certificate may come from outside the message; absent everywhere → ERR_SIGNER_NOT_FOUND', async () => {
    const sd = read(await buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [], signer: signer(pki.ra), crypto }));
    const si = sd.signerInfos[0] as SignedData['signerInfos'][number];
    await rejectsWith(verifySignerInfo(sd, si, { crypto }), 'ERR_SIGNER_NOT_FOUND');
    await rejectsWith(verifySignerInfo(sd, si, { crypto, extraCertificates: [pki.ca.certificate] }), 'ERR_SIGNER_NOT_FOUND');
    expect((await verifySignerInfo(sd, si, { crypto, extraCertificates: [pki.ca.certificate, pki.ra.certificate] })).certificate.der).toEqual(pki.ra.certificate.der);
  });

  it('no content: messageDigest is over the empty string', async () => {
    const sd = read(await buildSignedData({ eContentType: oids.id_data, eContent: undefined, certificates: [pki.ra.certificate.der], signer: signer(pki.ra), crypto }));
    expect(sd.eContent).toBeUndefined();
    await verifySignerInfo(sd, sd.signerInfos[0] as SignedData['signerInfos'][number], { crypto });
  });
});

describe('verification failures', () => {
  const build = (o: Partial<SignerOptions> = {}): Promise<Uint8Array> =>
    buildSignedData({ eContentType: oids.id_data, eContent: content, certificates: [pki.ra.certificate.der], signer: signer(pki.ra, o), crypto });
  const first = (sd: SignedData): SignedData['signerInfos'][number] => sd.signerInfos[0] as SignedData['signerInfos'][number];

  it('changed content → ERR_MESSAGE_DIGEST_MISMATCH', async () => {
    const der = await build();
    const i = indexOfBytes(der, content);
    flip(der, i, 1);
    const sd = read(der);
    await rejectsWith(verifySignerInfo(sd, first(sd), { crypto }), 'ERR_MESSAGE_DIGEST_MISMATCH');
  });

  it('changed signed attribute → ERR_SIGNATURE_INVALID', async () => {
    const der = await build({ attributes: [encodeAttribute(oids.id_transactionID, printableString('txA'))] });
    const i = indexOfBytes(der, Uint8Array.of(0x13, 3, ...new TextEncoder().encode('txA'))); // the PrintableString
    der[i + 4] = 'B'.charCodeAt(0);
    const sd = read(der);
    await rejectsWith(verifySignerInfo(sd, first(sd), { crypto }), 'ERR_SIGNATURE_INVALID');
  });

  it('changed signature → ERR_SIGNATURE_INVALID', async () => {
    const der = await build();
    flip(der, der.length - 3, 1);
    const sd = read(der);
    await rejectsWith(verifySignerInfo(sd, first(sd), { crypto }), 'ERR_SIGNATURE_INVALID');
  });

  it('a contentType attribute that differs from eContentType is refused', async () => {
    const sd0 = read(await build());
    const sd: SignedData = { ...sd0, eContentType: oids.id_envelopedData };
    await rejectsWith(verifySignerInfo(sd, first(sd), { crypto }), 'ERR_MESSAGE_DIGEST_MISMATCH');
  });

  it('a duplicated attribute is malformed (RFC 5652 §11: each once)', async () => {
    const tx = encodeAttribute(oids.id_transactionID, printableString('tx'));
    const der = await build({ attributes: [tx, encodeAttribute(oids.id_transactionID, printableString('tx2'))] });
    throwsWith(() => read(der), 'ERR_MALFORMED');
  });

  it('missing signed attributes, contentType or messageDigest → ERR_MISSING_ATTRIBUTE', async () => {
    const sd0 = read(await build());
    const si = first(sd0);
    for (const drop of [oids.id_contentType, oids.id_messageDigest]) {
      const attributes = new Map(si.attributes);
      attributes.delete(drop);
      const sd = { ...sd0, signerInfos: [{ ...si, attributes }] };
      await rejectsWith(verifySignerInfo(sd, first(sd), { crypto }), 'ERR_MISSING_ATTRIBUTE');
    }
    const none = { ...sd0, signerInfos: [{ ...si, signedAttrs: undefined }] };
    await rejectsWith(verifySignerInfo(none, first(none), { crypto }), 'ERR_MISSING_ATTRIBUTE');
  });

  it('legacy digests are refused unless enabled', async () => {
    const der = await build({ digest: 'SHA-1', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-1' } });
    const sd = read(der);
    await rejectsWith(verifySignerInfo(sd, first(sd), { crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    await verifySignerInfo(sd, first(sd), { crypto, legacy: ['SHA-1'] });
  });

  it('a signed attributes element written with an indefinite length is verified over its DER form', async () => {
    // Build the DER form, then rewrite the [0] signedAttrs as BER indefinite: the signature still covers the DER.
    const der = await build();
    const sd = read(der);
    const si = first(sd);
    const attrs = si.signedAttrs as Uint8Array;
    const kids = parseDer(attrs).children().map((k) => k.raw());
    const ber = new Uint8Array([0xa0, 0x80, ...kids.flatMap((k) => [...k]), 0, 0]);
    const tagged = attrs.slice();
    tagged[0] = 0xa0;
    const at = indexOfBytes(der, tagged);
    expect(at).toBeGreaterThan(0);
    const { berIndefinite } = await import('../src/der/writer.js');
    // Re-assemble with indefinite lengths up the tree so every length stays consistent.
    const siEl = parseDer(der).children()[1]?.children()[0]?.children().at(-1)?.children()[0];
    const fields = siEl?.children().map((k) => (k.tag === 0xa0 ? ber : k.raw())) ?? [];
    const sdEl = parseDer(der).children()[1]?.children()[0];
    const sdFields = sdEl?.children().slice(0, -1).map((k) => k.raw()) ?? [];
    const rebuilt = berIndefinite(0x30, [oid(oids.id_signedData), berIndefinite(0xa0, [berIndefinite(0x30, [...sdFields, berIndefinite(0x31, [berIndefinite(0x30, fields)])])])]);
    const back = read(rebuilt);
    expect(first(back).signedAttrs).toEqual(attrs);
    await verifySignerInfo(back, first(back), { crypto });
  });
});

describe('degenerate certs-only SignedData (RFC 8894 §3.4)', () => {
  it('certificates in the order given, CRLs, no signers, version 1', () => {
    const crl = encode(sequence(sequence(oid('1.2.3')), utf8String('not really a CRL')));
    const sd = read(buildDegenerateSignedData([pki.ra.certificate.der, pki.ca.certificate.der], [crl]));
    expect(sd.version).toBe(1);
    expect(sd.certificates.map((c) => toHex(c.der))).toEqual([toHex(pki.ra.certificate.der), toHex(pki.ca.certificate.der)]);
    expect(sd.crls.map(toHex)).toEqual([toHex(crl)]);
    expect(sd.signerInfos).toEqual([]);
    expect(sd.eContent).toBeUndefined();
  });
});

describe('reading malformed SignedData', () => {
  it('wrong content type, unexpected fields, bad signer identifiers', async () => {
    throwsWith(() => readSignedData(parseDer(encode(sequence(oid('1.2.3'))))), 'ERR_MALFORMED');
    throwsWith(() => readContentInfo(parseDer(encode(sequence(oid(oids.id_data)))), 'ci'), 'ERR_MALFORMED');
    const bad = encode(sequence(Uint8Array.of(2, 1, 1), setOf([]), sequence(oid(oids.id_data)), setOf([sequence(Uint8Array.of(2, 1, 1), octetString(Uint8Array.of(1)))]), Uint8Array.of(5, 0)));
    throwsWith(() => readSignedData(parseDer(bad)), 'ERR_MALFORMED');
  });
});
