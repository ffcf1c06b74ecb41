/** The README's main command as a user meets it: a real process, its files, its banner, its errors, its admin API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  buildCertificate,
  buildCsr,
  buildPkiRequest,
  decodePem,
  encodeBasicConstraints,
  encodeKeyUsage,
  encodePem,
  oids,
  parseCaCaps,
  parseCaCertResponse,
  parseCertificate,
  readCertRep,
  type Certificate,
  type KeyUsageName,
} from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { expectExit, start, threadNice, threadpool, usableCores, type Started } from './process.js';

const crypto = nodeCrypto();
const tmp = mkdtempSync(join(tmpdir(), 'scep-example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function prepare(s: Started, challenge: string, cn: string, path = '') {
  const caRes = await fetch(`${s.url}${path}?operation=GetCACert`);
  const cas = parseCaCertResponse(new Uint8Array(await caRes.arrayBuffer()), caRes.headers.get('content-type') ?? undefined);
  const k = nodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const self = parseCertificate(
    await buildCertificate({ serialNumber: 1n, issuer: `CN=${cn}`, subject: `CN=${cn}`, notBefore: new Date(Date.now() - 60e3), notAfter: new Date(Date.now() + 3600e3), publicKeyInfo: k.publicKeyInfo, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, k),
  );
  const csr = await buildCsr({ subject: `CN=${cn}`, challengePassword: challenge, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, k);
  const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: { certificate: self, key: k }, recipients: cas.slice(0, 1), transactionId: `t-${Math.random()}`, crypto });
  const send = async (): Promise<Uint8Array> => {
    const res = await fetch(`${s.url}${path}?operation=PKIOperation`, { method: 'POST', body: req.der, headers: { 'content-type': 'application/x-pki-message' } });
    return new Uint8Array(await res.arrayBuffer());
  };
  const read = (reply: Uint8Array) => readCertRep(reply, { crypto, request: req, trusted: cas, recipient: { certificate: self, key: k } });
  return { send, read };
}

/** A self-signed RSA CA certificate valid for a day, with only the key usages given (if any). */
async function selfSignedCa(subject: string, usages?: KeyUsageName[]): Promise<{ der: Uint8Array; keyObject: KeyObject }> {
  const keyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const k = nodePrivateKey(keyObject);
  const extensions = [{ oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true }) }];
  if (usages) extensions.push({ oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(usages) });
  const der = await buildCertificate(
    {
      serialNumber: 5n,
      issuer: subject,
      subject,
      notBefore: new Date(Date.now() - 60e3),
      notAfter: new Date(Date.now() + 86400e3),
      publicKeyInfo: k.publicKeyInfo,
      extensions,
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    k,
  );
  return { der, keyObject };
}

async function enroll(s: Started, challenge: string, cn = 'example-device', path = ''): Promise<string> {
  const p = await prepare(s, challenge, cn, path);
  return (await p.read(await p.send())).status;
}

