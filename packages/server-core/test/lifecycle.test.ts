/** Renewal, PENDING + CertPoll, one-time challenges, GetCert/GetCRL, mTLS, events and metrics. */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeExtKeyUsage, encodeIssuerAndSerial, oids, parseCertificate, type Certificate } from '@scep/wire';
import {
  createLocalCa,
  createScepHandler,
  customChallenge,
  dynamicChallenge,
  firstMatchChallenge,
  InMemoryChallengeStore,
  staticChallenge,
  type LocalCa,
  type ProfileConfig,
  type ScepEvent,
  type ScepServerConfig,
} from '@scep/server-core';
import { BASE, clientRequest, crypto, party, pollRequest, post, send, T0, type Party } from './setup.js';

let ca: Party;
let device: Party;
let caCert: Certificate;
let localCa: LocalCa;
const DAY = 86_400_000;

beforeAll(async () => {
  ca = await party({ subject: 'CN=Lifecycle CA', ca: true });
  device = await party({ subject: 'CN=lc-device', selfSignedNoExt: true });
  caCert = ca.certificate;
  localCa = createLocalCa({ ca, crypto, now: () => T0, validityDays: 30 });
});

function make(o: Partial<ProfileConfig> = {}, clock: () => Date = () => T0, extra: Partial<ScepServerConfig> = {}) {
  const events: ScepEvent[] = [];
  const h = createScepHandler({
    profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: localCa.issue, ...o } },
    crypto,
    now: clock,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { h, events };
}

/** Enrolls `device` and returns a Party holding the issued certificate and the device key. */
async function enrolled(h: ReturnType<typeof make>['h'], cn = 'lc-device'): Promise<Party> {
  const rep = await send(h, await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn }), { trusted: [caCert] });
  expect(rep.status).toBe('SUCCESS');
  return { ...device, certificate: rep.certificates[0] as Certificate };
}

describe('renewal', () => {
  it('RenewalReq signed by the issued certificate renews without a challenge', async () => {
    const { h, events } = make();
    const current = await enrolled(h);
    const rep = await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], messageType: 'RenewalReq', cn: 'lc-device' }), { trusted: [caCert] });
    expect(rep.status).toBe('SUCCESS');
    expect(rep.certificates[0]?.serialNumber).not.toEqual(current.certificate.serialNumber);
    expect(events.at(-1)).toMatchObject({ type: 'renewed', messageType: 'RenewalReq' });
    expect(h.metrics.get('scep_certificates_issued_total', { kind: 'renewal' })).toBe(1);
  });
  it('PKCSReq signed by the issued certificate (certmonger, Apple) is a renewal too', async () => {
    const { h, events } = make();
    const current = await enrolled(h);
    const rep = await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], cn: 'lc-device' }), { trusted: [caCert] });
    expect(rep.status).toBe('SUCCESS');
    expect(events.at(-1)).toMatchObject({ type: 'renewed', messageType: 'PKCSReq' });
  });
  it('RenewalReq signed by a self-signed certificate → badMessageCheck', async () => {
    const { h, events } = make();
    const rep = await send(h, await clientRequest({ device, recipients: [caCert], messageType: 'RenewalReq', challenge: 'pw' }), { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
    expect(events.at(-1)).toMatchObject({ reason: 'renewal_invalid_signer' });
  });
  it('RenewalReq signed by a certificate from another CA → badMessageCheck', async () => {
    const otherCa = await party({ subject: 'CN=Lifecycle CA', ca: true }); // same name, other key
    const foreign = await party({ subject: 'CN=lc-device', issuer: otherCa, keyObject: device.keyObject });
    const rep = await send(make().h, await clientRequest({ device: foreign, csrKey: device, recipients: [caCert], messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
  });
  it('an expired certificate renews only within the grace period', async () => {
    let now = T0;
    const { h } = make({ renewal: { graceMs: 10 * DAY } }, () => now);
    const current = await enrolled(h);
    now = new Date(current.certificate.notAfter.getTime() + 5 * DAY);
    const inGrace = await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], messageType: 'RenewalReq', cn: 'lc-device' }), { trusted: [caCert] });
    expect(inGrace.status).toBe('SUCCESS');
    now = new Date(current.certificate.notAfter.getTime() + 11 * DAY);
    const late = await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], messageType: 'RenewalReq', cn: 'lc-device' }), { trusted: [caCert] });
    expect(late).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
  });
  it('a renewal asking for another subject → badRequest (unless allowed)', async () => {
    const { h, events } = make();
    const current = await enrolled(h);
    const rep = await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], messageType: 'RenewalReq', cn: 'someone-else' }), { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ reason: 'renewal_subject_mismatch' });
    const lax = make({ renewal: { requireSameSubject: false } });
    const cur2 = await enrolled(lax.h);
    expect((await send(lax.h, await clientRequest({ device: cur2, csrKey: device, recipients: [caCert], messageType: 'RenewalReq', cn: 'someone-else' }), { trusted: [caCert] })).status).toBe('SUCCESS');
  });
  it('renewal disabled → RenewalReq badRequest, and PKCSReq signed by the old cert needs the challenge', async () => {
    const { h, events } = make({ renewal: { enabled: false } });
    const current = await enrolled(h);
    expect(await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], messageType: 'RenewalReq' }), { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ reason: 'renewal_disabled' });
    expect((await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], cn: 'lc-device' }), { trusted: [caCert] })).status).toBe('FAILURE');
    expect((await send(h, await clientRequest({ device: current, csrKey: device, recipients: [caCert], cn: 'lc-device', challenge: 'pw' }), { trusted: [caCert] })).status).toBe('SUCCESS');
  });
});

