/** scep/cert-rep.ts: buildCertRep (server) and readCertRep (client). */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertRep,
  buildPkiRequest,
  buildSignedData,
  FAIL_INFO_CODES,
  GENERIC_FAIL_INFO_TEXT,
  oids,
  parsePkiMessage,
  readCertRep,
  readPkiRequest,
  toHex,
  type FailInfo,
  type PkiMessage,
} from '@scep/wire';
import { parseDer } from '../src/der/reader.js';
import { encode, octetString, oid, sequence, utf8String } from '../src/der/writer.js';
import { encodeAttribute, readContentInfo, readSignedData } from '../src/cms/signed-data.js';
import { crypto, makeCsr, makeParty, makePki, NOW, rejectsWith, type Party, type Pki } from './helpers.js';

let pki: Pki;
let issued: Party;
let request: PkiMessage;
let built: Awaited<ReturnType<typeof buildPkiRequest>>;
beforeAll(async () => {
  pki = await makePki();
  issued = await makeParty({ subject: 'CN=device-1', issuer: pki.ca, keyObject: pki.device.keyObject });
  built = await buildPkiRequest({ messageType: 'PKCSReq', content: await makeCsr(pki.device, { cn: 'device-1' }), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 'tx-42', crypto });
  request = (await readPkiRequest(built.der, { crypto, recipients: [pki.ra] })).message;
});

const success = (o: Partial<Parameters<typeof buildCertRep>[0]> = {}): Promise<Uint8Array> =>
  buildCertRep({ request, result: { status: 'SUCCESS', certificates: [issued.certificate.der, pki.ca.certificate.der] }, signer: pki.ra, now: NOW, crypto, ...o });

