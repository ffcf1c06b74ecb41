import { describe, expect, it, beforeAll } from 'vitest';
import { buildPkiRequest, readPkiRequest, buildCertRep, readCertRep, parseCsr } from '@scep/wire';
import { crypto, makeParty, makeCsr, type Party } from './helpers.js';

let ca: Party, device: Party;
beforeAll(async () => {
  ca = await makeParty({ subject: 'CN=Test CA', ca: true });
  device = await makeParty({ subject: 'CN=device-1', noExtensions: true });
});

describe('PKCSReq round trip', () => {
  it('client builds, server reads, server replies, client reads', async () => {
    const csr = await makeCsr(device, { cn: 'device-1', challenge: 'secret' });
    const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: device, recipients: [ca.certificate], transactionId: 'tx-1', crypto });
    const got = await readPkiRequest(req.der, { crypto, recipients: [ca] });
    expect(got.message.messageType).toBe('PKCSReq');
    expect(got.message.transactionId).toBe('tx-1');
    expect(got.request.type).toBe('PKCSReq');
    if (got.request.type !== 'PKCSReq') throw new Error();
    expect(got.request.csr.challengePassword).toBe('secret');
    expect(got.request.csr.der).toEqual(csr);
    const issued = (await makeParty({ subject: 'CN=device-1', issuer: ca, keyObject: device.keyObject })).certificate;
    const rep = await buildCertRep({ request: got.message, result: { status: 'SUCCESS', certificates: [issued.der, ca.certificate.der] }, signer: ca, crypto });
    const back = await readCertRep(rep, { crypto, request: req, trusted: [ca.certificate], recipient: device });
    expect(back.status).toBe('SUCCESS');
    expect(back.certificates.map((c) => c.der)).toEqual([issued.der, ca.certificate.der]);
    expect(parseCsr(csr).commonName).toBe('device-1');
  });
});
