/** SCEP_WORKERS=2: both workers serve, and the state that must be shared stays correct across them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, buildCsr, buildPkiRequest, encodeIssuerAndSubject, parseCaCertResponse, parseCertificate, readCertRep, type Certificate, type PrivateKeyHandle } from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { postOwnConnection, start, threadNice, threadpool, usableCores, type Started } from './process.js';

const crypto = nodeCrypto();
const tmp = mkdtempSync(join(tmpdir(), 'scep-workers-'));
const ADMIN = 'workers-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };
let s: Started;
let cas: Certificate[];

beforeAll(async () => {
  s = await start({ SCEP_DATA_DIR: join(tmp, 'data'), SCEP_WORKERS: '2', SCEP_ADMIN_TOKEN: ADMIN, SCEP_CHALLENGE: 'workers-pass', SCEP_APPROVAL: 'auto' });
  const r = await fetch(`${s.url}?operation=GetCACert`);
  cas = parseCaCertResponse(new Uint8Array(await r.arrayBuffer()), r.headers.get('content-type') ?? undefined);
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Device {
  key: PrivateKeyHandle;
  self: Certificate;
}
async function device(cn: string): Promise<Device> {
  const key = nodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const self = parseCertificate(await buildCertificate({ serialNumber: 1n, issuer: `CN=${cn}`, subject: `CN=${cn}`, notBefore: new Date(Date.now() - 6e4), notAfter: new Date(Date.now() + 36e5), publicKeyInfo: key.publicKeyInfo, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, key));
  return { key, self };
}
async function pkcsReq(d: Device, cn: string, challenge: string) {
  const csr = await buildCsr({ subject: `CN=${cn}`, challengePassword: challenge, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, d.key);
  return buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: { certificate: d.self, key: d.key }, recipients: cas.slice(0, 1), transactionId: `tx-${Math.random()}`, crypto });
}
async function post(d: Device, req: { der: Uint8Array; transactionId: string; senderNonce: Uint8Array }) {
  const res = await fetch(`${s.url}?operation=PKIOperation`, { method: 'POST', body: req.der });
  return readCertRep(new Uint8Array(await res.arrayBuffer()), { crypto, request: req, trusted: cas, recipient: { certificate: d.self, key: d.key } });
}

describe('SCEP_WORKERS=2', () => {
  it('announces the workers, both answer, and it enrolls', async () => {
    expect(s.stdout()).toContain('workers:   2');
    const seen = new Set<string>();
    // A new TCP connection each time (fetch would reuse one keep-alive socket, and so one worker).
    const once = () => new Promise<string>((r) => get(`${s.origin}/healthz`, { agent: false }, (res) => (res.resume(), r(String(res.headers['x-scep-worker'] ?? '')))));
    for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await once());
    expect([...seen].every((id) => id !== '')).toBe(true);
    expect(seen.size).toBe(2);
    const d = await device('w-1');
    expect((await post(d, await pkcsReq(d, 'w-1', 'workers-pass'))).status).toBe('SUCCESS');
  });
  it.runIf(process.platform === 'linux')('each worker runs its helper threads at nice 19 and its event loop as started; the primary is left alone', () => {
    const own = getPriority();
    const primary = threadNice(s.child.pid as number);
    expect([primary.main, ...primary.helpers].every((n) => n === own)).toBe(true);
    // The cluster's workers only: on a cold cache tsx also runs an esbuild service as a child.
    const workers = primary.children.filter((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((v) => v.startsWith('NODE_UNIQUE_ID=')));
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const w = threadNice(pid);
      expect(w.main).toBe(own);
      expect(w.helpers.length).toBeGreaterThanOrEqual(5);
      expect(w.helpers.every((n) => n === Math.max(19, own))).toBe(true);
      // The pool size the primary's preload chose (threadpool.cjs) reaches every worker.
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(env).toContain(`UV_THREADPOOL_SIZE=${threadpool.defaultPoolSize({ cores: usableCores(), workers: 2 })}`);
    }
  });
  it('a one-time challenge minted on one worker is used exactly once across both', async () => {
    const { challenge } = (await (await fetch(`${s.origin}/admin/challenges`, { method: 'POST', headers: auth, body: '{"ttlSeconds":60}' })).json()) as { challenge: string };
    const d = await device('w-2');
    const reqs = await Promise.all(Array.from({ length: 16 }, () => pkcsReq(d, 'w-2', challenge)));
    const reps = await Promise.all(reqs.map((r) => post(d, r)));
    expect(reps.filter((r) => r.status === 'SUCCESS')).toHaveLength(1);
  });
  it('a retransmission gets the first reply whichever worker it reaches, and issues nothing new', async () => {
    const d = await device('w-4');
    const req = await pkcsReq(d, 'w-4', 'workers-pass');
    const first = await postOwnConnection(s.url, req.der);
    expect((await readCertRep(first.body, { crypto, request: req, trusted: cas, recipient: { certificate: d.self, key: d.key } })).status).toBe('SUCCESS');
    const before = await issued();
    // A client resends after a timeout of seconds; give the primary's key announcement a moment.
    await new Promise((r) => setTimeout(r, 300));
    const workers = new Set<string>([first.worker]);
    for (let i = 0; i < 30 && workers.size < 2; i++) {
      const again = await postOwnConnection(s.url, req.der);
      expect(again.body).toEqual(first.body);
      workers.add(again.worker);
    }
    expect(workers.size).toBe(2);
    expect(await issued()).toBe(before);
  });
  it('counters add up across workers: /metrics shows every enrollment whichever worker served it', async () => {
    const d = await device('w-3');
    const before = await issued();
    const reps = await Promise.all(Array.from({ length: 20 }, async () => post(d, await pkcsReq(d, 'w-3', 'workers-pass'))));
    expect(reps.every((r) => r.status === 'SUCCESS')).toBe(true);
    expect(await issued()).toBe(before + 20);
    // Each worker reports where its signatures ran: at least the 40 of these 20 enrollments.
    const text = await (await fetch(`${s.origin}/metrics`, { headers: auth })).text();
    const ops = text.split('\n').filter((l) => l.startsWith('scep_private_key_operations_total{'));
    expect(ops.map((l) => l.split(' ')[0]).sort()).toEqual(['scep_private_key_operations_total{placement="inline"}', 'scep_private_key_operations_total{placement="offloaded"}']);
    expect(ops.reduce((a, l) => a + Number(l.split(' ').at(-1)), 0)).toBeGreaterThanOrEqual(40);
  });
});

/** POSTs on a connection of its own (so either worker may take it); the reply and who sent it. */
async function issued(): Promise<number> {
  const text = await (await fetch(`${s.origin}/metrics`, { headers: auth })).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('scep_certificates_issued_total{'))
    .reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
}