describe('SUCCESS', () => {
  it('echoes transactionID, recipientNonce = our senderNonce, fresh senderNonce, signingTime = now; issued cert first', async () => {
    const der = await success();
    const rep = await readCertRep(der, { crypto, request: built, trusted: [pki.ra.certificate], recipient: pki.device });
    expect(rep.status).toBe('SUCCESS');
    expect(rep.failInfo).toBeUndefined();
    expect(rep.message.transactionId).toBe('tx-42');
    expect(toHex(rep.message.recipientNonce ?? new Uint8Array())).toBe(toHex(built.senderNonce));
    expect(rep.message.senderNonce.length).toBe(16);
    expect(toHex(rep.message.senderNonce)).not.toBe(toHex(built.senderNonce));
    expect(rep.message.signingTime?.toISOString()).toBe(NOW().toISOString());
    expect(rep.certificates.map((c) => toHex(c.der))).toEqual([toHex(issued.certificate.der), toHex(pki.ca.certificate.der)]);
    expect(rep.crls).toEqual([]);
    expect(rep.message.signatureStyle).toBe('rsaEncryption');
  });

  it('carries every signed attribute Windows insists on', async () => {
    for (const der of [await success(), await buildCertRep({ request, result: { status: 'PENDING' }, signer: pki.ra, now: NOW, crypto })]) {
      const sd = readSignedData(readContentInfo(parseDer(der), 'ci').content);
      const attrs = [...(sd.signerInfos[0]?.attributes.keys() ?? [])].sort();
      expect(attrs).toEqual(
        [oids.id_contentType, oids.id_messageDigest, oids.id_signingTime, oids.id_messageType, oids.id_pkiStatus, oids.id_transactionID, oids.id_senderNonce, oids.id_recipientNonce].sort(),
      );
    }
  });

  it('options: digest, cipher (legacy by name), signature style, senderNonce, extra certificates', async () => {
    const nonce = new Uint8Array(16).fill(7);
    const der = await success({ digest: 'SHA-1', cipher: 'DES-CBC', legacy: ['SHA-1', 'DES-CBC'], signatureStyle: 'algorithm', senderNonce: nonce, extraCertificates: [pki.ca.certificate.der] });
    const rep = await readCertRep(der, { crypto, legacy: ['SHA-1', 'DES-CBC'], request: built, trusted: [pki.ra.certificate], recipient: pki.device });
    expect(rep.message.digest).toBe('SHA-1');
    expect(rep.message.signatureStyle).toBe('algorithm');
    expect(toHex(rep.message.senderNonce)).toBe(toHex(nonce));
    expect(rep.message.certificates.map((c) => toHex(c.der))).toEqual([toHex(pki.ra.certificate.der), toHex(pki.ca.certificate.der)]);
    await rejectsWith(success({ cipher: 'DES-CBC' }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    await rejectsWith(success({ digest: 'SHA-1' }), 'ERR_LEGACY_ALGORITHM_DISABLED');
  });

  it('the reply is encrypted to the request signer (OAEP if asked)', async () => {
    const der = await success({ keyTransport: { scheme: 'RSAES-OAEP', digest: 'SHA-256' }, cipher: 'AES-128-CBC' });
    await rejectsWith(readCertRep(der, { crypto, request: built, recipient: { certificate: pki.ra.certificate, key: pki.ra.key } }), 'ERR_RECIPIENT_NOT_FOUND');
    const rep = await readCertRep(der, { crypto, request: built, recipient: pki.device });
    expect(rep.certificates).toHaveLength(2);
  });

  it('GetCRL SUCCESS: CRLs only', async () => {
    const crl = encode(sequence(sequence(oid('1.2.3')), utf8String('crl stand-in')));
    const der = await buildCertRep({ request, result: { status: 'SUCCESS', crls: [crl] }, signer: pki.ra, now: NOW, crypto });
    const rep = await readCertRep(der, { crypto, request: built, recipient: pki.device });
    expect(rep.certificates).toEqual([]);
    expect(rep.crls.map(toHex)).toEqual([toHex(crl)]);
  });

  it('caller bugs: SUCCESS without the request signer; decrypting without a recipient', async () => {
    await expect(buildCertRep({ request: { transactionId: 't', senderNonce: new Uint8Array(16) }, result: { status: 'SUCCESS', certificates: [] }, signer: pki.ra, crypto })).rejects.toThrow(TypeError);
    await expect(readCertRep(await success(), { crypto, request: built })).rejects.toThrow(TypeError);
  });

  it('a requester key that cannot receive a key (EC) → ERR_UNSUPPORTED_ALGORITHM', async () => {
    const ec = await makeParty({ subject: 'CN=ec device', keyType: 'EC' });
    await rejectsWith(buildCertRep({ request: { ...request, signer: ec.certificate }, result: { status: 'SUCCESS', certificates: [] }, signer: pki.ra, crypto }), 'ERR_UNSUPPORTED_ALGORITHM');
  });
});

describe('FAILURE and PENDING', () => {
  for (const failInfo of Object.keys(FAIL_INFO_CODES) as FailInfo[]) {
    it(`FAILURE ${failInfo}: failInfo ${FAIL_INFO_CODES[failInfo]} and the generic failInfoText, no content`, async () => {
      const der = await buildCertRep({ request, result: { status: 'FAILURE', failInfo }, signer: pki.ra, now: NOW, crypto });
      const rep = await readCertRep(der, { crypto, request: built, trusted: [pki.ra.certificate] });
      expect([rep.status, rep.failInfo, rep.failInfoText]).toEqual(['FAILURE', failInfo, GENERIC_FAIL_INFO_TEXT[failInfo]]);
      expect(rep.message.envelope).toBeUndefined();
      expect(rep.certificates).toEqual([]);
      const sd = readSignedData(readContentInfo(parseDer(der), 'ci').content);
      expect(sd.eContent).toBeUndefined();
      const fi = sd.signerInfos[0]?.attributes.get(oids.id_failInfo)?.[0];
      expect(fi && new TextDecoder().decode(fi.content())).toBe(String(FAIL_INFO_CODES[failInfo]));
    });
  }

  it('a custom failInfoText', async () => {
    const der = await buildCertRep({ request, result: { status: 'FAILURE', failInfo: 'badRequest', failInfoText: 'Challenge expired' }, signer: pki.ra, now: NOW, crypto });
    expect((await readCertRep(der, { crypto, request: built })).failInfoText).toBe('Challenge expired');
  });

  it('PENDING: no failInfo, no content, no decryption needed', async () => {
    const der = await buildCertRep({ request, result: { status: 'PENDING' }, signer: pki.ra, now: NOW, crypto });
    const rep = await readCertRep(der, { crypto, request: built, trusted: [pki.ra.certificate] });
    expect([rep.status, rep.failInfo, rep.failInfoText, rep.message.envelope]).toEqual(['PENDING', undefined, undefined, undefined]);
  });
});

describe('readCertRep refuses what does not answer our request', () => {
  it('wrong transactionID → ERR_RESPONSE_MISMATCH', async () => {
    await rejectsWith(readCertRep(await success(), { crypto, request: { ...built, transactionId: 'other' }, recipient: pki.device }), 'ERR_RESPONSE_MISMATCH');
  });

  it('wrong or missing recipientNonce → ERR_RESPONSE_MISMATCH', async () => {
    await rejectsWith(readCertRep(await success(), { crypto, request: { ...built, senderNonce: new Uint8Array(16) }, recipient: pki.device }), 'ERR_RESPONSE_MISMATCH');
  });

  it('a signer that is not trusted → ERR_UNTRUSTED_SIGNER; trusted by certificate or by key', async () => {
    await rejectsWith(readCertRep(await success(), { crypto, request: built, trusted: [pki.ca.certificate], recipient: pki.device }), 'ERR_UNTRUSTED_SIGNER');
    const other = await makeParty({ subject: 'CN=Rogue RA' });
    await rejectsWith(readCertRep(await success({ signer: other }), { crypto, request: built, trusted: [pki.ra.certificate, pki.ca.certificate], recipient: pki.device }), 'ERR_UNTRUSTED_SIGNER');
    // Same key, re-issued certificate: trusted by its public key.
    const reissued = await makeParty({ subject: 'C=ZZ, O=scep-wire tests, CN=Test RA', issuer: pki.ca, keyObject: pki.ra.keyObject });
    expect((await readCertRep(await success({ signer: reissued }), { crypto, request: built, trusted: [pki.ra.certificate], recipient: pki.device })).status).toBe('SUCCESS');
  });

  it('a CertRep whose signer is only in `trusted` (not in the message) verifies', async () => {
    const plain = await success();
    const sd = readSignedData(readContentInfo(parseDer(plain), 'ci').content);
    const si = sd.signerInfos[0];
    if (!si) throw new Error('no signer');
    // Rebuild the same CertRep without certificates.
    const attrs = [...si.attributes.entries()].filter(([k]) => k !== oids.id_contentType && k !== oids.id_messageDigest).map(([k, v]) => encodeAttribute(k, ...v.map((e) => e.raw())));
    const bare = await buildSignedData({ eContentType: oids.id_data, eContent: sd.eContent, certificates: [], signer: { certificate: pki.ra.certificate, key: pki.ra.key, digest: 'SHA-256', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, attributes: attrs }, crypto });
    await rejectsWith(readCertRep(bare, { crypto, request: built, recipient: pki.device }), 'ERR_SIGNER_NOT_FOUND');
    expect((await readCertRep(bare, { crypto, request: built, trusted: [pki.ra.certificate], recipient: pki.device })).certificates).toHaveLength(2);
  });

  it('a request instead of a CertRep → ERR_RESPONSE_MISMATCH', async () => {
    await rejectsWith(readCertRep(built.der, { crypto, request: built }), 'ERR_RESPONSE_MISMATCH');
  });

  it('a SUCCESS whose content is not a SignedData → ERR_MALFORMED', async () => {
    const { buildEnvelope } = await import('@scep/wire');
    const env = await buildEnvelope({ content: encode(sequence(oid(oids.id_data))), recipients: [pki.device.certificate], cipher: 'AES-256-CBC', crypto });
    const attrs = [
      encodeAttribute(oids.id_messageType, Uint8Array.of(0x13, 1, 0x33)),
      encodeAttribute(oids.id_pkiStatus, Uint8Array.of(0x13, 1, 0x30)),
      encodeAttribute(oids.id_transactionID, Uint8Array.of(0x13, 5, ...new TextEncoder().encode('tx-42'))),
      encodeAttribute(oids.id_senderNonce, octetString(new Uint8Array(16))),
      encodeAttribute(oids.id_recipientNonce, octetString(built.senderNonce)),
    ];
    const der = await buildSignedData({ eContentType: oids.id_data, eContent: env, certificates: [pki.ra.certificate.der], signer: { certificate: pki.ra.certificate, key: pki.ra.key, digest: 'SHA-256', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, attributes: attrs }, crypto });
    await rejectsWith(readCertRep(der, { crypto, request: built, recipient: pki.device }), 'ERR_MALFORMED');
  });
});

describe('answering requests whose transactionID is not a PrintableString', () => {
  it('a UTF8String transactionID (accepted on input) is echoed, not a crash', async () => {
    const attrs = [
      encodeAttribute(oids.id_messageType, Uint8Array.of(0x13, 2, 0x31, 0x39)),
      encodeAttribute(oids.id_transactionID, utf8String('tx_ü')),
      encodeAttribute(oids.id_senderNonce, octetString(new Uint8Array(16).fill(3))),
    ];
    const der = await buildSignedData({ eContentType: oids.id_data, eContent: Uint8Array.of(0x30, 0), certificates: [pki.device.certificate.der], signer: { certificate: pki.device.certificate, key: pki.device.key, digest: 'SHA-256', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, attributes: attrs }, crypto });
    const m = await parsePkiMessage(der, { crypto });
    expect(m.transactionId).toBe('tx_ü');
    const rep = await buildCertRep({ request: m, result: { status: 'FAILURE', failInfo: 'badRequest' }, signer: pki.ra, now: NOW, crypto });
    const back = await readCertRep(rep, { crypto, request: m });
    expect(back.message.transactionId).toBe('tx_ü');
  });
});
