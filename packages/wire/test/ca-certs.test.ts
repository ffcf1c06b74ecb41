/** scep/ca-certs.ts: GetCACert and GetNextCACert (RFC 8894 §4.2, §4.7). */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCaCertResponse,
  buildDegenerateSignedData,
  buildNextCaCertResponse,
  CONTENT_TYPE_CA_CERT,
  CONTENT_TYPE_CA_RA_CERT,
  CONTENT_TYPE_NEXT_CA_CERT,
  CONTENT_TYPE_PKI_MESSAGE,
  parseCaCertResponse,
  parseNextCaCertResponse,
  toHex,
} from '@scep/wire';
import { crypto, makeParty, makePki, NOW, rejectsWith, throwsWith, type Party, type Pki, flip, indexOfBytes } from './helpers.js';

let pki: Pki;
let next: Party;
let rogue: Party;
beforeAll(async () => {
  pki = await makePki();
  [next, rogue] = await Promise.all([makeParty({ subject: 'CN=Next CA', ca: true }), makeParty({ subject: 'C=ZZ, O=scep-wire tests, CN=Test CA', ca: true })]);
});
const hexes = (cs: readonly { der: Uint8Array }[]): string[] => cs.map((c) => toHex(c.der));

describe('GetCACert', () => {
  it('content types', () => {
    expect([CONTENT_TYPE_CA_CERT, CONTENT_TYPE_CA_RA_CERT, CONTENT_TYPE_NEXT_CA_CERT, CONTENT_TYPE_PKI_MESSAGE]).toEqual([
      'application/x-x509-ca-cert',
      'application/x-x509-ca-ra-cert',
      'application/x-x509-next-ca-cert',
      'application/x-pki-message',
    ]);
  });

  it('one certificate → application/x-x509-ca-cert, the DER itself', () => {
    const r = buildCaCertResponse([pki.ca.certificate.der]);
    expect(r.contentType).toBe(CONTENT_TYPE_CA_CERT);
    expect(r.body).toBe(pki.ca.certificate.der);
    expect(hexes(parseCaCertResponse(r.body, r.contentType))).toEqual([toHex(pki.ca.certificate.der)]);
  });

  it('several → application/x-x509-ca-ra-cert, a degenerate SignedData in the order given', () => {
    const r = buildCaCertResponse([pki.ra.certificate.der, pki.ca.certificate.der]);
    expect(r.contentType).toBe(CONTENT_TYPE_CA_RA_CERT);
    expect(toHex(r.body)).toBe(toHex(buildDegenerateSignedData([pki.ra.certificate.der, pki.ca.certificate.der])));
    expect(hexes(parseCaCertResponse(r.body, r.contentType))).toEqual([toHex(pki.ra.certificate.der), toHex(pki.ca.certificate.der)]);
  });

  it('forceChain sends the SignedData form for one certificate; none is a caller bug', () => {
    expect(buildCaCertResponse([pki.ca.certificate.der], { forceChain: true }).contentType).toBe(CONTENT_TYPE_CA_RA_CERT);
    expect(() => buildCaCertResponse([])).toThrow(TypeError);
  });

  it('the client side sniffs the form when the content type is missing, and ignores parameters and case', () => {
    const chain = buildCaCertResponse([pki.ra.certificate.der, pki.ca.certificate.der]).body;
    expect(parseCaCertResponse(chain)).toHaveLength(2);
    expect(parseCaCertResponse(pki.ca.certificate.der)).toHaveLength(1);
    expect(parseCaCertResponse(chain, 'Application/X-X509-CA-RA-Cert; charset=binary')).toHaveLength(2);
  });

  it('bodies that do not match their content type, or hold nothing, raise ScepErrors', () => {
    const chain = buildCaCertResponse([pki.ra.certificate.der, pki.ca.certificate.der]).body;
    throwsWith(() => parseCaCertResponse(chain, CONTENT_TYPE_CA_CERT), 'ERR_CERTIFICATE_INVALID');
    throwsWith(() => parseCaCertResponse(pki.ca.certificate.der, CONTENT_TYPE_CA_RA_CERT), 'ERR_MALFORMED');
    throwsWith(() => parseCaCertResponse(buildDegenerateSignedData([]), CONTENT_TYPE_CA_RA_CERT), 'ERR_CERTIFICATE_INVALID');
    throwsWith(() => parseCaCertResponse(Uint8Array.of(1, 2, 3)), 'ERR_MALFORMED');
    throwsWith(() => parseCaCertResponse(chain, undefined, { maxDepth: 48, maxNodes: 20 }), 'ERR_LIMIT_EXCEEDED');
  });
});