describe('first start on a fresh machine', () => {
  let s: Started;
  const dir = join(tmp, 'fresh');
  beforeAll(async () => {
    s = await start({ SCEP_DATA_DIR: dir });
  });
  afterAll(() => s.stop());

  it('generates a dev CA in the data dir (key 0600) and prints URL, challenge, admin token and enroll commands', () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scep$/);
    expect(s.challenge).toMatch(/^[A-Za-z0-9]{16,}$/);
    expect(s.adminToken.length).toBeGreaterThanOrEqual(16);
    expect(s.stdout()).toContain('pki --scep --url');
    expect(s.stdout()).toContain('generated in');
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const [ca] = decodePem(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    const cert = parseCertificate(ca?.der ?? new Uint8Array());
    expect(cert.basicConstraints?.ca).toBe(true);
    expect([...(cert.keyUsage ?? [])]).toEqual(expect.arrayContaining(['digitalSignature', 'keyEncipherment', 'keyCertSign']));
  });
  it('serves /healthz without auth, SCEP on /scep, and enrolls with the printed challenge', async () => {
    expect(await (await fetch(`${s.origin}/healthz`)).text()).toBe('ok\n');
    const caps = parseCaCaps(await (await fetch(`${s.url}?operation=GetCACaps`)).text()).capabilities;
    expect(caps.has('SHA-384')).toBe(true);
    expect(caps.has('DES3')).toBe(false);
    expect(await enroll(s, s.challenge as string)).toBe('SUCCESS');
    expect(await enroll(s, 'wrong')).toBe('FAILURE');
  });
  it('the admin API needs the bearer token; mints one-time challenges; shows counters', async () => {
    expect((await fetch(`${s.origin}/admin/metrics`)).status).toBe(401);
    expect((await fetch(`${s.origin}/admin/metrics`, { headers: { authorization: 'Bearer nope-nope-nope-nope' } })).status).toBe(401);
    const auth = { authorization: `Bearer ${s.adminToken}` };
    const minted = (await (await fetch(`${s.origin}/admin/challenges`, { method: 'POST', headers: auth, body: JSON.stringify({ ttlSeconds: 60, commonName: 'bound-device' }) })).json()) as { challenge: string };
    expect(await enroll(s, minted.challenge, 'other-device')).toBe('FAILURE');
    expect(await enroll(s, minted.challenge, 'bound-device')).toBe('SUCCESS');
    expect(await enroll(s, minted.challenge, 'bound-device')).toBe('FAILURE');
    const metrics = (await (await fetch(`${s.origin}/admin/metrics`, { headers: auth })).json()) as { scep: Record<string, { labels: Record<string, string>; value: number }[]> };
    const issued = metrics.scep['scep_certificates_issued_total']?.reduce((a, v) => a + v.value, 0);
    expect(issued).toBe(2);
    const prom = await (await fetch(`${s.origin}/metrics`, { headers: auth })).text();
    expect(prom).toMatch(/scep_rejected_total\{profile="default",reason="challenge_invalid",fail_info="badRequest"\} \d+/);
    // One request at a time on an idle server: every signature ran on the event loop (SCEP_KEY_PLACEMENT=adaptive).
    const ops = (placement: string): number => Number(new RegExp(`^scep_private_key_operations_total\\{placement="${placement}"\\} (\\d+)$`, 'm').exec(prom)?.[1] ?? NaN);
    expect(ops('inline')).toBeGreaterThanOrEqual(4);
    expect(ops('offloaded')).toBe(0);
    expect((await fetch(`${s.origin}/admin/challenges`, { method: 'POST', headers: auth, body: '{"ttlSeconds":-1}' })).status).toBe(400);
  });
  it.runIf(process.platform === 'linux')('runs every thread but the event loop at nice 19 (SCEP_HELPER_NICE) and says so', () => {
    const own = getPriority();
    const t = threadNice(s.child.pid as number);
    expect(t.main).toBe(own);
    // libuv's pool (sized by threadpool.cjs) and V8's platform threads. With the defaults no thread
    // starts after the call (an unwrap thread would: SCEP_UNWRAP_THREADS is not set here).
    expect(t.helpers.length).toBeGreaterThanOrEqual(5);
    expect(t.helpers.every((n) => n === Math.max(19, own))).toBe(true);
    expect(s.stderr()).toContain(`threads: ${t.helpers.length} helper threads (libuv's pool, V8) at nice ${Math.max(19, own)}`);
  });
  it.runIf(process.platform === 'linux')('sizes libuv’s pool to the machine (threadpool.cjs, preloaded as by pnpm start) and says so', async () => {
    const size = threadpool.defaultPoolSize({ cores: usableCores(), workers: 1 });
    expect(s.stdout()).toContain(`signing threads: ${size} (UV_THREADPOOL_SIZE`);
    // It takes effect in the real process, whose loader (tsx) starts the pool before main.ts runs:
    // the same server with two pool threads more has exactly two threads more.
    const more = await start({ SCEP_DATA_DIR: join(tmp, 'pool-size'), UV_THREADPOOL_SIZE: String(size + 2) });
    try {
      expect(more.stdout()).toContain(`signing threads: ${size + 2} (UV_THREADPOOL_SIZE`);
      expect(threadNice(more.child.pid as number).helpers.length - threadNice(s.child.pid as number).helpers.length).toBe(2);
    } finally {
      await more.stop();
    }
  });
});

