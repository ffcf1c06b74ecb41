/** scep/pki-message.ts: parsePkiMessage (verify, then read the SCEP attributes) and peekPkiMessage. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertRep,
  buildPkiRequest,
  buildSignedData,
  DEFAULT_MAX_MESSAGE_SIZE,
  encodeIssuerAndSerial,
  encodeIssuerAndSubject,
  oids,
  parsePkiMessage,
  peekPkiMessage,
  toHex,
  type RequestMessageType,
} from '@scep/wire';
import { parseDer } from '../src/der/reader.js';
import { encode, ia5String, octetString, oid, printableString, sequence, time, utf8String } from '../src/der/writer.js';
import { encodeAttribute } from '../src/cms/signed-data.js';
import { crypto, makeCsr, makePki, NOW, rejectsWith, type Party, type Pki, flip } from './helpers.js';

let pki: Pki;
let csr: Uint8Array;
beforeAll(async () => {
  pki = await makePki();
  csr = await makeCsr(pki.device, { cn: 'device-1', challenge: 'pw' });
});

const NONCE = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const A = {
  messageType: (v: string) => encodeAttribute(oids.id_messageType, printableString(v)),
  transactionID: (v: string) => encodeAttribute(oids.id_transactionID, printableString(v)),
  senderNonce: (v: Uint8Array = NONCE) => encodeAttribute(oids.id_senderNonce, octetString(v)),
  recipientNonce: (v: Uint8Array = NONCE) => encodeAttribute(oids.id_recipientNonce, octetString(v)),
  pkiStatus: (v: string) => encodeAttribute(oids.id_pkiStatus, printableString(v)),
  failInfo: (v: string) => encodeAttribute(oids.id_failInfo, printableString(v)),
};

/** A PKIMessage with exactly these signed attributes (plus contentType and messageDigest). */
function craft(attributes: Uint8Array[], o: { eContent?: Uint8Array | undefined; signer?: Party; certificates?: Uint8Array[] } = {}): Promise<Uint8Array> {
  const signer = o.signer ?? pki.device;
  return buildSignedData({
    eContentType: oids.id_data,
    eContent: 'eContent' in o ? o.eContent : Uint8Array.of(0x30, 0x00),
    certificates: o.certificates ?? [signer.certificate.der],
    signer: { certificate: signer.certificate, key: signer.key, digest: 'SHA-256', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, attributes },
    crypto,
  });
}
const requestAttrs = (type = '19'): Uint8Array[] => [A.messageType(type), A.transactionID('tx-1'), A.senderNonce()];

describe('every messageType', () => {
  const contents = (): Record<RequestMessageType, Uint8Array> => ({
    PKCSReq: csr,
    RenewalReq: csr,
    CertPoll: encodeIssuerAndSubject(pki.ca.certificate.subject, 'CN=device-1'),
    GetCert: encodeIssuerAndSerial(pki.ca.certificate.subject, Uint8Array.of(1)),
    GetCRL: encodeIssuerAndSerial(pki.ca.certificate.subject, Uint8Array.of(2)),
  });
  for (const messageType of ['PKCSReq', 'RenewalReq', 'CertPoll', 'GetCert', 'GetCRL'] as const) {
    it(`${messageType}: fields as built`, async () => {
      const built = await buildPkiRequest({ messageType, content: contents()[messageType], signer: pki.device, recipients: [pki.ra.certificate], transactionId: `tx-${messageType}`, senderNonce: NONCE, signingTime: true, now: NOW, crypto });
      const m = await parsePkiMessage(built.der, { crypto });
      expect(m.messageType).toBe(messageType);
      expect(m.transactionId).toBe(`tx-${messageType}`);
      expect(toHex(m.senderNonce)).toBe(toHex(NONCE));
      expect(m.recipientNonce).toBeUndefined();
      expect(m.pkiStatus).toBeUndefined();
      expect(m.signingTime?.toISOString()).toBe(NOW().toISOString());
      expect(toHex(m.signer.der)).toBe(toHex(pki.device.certificate.der));
      expect(m.certificates).toHaveLength(1);
      expect(m.digest).toBe('SHA-256');
      expect(m.signatureStyle).toBe('algorithm');
      expect(m.encoding).toBe('der');
      expect(m.envelope?.length).toBeGreaterThan(100);
      expect(m.der).toBe(built.der);
    });
  }

  for (const status of ['SUCCESS', 'FAILURE', 'PENDING'] as const) {
    it(`CertRep ${status}`, async () => {
      const result = status === 'SUCCESS' ? { status, certificates: [pki.ca.certificate.der] } : status === 'FAILURE' ? { status, failInfo: 'badCertId' as const } : { status };
      const der = await buildCertRep({ request: { transactionId: 'tx', senderNonce: NONCE, signer: pki.device.certificate }, result, signer: pki.ra, now: NOW, crypto });
      const m = await parsePkiMessage(der, { crypto });
      expect(m.messageType).toBe('CertRep');
      expect(m.pkiStatus).toBe(status);
      expect(toHex(m.recipientNonce ?? new Uint8Array())).toBe(toHex(NONCE));
      expect(m.senderNonce.length).toBe(16);
      expect(m.failInfo).toBe(status === 'FAILURE' ? 'badCertId' : undefined);
      expect(m.envelope === undefined).toBe(status !== 'SUCCESS');
      expect(m.signatureStyle).toBe('rsaEncryption');
    });
  }
});

