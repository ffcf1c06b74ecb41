/**
 * Real clients against the codec: each client's PKCSReq is captured as received, verified and
 * decrypted by @scep/wire to exactly the CSR the client generated, and the client accepts the
 * CertRep the codec builds.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePem, parseCsr, toHex } from '@scep/wire';
import { makeParty, type Party } from '../helpers.js';
import { startResponder, type Responder } from './responder.js';
import { PEER_TEST_TIMEOUT_MS, peerAvailable, runPeer } from './peers.js';

const CAPS = ['AES', 'DES3', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard'];
let ca: Party;
let ra: Party;
let work: string;
beforeAll(async () => {
  ca = await makeParty({ subject: 'CN=Interop CA,O=scep-wire tests', ca: true });
  ra = await makeParty({ subject: 'CN=Interop RA,O=scep-wire tests', issuer: ca, usages: ['digitalSignature', 'keyEncipherment'] });
  work = mkdtempSync(join(tmpdir(), 'wire-interop-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pemDer = (path: string, label: string): Uint8Array => {
  const block = decodePem(readFileSync(path, 'utf8')).find((b) => b.label === label);
  if (!block) throw new Error(`no ${label} in ${path}`);
  return block.der;
};

describe.runIf(peerAvailable('micromdm'))('micromdm scepclient 2.1.0', () => {
  let r: Responder;
  beforeAll(async () => {
    r = await startResponder({ ca, ra, caps: CAPS, replyCipher: () => 'DES-CBC' });
  });
  afterAll(() => r.close());

  it('PKCSReq (SHA-1, DES-CBC, one recipient per GetCACert cert) decrypts to its csr.pem; RenewalReq too', async () => {
    const out = join(work, 'mm');
    const res = await runPeer('enroll-micromdm.sh', ['--out', out, '--cn', 'mm-device', '--renew', r.url, 'mm-challenge']);
    expect(res.code, res.stderr).toBe(0);
    const csr = pemDer(join(out, 'csr.pem'), 'CERTIFICATE REQUEST');
    const [first, renewal] = r.captures;
    expect(first?.error).toBeUndefined();
    expect(first?.message?.messageType).toBe('PKCSReq');
    expect(first?.message?.digest).toBe('SHA-1');
    expect(first?.cipher).toBe('DES-CBC');
    expect(first?.request?.type === 'PKCSReq' && toHex(first.request.csr.der)).toBe(toHex(csr));
    expect(parseCsr(csr).challengePassword).toBe('mm-challenge');
    expect(renewal?.message?.messageType).toBe('RenewalReq');
    expect(renewal?.request?.type === 'RenewalReq' && toHex(renewal.request.csr.der)).toBe(toHex(csr));
    // RenewalReq is signed by the certificate issued for the PKCSReq (the script leaves it in client.pem).
    expect(toHex(renewal?.message?.signer.der ?? new Uint8Array())).toBe(toHex(pemDer(join(out, 'client.pem'), 'CERTIFICATE')));
  }, PEER_TEST_TIMEOUT_MS);
});

describe.runIf(peerAvailable('certmonger'))('certmonger scep-submit 0.79', () => {
  let r: Responder;
  beforeAll(async () => {
    r = await startResponder({ ca, caps: CAPS });
  });
  afterAll(() => r.close());

  it('PKCSReq by GET (SHA-256, rsaEncryption OID, AES-256) decrypts to the CSR in its request store', async () => {
    const out = join(work, 'cm');
    const res = await runPeer('enroll-certmonger.sh', ['--out', out, '--cn', 'cm-device', r.url, 'cm-challenge']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const cap = r.captures[0];
    expect(cap?.error).toBeUndefined();
    expect(cap?.method).toBe('GET');
    expect(cap?.message?.digest).toBe('SHA-256');
    expect(cap?.message?.signatureStyle).toBe('rsaEncryption');
    expect(cap?.message?.signer.version).toBe(1);
    expect(cap?.cipher).toBe('AES-256-CBC');
    // certmonger keeps the CSR it generated in its request store (one file, continuation lines indented).
    const dir = join(out, 'requests-after-request');
    const [file] = readdirSync(dir);
    const store = readFileSync(join(dir, file as string), 'utf8').replace(/\n /g, '\n');
    const csrPem = /^csr=(-----BEGIN CERTIFICATE REQUEST-----[\s\S]*?-----END CERTIFICATE REQUEST-----)/m.exec(store)?.[1];
    const csr = decodePem(csrPem ?? '')[0]?.der;
    expect(csr).toBeDefined();
    expect(cap?.request?.type === 'PKCSReq' && toHex(cap.request.csr.der)).toBe(toHex(csr as Uint8Array));
    expect(cap?.request?.type === 'PKCSReq' && cap.request.csr.challengePassword).toBe('cm-challenge');
  }, PEER_TEST_TIMEOUT_MS);
});

describe.runIf(peerAvailable('strongswan'))('strongSwan pki --scep 5.9.8', () => {
  let r: Responder;
  beforeAll(async () => {
    r = await startResponder({ ca, ra, caps: CAPS });
  });
  afterAll(() => r.close());

  for (const [cipher, digest, expectCipher, expectDigest] of [
    ['aes', 'sha512', 'AES-128-CBC', 'SHA-512'],
    ['des3', 'sha256', 'DES-EDE3-CBC', 'SHA-256'],
  ] as const) {
    it(`PKCSReq (${cipher}, ${digest}) decrypts to a CSR for its key`, async () => {
      const out = join(work, `ss-${cipher}`);
      const before = r.captures.length;
      const res = await runPeer('enroll-strongswan.sh', ['--out', out, '--cipher', cipher, '--digest', digest, r.url, 'ss-challenge']);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      const cap = r.captures[before];
      expect(cap?.error).toBeUndefined();
      expect(cap?.cipher).toBe(expectCipher);
      expect(cap?.message?.digest).toBe(expectDigest);
      expect(cap?.contentType).toBeUndefined();
      if (cap?.request?.type !== 'PKCSReq') throw new Error('not a PKCSReq');
      expect(cap.request.csr.challengePassword).toBe('ss-challenge');
      // pki keeps no CSR file: the CSR must carry the key pki generated.
      const { createPublicKey } = await import('node:crypto');
      const spki = new Uint8Array(createPublicKey(readFileSync(join(out, 'key.pem'))).export({ type: 'spki', format: 'der' }));
      expect(toHex(cap.request.csr.publicKey.der)).toBe(toHex(spki));
    }, PEER_TEST_TIMEOUT_MS);
  }
});
