/**
 * Intune wired into a profile, end to end through the handler: a PKIMessage carrying a valid
 * signed-challenge token enrolls; every failure label is reachable and counted; mixed mode falls
 * back to the static challenge; the same nonce from concurrent requests enrolls exactly once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { buildCsr, encodePem, encodeSubjectAltName, oids, type Certificate } from '@scep/wire';
import { IntuneDispatcher, RateLimiter, SignedChallengeValidator, TrustAnchorHolder, type IntuneLabel } from '@scep/intune';
import { createLocalCa, createScepHandler, intuneChallenge, staticChallenge, type ScepEvent, type ScepHandler } from '@scep/server-core';
import { clientRequest, crypto, party, send, T0, type Party } from './setup.js';

let ca: Party;
let device: Party;
let anchor: Party;
let stranger: Party;
let caCert: Certificate;
const NOW_S = T0.getTime() / 1000;
const AUD = 'https://scep.example.test/intune';

beforeAll(async () => {
  ca = await party({ subject: 'CN=Intune Test CA', ca: true });
  device = await party({ subject: 'CN=intune-device', selfSignedNoExt: true });
  anchor = await party({ subject: 'CN=Intune Challenge Signer', notBefore: new Date(T0.getTime() - 86400e3), notAfter: new Date(T0.getTime() + 86400e3) });
  stranger = await party({ subject: 'CN=Not An Anchor', notBefore: new Date(T0.getTime() - 86400e3), notAfter: new Date(T0.getTime() + 86400e3) });
  caCert = ca.certificate;
});

let n = 0;
function token(claims: Record<string, unknown> = {}, o: { signer?: Party; header?: Record<string, unknown>; tamper?: boolean } = {}): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const payload = {
    iss: 'https://connector.example.test',
    sub: `device-${++n}`,
    aud: AUD,
    iat: NOW_S - 10,
    exp: NOW_S + 600,
    nonce: `nonce-${n}-${Math.random()}`,
    device_name: 'intune-device',
    san_dns: ['intune-device.example.test'],
    san_rfc822: [],
    san_upn: ['ada@corp.example.test'],
    version: 'v1',
    ...claims,
  };
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...o.header })}.${b64(payload)}`;
  const sig = nodeSign('sha256', Buffer.from(input), createPrivateKey((o.signer ?? anchor).keyObject.export({ type: 'pkcs8', format: 'pem' })));
  if (o.tamper) sig[10] = (sig[10] as number) ^ 1;
  return `${input}.${sig.toString('base64url')}`;
}

async function make(o: { compliance?: () => boolean; rateLimit?: number } = {}): Promise<{ h: ScepHandler; events: ScepEvent[] }> {
  const pem = encodePem('CERTIFICATE', anchor.certificate.der);
  const anchors = new TrustAnchorHolder({ load: async () => pem, now: () => T0 });
  await anchors.reload();
  const validator = new SignedChallengeValidator({
    anchors,
    audience: AUD,
    now: () => T0,
    maxValiditySeconds: 3600,
    rateLimitStore: new RateLimiter({ limit: o.rateLimit ?? 3 }),
    ...(o.compliance ? { compliance: o.compliance } : {}),
  });
  const dispatcher = new IntuneDispatcher({ validator, mode: 'mixed', anchors });
  const events: ScepEvent[] = [];
  const h = createScepHandler({
    profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: intuneChallenge(dispatcher, { fallback: staticChallenge('static-pw') }), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue } },
    crypto,
    now: () => T0,
    onEvent: (e) => events.push(e),
  });
  return { h, events };
}

async function csrFor(o: { cn?: string; dns?: string[]; upn?: string[]; challenge: string }): Promise<Uint8Array> {
  const sans = [...(o.dns ?? ['intune-device.example.test']).map((value) => ({ type: 'dns' as const, value })), ...(o.upn ?? ['ada@corp.example.test']).map((value) => ({ type: 'upn' as const, value }))];
  return buildCsr(
    {
      subject: `CN=${o.cn ?? 'intune-device'}`,
      challengePassword: o.challenge,
      extensions: sans.length ? [{ oid: oids.id_ce_subjectAltName, critical: false, value: encodeSubjectAltName(sans) }] : [],
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    device.key,
  );
}

async function enroll(h: ScepHandler, challenge: string, csr?: { cn?: string; dns?: string[]; upn?: string[] }) {
  const content = await csrFor({ ...csr, challenge });
  return send(h, await clientRequest({ device, recipients: [caCert], content }), { trusted: [caCert] });
}

describe('Intune on a profile (signed challenges, mixed mode)', () => {
  it('a valid token enrolls; the event and counter say success', async () => {
    const { h, events } = await make();
    const rep = await enroll(h, token());
    expect(rep.status).toBe('SUCCESS');
    expect(rep.certificates[0]?.subjectAltNames).toEqual([
      { type: 'dns', value: 'intune-device.example.test' },
      { type: 'upn', value: 'ada@corp.example.test' },
    ]);
    expect(events.find((e) => e.type === 'scep_pkcsreq_intune')).toMatchObject({ label: 'success' });
    expect(events.find((e) => e.type === 'enrolled')).toMatchObject({ challenge: 'intune' });
    expect(h.metrics.get('scep_pkcsreq_intune_total', { label: 'success' })).toBe(1);
    expect((h.challengeStats('default') as { outcomes: Record<string, number> }).outcomes['success']).toBe(1);
  });

  it('mixed mode: a non-token challenge falls back to the static password', async () => {
    const { h } = await make();
    expect((await enroll(h, 'static-pw')).status).toBe('SUCCESS');
    expect((await enroll(h, 'not-the-password')).status).toBe('FAILURE');
    expect(h.metrics.get('scep_pkcsreq_intune_total')).toBe(0);
  });

  const cases: [IntuneLabel, 'badMessageCheck' | 'badRequest', () => Promise<{ challenge: string; csr?: { cn?: string; dns?: string[]; upn?: string[] }; setup?: (h: ScepHandler) => Promise<void>; make?: Parameters<typeof make>[0] }>][] = [
    ['signature_invalid', 'badMessageCheck', async () => ({ challenge: token({}, { tamper: true }) })],
    ['signature_invalid', 'badMessageCheck', async () => ({ challenge: token({}, { signer: stranger }) })],
    ['expired', 'badMessageCheck', async () => ({ challenge: token({ iat: NOW_S - 7200, exp: NOW_S - 3600 }) })],
    ['not_yet_valid', 'badMessageCheck', async () => ({ challenge: token({ iat: NOW_S + 3600, exp: NOW_S + 4000 }) })],
    ['wrong_audience', 'badMessageCheck', async () => ({ challenge: token({ aud: 'https://elsewhere.test' }) })],
    ['unknown_version', 'badRequest', async () => ({ challenge: token({ version: 'v2' }) })],
    ['malformed', 'badRequest', async () => ({ challenge: token({ exp: undefined }) })],
    ['claim_mismatch', 'badRequest', async () => ({ challenge: token(), csr: { cn: 'someone-else' } })],
    ['claim_mismatch', 'badRequest', async () => ({ challenge: token(), csr: { upn: ['eve@corp.example.test'] } })],
    ['compliance_failed', 'badRequest', async () => ({ challenge: token(), make: { compliance: () => false } })],
    [
      'replay',
      'badMessageCheck',
      async () => {
        const t = token();
        return { challenge: t, setup: async (h) => void expect((await enroll(h, t)).status).toBe('SUCCESS') };
      },
    ],
    [
      'rate_limited',
      'badRequest',
      async () => {
        const sub = `limited-${Math.random()}`;
        return { challenge: token({ sub }), make: { rateLimit: 1 }, setup: async (h) => void expect((await enroll(h, token({ sub }))).status).toBe('SUCCESS') };
      },
    ],
  ];
  it.each(cases)('%s → FAILURE %s, counted', async (label, failInfo, build) => {
    const c = await build();
    const { h, events } = await make(c.make);
    await c.setup?.(h);
    const rep = await enroll(h, c.challenge, c.csr);
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo });
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: `intune_${label}`, failInfo });
    expect(h.metrics.get('scep_pkcsreq_intune_total', { label })).toBe(1);
    expect(h.metrics.get('scep_rejected_total', { reason: `intune_${label}` })).toBe(1);
    expect(h.metrics.toPrometheus()).toContain(`scep_pkcsreq_intune_total{profile="default",label="${label}"} 1`);
  });

  it('the same nonce from many concurrent requests: exactly one enrolls', async () => {
    const { h } = await make();
    const t = token();
    const content = await csrFor({ challenge: t });
    const reqs = await Promise.all(Array.from({ length: 12 }, () => clientRequest({ device, recipients: [caCert], content })));
    const reps = await Promise.all(reqs.map((r) => send(h, r, { trusted: [caCert] })));
    expect(reps.filter((r) => r.status === 'SUCCESS')).toHaveLength(1);
    expect(h.metrics.get('scep_pkcsreq_intune_total', { label: 'replay' })).toBe(11);
  });

  it('reload is exposed per profile', async () => {
    const { h } = await make();
    const report = (await h.reloadChallenge('default')) as { anchors: { subject: string }[] };
    expect(report.anchors[0]?.subject).toContain('Intune Challenge Signer');
  });
});
