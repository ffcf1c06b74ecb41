/**
 * Random bytes and mutations of valid messages (flip, insert, delete, truncate, swapped TLV lengths,
 * duplicated or dropped elements, retagging, bad lengths, replaced contents) raise only ScepError
 * subclasses from every parser of untrusted input; peekPkiMessage never throws at all.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCaCertResponse,
  buildCertRep,
  buildDeviceRequest,
  buildNextCaCertResponse,
  buildPkiRequest,
  encodeIssuerAndSerial,
  encodeIssuerAndSubject,
  isScepError,
  parseCaCertResponse,
  parseCertificate,
  parseCsr,
  parseNextCaCertResponse,
  parsePkiMessage,
  peekPkiMessage,
  readCertRep,
  readPkiRequest,
  toHex,
} from '@scep/wire';
import { crypto, fcOptions, makeCsr, makePki, NOW, type Pki } from '../helpers.js';
import { applyMutation, mutationArb } from './mutate.js';

const TX = 'tx-mutation';
const NONCE = new Uint8Array(16).fill(0x42);

let pki: Pki;
let corpus: { name: string; der: Uint8Array }[];
beforeAll(async () => {
  pki = await makePki();
  const csr = await makeCsr(pki.device, { cn: 'device-1', challenge: 'pw' });
  const req = (o: Partial<Parameters<typeof buildPkiRequest>[0]>): Promise<Uint8Array> =>
    buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: TX, senderNonce: NONCE, signingTime: true, now: NOW, crypto, ...o }).then((r) => r.der);
  const rep = (result: Parameters<typeof buildCertRep>[0]['result']): Promise<Uint8Array> =>
    buildCertRep({ request: { transactionId: TX, senderNonce: NONCE, signer: pki.device.certificate }, result, signer: pki.ra, now: NOW, crypto });
  const device = (preset: 'micromdm' | 'apple'): Promise<Uint8Array> =>
    buildDeviceRequest(preset, { key: pki.device.key, subject: 'CN=device-1', challengePassword: 'pw', recipients: [pki.ra.certificate, pki.ca.certificate], transactionId: TX, senderNonce: NONCE, now: NOW, crypto }).then((r) => r.der);
  corpus = [
    { name: 'PKCSReq', der: await req({}) },
    { name: 'PKCSReq SKI/OAEP/constructed', der: await req({ recipientIdentifier: 'subjectKeyIdentifier', keyTransport: { scheme: 'RSAES-OAEP', digest: 'SHA-256' }, encryptedContentForm: 'constructed', signatureStyle: 'rsaEncryption' }) },
    { name: 'PKCSReq BER', der: await req({ encoding: 'ber' }) },
    { name: 'micromdm PKCSReq', der: await device('micromdm') },
    { name: 'apple PKCSReq', der: await device('apple') },
    { name: 'CertPoll', der: await req({ messageType: 'CertPoll', content: encodeIssuerAndSubject(pki.ca.certificate.subject, 'CN=device-1') }) },
    { name: 'GetCert', der: await req({ messageType: 'GetCert', content: encodeIssuerAndSerial(pki.ca.certificate.subject, Uint8Array.of(5)) }) },
    { name: 'CertRep SUCCESS', der: await rep({ status: 'SUCCESS', certificates: [pki.ra.certificate.der, pki.ca.certificate.der] }) },
    { name: 'CertRep FAILURE', der: await rep({ status: 'FAILURE', failInfo: 'badRequest' }) },
    { name: 'CertRep PENDING', der: await rep({ status: 'PENDING' }) },
    { name: 'certificate', der: pki.ra.certificate.der },
    { name: 'CSR', der: csr },
    { name: 'GetCACert CA+RA', der: buildCaCertResponse([pki.ra.certificate.der, pki.ca.certificate.der]).body },
    { name: 'GetNextCACert', der: await buildNextCaCertResponse({ certificates: [pki.ra.certificate.der], signer: pki.ca, now: NOW, crypto }) },
  ];
});

/** Every parser of untrusted input, on the same bytes. */
const PARSERS: readonly (readonly [string, (der: Uint8Array) => unknown])[] = [
  ['parsePkiMessage', (der) => parsePkiMessage(der, { crypto, legacy: true })],
  ['readPkiRequest', (der) => readPkiRequest(der, { crypto, legacy: true, recipients: [pki.ra, pki.ca] })],
  ['readCertRep', (der) => readCertRep(der, { crypto, legacy: true, request: { transactionId: TX, senderNonce: NONCE }, trusted: [pki.ra.certificate], recipient: pki.device })],
  ['parseCertificate', (der) => parseCertificate(der)],
  ['parseCsr', (der) => parseCsr(der)],
  ['parseCaCertResponse', (der) => parseCaCertResponse(der)],
  ['parseCaCertResponse (ca-ra)', (der) => parseCaCertResponse(der, 'application/x-x509-ca-ra-cert')],
  ['parseNextCaCertResponse', (der) => parseNextCaCertResponse(der, { currentCa: pki.ca.certificate, crypto })],
];