describe('PENDING and CertPoll', () => {
  const manual = () => createLocalCa({ ca, crypto, now: () => T0, pendingWhen: (r) => r.attempt !== 'approval' });

  it('pending → polled (still pending) → approved → polled to SUCCESS, encrypted to the poller', async () => {
    const { h, events } = make({ issue: manual().issue });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    expect((await send(h, req, { trusted: [caCert] })).status).toBe('PENDING');
    expect(events.at(-1)).toMatchObject({ type: 'pending', subject: 'CN=lc-device' });
    const poll = () => pollRequest({ device, recipients: [caCert], transactionId: req.transactionId, issuer: caCert, subject: 'CN=lc-device' });
    expect((await send(h, await poll(), { trusted: [caCert] })).status).toBe('PENDING');
    expect((await h.listPending()).map((e) => e.transactionId)).toEqual([req.transactionId]);
    const approved = await h.approvePending('default', req.transactionId);
    expect(approved?.status).toBe('issued');
    const rep = await send(h, await poll(), { trusted: [caCert] });
    expect(rep.status).toBe('SUCCESS');
    expect(rep.certificates[0]?.publicKey.der).toEqual(device.key.publicKeyInfo);
    // delivered once: the transaction is gone
    expect(await send(h, await poll(), { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badCertId' });
  });
  it('rejected by the operator → the next CertPoll gets FAILURE', async () => {
    const { h } = make({ issue: manual().issue });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    await send(h, req, { trusted: [caCert] });
    expect(await h.rejectPending('default', req.transactionId)).toBe(true);
    const rep = await send(h, await pollRequest({ device, recipients: [caCert], transactionId: req.transactionId, issuer: caCert, subject: 'CN=lc-device' }), { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
  });
  it('the issue hook decides on each poll (attempt: poll)', async () => {
    let polls = 0;
    const { h } = make({ issue: async (r) => (r.attempt === 'poll' && ++polls >= 2 ? localCa.issue(r, {}) : { status: 'pending' }) });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    await send(h, req, { trusted: [caCert] });
    const poll = async () => send(h, await pollRequest({ device, recipients: [caCert], transactionId: req.transactionId, issuer: caCert, subject: 'CN=lc-device' }), { trusted: [caCert] });
    expect((await poll()).status).toBe('PENDING');
    expect((await poll()).status).toBe('SUCCESS');
  });
  it('only the requester can poll: another key, or another subject → badCertId', async () => {
    const { h } = make({ issue: manual().issue });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    await send(h, req, { trusted: [caCert] });
    await h.approvePending('default', req.transactionId);
    const thief = await party({ subject: 'CN=thief', selfSignedNoExt: true });
    expect(await send(h, await pollRequest({ device: thief, recipients: [caCert], transactionId: req.transactionId, issuer: caCert, subject: 'CN=lc-device' }), { trusted: [caCert] })).toMatchObject({ failInfo: 'badCertId' });
    expect(await send(h, await pollRequest({ device, recipients: [caCert], transactionId: req.transactionId, issuer: caCert, subject: 'CN=other' }), { trusted: [caCert] })).toMatchObject({ failInfo: 'badCertId' });
    expect((await send(h, await pollRequest({ device, recipients: [caCert], transactionId: req.transactionId, issuer: caCert, subject: 'CN=lc-device' }), { trusted: [caCert] })).status).toBe('SUCCESS');
  });
});

describe('challenge policies', () => {
  it('one-time dynamic challenges: minted, used once, bound to a CN, expiring', async () => {
    let now = T0;
    const store = new InMemoryChallengeStore();
    const { h } = make({ challenge: dynamicChallenge(store) }, () => now);
    const a = await store.mint({ profile: 'default', ttlMs: 60_000, now });
    const enroll = async (challenge: string, cn = 'lc-device') => (await send(h, await clientRequest({ device, recipients: [caCert], challenge, cn }), { trusted: [caCert] })).status;
    expect(await enroll(a.challenge)).toBe('SUCCESS');
    expect(await enroll(a.challenge)).toBe('FAILURE');
    const bound = await store.mint({ profile: 'default', ttlMs: 60_000, binding: { commonName: 'lc-device' }, now });
    expect(await enroll(bound.challenge, 'intruder')).toBe('FAILURE');
    expect(await enroll(bound.challenge, 'lc-device')).toBe('SUCCESS'); // a refused binding does not burn it
    const other = await store.mint({ profile: 'elsewhere', ttlMs: 60_000, now });
    expect(await enroll(other.challenge)).toBe('FAILURE');
    const old = await store.mint({ profile: 'default', ttlMs: 60_000, now });
    now = new Date(T0.getTime() + 61_000);
    expect(await enroll(old.challenge)).toBe('FAILURE');
  });
  it('the store is bounded', async () => {
    const store = new InMemoryChallengeStore({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) await store.mint({ profile: 'p', ttlMs: 1000, now: T0 });
    expect(store.size).toBe(3);
  });
  it('concurrent use of one dynamic challenge: exactly one enrollment succeeds', async () => {
    const store = new InMemoryChallengeStore();
    const { h } = make({ challenge: dynamicChallenge(store) });
    const { challenge } = await store.mint({ profile: 'default', ttlMs: 60_000, now: T0 });
    const reqs = await Promise.all(Array.from({ length: 8 }, () => clientRequest({ device, recipients: [caCert], challenge, cn: 'lc-device' })));
    const reps = await Promise.all(reqs.map((r) => send(h, r, { trusted: [caCert] })));
    expect(reps.filter((r) => r.status === 'SUCCESS')).toHaveLength(1);
  });
  it('custom (webhook-style) validator, and mixed mode with a fallback', async () => {
    const seen: string[] = [];
    const hook = customChallenge(async (i) => {
      seen.push(`${i.transactionId}:${i.challengePassword ?? ''}`);
      return i.challengePassword?.startsWith('hook-') ? true : { ok: 'skip' };
    });
    const { h } = make({ challenge: firstMatchChallenge(hook, staticChallenge('pw')) });
    const enroll = async (challenge: string) => (await send(h, await clientRequest({ device, recipients: [caCert], challenge, cn: 'lc-device' }), { trusted: [caCert] })).status;
    expect(await enroll('hook-123')).toBe('SUCCESS');
    expect(await enroll('pw')).toBe('SUCCESS');
    expect(await enroll('nope')).toBe('FAILURE');
    expect(seen).toHaveLength(3);
  });
  it('onIssued failing withholds the certificate (Intune rule); onFailed hears refusals', async () => {
    const failed: string[] = [];
    const strict = { ...staticChallenge('pw'), onIssued: async () => { throw new Error('notification failed'); }, onFailed: async (f: { reason: string }) => { failed.push(f.reason); } };
    const { h } = make({ challenge: strict });
    expect(await send(h, await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' }), { trusted: [caCert] })).toMatchObject({ status: 'FAILURE' });
    await send(h, await clientRequest({ device, recipients: [caCert], challenge: 'bad', cn: 'lc-device' }), { trusted: [caCert] });
    expect(failed).toEqual(['challenge_invalid']);
  });
});

describe('GetCert and GetCRL', () => {
  it('answer through their hooks; badCertId when unknown; badRequest when not configured', async () => {
    const crl = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);
    const issued = await localCa.issueCertificate((await import('@scep/wire')).parseCsr((await clientRequest({ device, recipients: [caCert], cn: 'lc-device' })).csr));
    const cert = parseCertificate(issued);
    const { h } = make({
      getCert: async (q) => (Buffer.from(q.serialNumber).equals(Buffer.from(cert.serialNumber)) ? issued : undefined),
      getCrl: async () => crl,
    });
    const ask = async (messageType: 'GetCert' | 'GetCRL', serial: Uint8Array) =>
      send(h, await clientRequest({ device, recipients: [caCert], messageType, content: encodeIssuerAndSerial(caCert.subject, serial) }), { trusted: [caCert] });
    const got = await ask('GetCert', cert.serialNumber);
    expect(got.status).toBe('SUCCESS');
    expect(got.certificates[0]?.der).toEqual(issued);
    expect(await ask('GetCert', new Uint8Array([9, 9]))).toMatchObject({ status: 'FAILURE', failInfo: 'badCertId' });
    const crlRep = await ask('GetCRL', cert.serialNumber);
    expect(crlRep.crls[0]).toEqual(crl);
    const bare = make();
    expect(await send(bare.h, await clientRequest({ device, recipients: [caCert], messageType: 'GetCert', content: encodeIssuerAndSerial(caCert.subject, cert.serialNumber) }), { trusted: [caCert] })).toMatchObject({ failInfo: 'badRequest' });
  });
});

describe('mTLS', () => {
  it('a profile requiring mTLS re-verifies the client chain against its own trust bundle', async () => {
    const tlsCaA = await party({ subject: 'CN=TLS CA A', ca: true });
    const tlsCaB = await party({ subject: 'CN=TLS CA B', ca: true });
    const clientA = await party({ subject: 'CN=client A', issuer: tlsCaA });
    const events: ScepEvent[] = [];
    const base = { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: localCa.issue };
    const h = createScepHandler({
      crypto,
      now: () => T0,
      onEvent: (e) => events.push(e),
      profiles: { a: { ...base, mtls: { trust: [tlsCaA.certificate.der] } }, b: { ...base, mtls: { trust: [tlsCaB.certificate.der] } }, open: base },
    });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    const call = (path: string, chain?: Uint8Array[]) => h(post(path, req.der), chain ? { clientCertificates: chain } : {});
    expect((await call('/scep/a')).status).toBe(403);
    expect(events.at(-2)).toMatchObject({ type: 'rejected', reason: 'mtls_required' });
    expect((await call('/scep/a', [clientA.certificate.der])).status).toBe(200);
    expect((await call('/scep/b', [clientA.certificate.der])).status).toBe(403); // valid for A, not for B
    expect(events.at(-2)).toMatchObject({ reason: 'mtls_invalid' });
    expect((await call('/scep/open')).status).toBe(200);
  });

  it('refuses a client certificate that is not for client authentication', async () => {
    const tlsCa = await party({ subject: 'CN=TLS CA', ca: true });
    const server = await party({ subject: 'CN=a TLS server', issuer: tlsCa, extensions: [{ oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage([oids.id_kp_serverAuth]) }] });
    const client = await party({ subject: 'CN=a TLS client', issuer: tlsCa, extensions: [{ oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage([oids.id_kp_clientAuth]) }] });
    const events: ScepEvent[] = [];
    const errors: string[] = [];
    const h = createScepHandler({
      crypto,
      now: () => T0,
      onEvent: (e) => events.push(e),
      onError: (err, info) => errors.push(`${info.operation}: ${err instanceof Error ? err.message : String(err)}`),
      profiles: { a: { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: localCa.issue, mtls: { trust: [tlsCa.certificate.der] } } },
    });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    const refused = await h(post('/scep/a', req.der), { clientCertificates: [server.certificate.der] });
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('extKeyUsage'); // the reason goes to onError only
    expect(events.at(-2)).toMatchObject({ type: 'rejected', reason: 'mtls_invalid' });
    expect(errors).toEqual([`mTLS: client certificate chain: leaf extKeyUsage lacks ${oids.id_kp_clientAuth}`]);
    expect((await h(post('/scep/a', req.der), { clientCertificates: [client.certificate.der] })).status).toBe(200);
  });
});

describe('metrics', () => {
  it('counts per profile and renders Prometheus text', async () => {
    const { h } = make();
    await h(new Request(`${BASE}/scep?operation=GetCACaps`));
    await enrolled(h);
    await send(h, await clientRequest({ device, recipients: [caCert], challenge: 'bad' }), { trusted: [caCert] });
    await h(new Request(`${BASE}/scep?operation=Nope`));
    expect(h.metrics.get('scep_certificates_issued_total', { profile: 'default' })).toBe(1);
    expect(h.metrics.get('scep_rejected_total', { reason: 'challenge_invalid' })).toBe(1);
    expect(h.metrics.get('scep_transport_errors_total', { status: '400' })).toBe(1);
    const text = h.metrics.toPrometheus();
    expect(text).toContain('# TYPE scep_certificates_issued_total counter');
    expect(text).toMatch(/scep_rejected_total\{profile="default",reason="challenge_invalid",fail_info="badRequest"\} 1/);
    expect(text).toMatch(/scep_served_total\{profile="default",operation="GetCACaps"\} 1/);
  });
});

describe('retransmissions', () => {
  it('the same request bytes again get the same SUCCESS reply; nothing new is issued, a one-time challenge is not "used twice"', async () => {
    const store = new InMemoryChallengeStore();
    const { h, events } = make({ challenge: dynamicChallenge(store) });
    const { challenge } = await store.mint({ profile: 'default', ttlMs: 60_000, now: T0 });
    const req = await clientRequest({ device, recipients: [caCert], challenge, cn: 'lc-device' });
    const first = new Uint8Array(await (await h(post('/scep', req.der))).arrayBuffer());
    const again = new Uint8Array(await (await h(post('/scep', req.der))).arrayBuffer());
    expect(again).toEqual(first);
    expect(events.filter((e) => e.type === 'enrolled')).toHaveLength(1);
    expect(h.metrics.get('scep_served_total', { operation: 'Retransmission' })).toBe(1);
    const rep = await send(h, req, { trusted: [caCert] });
    expect(rep.status).toBe('SUCCESS');
    // a new request (new nonce) with the same challenge is a second use: refused
    expect((await send(h, await clientRequest({ device, recipients: [caCert], challenge, cn: 'lc-device' }), { trusted: [caCert] })).status).toBe('FAILURE');
  });
  it('failures are not kept (a retry after a transient refusal is evaluated again); replyCache: false turns it off', async () => {
    let fail = true;
    const { h } = make({ issue: async (r) => (fail ? { status: 'rejected' } : localCa.issue(r, {})) });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    expect((await send(h, req, { trusted: [caCert] })).status).toBe('FAILURE');
    fail = false;
    expect((await send(h, req, { trusted: [caCert] })).status).toBe('SUCCESS');
    const off = make({ replyCache: false });
    const r2 = await clientRequest({ device, recipients: [caCert], challenge: 'pw', cn: 'lc-device' });
    await send(off.h, r2, { trusted: [caCert] });
    await send(off.h, r2, { trusted: [caCert] });
    expect(off.events.filter((e) => e.type === 'enrolled')).toHaveLength(2);
  });
});
