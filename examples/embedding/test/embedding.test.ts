/** Every snippet in docs/server-core.md runs: each example starts, answers GetCACaps, and enrolls a device over real HTTP. */
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildCertificate, buildCsr, buildPkiRequest, encodeIssuerAndSubject, encodeSubjectAltName, oids, parseCertificate, readCertRep, type Certificate, type Extension } from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import * as nodeHttp from '../src/node-http.js';
import * as expressEx from '../src/express.js';
import * as fastifyEx from '../src/fastify.js';
import * as honoEx from '../src/hono.js';
import * as policies from '../src/policies.js';

const crypto = nodeCrypto();

async function enroll(url: string, ca: Certificate, o: { cn: string; challenge?: string; extensions?: Extension[] }) {
  const key = nodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const self = parseCertificate(await buildCertificate({ serialNumber: 1n, issuer: `CN=${o.cn}`, subject: `CN=${o.cn}`, notBefore: new Date(Date.now() - 6e4), notAfter: new Date(Date.now() + 36e5), publicKeyInfo: key.publicKeyInfo, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, key));
  const csr = await buildCsr({ subject: `CN=${o.cn}`, ...(o.challenge ? { challengePassword: o.challenge } : {}), ...(o.extensions ? { extensions: o.extensions } : {}), signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, key);
  const signer = { certificate: self, key };
  const send = async (der: Uint8Array, req: { transactionId: string; senderNonce: Uint8Array }) => {
    const res = await fetch(`${url}?operation=PKIOperation`, { method: 'POST', body: der, headers: { 'content-type': 'application/x-pki-message' } });
    return readCertRep(new Uint8Array(await res.arrayBuffer()), { crypto, request: req, trusted: [ca], recipient: signer });
  };
  const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer, recipients: [ca], transactionId: `tx-${Math.random()}`, crypto });
  const rep = await send(req.der, req);
  const poll = async () => {
    const p = await buildPkiRequest({ messageType: 'CertPoll', content: encodeIssuerAndSubject(ca.subject, `CN=${o.cn}`), signer, recipients: [ca], transactionId: req.transactionId, crypto });
    return send(p.der, p);
  };
  return { rep, poll, transactionId: req.transactionId };
}

describe.each([
  ['node:http', nodeHttp],
  ['Express', expressEx],
  ['Fastify', fastifyEx],
  ['Hono', honoEx],
])('%s example', (_name, mod) => {
  it('serves GetCACaps and enrolls with the static challenge', async () => {
    const ex = await mod.start();
    try {
      expect(await (await fetch(`${ex.url}?operation=GetCACaps`)).text()).toContain('SCEPStandard');
      expect((await enroll(ex.url, ex.ca, { cn: 'dev', challenge: 'change-me' })).rep.status).toBe('SUCCESS');
      expect((await enroll(ex.url, ex.ca, { cn: 'dev', challenge: 'wrong' })).rep.status).toBe('FAILURE');
    } finally {
      await ex.close();
    }
  });
});

describe('policies example', () => {
  it('one-time challenges, the inventory webhook, CSR policy, PENDING then approval', async () => {
    const ex = await policies.start();
    try {
      const { challenge } = await ex.mint('laptop-7');
      expect((await enroll(ex.url, ex.ca, { cn: 'laptop-7', challenge })).rep.status).toBe('SUCCESS');
      expect((await enroll(ex.url, ex.ca, { cn: 'laptop-7', challenge })).rep.status).toBe('FAILURE');
      expect((await enroll(ex.url, ex.ca, { cn: 'printer-2', challenge: 'inventory:printer-2' })).rep.status).toBe('SUCCESS');
      const outside = [{ oid: oids.id_ce_subjectAltName, critical: false, value: encodeSubjectAltName([{ type: 'dns', value: 'evil.test' }]) }];
      expect((await enroll(ex.url, ex.ca, { cn: 'printer-3', challenge: 'inventory:printer-3', extensions: outside })).rep.status).toBe('FAILURE');
      const kiosk = await enroll(ex.url, ex.ca, { cn: 'kiosk-1', challenge: 'inventory:kiosk-1' });
      expect(kiosk.rep.status).toBe('PENDING');
      expect((await kiosk.poll()).status).toBe('SUCCESS'); // the hook issues on poll (attempt: 'poll')
    } finally {
      await ex.close();
    }
  });
});

describe('docs/server-core.md shows these files as they are', () => {
  it('every code block naming an examples/ file is part of that file', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const doc = readFileSync(resolve(root, 'docs/server-core.md'), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n(\/\/ (examples\/[^\s]+)[^\n]*\n[\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThan(3);
    for (const [, body, file] of blocks) {
      const src = readFileSync(resolve(root, file as string), 'utf8');
      for (const line of (body as string).split('\n').filter((l) => l.trim() && !l.trim().startsWith('// …'))) {
        expect(src, `${file}: ${line}`).toContain(line);
      }
    }
  });
});