describe('missing, duplicate and invalid attributes', () => {
  it('missing messageType, transactionID or (request) senderNonce → ERR_MISSING_ATTRIBUTE', async () => {
    await rejectsWith(parsePkiMessage(await craft([A.transactionID('t'), A.senderNonce()]), { crypto }), 'ERR_MISSING_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), A.senderNonce()]), { crypto }), 'ERR_MISSING_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), A.transactionID('t')]), { crypto }), 'ERR_MISSING_ATTRIBUTE');
  });

  it('the missing attribute is named', async () => {
    const err = await parsePkiMessage(await craft([A.messageType('19'), A.senderNonce()]), { crypto }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_MISSING_ATTRIBUTE', attribute: 'transactionID', failInfo: 'badRequest' });
  });

  it('CertRep without recipientNonce or pkiStatus, FAILURE without failInfo → ERR_MISSING_ATTRIBUTE', async () => {
    const base = [A.messageType('3'), A.transactionID('t'), A.senderNonce()];
    await rejectsWith(parsePkiMessage(await craft([...base, A.pkiStatus('3')], { eContent: undefined }), { crypto }), 'ERR_MISSING_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([...base, A.recipientNonce()], { eContent: undefined }), { crypto }), 'ERR_MISSING_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([...base, A.recipientNonce(), A.pkiStatus('2')], { eContent: undefined }), { crypto }), 'ERR_MISSING_ATTRIBUTE');
    // A CertRep may omit senderNonce (it is the request that needs one).
    const m = await parsePkiMessage(await craft([A.messageType('3'), A.transactionID('t'), A.recipientNonce(), A.pkiStatus('3')], { eContent: undefined }), { crypto });
    expect(m.senderNonce.length).toBe(0);
  });

  it('a duplicated attribute → ERR_MALFORMED; an attribute with two values → ERR_INVALID_ATTRIBUTE', async () => {
    await rejectsWith(parsePkiMessage(await craft([...requestAttrs(), A.transactionID('again')]), { crypto }), 'ERR_MALFORMED');
    const twoValues = encode(sequence(oid(oids.id_transactionID), Uint8Array.of(0x31, 0x06, 0x13, 0x01, 0x61, 0x13, 0x01, 0x62)));
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), twoValues, A.senderNonce()]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
  });

  it('messageType: non-decimal → ERR_INVALID_ATTRIBUTE; unassigned numbers → ERR_UNSUPPORTED_MESSAGE_TYPE', async () => {
    for (const bad of ['abc', '', '1234', '-3', '19 ']) {
      await rejectsWith(parsePkiMessage(await craft([A.messageType(bad), A.transactionID('t'), A.senderNonce()]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    }
    for (const n of ['18', '0', '4', '999']) {
      const err = await parsePkiMessage(await craft(requestAttrs(n)), { crypto }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED_MESSAGE_TYPE', messageType: Number(n) });
    }
  });

  it('pkiStatus and failInfo outside their tables → ERR_INVALID_ATTRIBUTE', async () => {
    const base = [A.messageType('3'), A.transactionID('t'), A.senderNonce(), A.recipientNonce()];
    await rejectsWith(parsePkiMessage(await craft([...base, A.pkiStatus('1')], { eContent: undefined }), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([...base, A.pkiStatus('2'), A.failInfo('5')], { eContent: undefined }), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([...base, A.pkiStatus('2'), A.failInfo('x')], { eContent: undefined }), { crypto }), 'ERR_INVALID_ATTRIBUTE');
  });

  it('nonces must be 8 to 64 bytes', async () => {
    for (const n of [0, 7, 65]) await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), A.transactionID('t'), A.senderNonce(new Uint8Array(n))]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    for (const n of [8, 64]) expect((await parsePkiMessage(await craft([A.messageType('19'), A.transactionID('t'), A.senderNonce(new Uint8Array(n))]), { crypto })).senderNonce.length).toBe(n);
  });

  it('transactionID must be 1 to 256 characters; any string type is read', async () => {
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), A.transactionID(''), A.senderNonce()]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), A.transactionID('x'.repeat(257)), A.senderNonce()]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    expect((await parsePkiMessage(await craft([A.messageType('19'), A.transactionID('x'.repeat(256)), A.senderNonce()]), { crypto })).transactionId.length).toBe(256);
    const utf8 = encodeAttribute(oids.id_transactionID, utf8String('tx-ü'));
    expect((await parsePkiMessage(await craft([A.messageType('19'), utf8, A.senderNonce()]), { crypto })).transactionId).toBe('tx-ü');
    const ia5 = encodeAttribute(oids.id_transactionID, ia5String('tx_ia5'));
    expect((await parsePkiMessage(await craft([A.messageType('19'), ia5, A.senderNonce()]), { crypto })).transactionId).toBe('tx_ia5');
  });

  it('attribute values of the wrong ASN.1 type → ERR_INVALID_ATTRIBUTE', async () => {
    const asOctets = (o: string, v: string): Uint8Array => encodeAttribute(o, octetString(new TextEncoder().encode(v)));
    await rejectsWith(parsePkiMessage(await craft([asOctets(oids.id_messageType, '19'), A.transactionID('t'), A.senderNonce()]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), asOctets(oids.id_transactionID, 't'), A.senderNonce()]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([A.messageType('19'), A.transactionID('t'), encodeAttribute(oids.id_senderNonce, printableString('0123456789'))]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    await rejectsWith(parsePkiMessage(await craft([...requestAttrs(), encodeAttribute(oids.id_signingTime, printableString('yesterday'))]), { crypto }), 'ERR_INVALID_ATTRIBUTE');
    const base = [A.messageType('3'), A.transactionID('t'), A.senderNonce(), A.recipientNonce(), A.pkiStatus('2'), A.failInfo('2')];
    await rejectsWith(parsePkiMessage(await craft([...base, encodeAttribute(oids.id_scep_failInfoText, octetString(Uint8Array.of(1)))], { eContent: undefined }), { crypto }), 'ERR_INVALID_ATTRIBUTE');
  });

  it('signingTime, when present, is read (UTCTime or GeneralizedTime)', async () => {
    const st = encodeAttribute(oids.id_signingTime, time(new Date('2055-05-05T05:05:05Z')));
    expect((await parsePkiMessage(await craft([...requestAttrs(), st]), { crypto })).signingTime?.toISOString()).toBe('2055-05-05T05:05:05.000Z');
  });
});