async function onlyScepErrors(der: Uint8Array, context: () => string): Promise<void> {
  for (const [name, parse] of PARSERS) {
    try {
      await parse(der);
    } catch (err) {
      if (!isScepError(err)) {
        throw new Error(`${name} threw a non-ScepError on ${context()}: ${String(err)}\ninput: ${toHex(der)}`, { cause: err });
      }
    }
  }
  let peeked: unknown;
  try {
    peeked = peekPkiMessage(der);
  } catch (err) {
    throw new Error(`peekPkiMessage threw on ${context()}: ${String(err)}`, { cause: err });
  }
  expect(peeked).toBeTypeOf('object');
}

describe('only ScepErrors', () => {
  it('the corpus itself parses where it should (sanity)', async () => {
    const byName = new Map(corpus.map((c) => [c.name, c.der]));
    expect((await parsePkiMessage(byName.get('PKCSReq') as Uint8Array, { crypto })).transactionId).toBe(TX);
    expect((await readPkiRequest(byName.get('micromdm PKCSReq') as Uint8Array, { crypto, legacy: true, recipients: [pki.ra] })).message.messageType).toBe('PKCSReq');
    expect((await readCertRep(byName.get('CertRep SUCCESS') as Uint8Array, { crypto, request: { transactionId: TX, senderNonce: NONCE }, recipient: pki.device })).certificates).toHaveLength(2);
  });

  it('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => onlyScepErrors(bytes, () => 'random bytes')),
      fcOptions(300),
    );
  });

  it('random bytes that start like a SEQUENCE', async () => {
    const seqLike = fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0x24), fc.constantFrom(0x80, 0x81, 0x82, 0x83, 0x84, 0x7f, 0x10), fc.uint8Array({ maxLength: 400 })).map(([t, l, rest]) => Uint8Array.of(t, l, ...rest));
    await fc.assert(
      fc.asyncProperty(seqLike, async (bytes) => onlyScepErrors(bytes, () => 'sequence-like bytes')),
      fcOptions(300),
    );
  });

  it('single and structural mutations of valid messages, certificates and CSRs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (which, picks) => {
        const base = corpus[which % corpus.length] as { name: string; der: Uint8Array };
        let der = base.der;
        const applied: unknown[] = [];
        for (const pick of picks) {
          if (der.length === 0) break;
          let r;
          try {
            r = applyMutation(der, pick);
          } catch {
            break; // an earlier mutation left bytes the mutator cannot walk: test what we have
          }
          der = r.bytes;
          applied.push(r.mutation);
        }
        await onlyScepErrors(der, () => `${base.name} after ${JSON.stringify(applied)}`);
      }),
      fcOptions(1000),
    );
  });
});
