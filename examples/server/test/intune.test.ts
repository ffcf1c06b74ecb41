/**
 * Offline Intune on the example server (a real process): micromdm scepclient enrolls with a signed
 * challenge and a replay of the same token is refused; the static challenge still works (mixed
 * mode); anchors rotate by file + SIGHUP or the admin API; bad Intune settings are one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, encodePem } from '@scep/wire';
import { nodePrivateKey } from '@scep/wire/node';
import { PEER_TEST_TIMEOUT_MS, peerAvailable, runPeer } from '../../../packages/wire/test/interop/peers.js';
import { expectExit, start, type Started } from './process.js';

const tmp = mkdtempSync(join(tmpdir(), 'scep-intune-'));
const AUD = 'https://scep.example.test/intune';
const ADMIN = 'intune-admin-token-0123456789';
const anchorsPath = join(tmp, 'anchors.pem');
let s: Started;

interface Signer {
  key: KeyObject;
  pem: string;
}
async function signer(cn: string): Promise<Signer> {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const h = nodePrivateKey(key);
  const der = await buildCertificate(
    { serialNumber: 3n, issuer: `CN=${cn}`, subject: `CN=${cn}`, notBefore: new Date(Date.now() - 3600e3), notAfter: new Date(Date.now() + 86400e3), publicKeyInfo: h.publicKeyInfo, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } },
    h,
  );
  return { key, pem: encodePem('CERTIFICATE', der) };
}
function token(by: Signer, deviceName: string): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: 'https://connector.example.test', sub: `sub-${deviceName}-${Math.random()}`, aud: AUD, iat: now - 5, exp: now + 600, nonce: `n-${Math.random()}`, device_name: deviceName, san_dns: [], san_rfc822: [], san_upn: [], version: 'v1' };
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), by.key).toString('base64url')}`;
}
const auth = { authorization: `Bearer ${ADMIN}` };
async function counter(name: string, label: string): Promise<number> {
  const text = await (await fetch(`${s.origin}/metrics`, { headers: auth })).text();
  const m = new RegExp(`^${name}\\{profile="default",label="${label}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

let a: Signer;
let b: Signer;
beforeAll(async () => {
  a = await signer('Intune Signer A');
  b = await signer('Intune Signer B');
  writeFileSync(anchorsPath, a.pem);
  s = await start({ SCEP_DATA_DIR: join(tmp, 'data'), SCEP_LEGACY: '1', SCEP_CHALLENGE: 'static-fallback', SCEP_ADMIN_TOKEN: ADMIN, SCEP_INTUNE_TRUST_ANCHORS: anchorsPath, SCEP_INTUNE_AUDIENCE: AUD, SCEP_INTUNE_RATE_LIMIT: '5' });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe.runIf(peerAvailable('micromdm'))('micromdm scepclient with an Intune signed challenge', () => {
  it('enrolls with the token; a replay of the same token is refused (badMessageCheck)', async () => {
    expect(s.stdout()).toContain('intune:    enabled');
    const t = token(a, 'mm-intune-device');
    expect(t.length).toBeGreaterThan(200);
    const ok = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-intune-device', s.url, t]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await counter('scep_pkcsreq_intune_total', 'success')).toBe(1);
    const again = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-intune-device', s.url, t]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('failInfo: badMessageCheck');
    expect(await counter('scep_pkcsreq_intune_total', 'replay')).toBe(1);
  }, PEER_TEST_TIMEOUT_MS);
  it('a token for another device name is refused (claim_mismatch); the static challenge still works (mixed mode)', async () => {
    const wrong = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-other', s.url, token(a, 'mm-intune-device')]);
    expect(wrong.code).toBe(1);
    expect(await counter('scep_pkcsreq_intune_total', 'claim_mismatch')).toBe(1);
    const fallback = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-static', s.url, 'static-fallback']);
    expect(fallback.code, fallback.stderr).toBe(0);
  }, PEER_TEST_TIMEOUT_MS);
  it('anchors rotate: SIGHUP reloads the file; the admin API reports and reloads', async () => {
    const stats = (await (await fetch(`${s.origin}/admin/intune`, { headers: auth })).json()) as { anchors: { anchors: { subject: string; daysToExpiry: number }[] } };
    expect(stats.anchors.anchors.map((x) => x.subject)).toEqual([expect.stringContaining('Intune Signer A')]);
    writeFileSync(anchorsPath, b.pem);
    s.child.kill('SIGHUP');
    let subjects: string[] = [];
    for (let i = 0; i < 50 && !subjects.some((x) => x.includes('Signer B')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const st = (await (await fetch(`${s.origin}/admin/intune`, { headers: auth })).json()) as typeof stats;
      subjects = st.anchors.anchors.map((x) => x.subject);
    }
    expect(subjects).toEqual([expect.stringContaining('Intune Signer B')]);
    for (let i = 0; i < 50 && !s.stderr().includes('reload: default:'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.stderr()).toContain('reload: default:'); // printed by the SIGHUP handler, not by the file watcher
    const old = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-rotated', s.url, token(a, 'mm-rotated')]);
    expect(old.code).toBe(1);
    expect(await counter('scep_pkcsreq_intune_total', 'signature_invalid')).toBe(1);
    const fresh = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-rotated', s.url, token(b, 'mm-rotated')]);
    expect(fresh.code, fresh.stderr).toBe(0);
    // a broken bundle is refused by reload, and the old anchors stay
    writeFileSync(anchorsPath, 'garbage');
    const r = await fetch(`${s.origin}/admin/intune/reload`, { method: 'POST', headers: auth });
    expect(r.status).toBe(409);
    const st = (await (await fetch(`${s.origin}/admin/intune`, { headers: auth })).json()) as typeof stats;
    expect(st.anchors.anchors.map((x) => x.subject)).toEqual([expect.stringContaining('Intune Signer B')]);
    writeFileSync(anchorsPath, b.pem);
  }, PEER_TEST_TIMEOUT_MS);
});

describe.runIf(peerAvailable('micromdm'))('two Intune profiles trusting the same signer', () => {
  for (const workers of ['1', '2']) {
    it(`a token enrolls once, on one profile: the other refuses it as a replay (SCEP_WORKERS=${workers})`, async () => {
      const anchors = join(tmp, `two-${workers}.pem`);
      writeFileSync(anchors, a.pem);
      const intune = { model: 'signed-challenge', trustAnchors: anchors, audience: AUD };
      const config = join(tmp, `two-${workers}.json`);
      writeFileSync(config, JSON.stringify({ profiles: { wifi: { intune, dataDir: join(tmp, `wifi-${workers}`) }, vpn: { intune, dataDir: join(tmp, `vpn-${workers}`) } } }));
      const two = await start({ SCEP_DATA_DIR: join(tmp, `two-${workers}`), SCEP_CONFIG: config, SCEP_LEGACY: '1', SCEP_WORKERS: workers });
      try {
        const t = token(a, 'mm-two-profiles');
        const first = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-two-profiles', `${two.url}/wifi`, t]);
        expect(first.code, first.stdout + first.stderr).toBe(0);
        const second = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-two-profiles', `${two.url}/vpn`, t]);
        expect(second.code).toBe(1);
        expect(second.stderr).toContain('failInfo: badMessageCheck');
        // a token of its own enrolls on the second profile
        const own = await runPeer('enroll-micromdm.sh', ['--cn', 'mm-two-profiles', `${two.url}/vpn`, token(a, 'mm-two-profiles')]);
        expect(own.code, own.stderr).toBe(0);
      } finally {
        await two.stop();
      }
    }, PEER_TEST_TIMEOUT_MS);
  }
});

describe('bad Intune settings', () => {
  it('an unreadable anchors file is one clear line and exit 2', async () => {
    const r = await expectExit({ SCEP_DATA_DIR: join(tmp, 'bad1'), SCEP_INTUNE_TRUST_ANCHORS: join(tmp, 'missing.pem') });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^scep-example: error: profile default: intune: trust anchors .*missing\.pem/);
  });
  it('mixed mode on a profile without a challenge is refused (requests without a token would enroll)', async () => {
    const config = join(tmp, 'mixed-none.json');
    writeFileSync(config, JSON.stringify({ profiles: { default: { challenge: { type: 'none' }, intune: { model: 'signed-challenge', trustAnchors: anchorsPath, mode: 'mixed' } } } }));
    const r = await expectExit({ SCEP_DATA_DIR: join(tmp, 'bad3'), SCEP_CONFIG: config });
    expect(r.stderr).toMatch(/"mode": "mixed" with "challenge": \{"type": "none"\} lets requests without a token enroll/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('Intune options without anchors', async () => {
    const r = await expectExit({ SCEP_DATA_DIR: join(tmp, 'bad2'), SCEP_INTUNE_AUDIENCE: AUD });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SCEP_INTUNE_AUDIENCE need SCEP_INTUNE_TRUST_ANCHORS/);
  });
});