describe('content rules', () => {
  it('FAILURE and PENDING CertReps must not carry content', async () => {
    const base = [A.messageType('3'), A.transactionID('t'), A.senderNonce(), A.recipientNonce()];
    await rejectsWith(parsePkiMessage(await craft([...base, A.pkiStatus('3')]), { crypto }), 'ERR_MALFORMED');
    await rejectsWith(parsePkiMessage(await craft([...base, A.pkiStatus('2'), A.failInfo('1')]), { crypto }), 'ERR_MALFORMED');
  });

  it('a request without a pkcsPKIEnvelope is malformed', async () => {
    await rejectsWith(parsePkiMessage(await craft(requestAttrs(), { eContent: undefined }), { crypto }), 'ERR_MALFORMED');
    await rejectsWith(parsePkiMessage(await craft(requestAttrs(), { eContent: new Uint8Array(0) }), { crypto }), 'ERR_MALFORMED');
  });

  it('not SignedData, no or two SignerInfos, eContentType not id-data → ERR_MALFORMED', async () => {
    const { buildEnvelope, buildDegenerateSignedData } = await import('@scep/wire');
    await rejectsWith(parsePkiMessage(await buildEnvelope({ content: csr, recipients: [pki.ra.certificate], cipher: 'AES-128-CBC', crypto }), { crypto }), 'ERR_MALFORMED');
    await rejectsWith(parsePkiMessage(buildDegenerateSignedData([pki.ca.certificate.der]), { crypto }), 'ERR_MALFORMED');
    const env = await buildSignedData({ eContentType: oids.id_envelopedData, eContent: csr, certificates: [pki.device.certificate.der], signer: { certificate: pki.device.certificate, key: pki.device.key, digest: 'SHA-256', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, attributes: requestAttrs() }, crypto });
    await rejectsWith(parsePkiMessage(env, { crypto }), 'ERR_MALFORMED');
    // Two SignerInfos: splice a copy of the SignerInfo into the SET.
    const one = await craft(requestAttrs());
    const sdEl = parseDer(one).children()[1]?.children()[0];
    const fields = sdEl?.children() ?? [];
    const si = fields.at(-1)?.children()[0]?.raw() as Uint8Array;
    const { setInOrder, explicit } = await import('../src/der/writer.js');
    const two = encode(sequence(oid(oids.id_signedData), explicit(0, sequence(...fields.slice(0, -1).map((f) => f.raw()), setInOrder([si, si])))));
    await rejectsWith(parsePkiMessage(two, { crypto }), 'ERR_MALFORMED');
  });
});

