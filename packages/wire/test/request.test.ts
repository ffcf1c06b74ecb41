/** scep/request.ts and scep/client-request.ts: building requests, and opening them on the server. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertRep,
  buildPkiRequest,
  encodeIssuerAndSerial,
  encodeIssuerAndSubject,
  openPkiRequest,
  parsePkiMessage,
  readPkiRequest,
  toHex,
} from '@scep/wire';
import { encode, integer, sequence } from '../src/der/writer.js';
import { crypto, makeCsr, makePki, NOW, rejectsAfterUnwrap, rejectsWith, type Pki, indexOfBytes } from './helpers.js';

let pki: Pki;
let csr: Uint8Array;
beforeAll(async () => {
  pki = await makePki();
  csr = await makeCsr(pki.device, { cn: 'device-1', challenge: 'pw' });
});

describe('readPkiRequest decodes the envelope by messageType', () => {
  it('PKCSReq / RenewalReq: the CSR, verified', async () => {
    for (const messageType of ['PKCSReq', 'RenewalReq'] as const) {
      const req = await buildPkiRequest({ messageType, content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
      const got = await readPkiRequest(req.der, { crypto, recipients: [pki.ra] });
      expect(got.request.type).toBe(messageType);
      expect(got.request.type === messageType && toHex(got.request.csr.der)).toBe(toHex(csr));
      expect(got.envelope).toEqual({ cipher: 'AES-256-CBC', keyTransport: { scheme: 'RSAES-PKCS1-v1_5' }, recipient: pki.ra.certificate });
      expect('content' in got.envelope).toBe(false);
    }
  });

  it('CertPoll: IssuerAndSubject', async () => {
    const req = await buildPkiRequest({ messageType: 'CertPoll', content: encodeIssuerAndSubject(pki.ca.certificate.subject, 'CN=device-1'), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    const got = await readPkiRequest(req.der, { crypto, recipients: [pki.ra] });
    if (got.request.type !== 'CertPoll') throw new Error('not CertPoll');
    expect(toHex(got.request.issuer.der)).toBe(toHex(pki.ca.certificate.subject.der));
    expect(got.request.subject.rdns[0]?.[0]?.value).toBe('device-1');
  });

  it('GetCert / GetCRL: IssuerAndSerialNumber', async () => {
    for (const messageType of ['GetCert', 'GetCRL'] as const) {
      const req = await buildPkiRequest({ messageType, content: encodeIssuerAndSerial(pki.ca.certificate.subject, pki.ra.certificate.serialNumber), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
      const got = await readPkiRequest(req.der, { crypto, recipients: [pki.ra] });
      if (got.request.type !== messageType) throw new Error(`not ${messageType}`);
      expect(toHex(got.request.serialNumber)).toBe(toHex(pki.ra.certificate.serialNumber));
    }
  });

  it('a tampered CSR inside a valid envelope → ERR_DECRYPTION_FAILED caused by ERR_CSR_SIGNATURE_INVALID, unless CSR verification is off', async () => {
    const bad = csr.slice();
    const i = indexOfBytes(bad, 'device-1');
    bad[i] = 'D'.charCodeAt(0);
    const req = await buildPkiRequest({ messageType: 'PKCSReq', content: bad, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    await rejectsAfterUnwrap(readPkiRequest(req.der, { crypto, recipients: [pki.ra] }), 'ERR_CSR_SIGNATURE_INVALID');
    const got = await readPkiRequest(req.der, { crypto, recipients: [pki.ra], verifyCsrSignature: false });
    expect(got.request.type === 'PKCSReq' && got.request.csr.commonName).toBe('Device-1');
  });

  it('content that is not what the messageType says → ERR_DECRYPTION_FAILED (no padding oracle), the decoding error as its cause', async () => {
    const notCsr = await buildPkiRequest({ messageType: 'PKCSReq', content: encode(sequence(integer(1))), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    await rejectsAfterUnwrap(readPkiRequest(notCsr.der, { crypto, recipients: [pki.ra] }), 'ERR_CSR_INVALID');
    const notIas = await buildPkiRequest({ messageType: 'CertPoll', content: encode(sequence(integer(1))), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    await rejectsAfterUnwrap(readPkiRequest(notIas.der, { crypto, recipients: [pki.ra] }), 'ERR_MALFORMED');
    const garbage = await buildPkiRequest({ messageType: 'GetCert', content: Uint8Array.of(1, 2, 3), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    await rejectsAfterUnwrap(readPkiRequest(garbage.der, { crypto, recipients: [pki.ra] }), 'ERR_MALFORMED');
  });

  it('an envelope that is not addressed to us → ERR_RECIPIENT_NOT_FOUND', async () => {
    const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ca.certificate], transactionId: 't', crypto });
    await rejectsWith(readPkiRequest(req.der, { crypto, recipients: [pki.ra] }), 'ERR_RECIPIENT_NOT_FOUND');
  });

  it('openPkiRequest refuses a CertRep', async () => {
    const rep = await buildCertRep({ request: { transactionId: 't', senderNonce: new Uint8Array(16), signer: pki.device.certificate }, result: { status: 'SUCCESS', certificates: [pki.ca.certificate.der] }, signer: pki.ra, now: NOW, crypto });
    await rejectsWith(openPkiRequest(await parsePkiMessage(rep, { crypto }), { crypto, recipients: [pki.ra] }), 'ERR_MALFORMED');
  });
});

describe('buildPkiRequest options', () => {
  it('senderNonce defaults to 16 provider bytes; signingTime only when asked; digest/cipher/style/identifier as given', async () => {
    const plain = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    expect(plain.senderNonce.length).toBe(16);
    const m = await parsePkiMessage(plain.der, { crypto });
    expect(m.signingTime).toBeUndefined();
    expect(m.signatureStyle).toBe('algorithm');
    const custom = await buildPkiRequest({
      messageType: 'PKCSReq',
      content: csr,
      signer: pki.device,
      recipients: [pki.ra.certificate],
      transactionId: 't2',
      digest: 'SHA-512',
      cipher: 'AES-192-CBC',
      signatureStyle: 'rsaEncryption',
      recipientIdentifier: 'subjectKeyIdentifier',
      keyTransport: { scheme: 'RSAES-OAEP', digest: 'SHA-256' },
      signingTime: true,
      now: NOW,
      crypto,
    });
    const got = await readPkiRequest(custom.der, { crypto, recipients: [pki.ra] });
    expect([got.message.digest, got.message.signatureStyle, got.envelope.cipher, got.envelope.keyTransport]).toEqual(['SHA-512', 'rsaEncryption', 'AES-192-CBC', { scheme: 'RSAES-OAEP', digest: 'SHA-256' }]);
    expect(got.message.signingTime?.toISOString()).toBe(NOW().toISOString());
  });

  it('legacy digests and ciphers must be enabled by name to be built', async () => {
    await rejectsWith(buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', digest: 'SHA-1', crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    await rejectsWith(buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', cipher: 'DES-CBC', legacy: ['SHA-1'], crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    const ok = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', digest: 'SHA-1', cipher: 'DES-CBC', legacy: ['SHA-1', 'DES-CBC'], crypto });
    const got = await readPkiRequest(ok.der, { crypto, recipients: [pki.ra], legacy: ['SHA-1', 'DES-CBC'] });
    expect([got.message.digest, got.envelope.cipher]).toEqual(['SHA-1', 'DES-CBC']);
  });

  it('a transactionID that is not a PrintableString is a caller bug', async () => {
    await expect(buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 'tx_with_underscore', crypto })).rejects.toThrow(TypeError);
  });
});