describe('SCEP_WORKERS=2 with manual approval', () => {
  it('a pending transaction approved through one worker is polled out through another', async () => {
    const m = await start({ SCEP_DATA_DIR: join(tmp, 'data'), SCEP_WORKERS: '2', SCEP_ADMIN_TOKEN: ADMIN, SCEP_CHALLENGE: 'workers-pass', SCEP_APPROVAL: 'manual' });
    try {
      const d = await device('w-pending');
      const req = await pkcsReq(d, 'w-pending', 'workers-pass');
      const send = async (r: { der: Uint8Array; transactionId: string; senderNonce: Uint8Array }) => {
        const res = await fetch(`${m.url}?operation=PKIOperation`, { method: 'POST', body: r.der });
        return readCertRep(new Uint8Array(await res.arrayBuffer()), { crypto, request: r, trusted: cas, recipient: { certificate: d.self, key: d.key } });
      };
      expect((await send(req)).status).toBe('PENDING');
      const poll = () => buildPkiRequest({ messageType: 'CertPoll', content: encodeIssuerAndSubject(cas[0]!.subject, 'CN=w-pending'), signer: { certificate: d.self, key: d.key }, recipients: cas.slice(0, 1), transactionId: req.transactionId, crypto });
      // several polls land on both workers: all see the same pending entry
      for (let i = 0; i < 4; i++) expect((await send(await poll())).status).toBe('PENDING');
      const approved = await fetch(`${m.origin}/admin/pending/default/${encodeURIComponent(req.transactionId)}/approve`, { method: 'POST', headers: auth });
      expect(await approved.json()).toEqual({ status: 'issued' });
      const rep = await send(await poll());
      expect(rep.status).toBe('SUCCESS');
      expect(rep.certificates[0]?.publicKey.der).toEqual(d.key.publicKeyInfo);
    } finally {
      await m.stop();
    }
  });
});