describe('signers, legacy, BER, limits', () => {
  it('the signer certificate may be supplied out of band (extraCertificates); else ERR_SIGNER_NOT_FOUND', async () => {
    const der = await craft(requestAttrs(), { certificates: [] });
    await rejectsWith(parsePkiMessage(der, { crypto }), 'ERR_SIGNER_NOT_FOUND');
    expect((await parsePkiMessage(der, { crypto, extraCertificates: [pki.device.certificate] })).certificates).toHaveLength(0);
  });

  it('a SHA-1 request needs SHA-1 enabled by name', async () => {
    const built = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', digest: 'SHA-1', legacy: ['SHA-1'], crypto });
    await rejectsWith(parsePkiMessage(built.der, { crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    await rejectsWith(parsePkiMessage(built.der, { crypto, legacy: ['DES-CBC'] }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    expect((await parsePkiMessage(built.der, { crypto, legacy: ['SHA-1'] })).digest).toBe('SHA-1');
  });

  it('BER indefinite lengths are accepted and reported', async () => {
    const built = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 'ber', encoding: 'ber', crypto });
    expect(parseDer(built.der).indefinite).toBe(true);
    const m = await parsePkiMessage(built.der, { crypto });
    expect(m.encoding).toBe('ber');
    expect(m.transactionId).toBe('ber');
  });

  it('maxMessageSize (default 256 KiB), maxDepth and maxNodes are enforced', async () => {
    expect(DEFAULT_MAX_MESSAGE_SIZE).toBe(256 * 1024);
    const built = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    await rejectsWith(parsePkiMessage(built.der, { crypto, maxMessageSize: built.der.length - 1 }), 'ERR_LIMIT_EXCEEDED');
    expect((await parsePkiMessage(built.der, { crypto, maxMessageSize: built.der.length })).transactionId).toBe('t');
    await rejectsWith(parsePkiMessage(new Uint8Array(DEFAULT_MAX_MESSAGE_SIZE + 1), { crypto }), 'ERR_LIMIT_EXCEEDED');
    await rejectsWith(parsePkiMessage(built.der, { crypto, limits: { maxDepth: 4, maxNodes: 50_000 } }), 'ERR_LIMIT_EXCEEDED');
    await rejectsWith(parsePkiMessage(built.der, { crypto, limits: { maxDepth: 48, maxNodes: 30 } }), 'ERR_LIMIT_EXCEEDED');
  });

  it('a non-Uint8Array is a caller bug (TypeError)', async () => {
    await expect(parsePkiMessage('MIIB' as unknown as Uint8Array, { crypto })).rejects.toThrow(TypeError);
  });
});

describe('peekPkiMessage', () => {
  it('reads transactionID, senderNonce and messageType without verifying', async () => {
    const der = await craft(requestAttrs('21'));
    flip(der, der.length - 2, 0xff); // the signature no longer verifies
    await rejectsWith(parsePkiMessage(der, { crypto }), 'ERR_SIGNATURE_INVALID');
    const p = peekPkiMessage(der);
    expect(p.messageType).toBe('GetCert');
    expect(p.transactionId).toBe('tx-1');
    expect(toHex(p.senderNonce ?? new Uint8Array())).toBe(toHex(NONCE));
  });

  it('fields it cannot read are undefined, one by one', async () => {
    const p = peekPkiMessage(await craft([A.messageType('18'), A.transactionID('x'.repeat(300)), A.senderNonce(new Uint8Array(3))]));
    expect(p).toEqual({ messageType: undefined, transactionId: undefined, senderNonce: undefined });
    const q = peekPkiMessage(await craft([A.transactionID('ok')]));
    expect(q).toEqual({ messageType: undefined, transactionId: 'ok', senderNonce: undefined });
  });

  it('never throws: garbage, empty, oversized, wrong types', () => {
    const none = { messageType: undefined, transactionId: undefined, senderNonce: undefined };
    expect(peekPkiMessage(new Uint8Array(0))).toEqual(none);
    expect(peekPkiMessage(Uint8Array.of(0x30, 0x80))).toEqual(none);
    expect(peekPkiMessage(new Uint8Array(DEFAULT_MAX_MESSAGE_SIZE + 1))).toEqual(none);
    expect(peekPkiMessage(null as unknown as Uint8Array)).toEqual(none);
    expect(peekPkiMessage(Uint8Array.of(1, 2, 3), { limits: { maxDepth: 1, maxNodes: 1 } })).toEqual(none);
  });
});