describe('later starts', () => {
  it('reuse the CA in the data dir; SCEP_CHALLENGE sets the challenge; SCEP_LEGACY adds DES3 and SHA-1', async () => {
    const dir = join(tmp, 'reuse');
    const a = await start({ SCEP_DATA_DIR: dir });
    const fp = /SHA-256:\s+(\S+)/.exec(a.stdout())?.[1];
    await a.stop();
    const b = await start({ SCEP_DATA_DIR: dir, SCEP_CHALLENGE: 'chosen-one', SCEP_LEGACY: '1' });
    try {
      expect(/SHA-256:\s+(\S+)/.exec(b.stdout())?.[1]).toBe(fp);
      expect(b.stdout()).toContain('loaded in');
      expect(b.challenge).toBe('chosen-one');
      expect(b.stdout()).toContain('scepclient -server-url');
      const caps = parseCaCaps(await (await fetch(`${b.url}?operation=GetCACaps`)).text()).capabilities;
      expect(caps.has('DES3') && caps.has('SHA-1')).toBe(true);
    } finally {
      await b.stop();
    }
  });
  it('a retransmitted request gets the first reply (SCEP_REPLY_CACHE entries, default 10000); 0 enrolls it again', async () => {
    // The second server also unwraps on a worker thread and always signs off the event loop
    // (SCEP_UNWRAP_THREADS=1, SCEP_KEY_PLACEMENT=offload; the other tests use the defaults: no
    // thread, adaptive).
    for (const [value, same] of [[undefined, true], ['0', false]] as const) {
      const r = await start({ SCEP_DATA_DIR: join(tmp, 'reply-cache'), SCEP_CHALLENGE: 'retry-pass', ...(value === undefined ? {} : { SCEP_REPLY_CACHE: value, SCEP_UNWRAP_THREADS: '1', SCEP_KEY_PLACEMENT: 'offload' }) });
      try {
        const p = await prepare(r, 'retry-pass', 'retry-device');
        const first = await p.send();
        const again = await p.send();
        const [a, b] = [await p.read(first), await p.read(again)];
        expect([a.status, b.status]).toEqual(['SUCCESS', 'SUCCESS']);
        expect(Buffer.from(first).equals(Buffer.from(again))).toBe(same);
        const serial = (rep: typeof a): string => Buffer.from(rep.certificates[0]?.serialNumber ?? []).toString('hex');
        expect(serial(a)).toMatch(/^[0-9a-f]{2,}$/);
        expect(serial(a) === serial(b)).toBe(same);
        if (value !== undefined && process.platform === 'linux') {
          // The unwrap thread started on the first request, after the others were lowered: it lowered itself.
          const t = threadNice(r.child.pid as number);
          expect(t.helpers.every((n) => n === Math.max(19, getPriority()))).toBe(true);
        }
      } finally {
        await r.stop();
      }
    }
  });
  it.runIf(process.platform === 'linux')('SCEP_HELPER_NICE=0 leaves every thread at the nice value it started with', async () => {
    const r = await start({ SCEP_DATA_DIR: join(tmp, 'nice-0'), SCEP_HELPER_NICE: '0' });
    try {
      const own = getPriority();
      const t = threadNice(r.child.pid as number);
      expect([t.main, ...t.helpers].every((n) => n === own)).toBe(true);
      expect(r.stderr()).not.toContain('helper threads');
    } finally {
      await r.stop();
    }
  });
  it('use ra.crt/ra.key when present (GetCACert is then RA + CA)', async () => {
    const dir = join(tmp, 'with-ra');
    const a = await start({ SCEP_DATA_DIR: dir });
    await a.stop();
    const caKey = nodePrivateKey(readFileSync(join(dir, 'ca.key'), 'utf8'));
    const ca = parseCertificate(decodePem(readFileSync(join(dir, 'ca.crt'), 'utf8'))[0]?.der as Uint8Array);
    const raKeyObj = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const ra = await buildCertificate(
      {
        serialNumber: 9n,
        issuer: ca.subject,
        subject: 'CN=Example RA',
        notBefore: new Date(Date.now() - 60e3),
        notAfter: new Date(Date.now() + 86400e3),
        publicKeyInfo: nodePrivateKey(raKeyObj).publicKeyInfo,
        extensions: [
          { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: false }) },
          { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment']) },
        ],
        signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
      },
      caKey,
    );
    writeFileSync(join(dir, 'ra.crt'), encodePem('CERTIFICATE', ra));
    writeFileSync(join(dir, 'ra.key'), raKeyObj.export({ type: 'pkcs8', format: 'pem' }) as string);
    const b = await start({ SCEP_DATA_DIR: dir, SCEP_CHALLENGE: 'ra-pass' });
    try {
      const res = await fetch(`${b.url}?operation=GetCACert`);
      expect(res.headers.get('content-type')).toBe('application/x-x509-ca-ra-cert');
      const certs: Certificate[] = parseCaCertResponse(new Uint8Array(await res.arrayBuffer()));
      expect(certs.map((c) => c.der)).toEqual([ra, ca.der]);
      expect(b.stdout()).toContain('RA:        CN=Example RA');
      expect(await enroll(b, 'ra-pass')).toBe('SUCCESS');
    } finally {
      await b.stop();
    }
  });
  it('several profiles from SCEP_CONFIG', async () => {
    const cfg = join(tmp, 'profiles.json');
    writeFileSync(cfg, JSON.stringify({ profiles: { default: { challenge: 'default-pass' }, legacy: { challenge: 'legacy-pass', legacy: ['SHA-1', 'DES-CBC'], dataDir: join(tmp, 'legacy-ca') } } }));
    const s = await start({ SCEP_DATA_DIR: join(tmp, 'multi'), SCEP_CONFIG: cfg });
    try {
      expect(s.stdout()).toContain('profile "legacy"');
      expect(await enroll(s, 'default-pass')).toBe('SUCCESS');
      expect(await enroll(s, 'legacy-pass', 'x', '/legacy')).toBe('SUCCESS');
      expect(await enroll(s, 'default-pass', 'x', '/legacy')).toBe('FAILURE');
      const caps = parseCaCaps(await (await fetch(`${s.url}/legacy?operation=GetCACaps`)).text()).capabilities;
      expect(caps.has('SHA-1')).toBe(true);
    } finally {
      await s.stop();
    }
  });
  it('a profile with enrollmentAgents.trust loads the PEM; devices signing for their own key enroll as before', async () => {
    writeFileSync(join(tmp, 'agents.pem'), encodePem('CERTIFICATE', (await selfSignedCa('CN=MDM Agents')).der));
    writeFileSync(join(tmp, 'agents-ok.json'), JSON.stringify({ profiles: { default: { challenge: 'agents-pass', enrollmentAgents: { trust: join(tmp, 'agents.pem') } } } }));
    const s = await start({ SCEP_DATA_DIR: join(tmp, 'agents'), SCEP_CONFIG: join(tmp, 'agents-ok.json') });
    try {
      expect(await enroll(s, 'agents-pass')).toBe('SUCCESS');
    } finally {
      await s.stop();
    }
  });
  it('a CA without the key usages RFC 8894 asks for gets a warning, not a refusal', async () => {
    const dir = join(tmp, 'bare-ca');
    mkdirSync(dir, { recursive: true });
    const { der, keyObject: kObj } = await selfSignedCa('CN=Bare CA', ['keyCertSign', 'cRLSign']);
    writeFileSync(join(dir, 'ca.crt'), encodePem('CERTIFICATE', der));
    writeFileSync(join(dir, 'ca.key'), kObj.export({ type: 'pkcs8', format: 'pem' }) as string);
    const s = await start({ SCEP_DATA_DIR: dir, SCEP_CHALLENGE: 'bare' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(s.stderr()).toMatch(/warning: .*lacks keyUsage digitalSignature/);
      expect(await enroll(s, 'bare')).toBe('SUCCESS');
    } finally {
      await s.stop();
    }
  });
});

