/**
 * The online Intune model through SCEP_CONFIG, against a local fake of Entra, Graph and the Intune
 * service that follows Microsoft's documented shapes (the same fake @scep/intune tests use).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, buildCsr, buildPkiRequest, parseCaCertResponse, parseCertificate, readCertRep, toHex } from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeMicrosoft } from '../../../packages/intune/test/support/fake-microsoft.js';
import { ExampleConfigError } from '../src/errors.js';
import { intuneFor, isLoopbackHttp } from '../src/intune.js';
import { readSettings } from '../src/settings.js';
import { postOwnConnection, start, type Started } from './process.js';

const crypto = nodeCrypto();
const tmp = mkdtempSync(join(tmpdir(), 'scep-intune-online-'));
const fake = new FakeMicrosoft();
let s: Started;
// Intune's challenges are long opaque strings; the online model claims those of 201+ characters.
const INTUNE_CHALLENGE = `opaque-intune-challenge-${'x'.repeat(300)}`;

/** A server whose default profile validates online against the fake; `more` adds to its "intune". */
function startOnline(name: string, more: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<Started> {
  const cfg = join(tmp, `${name}.json`);
  writeFileSync(
    cfg,
    JSON.stringify({
      profiles: {
        default: {
          challenge: 'static-fallback',
          intune: {
            model: 'online',
            tenant: FAKE_TENANT,
            clientId: FAKE_CLIENT_ID,
            clientSecretEnv: 'INTUNE_CLIENT_SECRET',
            graphBaseUrl: fake.url,
            loginBaseUrl: fake.url,
            // The fake is not Microsoft: without this the server refuses to call it.
            allowedServiceHosts: fake.allowedHosts,
            timeoutMs: 2000,
            ...more,
          },
        },
      },
    }),
  );
  return start({ SCEP_DATA_DIR: join(tmp, `data-${name}`), SCEP_CONFIG: cfg, INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET, SCEP_ADMIN_TOKEN: 'online-admin-token-0123456789', ...env });
}

beforeAll(async () => {
  await fake.start();
  s = await startOnline('main');
}, 60_000);
afterAll(async () => {
  await s?.stop();
  await fake.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function enroll(challenge: string, on: Started = s): Promise<{ status: string; serial?: string; worker: string }> {
  const caRes = await fetch(`${on.url}?operation=GetCACert`);
  const cas = parseCaCertResponse(new Uint8Array(await caRes.arrayBuffer()), caRes.headers.get('content-type') ?? undefined);
  const k = nodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const self = parseCertificate(await buildCertificate({ serialNumber: 1n, issuer: 'CN=win', subject: 'CN=win', notBefore: new Date(Date.now() - 6e4), notAfter: new Date(Date.now() + 36e5), publicKeyInfo: k.publicKeyInfo, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, k));
  const csr = await buildCsr({ subject: 'CN=win-device', challengePassword: challenge, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, k);
  const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: { certificate: self, key: k }, recipients: cas.slice(0, 1), transactionId: `tx-${Math.random()}`, crypto });
  const res = await postOwnConnection(on.url, req.der);
  const rep = await readCertRep(res.body, { crypto, request: req, trusted: cas, recipient: { certificate: self, key: k } });
  return { status: rep.status, worker: res.worker, ...(rep.certificates[0] ? { serial: rep.certificates[0].serialNumberHex } : {}) };
}

describe('online Intune validation (fake Microsoft services)', () => {
  it('Intune says Success: issued, and the success notification carries the certificate', async () => {
    const r = await enroll(INTUNE_CHALLENGE);
    expect(r.status).toBe('SUCCESS');
    const validate = fake.requestsTo('/ScepActions/validateRequest');
    expect(validate).toHaveLength(1);
    const note = fake.requestsTo('/ScepActions/successNotification');
    expect(note).toHaveLength(1);
    const body = JSON.parse(note[0]?.body ?? '{}') as { notification: { certificateSerialNumber: string; transactionId: string } };
    expect(body.notification.certificateSerialNumber.toLowerCase()).toBe(r.serial);
    expect(toHex(new TextEncoder().encode(body.notification.transactionId)).length).toBeGreaterThan(0);
  });
  it('Intune refuses (ChallengeExpired): no certificate', async () => {
    fake.service = (action) => (action === 'validateRequest' ? { body: { code: 'ChallengeExpired', errorDescription: 'expired' } } : { body: { code: 'Success', errorDescription: '' } });
    const v = fake.requestsTo('/ScepActions/validateRequest').length;
    const n = fake.requestsTo('/ScepActions/successNotification').length;
    expect((await enroll(INTUNE_CHALLENGE)).status).toBe('FAILURE');
    expect(fake.requestsTo('/ScepActions/validateRequest').length).toBe(v + 1);
    expect(fake.requestsTo('/ScepActions/successNotification').length).toBe(n); // nothing was issued
  });
  it('the success notification fails: no certificate (Microsoft test matrix)', async () => {
    fake.service = (action) => (action === 'successNotification' ? { status: 500, body: { code: 'InternalError', errorDescription: '' } } : { body: { code: 'Success', errorDescription: '' } });
    const n = fake.requestsTo('/ScepActions/successNotification').length;
    expect((await enroll(INTUNE_CHALLENGE)).status).toBe('FAILURE');
    expect(fake.requestsTo('/ScepActions/successNotification').length).toBe(n + 1); // it was issued, reported, and withheld
  });
  it('a short, non-Intune challenge goes to the static fallback without calling Microsoft', async () => {
    fake.service = () => ({ body: { code: 'Success', errorDescription: '' } });
    const before = fake.requestsTo('/ScepActions/validateRequest').length;
    expect((await enroll('static-fallback')).status).toBe('SUCCESS');
    expect(fake.requestsTo('/ScepActions/validateRequest').length).toBe(before);
    const stats = (await (await fetch(`${s.origin}/admin/intune`, { headers: { authorization: 'Bearer online-admin-token-0123456789' } })).json()) as { validator: string; outcomes: Record<string, number> };
    expect(stats.validator).toBe('online');
  });
});

/** intuneFor on a profile whose "intune" object is `intune`. */
const wire = (intune: Record<string, unknown>): Promise<unknown> => {
  const file = join(tmp, `cfg-${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ profiles: { default: { challenge: 'static-fallback', intune } } }));
  const settings = readSettings({ SCEP_CONFIG: file, SCEP_DATA_DIR: join(tmp, 'data'), INTUNE_CLIENT_SECRET: 's' }, { cwd: tmp, randomToken: () => 'generated-token-0123' });
  return intuneFor(settings.profiles[0]!, settings, { crypto, now: () => new Date(), log: () => undefined });
};
const online = { model: 'online', tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecretEnv: 'INTUNE_CLIENT_SECRET' };

describe('online Intune: the budget of calls to Microsoft', () => {
  it('is the profile\'s across workers: past it, requests are refused without a call', async () => {
    const w = await startOnline('budget', { rateLimit: 2 }, { SCEP_WORKERS: '2' });
    try {
      const before = fake.requestsTo('validateRequest').length;
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await enroll(INTUNE_CHALLENGE, w));
      expect(new Set(results.map((r) => r.worker)).size).toBe(2);
      expect(results.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'FAILURE', 'FAILURE', 'FAILURE', 'FAILURE']);
      expect(fake.requestsTo('validateRequest').length - before).toBe(2);
    } finally {
      await w.stop();
    }
  }, 60_000);
  it('rateLimit and maxConcurrentCalls are checked', async () => {
    await expect(wire({ ...online, rateLimit: 100, maxConcurrentCalls: 4 })).resolves.toBeDefined();
    await expect(wire({ ...online, rateLimit: 0 })).rejects.toThrow(/rateLimit must be an integer from 1/);
    await expect(wire({ ...online, maxConcurrentCalls: 'many' })).rejects.toThrow(/maxConcurrentCalls must be an integer/);
  });
});

describe('online Intune settings: allowedServiceHosts', () => {
  it('Microsoft hosts need no setting; any other host must be named (a test fake included)', async () => {
    await expect(wire(online)).resolves.toBeDefined();
    await expect(wire({ ...online, graphBaseUrl: 'https://graph.microsoft.us', loginBaseUrl: 'https://login.microsoftonline.us' })).resolves.toBeDefined();
    await expect(wire({ ...online, graphBaseUrl: fake.url, loginBaseUrl: fake.url })).rejects.toThrow(ExampleConfigError);
    await expect(wire({ ...online, graphBaseUrl: fake.url, loginBaseUrl: fake.url })).rejects.toThrow(/allowedServiceHosts/);
    await expect(wire({ ...online, graphBaseUrl: 'https://graph.example.net' })).rejects.toThrow(/graphBaseUrl names a host outside allowedServiceHosts/);
  });

  it('plain http only for this machine (a test fake), not for a name that merely starts like it', async () => {
    expect(isLoopbackHttp(fake.url)).toBe(true);
    for (const ok of ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9']) expect(isLoopbackHttp(ok)).toBe(true);
    for (const no of ['http://localhost.evil.tld', 'http://127.0.0.1.evil.tld', 'https://127.0.0.1', 'http://10.0.0.1', 'not a url', undefined]) expect(isLoopbackHttp(no)).toBe(false);
    await expect(wire({ ...online, graphBaseUrl: 'http://localhost.evil.tld', loginBaseUrl: 'http://localhost.evil.tld', allowedServiceHosts: ['localhost.evil.tld'] })).rejects.toThrow(ExampleConfigError);
  });

  it('must be a list of host names', async () => {
    await expect(wire({ ...online, allowedServiceHosts: 'graph.example.net' })).rejects.toThrow(/allowedServiceHosts must be a non-empty list/);
    await expect(wire({ ...online, allowedServiceHosts: [] })).rejects.toThrow(/allowedServiceHosts must be a non-empty list/);
    await expect(wire({ ...online, allowedServiceHosts: ['https://graph.example.net/'] })).rejects.toThrow(ExampleConfigError);
  });
});