describe('GetNextCACert', () => {
  it('signed by the current CA, holding the next CA certificates: verifies against the current CA only', async () => {
    const body = await buildNextCaCertResponse({ certificates: [next.certificate.der, pki.ra.certificate.der], signer: pki.ca, now: NOW, crypto });
    expect(hexes(await parseNextCaCertResponse(body, { currentCa: pki.ca.certificate, crypto }))).toEqual([toHex(next.certificate.der), toHex(pki.ra.certificate.der)]);
    await rejectsWith(parseNextCaCertResponse(body, { currentCa: next.certificate, crypto }), 'ERR_UNTRUSTED_SIGNER');
  });

  it('signed by anything else (the RA, or a look-alike CA with the same name) → ERR_UNTRUSTED_SIGNER', async () => {
    const byRa = await buildNextCaCertResponse({ certificates: [next.certificate.der], signer: pki.ra, now: NOW, crypto });
    await rejectsWith(parseNextCaCertResponse(byRa, { currentCa: pki.ca.certificate, crypto }), 'ERR_UNTRUSTED_SIGNER');
    const byRogue = await buildNextCaCertResponse({ certificates: [next.certificate.der], signer: rogue, now: NOW, crypto });
    await rejectsWith(parseNextCaCertResponse(byRogue, { currentCa: pki.ca.certificate, crypto }), 'ERR_UNTRUSTED_SIGNER');
  });

  it('tampered content → ERR_MESSAGE_DIGEST_MISMATCH; not SignedData → ERR_MALFORMED', async () => {
    const body = await buildNextCaCertResponse({ certificates: [next.certificate.der], signer: pki.ca, now: NOW, crypto });
    const at = indexOfBytes(body, next.certificate.signature);
    const bad = body.slice();
    flip(bad, at + 5, 1);
    await rejectsWith(parseNextCaCertResponse(bad, { currentCa: pki.ca.certificate, crypto }), 'ERR_MESSAGE_DIGEST_MISMATCH');
    await rejectsWith(parseNextCaCertResponse(pki.ca.certificate.der, { currentCa: pki.ca.certificate, crypto }), 'ERR_MALFORMED');
    await rejectsWith(parseNextCaCertResponse(buildDegenerateSignedData([next.certificate.der]), { currentCa: pki.ca.certificate, crypto }), 'ERR_MALFORMED');
  });

  it('digest option and legacy policy', async () => {
    await rejectsWith(buildNextCaCertResponse({ certificates: [next.certificate.der], signer: pki.ca, digest: 'SHA-1', crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    const body = await buildNextCaCertResponse({ certificates: [next.certificate.der], signer: pki.ca, digest: 'SHA-1', legacy: ['SHA-1'], now: NOW, crypto });
    await rejectsWith(parseNextCaCertResponse(body, { currentCa: pki.ca.certificate, crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    expect(await parseNextCaCertResponse(body, { currentCa: pki.ca.certificate, crypto, legacy: ['SHA-1'] })).toHaveLength(1);
    const b384 = await buildNextCaCertResponse({ certificates: [next.certificate.der], signer: pki.ca, digest: 'SHA-384', now: NOW, crypto });
    expect(await parseNextCaCertResponse(b384, { currentCa: pki.ca.certificate, crypto })).toHaveLength(1);
  });
});
