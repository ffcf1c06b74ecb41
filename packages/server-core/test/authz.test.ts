/**
 * Authorization on renewal, name binding and PENDING transactions, against a client that holds a
 * certificate of this CA or a valid challenge and asks for more than it was given. Each case was a
 * working attack before the change that added it (security review, 2026-11-23).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { buildCsr, buildPkiRequest, buildSignedData, encodeIssuerAndSubject, encodePem, encodeSubjectAltName, formatName, oids, parsePkiMessage, type Certificate } from '@scep/wire';
import { IntuneDispatcher, RateLimiter, SignedChallengeValidator, TrustAnchorHolder } from '@scep/intune';
import { createLocalCa, createScepHandler, dynamicChallenge, firstMatchChallenge, InMemoryChallengeStore, InMemoryPendingStore, intuneChallenge, soleCommonName, staticChallenge, type ChallengeValidator, type PendingStore, type ProfileConfig, type ScepEvent } from '@scep/server-core';
import { crypto, party, send, T0, type Party } from './setup.js';

let ca: Party;
let caCert: Certificate;
let anchor: Party;
const NOW_S = T0.getTime() / 1000;
beforeAll(async () => {
  ca = await party({ subject: 'CN=Review CA', ca: true });
  caCert = ca.certificate;
  anchor = await party({ subject: 'CN=Intune Challenge Signer', notBefore: new Date(T0.getTime() - 86400e3), notAfter: new Date(T0.getTime() + 86400e3) });
});

let n = 0;
function token(claims: Record<string, unknown> = {}): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const payload = { iss: 'https://connector', sub: `dev-${++n}`, iat: NOW_S - 10, exp: NOW_S + 600, nonce: `nonce-${n}-${Math.random()}`, device_name: 'intune-device', san_dns: [], san_rfc822: [], san_upn: ['ada@corp.example'], version: 'v1', ...claims };
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  const sig = nodeSign('sha256', Buffer.from(input), createPrivateKey(anchor.keyObject.export({ type: 'pkcs8', format: 'pem' })));
  return `${input}.${sig.toString('base64url')}`;
}
async function intuneValidator() {
  const anchors = new TrustAnchorHolder({ load: async () => encodePem('CERTIFICATE', anchor.certificate.der), now: () => T0 });
  await anchors.reload();
  const validator = new SignedChallengeValidator({ anchors, now: () => T0, rateLimitStore: new RateLimiter({ limit: 100 }) });
  return intuneChallenge(new IntuneDispatcher({ validator, mode: 'intune-only', anchors }));
}
const upns = (c: Certificate) => c.subjectAltNames.filter((s) => s.type === 'upn').map((s) => s.value);

async function csrReq(o: { device: Party; signer?: Party; subject: string; challenge?: string; upn?: string[]; messageType?: 'PKCSReq' | 'RenewalReq'; transactionId?: string }) {
  const csr = await buildCsr(
    {
      subject: o.subject,
      ...(o.challenge ? { challengePassword: o.challenge } : {}),
      ...(o.upn ? { extensions: [{ oid: '2.5.29.17', critical: false, value: encodeSubjectAltName(o.upn.map((value) => ({ type: 'upn' as const, value }))) }] } : {}),
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    o.device.key,
  );
  const signer = o.signer ?? o.device;
  const r = await buildPkiRequest({ messageType: o.messageType ?? 'PKCSReq', content: csr, signer, recipients: [caCert], transactionId: o.transactionId ?? `t-${Math.random()}`, crypto });
  return { ...r, signer };
}

describe('renewal', () => {
  it('cannot add a subjectAltName: an Intune-enrolled device asking for another UPN is refused', async () => {
    const events: ScepEvent[] = [];
    const local = createLocalCa({ ca, crypto, now: () => T0 });
    // requireChallenge: false, so the renewal reaches the SAN check without Intune (the default asks Intune again).
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: await intuneValidator(), issue: local.issue, renewal: { requireChallenge: false } } }, crypto, now: () => T0, onEvent: (e) => events.push(e) });
    const dev = await party({ subject: 'CN=intune-device', selfSignedNoExt: true });
    const r1 = await send(h, await csrReq({ device: dev, subject: 'CN=intune-device', challenge: token(), upn: ['ada@corp.example'] }), { trusted: [caCert] });
    expect(r1.status).toBe('SUCCESS');
    const holder: Party = { certificate: r1.certificates[0] as Certificate, key: dev.key, keyObject: dev.keyObject };
    const r2 = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=intune-device', upn: ['domain.admin@corp.example'], messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(r2).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'renewal_san_mismatch' });
    // The same names, or fewer, renew.
    const same = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=intune-device', upn: ['ada@corp.example'], messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(same.status).toBe('SUCCESS');
    expect(upns(same.certificates[0] as Certificate)).toEqual(['ada@corp.example']);
    const fewer = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=intune-device', messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(fewer.status).toBe('SUCCESS');
  });

  it('requireSameSubjectAltNames: false restores the old behaviour, for an issue hook that decides names itself', async () => {
    const local = createLocalCa({ ca, crypto, now: () => T0 });
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: local.issue, renewal: { requireSameSubjectAltNames: false } } }, crypto, now: () => T0 });
    const dev = await party({ subject: 'CN=d', selfSignedNoExt: true });
    const r1 = await send(h, await csrReq({ device: dev, subject: 'CN=d', challenge: 'pw', upn: ['a@x.example'] }), { trusted: [caCert] });
    const holder: Party = { certificate: r1.certificates[0] as Certificate, key: dev.key, keyObject: dev.keyObject };
    const r2 = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=d', upn: ['b@x.example'], messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(upns(r2.certificates[0] as Certificate)).toEqual(['b@x.example']);
  });

  it('on an Intune profile asks Intune again by default: no challenge, no renewal', async () => {
    const events: ScepEvent[] = [];
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: await intuneValidator(), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue } }, crypto, now: () => T0, onEvent: (e) => events.push(e) });
    const dev = await party({ subject: 'CN=intune-device', selfSignedNoExt: true });
    const r1 = await send(h, await csrReq({ device: dev, subject: 'CN=intune-device', challenge: token(), upn: ['ada@corp.example'] }), { trusted: [caCert] });
    const holder: Party = { certificate: r1.certificates[0] as Certificate, key: dev.key, keyObject: dev.keyObject };
    const bare = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=intune-device', upn: ['ada@corp.example'], messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(bare.status).toBe('FAILURE');
    const withToken = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=intune-device', challenge: token(), upn: ['ada@corp.example'], messageType: 'RenewalReq' }), { trusted: [caCert] });
    expect(withToken.status).toBe('SUCCESS');
    expect(events.at(-1)).toMatchObject({ type: 'renewed' });
  });

  it('does not cross profiles that share a CA: a guest certificate does not renew on the Intune profile', async () => {
    const local = createLocalCa({ ca, crypto, now: () => T0 });
    const prof = (challenge: ChallengeValidator, o: Partial<ProfileConfig> = {}): ProfileConfig => ({ ca: { certificates: [caCert.der], key: ca.key }, challenge, issue: local.issue, ...o });
    const h = createScepHandler({ profiles: { guest: prof(staticChallenge('guest-wifi-password')), corp: prof(await intuneValidator()) }, crypto, now: () => T0 });
    const dev = await party({ subject: 'CN=laptop', selfSignedNoExt: true });
    const g = await send(h, await csrReq({ device: dev, subject: 'CN=laptop', challenge: 'guest-wifi-password' }), { trusted: [caCert], path: '/scep/guest' });
    expect(g.status).toBe('SUCCESS');
    const holder: Party = { certificate: g.certificates[0] as Certificate, key: dev.key, keyObject: dev.keyObject };
    const c = await send(h, await csrReq({ device: dev, signer: holder, subject: 'CN=laptop' }), { trusted: [caCert], path: '/scep/corp' });
    expect(c.status).toBe('FAILURE');
    // Two static profiles on one CA: renewal needs the challenge of the profile asked (with a warning at start).
    const h2 = createScepHandler({ profiles: { a: prof(staticChallenge('pw-a')), b: prof(staticChallenge('pw-b')) }, crypto, now: () => T0 });
    expect(h2.warnings.some((w) => w.includes('profile b: shares its CA with a'))).toBe(true);
    const a = await send(h2, await csrReq({ device: dev, subject: 'CN=laptop', challenge: 'pw-a' }), { trusted: [caCert], path: '/scep/a' });
    const holderA: Party = { certificate: a.certificates[0] as Certificate, key: dev.key, keyObject: dev.keyObject };
    expect((await send(h2, await csrReq({ device: dev, signer: holderA, subject: 'CN=laptop' }), { trusted: [caCert], path: '/scep/b' })).status).toBe('FAILURE');
    expect((await send(h2, await csrReq({ device: dev, signer: holderA, subject: 'CN=laptop', challenge: 'pw-b' }), { trusted: [caCert], path: '/scep/b' })).status).toBe('SUCCESS');
    // A re-issued CA certificate (same name and key, another serial) is the same CA for renewal.
    const reissued = await party({ subject: 'CN=Review CA', ca: true, keyObject: ca.keyObject });
    expect(reissued.certificate.der).not.toEqual(caCert.der);
    const h4 = createScepHandler({ profiles: { a: prof(staticChallenge('pw-a')), b: { ...prof(staticChallenge('pw-b')), ca: { certificates: [reissued.certificate.der], key: ca.key } } }, crypto, now: () => T0 });
    expect(h4.warnings.some((w) => w.includes('profile b: shares its CA with a'))).toBe(true);
    expect((await send(h4, await csrReq({ device: dev, signer: holderA, subject: 'CN=laptop' }), { trusted: [caCert], path: '/scep/b' })).status).toBe('FAILURE');
    // A profile that decided keeps its choice.
    const h3 = createScepHandler({ profiles: { a: prof(staticChallenge('pw-a')), b: prof(staticChallenge('pw-b'), { renewal: { requireChallenge: false } }) }, crypto, now: () => T0 });
    expect((await send(h3, await csrReq({ device: dev, signer: holderA, subject: 'CN=laptop' }), { trusted: [caCert], path: '/scep/b' })).status).toBe('SUCCESS');
  });
});

describe('a PENDING transaction', () => {
  it("belongs to its requester: another's PKCSReq with the same transactionID is refused, and cannot take over the approval", async () => {
    const events: ScepEvent[] = [];
    const local = createLocalCa({ ca, crypto, now: () => T0, pendingWhen: (r) => r.attempt !== 'approval' });
    const failed: string[] = [];
    const challenge: ChallengeValidator = { ...staticChallenge('pw'), onFailed: async (info) => void failed.push(info.reason) };
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge, issue: local.issue } }, crypto, now: () => T0, onEvent: (e) => events.push(e) });
    const victim = await party({ subject: 'CN=victim', selfSignedNoExt: true });
    const attacker = await party({ subject: 'CN=attacker', selfSignedNoExt: true });
    const tx = 'victim-tx-0001';
    expect((await send(h, await csrReq({ device: victim, subject: 'CN=victim', challenge: 'pw', transactionId: tx }), { trusted: [caCert] })).status).toBe('PENDING');
    const a = await send(h, await csrReq({ device: attacker, subject: 'CN=payroll-server, O=Corp', challenge: 'pw', transactionId: tx }), { trusted: [caCert] });
    expect(a).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'transaction_conflict' });
    expect(failed).toEqual(['transaction_conflict']); // the challenge policy hears of it (Intune: a failure notification)
    // The victim may send its request again (same key): still its transaction.
    expect((await send(h, await csrReq({ device: victim, subject: 'CN=victim', challenge: 'pw', transactionId: tx }), { trusted: [caCert] })).status).toBe('PENDING');
    expect((await h.approvePending('default', tx))?.status).toBe('issued');
    const poll = async (who: Party, subject: string) =>
      send(h, { ...(await buildPkiRequest({ messageType: 'CertPoll', content: encodeIssuerAndSubject(caCert.subject, subject), signer: who, recipients: [caCert], transactionId: tx, crypto })), signer: who }, { trusted: [caCert] });
    expect((await poll(attacker, 'CN=payroll-server, O=Corp')).status).toBe('FAILURE');
    const vp = await poll(victim, 'CN=victim');
    expect(vp.status).toBe('SUCCESS');
    expect(formatName((vp.certificates[0] as Certificate).subject)).toBe('CN=victim');
  });

  it('InMemoryPendingStore.put refuses another signer while the entry lives, and takes it once expired', async () => {
    const store = new InMemoryPendingStore();
    const entry = (signer: number, createdAt: Date) => ({ profile: 'p', transactionId: 't', kind: 'enroll' as const, messageType: 'PKCSReq' as const, csr: new Uint8Array(1), previous: undefined, challenge: undefined, signerKey: Uint8Array.of(signer), createdAt, expiresAt: new Date(createdAt.getTime() + 1000), result: undefined });
    expect(await store.put(entry(1, T0))).toBe(true);
    expect(await store.put(entry(2, T0))).toBe(false);
    expect((await store.get('p', 't', T0))?.signerKey).toEqual(Uint8Array.of(1));
    expect(await store.put(entry(1, T0))).toBe(true);
    const later = new Date(T0.getTime() + 5000);
    expect(await store.put(entry(2, later), later)).toBe(true);
  });

  it('InMemoryPendingStore is bounded in bytes: CSR sizes are the requester’s choice', async () => {
    const store = new InMemoryPendingStore({ maxBytes: 1000 });
    const entry = (tx: string, size: number) => ({ profile: 'p', transactionId: tx, kind: 'enroll' as const, messageType: 'PKCSReq' as const, csr: new Uint8Array(size), previous: undefined, challenge: undefined, signerKey: Uint8Array.of(1), createdAt: T0, expiresAt: new Date(T0.getTime() + 1000), result: undefined });
    expect(await store.put(entry('a', 600))).toBe(true);
    expect(await store.put(entry('b', 600))).toBe(true); // evicts a
    expect(await store.get('p', 'a', T0)).toBeUndefined();
    expect(store.bytes).toBe(600);
    // Too large to keep at all: an error, and the store as it was (even for b's own requester).
    await expect(store.put(entry('b', 1001))).rejects.toThrow(RangeError);
    expect((await store.get('p', 'b', T0))?.csr.length).toBe(600);
    await store.delete('p', 'b');
    expect(store.bytes).toBe(0);
    expect(() => new InMemoryPendingStore({ maxBytes: Number.NaN })).toThrow(TypeError);
    expect(() => new InMemoryPendingStore({ maxEntries: 0 })).toThrow(TypeError);
  });
});

describe('a challenge bound to a commonName', () => {
  it('Intune: a token for device_name X does not issue "CN=Domain Admin, CN=X" (nor "CN=X, CN=Domain Admin")', async () => {
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: await intuneValidator(), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue } }, crypto, now: () => T0 });
    const dev = await party({ subject: 'CN=x', selfSignedNoExt: true });
    for (const subject of ['CN=Domain Admin, CN=intune-device', 'CN=intune-device, CN=Domain Admin', 'CN=intune-device+CN=Domain Admin']) {
      const r = await send(h, await csrReq({ device: dev, subject, challenge: token(), upn: ['ada@corp.example'] }), { trusted: [caCert] });
      expect(r.status, subject).toBe('FAILURE');
    }
    const ok = await send(h, await csrReq({ device: dev, subject: 'O=Corp, CN=intune-device', challenge: token(), upn: ['ada@corp.example'] }), { trusted: [caCert] });
    expect(ok.status).toBe('SUCCESS');
    // A token without device_name grants a subject without CN; several CNs are not "no CN".
    const noName = await send(h, await csrReq({ device: dev, subject: 'CN=Domain Admin, CN=Other', challenge: token({ device_name: undefined }), upn: ['ada@corp.example'] }), { trusted: [caCert] });
    expect(noName.status).toBe('FAILURE');
  });

  it('one-time: a challenge bound to CN=device1 does not issue "CN=device1, CN=admin", and is not used up by it', async () => {
    const store = new InMemoryChallengeStore();
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: dynamicChallenge(store), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue } }, crypto, now: () => T0 });
    const { challenge } = await store.mint({ profile: 'default', ttlMs: 60_000, binding: { commonName: 'device1' }, now: T0 });
    const dev = await party({ subject: 'CN=x', selfSignedNoExt: true });
    for (const subject of ['CN=device1, CN=admin', 'CN=admin, CN=device1']) {
      expect((await send(h, await csrReq({ device: dev, subject, challenge }), { trusted: [caCert] })).status, subject).toBe('FAILURE');
    }
    expect((await send(h, await csrReq({ device: dev, subject: 'CN=device1', challenge }), { trusted: [caCert] })).status).toBe('SUCCESS');
  });

  it('soleCommonName: the one CN, or none when there are several', () => {
    const subj = (...cns: string[]) => ({ subject: { rdns: cns.map((value) => [{ type: '2.5.4.3', value }]) } }) as unknown as Parameters<typeof soleCommonName>[0];
    expect(soleCommonName(subj('a'))).toBe('a');
    expect(soleCommonName(subj())).toBeUndefined();
    expect(soleCommonName(subj('a', 'b'))).toBeUndefined();
  });
});

describe('firstMatchChallenge and a PENDING entry that comes back as a copy', () => {
  it('still calls onIssued of the validator that accepted the request (nested too), when the poll delivers', async () => {
    const issued: { policy: string; details: unknown }[] = [];
    const spy: ChallengeValidator = {
      name: 'spy',
      validate: async (input) => (input.challengePassword === 'spy-pw' ? { ok: true, info: { policy: 'spy', details: { grant: 42 } } } : { ok: 'skip' }),
      onIssued: async (info) => void issued.push({ policy: info.challenge.policy, details: info.challenge.details }),
    };
    // A store that hands back copies, as one in another process or behind JSON would.
    const inner = new InMemoryPendingStore();
    const copying: PendingStore = {
      put: (e, now) => inner.put(structuredClone(e), now),
      get: async (p, tx, now) => structuredClone(await inner.get(p, tx, now)),
      resolve: (p, tx, r, now) => inner.resolve(p, tx, r, now),
      delete: (p, tx) => inner.delete(p, tx),
      list: (p, now) => inner.list(p, now),
    };
    const local = createLocalCa({ ca, crypto, now: () => T0, pendingWhen: (r) => r.attempt !== 'approval' });
    const challenge = firstMatchChallenge(staticChallenge('other', { onMismatch: 'skip' }), firstMatchChallenge(staticChallenge('x', { onMismatch: 'skip' }), spy));
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge, issue: local.issue, pendingStore: copying } }, crypto, now: () => T0 });
    const dev = await party({ subject: 'CN=pending-dev', selfSignedNoExt: true });
    const tx = 'copy-tx-1';
    expect((await send(h, await csrReq({ device: dev, subject: 'CN=pending-dev', challenge: 'spy-pw', transactionId: tx }), { trusted: [caCert] })).status).toBe('PENDING');
    expect((await h.approvePending('default', tx))?.status).toBe('issued');
    const poll = await send(h, { ...(await buildPkiRequest({ messageType: 'CertPoll', content: encodeIssuerAndSubject(caCert.subject, 'CN=pending-dev'), signer: dev, recipients: [caCert], transactionId: tx, crypto })), signer: dev }, { trusted: [caCert] });
    expect(poll.status).toBe('SUCCESS');
    expect(issued).toEqual([{ policy: 'spy', details: { grant: 42 } }]);
  });
});

describe('a CSR asking for many names', () => {
  it('is refused by the default CSR policy above 100 subjectAltNames (FAILURE badRequest, csr_policy)', async () => {
    const events: ScepEvent[] = [];
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue } }, crypto, now: () => T0, onEvent: (e) => events.push(e) });
    const dev = await party({ subject: 'CN=many', selfSignedNoExt: true });
    const names = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@x.example`);
    const many = await send(h, await csrReq({ device: dev, subject: 'CN=many', challenge: 'pw', upn: names(101) }), { trusted: [caCert] });
    expect(many).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ reason: 'csr_policy' });
    expect((await send(h, await csrReq({ device: dev, subject: 'CN=many', challenge: 'pw', upn: names(100) }), { trusted: [caCert] })).status).toBe('SUCCESS');
  });
});

describe('who signs a first enrollment (enrollmentAgents)', () => {
  // SCEP's signed attributes, written by hand: re-signing is what an attacker does with a recording.
  const tlv = (tag: number, ...parts: Uint8Array[]): Uint8Array => {
    const body = Buffer.concat(parts);
    if (body.length > 127) throw new Error('short form only');
    return Uint8Array.from([tag, body.length, ...body]);
  };
  const scepAttr = (last: number, value: Uint8Array) => tlv(0x30, tlv(0x06, Uint8Array.from([0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x45, 0x01, 0x09, last])), tlv(0x31, value));
  /** The recorded request's envelope (which the attacker cannot open) and attributes, signed by `by`. */
  async function resign(recorded: { der: Uint8Array; transactionId: string; senderNonce: Uint8Array }, by: Party, extra: Certificate[] = []) {
    const m = await parsePkiMessage(recorded.der, { crypto });
    const ascii = (s: string) => new TextEncoder().encode(s);
    const der = await buildSignedData({
      eContentType: oids.id_data,
      eContent: m.envelope,
      certificates: [by.certificate.der, ...extra.map((c) => c.der)],
      signer: {
        certificate: by.certificate,
        key: by.key,
        digest: 'SHA-256',
        signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
        attributes: [scepAttr(2, tlv(0x13, ascii('19'))), scepAttr(7, tlv(0x13, ascii(recorded.transactionId))), scepAttr(5, tlv(0x04, recorded.senderNonce))],
      },
      crypto,
    });
    return { der, transactionId: recorded.transactionId, senderNonce: recorded.senderNonce, signer: by };
  }
  async function setup(profile: Partial<ProfileConfig> = {}) {
    const events: ScepEvent[] = [];
    const errors: string[] = [];
    const store = new InMemoryChallengeStore();
    const base = { ca: { certificates: [caCert.der], key: ca.key }, challenge: dynamicChallenge(store), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue };
    const h = createScepHandler({ profiles: { default: { ...base, ...profile } }, crypto, now: () => T0, onEvent: (e) => events.push(e), onError: (err) => errors.push(err instanceof Error ? err.message : String(err)) });
    const { challenge } = await store.mint({ profile: 'default', ttlMs: 60_000, now: T0 });
    return { h, events, errors, challenge };
  }

  it("enrollmentAgents: 'none': a recorded PKCSReq re-signed by another key is refused before its one-time challenge is used; the device then enrolls", async () => {
    const { h, events, challenge } = await setup({ enrollmentAgents: 'none' });
    const victim = await party({ subject: 'CN=victim', selfSignedNoExt: true });
    const attacker = await party({ subject: 'CN=victim', selfSignedNoExt: true });
    const recorded = await csrReq({ device: victim, subject: 'CN=victim', challenge });
    expect(await send(h, await resign(recorded, attacker), { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'signer_key_mismatch' });
    expect((await send(h, recorded, { trusted: [caCert] })).status).toBe('SUCCESS');
  });

  it("by default ('any') any signer may ask: a connector signing a device's CSR with its own key enrolls (so does a re-signed recording)", async () => {
    const { h, challenge } = await setup();
    const victim = await party({ subject: 'CN=victim', selfSignedNoExt: true });
    const attacker = await party({ subject: 'CN=victim', selfSignedNoExt: true });
    const got = await send(h, await resign(await csrReq({ device: victim, subject: 'CN=victim', challenge }), attacker), { trusted: [caCert] });
    expect(got.status).toBe('SUCCESS');
    expect(got.certificates[0]?.publicKey.der).toEqual(victim.certificate.publicKey.der);
  });

  it('enrollmentAgents: { trust } takes a signer that chains to an anchor (through an intermediate the message carries); others are refused', async () => {
    const agentRoot = await party({ subject: 'CN=MDM Agents Root', ca: true });
    const agentSub = await party({ subject: 'CN=MDM Agents Issuing', ca: true, issuer: agentRoot });
    const agent = await party({ subject: 'CN=MDM agent', issuer: agentSub });
    const stranger = await party({ subject: 'CN=MDM agent', issuer: await party({ subject: 'CN=MDM Agents Issuing', ca: true }) });
    const { h, events, errors, challenge } = await setup({ enrollmentAgents: { trust: [agentRoot.certificate.der] } });
    const dev = await party({ subject: 'CN=managed', selfSignedNoExt: true });
    const recorded = await csrReq({ device: dev, subject: 'CN=managed', challenge });
    expect(await send(h, await resign(recorded, stranger, [agentSub.certificate]), { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
    expect(events.at(-1)).toMatchObject({ reason: 'signer_key_mismatch' });
    expect(await send(h, await resign(recorded, agent), { trusted: [caCert] })).toMatchObject({ status: 'FAILURE' }); // no path without the intermediate
    expect(errors.at(-1)).toBe('enrollment agent: no path to a trust anchor'); // to onError, not to the client
    const got = await send(h, await resign(recorded, agent, [agentSub.certificate]), { trusted: [caCert] });
    expect(got.status).toBe('SUCCESS');
    expect(got.certificates[0]?.publicKey.der).toEqual(dev.certificate.publicKey.der);
  });

  it("enrollmentAgents: 'none': a rekey signed by a certificate of this CA still enrolls with renewal off (certmonger and Cisco rekey that way)", async () => {
    const { h, events, challenge } = await setup({ renewal: { enabled: false }, enrollmentAgents: 'none' });
    const current = await party({ subject: 'CN=rekeyed', issuer: ca });
    const fresh = await party({ subject: 'CN=rekeyed', selfSignedNoExt: true });
    expect((await send(h, await csrReq({ device: fresh, signer: current, subject: 'CN=rekeyed', challenge }), { trusted: [caCert] })).status).toBe('SUCCESS');
    expect(events.at(-1)).toMatchObject({ type: 'enrolled' });
  });

  it('the option is checked when the handler is made', () => {
    const base = { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge('pw'), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue };
    expect(() => createScepHandler({ profiles: { default: { ...base, enrollmentAgents: { trust: [] } } }, crypto })).toThrow(/enrollmentAgents/);
    expect(() => createScepHandler({ profiles: { default: { ...base, enrollmentAgents: 'some' as 'any' } }, crypto })).toThrow(/enrollmentAgents/);
  });
});