describe('bad configuration: one clear line, non-zero exit, no stack trace', () => {
  const cases: [string, () => Record<string, string>, RegExp][] = [
    ['PORT not a number', () => ({ PORT: 'eighty', SCEP_DATA_DIR: join(tmp, 'bad1') }), /PORT must be an integer/],
    ['SCEP_CONFIG missing', () => ({ SCEP_CONFIG: join(tmp, 'nope.json'), SCEP_DATA_DIR: join(tmp, 'bad2') }), /SCEP_CONFIG: cannot read .*ENOENT/],
    [
      'SCEP_CONFIG with a typo',
      () => {
        writeFileSync(join(tmp, 'typo.json'), JSON.stringify({ profiles: { default: { challange: 'x' } } }));
        return { SCEP_CONFIG: join(tmp, 'typo.json'), SCEP_DATA_DIR: join(tmp, 'bad3') };
      },
      /unknown setting "challange"/,
    ],
    [
      'ca.crt without ca.key',
      () => {
        mkdirSync(join(tmp, 'bad4'), { recursive: true });
        writeFileSync(join(tmp, 'bad4', 'ca.crt'), 'x');
        return { SCEP_DATA_DIR: join(tmp, 'bad4') };
      },
      /has ca.crt but no ca.key/,
    ],
    [
      'garbage certificate',
      () => {
        mkdirSync(join(tmp, 'bad5'), { recursive: true });
        writeFileSync(join(tmp, 'bad5', 'ca.crt'), 'not a pem');
        writeFileSync(join(tmp, 'bad5', 'ca.key'), 'not a key');
        return { SCEP_DATA_DIR: join(tmp, 'bad5') };
      },
      /holds no PEM CERTIFICATE/,
    ],
    [
      'enrollmentAgents trust file missing',
      () => {
        writeFileSync(join(tmp, 'agents.json'), JSON.stringify({ profiles: { default: { enrollmentAgents: { trust: join(tmp, 'no-agents.pem') } } } }));
        return { SCEP_CONFIG: join(tmp, 'agents.json'), SCEP_DATA_DIR: join(tmp, 'bad11') };
      },
      /profile default: cannot read enrollmentAgents\.trust .*no-agents\.pem/,
    ],
    ['SCEP_LEGACY not boolean', () => ({ SCEP_LEGACY: 'maybe', SCEP_DATA_DIR: join(tmp, 'bad6') }), /SCEP_LEGACY must be 1 or 0/],
    ['short admin token', () => ({ SCEP_ADMIN_TOKEN: 'short', SCEP_DATA_DIR: join(tmp, 'bad7') }), /SCEP_ADMIN_TOKEN must be at least 16/],
    ['SCEP_UNWRAP_THREADS too many', () => ({ SCEP_UNWRAP_THREADS: '99', SCEP_DATA_DIR: join(tmp, 'bad9') }), /SCEP_UNWRAP_THREADS must be an integer from 0 to 16/],
    ['SCEP_KEY_PLACEMENT unknown', () => ({ SCEP_KEY_PLACEMENT: 'inline', SCEP_DATA_DIR: join(tmp, 'bad10') }), /SCEP_KEY_PLACEMENT must be adaptive or offload/],
    ['SCEP_REPLY_CACHE negative', () => ({ SCEP_REPLY_CACHE: '-1', SCEP_DATA_DIR: join(tmp, 'bad8') }), /SCEP_REPLY_CACHE must be an integer/],
  ];
  it.each(cases)('%s', async (_name, env, message) => {
    const r = await expectExit(env());
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^scep-example: error: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('port already in use', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
    const r = await expectExit({ PORT: String(port), SCEP_DATA_DIR: join(tmp, 'busy') });
    blocker.close();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^scep-example: error: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/);
  });
});
