/**
 * Live interop, as issue #3 asks: the example server (a real process) enrolls, renews and rejects a
 * wrong challenge with micromdm scepclient (legacy profile: DES, SHA-1), certmonger scep-submit
 * (GET, AES-256 and 3DES, renewal as PKCSReq signed by the old certificate) and strongSwan pki
 * (AES and 3DES with SHA-256; PENDING then polled to success). Every issued certificate must chain
 * to the CA and carry the client's public key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePem, parseCertificate, toHex, type Certificate } from '@scep/wire';
import { nodeCrypto } from '@scep/wire/node';
import { isIssuedBy } from '@scep/server-core';
import { PEER_TEST_TIMEOUT_MS, peerAvailable, runPeer } from '../../../packages/wire/test/interop/peers.js';
import { start, type Started } from './process.js';

const crypto = nodeCrypto();
const tmp = mkdtempSync(join(tmpdir(), 'scep-interop-'));
let s: Started;
let ca: Certificate;
const ADMIN = 'interop-admin-token-0123456789';

beforeAll(async () => {
  const cfg = join(tmp, 'profiles.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      // enrollmentAgents "none" everywhere: each client signs its first request with the CSR's key.
      profiles: {
        default: { challenge: 'modern-pass', enrollmentAgents: 'none' },
        legacy: { challenge: 'legacy-pass', legacy: true, enrollmentAgents: 'none' },
        // certmonger picks the first of AES / DES3 listed: this profile lists only DES3.
        des3: { challenge: 'des3-pass', legacy: ['DES-EDE3-CBC'], capabilities: { remove: ['AES', 'SCEPStandard'] }, enrollmentAgents: 'none' },
        manual: { challenge: 'manual-pass', approval: 'manual', enrollmentAgents: 'none' },
      },
    }),
  );
  s = await start({ SCEP_DATA_DIR: join(tmp, 'data'), SCEP_CONFIG: cfg, SCEP_ADMIN_TOKEN: ADMIN });
  ca = parseCertificate(decodePem(readFileSync(join(tmp, 'data', 'ca.crt'), 'utf8'))[0]?.der as Uint8Array);
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});


const pemCert = (path: string): Certificate => parseCertificate(decodePem(readFileSync(path, 'utf8')).find((b) => b.label === 'CERTIFICATE')?.der as Uint8Array);
const spki = (keyPath: string): string => toHex(new Uint8Array(createPublicKey(readFileSync(keyPath)).export({ type: 'spki', format: 'der' })));

async function expectIssued(certPath: string, keyPath: string): Promise<Certificate> {
  const cert = pemCert(certPath);
  expect(await isIssuedBy(cert, ca, crypto)).toBe(true);
  expect(toHex(cert.publicKey.der)).toBe(spki(keyPath));
  return cert;
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${s.origin}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

describe.runIf(peerAvailable('micromdm'))('micromdm scepclient 2.1.0 (legacy profile: DES-CBC, SHA-1)', () => {
  it('enrolls (PKCSReq), renews (RenewalReq), and is refused with a wrong challenge', async () => {
    const out = join(tmp, 'mm');
    const r = await runPeer('enroll-micromdm.sh', ['--out', out, '--renew', `${s.url}/legacy`, 'legacy-pass']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const first = await expectIssued(join(out, 'client.pem'), join(out, 'client.key'));
    const renewed = await expectIssued(join(out, 'renewed.pem'), join(out, 'client.key'));
    expect(renewed.serialNumberHex).not.toBe(first.serialNumberHex);
    expect(await counter('scep_certificates_issued_total', { profile: 'legacy', kind: 'renewal', message_type: 'RenewalReq' })).toBeGreaterThanOrEqual(1);
    expect(await counter('scep_issued_by_algorithm_total', { profile: 'legacy', cipher: 'DES-CBC', digest: 'SHA-1' })).toBe(2);
    const bad = await runPeer('enroll-micromdm.sh', [`${s.url}/legacy`, 'wrong-challenge']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('failInfo: badRequest');
  }, PEER_TEST_TIMEOUT_MS);
});

describe.runIf(peerAvailable('certmonger'))('certmonger scep-submit 0.79 (GET)', () => {
  for (const [profile, challenge, cipher] of [
    ['default', 'modern-pass', 'AES-256'],
    ['des3', 'des3-pass', '3DES'],
  ] as const) {
    it(`${cipher}: enrolls, then renews by PKCSReq signed with the old certificate (resubmit and rekey)`, async () => {
      const out = join(tmp, `cm-${profile}`);
      const before = await counter('scep_certificates_issued_total', { profile, kind: 'renewal', message_type: 'PKCSReq' });
      const url = profile === 'default' ? s.url : `${s.url}/${profile}`;
      const r = await runPeer('enroll-certmonger.sh', ['--out', out, '--resubmit', '--rekey', url, challenge]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      await expectIssued(join(out, 'cert-initial.pem'), join(out, 'key-initial.pem'));
      await expectIssued(join(out, 'cert-resubmit.pem'), join(out, 'key-initial.pem'));
      await expectIssued(join(out, 'cert-rekey.pem'), join(out, 'key-rekey.pem'));
      // resubmit and rekey were renewals (PKCSReq signed by the issued certificate). These profiles
      // share one CA, so the renewal's challenge is checked too: certmonger sends it again.
      expect(await counter('scep_certificates_issued_total', { profile, kind: 'renewal', message_type: 'PKCSReq' })).toBe(before + 2);
      // certmonger chose the cipher from GetCACaps: AES-256 where AES is listed, 3DES where only DES3 is
      const want = cipher === 'AES-256' ? 'AES-256-CBC' : 'DES-EDE3-CBC';
      expect(await counter('scep_issued_by_algorithm_total', { profile, cipher: want, digest: 'SHA-256' })).toBe(3);
    }, PEER_TEST_TIMEOUT_MS);
  }
  it('is refused with a wrong challenge', async () => {
    const r = await runPeer('enroll-certmonger.sh', ['--timeout', '40', s.url, 'not-the-challenge']);
    expect(r.code).toBe(1);
    expect(await counter('scep_rejected_total', { profile: 'default', reason: 'challenge_invalid' })).toBeGreaterThanOrEqual(1);
  }, PEER_TEST_TIMEOUT_MS);
});

describe.runIf(peerAvailable('strongswan'))('strongSwan pki --scep 5.9.8', () => {
  for (const [cipher, profile, challenge] of [
    ['aes', 'default', 'modern-pass'],
    ['des3', 'legacy', 'legacy-pass'],
  ] as const) {
    it(`--cipher ${cipher} --digest sha256 enrolls and renews (RenewalReq)`, async () => {
      const out = join(tmp, `ss-${cipher}`);
      const url = profile === 'default' ? s.url : `${s.url}/${profile}`;
      const r = await runPeer('enroll-strongswan.sh', ['--out', out, '--cipher', cipher, '--digest', 'sha256', '--renew', url, challenge]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      await expectIssued(join(out, 'cert.pem'), join(out, 'key.pem'));
      await expectIssued(join(out, 'renewed.pem'), join(out, 'renew-key.pem'));
      const want = cipher === 'aes' ? 'AES-128-CBC' : 'DES-EDE3-CBC';
      expect(await counter('scep_issued_by_algorithm_total', { profile, cipher: want, digest: 'SHA-256' })).toBeGreaterThanOrEqual(2);
    }, PEER_TEST_TIMEOUT_MS);
  }
  it('PENDING, then polled to success once an operator approves', async () => {
    const out = join(tmp, 'ss-pending');
    const run = runPeer('enroll-strongswan.sh', ['--out', out, '--interval', '2', '--timeout', '90', `${s.url}/manual`, 'manual-pass']);
    const auth = { authorization: `Bearer ${ADMIN}` };
    let tx: string | undefined;
    for (let i = 0; i < 100 && !tx; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const list = (await (await fetch(`${s.origin}/admin/pending`, { headers: auth })).json()) as { profile: string; transactionId: string; subject: string }[];
      const mine = list.find((e) => e.profile === 'manual');
      tx = mine?.transactionId;
      if (mine) expect(mine.subject).toMatch(/CN=/); // the operator sees what would be issued
    }
    expect(tx).toBeDefined();
    await new Promise((r) => setTimeout(r, 2500)); // let it poll at least once while still pending
    const approved = await fetch(`${s.origin}/admin/pending/manual/${tx}/approve`, { method: 'POST', headers: auth });
    expect(await approved.json()).toEqual({ status: 'issued' });
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await expectIssued(join(out, 'cert.pem'), join(out, 'key.pem'));
    expect(await counter('scep_pending_total', { profile: 'manual' })).toBe(1);
    expect(await counter('scep_served_total', { profile: 'manual', operation: 'CertPoll' })).toBeGreaterThanOrEqual(2);
  }, PEER_TEST_TIMEOUT_MS);
});
