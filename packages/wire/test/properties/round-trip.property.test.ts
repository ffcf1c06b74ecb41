/**
 * Build → parse → equal, for every messageType × content cipher × digest, with the other knobs
 * (transactionID, nonce, encoding, encryptedContent form, OID style, identifiers, key transport)
 * drawn by fast-check.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertRep,
  buildCsr,
  buildPkiRequest,
  encodeIssuerAndSerial,
  encodeIssuerAndSubject,
  readCertRep,
  readPkiRequest,
  toHex,
  type CipherName,
  type DigestName,
  type FailInfo,
  type RequestMessageType,
} from '@scep/wire';
import { crypto, fcOptions, makeParty, makePki, NOW, type Party, type Pki } from '../helpers.js';

const CIPHERS: readonly CipherName[] = ['AES-128-CBC', 'AES-192-CBC', 'AES-256-CBC', 'DES-EDE3-CBC', 'DES-CBC'];
const DIGESTS: readonly DigestName[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const REQUESTS: readonly RequestMessageType[] = ['PKCSReq', 'RenewalReq', 'CertPoll', 'GetCert', 'GetCRL'];
/** Legacy on, by name, exactly for what the combination uses. */
const legacyFor = (cipher: CipherName, digest: DigestName): ('SHA-1' | 'DES-CBC' | 'DES-EDE3-CBC')[] =>
  [...(digest === 'SHA-1' ? (['SHA-1'] as const) : []), ...(cipher === 'DES-CBC' || cipher === 'DES-EDE3-CBC' ? [cipher] : [])];

const printable = fc.stringMatching(/^[A-Za-z0-9 '()+,\-./:=?]{1,64}$/);
const knobs = fc.record({
  transactionId: printable,
  senderNonce: fc.uint8Array({ minLength: 8, maxLength: 64 }),
  challenge: fc.option(printable, { nil: undefined }),
  cn: fc.stringMatching(/^[a-z0-9-]{1,32}$/),
  encoding: fc.constantFrom('der' as const, 'ber' as const),
  form: fc.constantFrom('primitive' as const, 'constructed' as const),
  style: fc.constantFrom('rsaEncryption' as const, 'algorithm' as const),
  rid: fc.constantFrom('issuerAndSerialNumber' as const, 'subjectKeyIdentifier' as const),
  keyTransport: fc.constantFrom({ scheme: 'RSAES-PKCS1-v1_5' as const }, { scheme: 'RSAES-OAEP' as const, digest: 'SHA-256' as const }),
  signingTime: fc.boolean(),
  serial: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => (b[0] === 0 ? Uint8Array.of(1, ...b) : b)),
});

let pki: Pki;
let issued: Party;
beforeAll(async () => {
  pki = await makePki();
  issued = await makeParty({ subject: 'CN=device-1', issuer: pki.ca, keyObject: pki.device.keyObject });
});

describe('requests: every messageType × cipher × digest', () => {
  for (const messageType of REQUESTS) {
    for (const cipher of CIPHERS) {
      for (const digest of DIGESTS) {
        it(`${messageType} ${cipher} ${digest}`, async () => {
          const legacy = legacyFor(cipher, digest);
          await fc.assert(
            fc.asyncProperty(knobs, async (k) => {
              let content: Uint8Array;
              if (messageType === 'PKCSReq' || messageType === 'RenewalReq') {
                content = await buildCsr({ subject: `CN=${k.cn}`, ...(k.challenge === undefined ? {} : { challengePassword: k.challenge }), signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, pki.device.key);
              } else if (messageType === 'CertPoll') content = encodeIssuerAndSubject(pki.ca.certificate.subject, `CN=${k.cn}`);
              else content = encodeIssuerAndSerial(pki.ca.certificate.subject, k.serial);
              const signer = messageType === 'RenewalReq' || messageType === 'GetCert' || messageType === 'GetCRL' ? { certificate: issued.certificate, key: pki.device.key } : pki.device;
              const built = await buildPkiRequest({
                messageType,
                content,
                signer,
                recipients: [pki.ra.certificate],
                transactionId: k.transactionId,
                senderNonce: k.senderNonce,
                digest,
                cipher,
                keyTransport: k.keyTransport,
                signatureStyle: k.style,
                recipientIdentifier: k.rid,
                encryptedContentForm: k.form,
                encoding: k.encoding,
                signingTime: k.signingTime,
                now: NOW,
                legacy,
                crypto,
              });
              const got = await readPkiRequest(built.der, { crypto, legacy, recipients: [pki.ra] });
              const m = got.message;
              expect({ type: m.messageType, tx: m.transactionId, nonce: toHex(m.senderNonce), digest: m.digest, style: m.signatureStyle, encoding: m.encoding }).toEqual({
                type: messageType,
                tx: k.transactionId,
                nonce: toHex(k.senderNonce),
                digest,
                style: k.style,
                encoding: k.encoding,
              });
              expect(m.signingTime?.toISOString()).toBe(k.signingTime ? NOW().toISOString() : undefined);
              expect(toHex(m.signer.der)).toBe(toHex(signer.certificate.der));
              expect(got.envelope.cipher).toBe(cipher);
              expect(got.envelope.keyTransport).toEqual(k.keyTransport);
              const r = got.request;
              if (r.type === 'PKCSReq' || r.type === 'RenewalReq') {
                expect(toHex(r.csr.der)).toBe(toHex(content));
                expect(r.csr.challengePassword).toBe(k.challenge);
                expect(r.csr.commonName).toBe(k.cn);
              } else if (r.type === 'CertPoll') {
                expect(toHex(r.issuer.der)).toBe(toHex(pki.ca.certificate.subject.der));
                expect(r.subject.rdns[0]?.[0]?.value).toBe(k.cn);
              } else if (r.type === 'GetCert' || r.type === 'GetCRL') {
                expect(toHex(r.serialNumber)).toBe(toHex(k.serial));
              }
            }),
            fcOptions(3),
          );
        });
      }
    }
  }
});

describe('CertRep: SUCCESS / FAILURE / PENDING × cipher × digest', () => {
  for (const status of ['SUCCESS', 'FAILURE', 'PENDING'] as const) {
    for (const cipher of CIPHERS) {
      for (const digest of DIGESTS) {
        it(`${status} ${cipher} ${digest}`, async () => {
          const legacy = legacyFor(cipher, digest);
          await fc.assert(
            fc.asyncProperty(
              knobs,
              fc.constantFrom<FailInfo>('badAlg', 'badMessageCheck', 'badRequest', 'badTime', 'badCertId'),
              fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
              fc.integer({ min: 0, max: 2 }),
              async (k, failInfo, failInfoText, chainLength) => {
                const certificates = [issued.certificate.der, pki.ca.certificate.der, pki.ra.certificate.der].slice(0, chainLength + 1);
                const result = status === 'SUCCESS' ? { status, certificates } : status === 'FAILURE' ? { status, failInfo, failInfoText } : { status };
                const der = await buildCertRep({
                  request: { transactionId: k.transactionId, senderNonce: k.senderNonce, signer: pki.device.certificate },
                  result,
                  signer: pki.ra,
                  digest,
                  cipher,
                  keyTransport: k.keyTransport,
                  signatureStyle: k.style,
                  now: NOW,
                  legacy,
                  crypto,
                });
                const rep = await readCertRep(der, { crypto, legacy, request: { transactionId: k.transactionId, senderNonce: k.senderNonce }, trusted: [pki.ra.certificate], recipient: pki.device });
                expect(rep.status).toBe(status);
                expect(rep.message.transactionId).toBe(k.transactionId);
                expect(toHex(rep.message.recipientNonce ?? new Uint8Array())).toBe(toHex(k.senderNonce));
                expect(rep.message.digest).toBe(digest);
                expect(rep.message.signatureStyle).toBe(k.style);
                expect(rep.message.signingTime?.toISOString()).toBe(NOW().toISOString());
                if (status === 'SUCCESS') expect(rep.certificates.map((c) => toHex(c.der))).toEqual(certificates.map(toHex));
                else expect(rep.certificates).toEqual([]);
                expect(rep.failInfo).toBe(status === 'FAILURE' ? failInfo : undefined);
                if (status === 'FAILURE' && failInfoText !== undefined) expect(rep.failInfoText).toBe(failInfoText);
              },
            ),
            fcOptions(3),
          );
        });
      }
    }
  }
});
