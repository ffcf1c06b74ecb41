import { beforeAll, describe, expect, it } from 'vitest';
import {
  parseCaCaps,
  parseCaCertResponse,
  parseNextCaCertResponse,
  parsePkiMessage,
  toBase64,
  toBase64Url,
  type Certificate,
} from '@scep/wire';
import {
  createLocalCa,
  createScepHandler,
  handleScep,
  noChallenge,
  staticChallenge,
  ScepConfigError,
  type IssueHook,
  type ProfileConfig,
  type ScepEvent,
  type ScepHandler,
  type ScepServerConfig,
} from '@scep/server-core';
import { BASE, clientRequest, crypto, party, post, send, T0, type Party } from './setup.js';

let ca: Party;
let ra: Party;
let device: Party;
let other: Party;
let caCert: Certificate;

beforeAll(async () => {
  ca = await party({ subject: 'CN=Handler Test CA,O=scep', ca: true });
  ra = await party({ subject: 'CN=Handler Test RA,O=scep', issuer: ca, usages: ['digitalSignature', 'keyEncipherment'] });
  device = await party({ subject: 'CN=device-1', selfSignedNoExt: true });
  other = await party({ subject: 'CN=device-2', selfSignedNoExt: true });
  caCert = ca.certificate;
});

function profile(o: Partial<ProfileConfig> = {}): ProfileConfig {
  const localCa = createLocalCa({ ca: { certificate: ca.certificate, key: ca.key }, crypto, now: () => T0 });
  return { ca: { certificates: [ca.certificate.der], key: ca.key }, challenge: staticChallenge('s3cret'), issue: localCa.issue, ...o };
}

function handler(o: Partial<ScepServerConfig> & { profile?: Partial<ProfileConfig> } = {}): { h: ScepHandler; events: ScepEvent[]; errors: unknown[] } {
  const events: ScepEvent[] = [];
  const errors: unknown[] = [];
  const { profile: p, ...rest } = o;
  const h = createScepHandler({
    profiles: { default: profile(p) },
    crypto,
    now: () => T0,
    onEvent: (e) => events.push(e),
    onError: (e) => errors.push(e),
    ...rest,
  });
  return { h, events, errors };
}

const get = (path: string): Request => new Request(`${BASE}${path}`);

describe('GetCACaps', () => {
  it('lists what the profile supports, as text/plain, one per line', async () => {
    const { h } = handler();
    const res = await h(get('/scep?operation=GetCACaps'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const caps = parseCaCaps(await res.text()).capabilities;
    for (const c of ['AES', 'POSTPKIOperation', 'SCEPStandard', 'SHA-256', 'SHA-384', 'SHA-512', 'Renewal']) expect(caps.has(c as never)).toBe(true);
    expect(caps.has('DES3')).toBe(false);
    expect(caps.has('SHA-1')).toBe(false);
    expect(caps.has('GetNextCACert')).toBe(false);
  });
  it('adds DES3 and SHA-1 only when legacy allows them, GetNextCACert only with a next CA, no Renewal when disabled', async () => {
    const next = await party({ subject: 'CN=Next CA', ca: true });
    const { h } = handler({ profile: { legacy: ['DES-EDE3-CBC', 'SHA-1'], nextCa: { certificates: [next.certificate.der] }, renewal: { enabled: false } } });
    const text = await (await h(get('/scep?operation=GetCACaps&message=whatever'))).text();
    const caps = parseCaCaps(text).capabilities;
    expect([...caps]).toEqual(expect.arrayContaining(['DES3', 'SHA-1', 'GetNextCACert']));
    expect(caps.has('Renewal')).toBe(false);
    // certmonger picks the first of AES/DES3 that appears: AES must come first.
    expect(text.indexOf('AES')).toBeLessThan(text.indexOf('DES3'));
  });
});

describe('GetCACert', () => {
  it('a lone CA is one DER certificate (x-x509-ca-cert), message tolerated', async () => {
    const { h } = handler();
    const res = await h(get('/scep?operation=GetCACert&message=default'));
    expect(res.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(ca.certificate.der);
  });
  it('with an RA it is a degenerate SignedData (x-x509-ca-ra-cert), RA first', async () => {
    const { h } = handler({ profile: { ra: { signer: { certificate: ra.certificate.der, key: ra.key } } } });
    const res = await h(get('/scep/pkiclient.exe?operation=GetCACert&message=default'));
    expect(res.headers.get('content-type')).toBe('application/x-x509-ca-ra-cert');
    const certs = parseCaCertResponse(new Uint8Array(await res.arrayBuffer()), res.headers.get('content-type') ?? undefined);
    expect(certs.map((c) => c.der)).toEqual([ra.certificate.der, ca.certificate.der]);
  });
  it('GetNextCACert is signed by the current CA; 404 when none is configured', async () => {
    const next = await party({ subject: 'CN=Next CA', ca: true });
    const { h } = handler({ profile: { nextCa: { certificates: [next.certificate.der] } } });
    const res = await h(get('/scep?operation=GetNextCACert'));
    expect(res.headers.get('content-type')).toBe('application/x-x509-next-ca-cert');
    const certs = await parseNextCaCertResponse(new Uint8Array(await res.arrayBuffer()), { currentCa: caCert, crypto });
    expect(certs.map((c) => c.der)).toEqual([next.certificate.der]);
    expect((await handler().h(get('/scep?operation=GetNextCACert'))).status).toBe(404);
  });
});

describe('PKIOperation transport', () => {
  it.each([
    ['application/x-pki-message'],
    ['application/octet-stream'],
    [null],
  ])('POST with content type %s enrolls', async (ct) => {
    const { h } = handler();
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cn: 'device-1' });
    const res = await h(post('/scep', req.der, ct));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-pki-message');
    const m = await parsePkiMessage(new Uint8Array(await res.arrayBuffer()), { crypto });
    expect(m.pkiStatus).toBe('SUCCESS');
  });
  it('POST with another content type is 415', async () => {
    const { h } = handler();
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret' });
    expect((await h(post('/scep', req.der, 'text/html'))).status).toBe(415);
  });

  const encodings: [string, (der: Uint8Array) => string][] = [
    ['standard base64, percent-encoded', (d) => encodeURIComponent(toBase64(d))],
    ['URL-safe base64 without padding (micromdm)', (d) => toBase64Url(d)],
    ['"+" left raw, arriving as a space (Apple)', (d) => toBase64(d).replace(/=/g, '%3D')],
    ['CR/LF every 64 characters (Cisco %0A)', (d) => (toBase64(d).match(/.{1,64}/g) ?? []).map(encodeURIComponent).join('%0D%0A')],
  ];
  it.each(encodings)('GET with %s enrolls', async (_name, enc) => {
    const { h } = handler();
    // find a message whose base64 has '+' so the Apple case is exercised
    let req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cn: 'device-1' });
    while (!toBase64(req.der).includes('+')) req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cn: 'device-1' });
    const res = await h(get(`/scep?operation=PKIOperation&message=${enc(req.der)}`));
    expect(res.status).toBe(200);
    const m = await parsePkiMessage(new Uint8Array(await res.arrayBuffer()), { crypto });
    expect(m.pkiStatus).toBe('SUCCESS');
  });
  it('GET without message, or not base64, is 400', async () => {
    const { h } = handler();
    expect((await h(get('/scep?operation=PKIOperation'))).status).toBe(400);
    expect((await h(get('/scep?operation=PKIOperation&message=%%%%'))).status).toBe(400);
  });
  it('a body over the cap is 413 (declared or streamed)', async () => {
    const { h } = handler({ maxBodySize: 1000 });
    expect((await h(post('/scep', new Uint8Array(5000)))).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(200));
        c.close();
      },
    });
    const res = await h(new Request(`${BASE}/scep?operation=PKIOperation`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(res.status).toBe(413);
  });
  it('routing: outside the base path 404, unknown operation 400, missing operation 400, wrong method 405', async () => {
    const { h } = handler();
    expect((await h(get('/other?operation=GetCACaps'))).status).toBe(404);
    expect((await h(get('/scepx?operation=GetCACaps'))).status).toBe(404);
    expect((await h(get('/scep?operation=Nope'))).status).toBe(400);
    expect((await h(get('/scep'))).status).toBe(400);
    expect((await h(new Request(`${BASE}/scep?operation=GetCACaps`, { method: 'DELETE' }))).status).toBe(405);
  });
  it('a body that is not a PKIMessage is 400 with a generic text', async () => {
    const { h, errors } = handler();
    const res = await h(post('/scep', new TextEncoder().encode('hello world')));
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Bad Request\n');
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('serve: the handler on plain bytes', () => {
  it('enrolls from a path-only target and the body bytes; a retransmission through the Fetch form gets the same reply', async () => {
    const { h } = handler();
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cn: 'device-1' });
    const r = await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', contentType: 'application/x-pki-message', body: req.der });
    expect(r.status).toBe(200);
    expect(r.headers).toEqual({ 'content-type': 'application/x-pki-message' });
    const m = await parsePkiMessage(r.body, { crypto });
    expect(m.pkiStatus).toBe('SUCCESS');
    const again = await h(post('/scep', req.der));
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(r.body);
    // The caller owns what serve returns: scribbling on it changes no later answer.
    const kept = r.body.slice();
    const retry = await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', body: req.der });
    retry.body.fill(0);
    expect((await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', body: req.der })).body).toEqual(kept);
    const ca = await h.serve({ method: 'GET', url: '/scep?operation=GetCACert' });
    ca.body.fill(0);
    expect((await h.serve({ method: 'GET', url: '/scep?operation=GetCACert' })).body).toEqual(caCert.der);
  });
  it('a retransmission from a ReplyCache that holds Buffers still goes out as a copy', async () => {
    const kept = new Map<string, Buffer>();
    const replyCache = { get: async (k: string) => kept.get(k), put: async (k: string, reply: Uint8Array) => void kept.set(k, Buffer.from(reply)) };
    const { h } = handler({ profile: { replyCache } });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cn: 'device-1' });
    const first = await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', body: req.der });
    const again = await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', body: req.der });
    again.body.fill(0);
    expect((await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', body: req.der })).body).toEqual(first.body);
  });
  it('GetCACaps and GetCACert: the same bytes as the Fetch form; an absolute URL works too', async () => {
    const { h } = handler();
    for (const op of ['GetCACaps', 'GetCACert']) {
      const web = await h(get(`/scep?operation=${op}`));
      const plain = await h.serve({ method: 'GET', url: `${BASE}/scep?operation=${op}` });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-type']).toBe(web.headers.get('content-type'));
      expect(plain.body).toEqual(new Uint8Array(await web.arrayBuffer()));
    }
  });
  it('a body over maxBodySize is 413, an empty one 400, another content type 415, a request target that is no URL 400', async () => {
    const { h } = handler({ maxBodySize: 1000 });
    const pki = (body: Uint8Array, contentType: string | null = 'application/x-pki-message') => h.serve({ method: 'POST', url: '/scep?operation=PKIOperation', contentType, body });
    expect((await pki(new Uint8Array(1001))).status).toBe(413);
    expect((await pki(new Uint8Array(1000))).status).toBe(400);
    expect((await pki(new Uint8Array(0))).status).toBe(400);
    expect((await h.serve({ method: 'POST', url: '/scep?operation=PKIOperation' })).status).toBe(400);
    expect((await pki(new Uint8Array(10), 'text/html')).status).toBe(415);
    const bad = await h.serve({ method: 'GET', url: 'http://[::1/scep?operation=GetCACaps' });
    expect(bad.status).toBe(400);
    expect(new TextDecoder().decode(bad.body)).toBe('Bad Request\n');
  });
});

describe('FAILURE CertReps carry failInfo and a generic failInfoText', () => {
  it('wrong challenge → badRequest', async () => {
    const { h, events } = handler();
    const req = await clientRequest({ device, recipients: [caCert], challenge: 'wrong' });
    const rep = await send(h, req, { trusted: [caCert] });
    expect(rep.status).toBe('FAILURE');
    expect(rep.failInfo).toBe('badRequest');
    expect(rep.failInfoText).toBe('Transaction not permitted or supported');
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'challenge_invalid', failInfo: 'badRequest' });
  });
  it('missing challenge → badRequest', async () => {
    const { h, events } = handler();
    const rep = await send(h, await clientRequest({ device, recipients: [caCert] }), { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ reason: 'challenge_missing' });
  });
  it('bad signature → badMessageCheck, still addressed to the transaction', async () => {
    const { h, events } = handler();
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret' });
    const der = req.der.slice();
    der[der.length - 10] = (der[der.length - 10] as number) ^ 0xff; // inside the SignerInfo signature
    const rep = await send(h, { ...req, der }, { trusted: [caCert] });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
    expect(events.at(-1)).toMatchObject({ type: 'rejected', reason: 'bad_signature' });
  });
  it('SHA-1 without legacy → badAlg; with legacy it enrolls and the reply uses SHA-1 and the request cipher', async () => {
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cn: 'device-1', digest: 'SHA-1', cipher: 'DES-CBC', legacy: true });
    const rep = await send(handler().h, req, { trusted: [caCert], legacy: true });
    expect(rep).toMatchObject({ status: 'FAILURE', failInfo: 'badAlg' });
    const ok = await send(handler({ profile: { legacy: true } }).h, req, { trusted: [caCert], legacy: true });
    expect(ok.status).toBe('SUCCESS');
    expect(ok.message.digest).toBe('SHA-1');
  });
  it('DES content cipher without legacy → badAlg', async () => {
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret', cipher: 'DES-EDE3-CBC', legacy: true });
    expect(await send(handler().h, req, { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badAlg' });
  });
  it('CertPoll for an unknown transaction → badCertId', async () => {
    const { pollRequest } = await import('./setup.js');
    const req = await pollRequest({ device, recipients: [caCert], transactionId: 'never-seen', issuer: caCert, subject: 'CN=device-1' });
    expect(await send(handler().h, req, { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badCertId' });
  });
  it('a request encrypted to another certificate → badMessageCheck (wrong recipient)', async () => {
    const { h, events } = handler();
    const req = await clientRequest({ device, recipients: [other.certificate], challenge: 's3cret' });
    expect(await send(h, req, { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badMessageCheck' });
    expect(events.at(-1)).toMatchObject({ reason: 'wrong_recipient' });
  });
  it('CSR policy: an RSA-1024 key → badRequest', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const small = await party({ subject: 'CN=small', selfSignedNoExt: true, keyObject: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey });
    const { h, events } = handler();
    const req = await clientRequest({ device: small, recipients: [caCert], challenge: 's3cret' });
    expect(await send(h, req, { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ reason: 'csr_policy' });
  });
  it('evaluateCsrPolicy: more than maxSubjectAltNames (default 100) is refused; the option raises it', async () => {
    const { evaluateCsrPolicy } = await import('@scep/server-core');
    const csr = (n: number) => ({ publicKey: { type: 'RSA', bits: 2048 }, subjectAltNames: Array.from({ length: n }, (_, i) => ({ type: 'dns', value: `h${i}.example` })) }) as unknown as Parameters<typeof evaluateCsrPolicy>[0];
    const ctx = { profile: 'p', kind: 'enroll', challenge: undefined, context: {} } as unknown as Parameters<typeof evaluateCsrPolicy>[2];
    expect(await evaluateCsrPolicy(csr(100), undefined, ctx)).toEqual({ ok: true });
    expect((await evaluateCsrPolicy(csr(101), undefined, ctx)).ok).toBe(false);
    expect(await evaluateCsrPolicy(csr(101), { maxSubjectAltNames: 200 }, ctx)).toEqual({ ok: true });
  });
  it('an EC signer cannot receive an encrypted reply → badAlg before anything is issued', async () => {
    const ecDevice = await party({ subject: 'CN=ec', selfSignedNoExt: true, ec: true });
    let issued = 0;
    const { h, events } = handler({ profile: { issue: async () => (issued++, { status: 'pending' }) } });
    const req = await clientRequest({ device: ecDevice, recipients: [caCert], challenge: 's3cret' });
    const res = await h(post('/scep', req.der));
    const m = await parsePkiMessage(new Uint8Array(await res.arrayBuffer()), { crypto });
    expect(m).toMatchObject({ pkiStatus: 'FAILURE', failInfo: 'badAlg' });
    expect(issued).toBe(0);
    expect(events.at(-1)).toMatchObject({ reason: 'cannot_encrypt_reply' });
  });
  it('an issue hook that throws → FAILURE, error to onError, no internal text on the wire', async () => {
    const boom: IssueHook = async () => {
      throw new Error('database password is hunter2');
    };
    const { h, errors } = handler({ profile: { issue: boom } });
    const req = await clientRequest({ device, recipients: [caCert], challenge: 's3cret' });
    const res = await h(post('/scep', req.der));
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('hunter2');
    const m = await parsePkiMessage(bytes, { crypto });
    expect(m).toMatchObject({ pkiStatus: 'FAILURE', failInfo: 'badRequest' });
    expect(String(errors.at(-1))).toContain('hunter2');
  });
});

describe('enrollment', () => {
  it('SUCCESS: issued certificate first, then the chain; for the CSR key; signed by the RA when there is one', async () => {
    const { h, events } = handler({ profile: { ra: { signer: { certificate: ra.certificate.der, key: ra.key } } } });
    const req = await clientRequest({ device, recipients: [ra.certificate, caCert], challenge: 's3cret', cn: 'device-1' });
    const rep = await send(h, req, { trusted: [ra.certificate] });
    expect(rep.status).toBe('SUCCESS');
    expect(rep.message.signer.der).toEqual(ra.certificate.der);
    const [issued, chain] = rep.certificates;
    expect(issued?.publicKey.der).toEqual(device.key.publicKeyInfo);
    expect(chain?.der).toEqual(ca.certificate.der);
    expect(events.at(-1)).toMatchObject({ type: 'enrolled', profile: 'default', messageType: 'PKCSReq', challenge: 'static' });
  });
  it('separate RA signing and decryption certificates (NDES-style)', async () => {
    const raSig = await party({ subject: 'CN=RA sign', issuer: ca, usages: ['digitalSignature'] });
    const raEnc = await party({ subject: 'CN=RA enc', issuer: ca, usages: ['keyEncipherment'] });
    const { h } = handler({ profile: { ra: { signer: { certificate: raSig.certificate.der, key: raSig.key }, decrypter: { certificate: raEnc.certificate.der, key: raEnc.key } } } });
    const certs = parseCaCertResponse(new Uint8Array(await (await h(get('/scep?operation=GetCACert'))).arrayBuffer()));
    expect(certs.map((c) => c.der)).toEqual([raSig.certificate.der, raEnc.certificate.der, caCert.der]);
    const req = await clientRequest({ device, recipients: [raEnc.certificate], challenge: 's3cret', cn: 'device-1' });
    const rep = await send(h, req, { trusted: [raSig.certificate] });
    expect(rep.status).toBe('SUCCESS');
    expect(rep.message.signer.der).toEqual(raSig.certificate.der);
  });
  it('several profiles on one handler, each with its own CA and challenge', async () => {
    const caB = await party({ subject: 'CN=CA B', ca: true });
    const h = createScepHandler({
      crypto,
      now: () => T0,
      profiles: {
        a: profile(),
        b: { ca: { certificates: [caB.certificate.der], key: caB.key }, challenge: staticChallenge('b-pass'), issue: createLocalCa({ ca: caB, crypto, now: () => T0 }).issue },
      },
    });
    const repB = await send(h, await clientRequest({ device, recipients: [caB.certificate], challenge: 'b-pass', cn: 'device-1' }), { path: '/scep/b', trusted: [caB.certificate] });
    expect(repB.status).toBe('SUCCESS');
    expect(repB.certificates[0]?.issuer.der).toEqual(caB.certificate.subject.der);
    const wrong = await send(h, await clientRequest({ device, recipients: [caCert], challenge: 'b-pass' }), { path: '/scep/a', trusted: [caCert] });
    expect(wrong.status).toBe('FAILURE');
    expect((await h(get('/scep?operation=GetCACaps'))).status).toBe(404); // no default among two
    expect((await h(get('/scep/b/pkiclient.exe?operation=GetCACaps'))).status).toBe(200);
  });
  it('handleScep prepares a config once and reuses it', async () => {
    const config: ScepServerConfig = { profiles: { default: profile() }, crypto, now: () => T0 };
    expect((await handleScep(get('/scep?operation=GetCACaps'), config)).status).toBe(200);
    expect((await handleScep(get('/scep?operation=GetCACert'), config)).status).toBe(200);
  });
  it('noChallenge accepts a CSR without challengePassword, when chosen explicitly', async () => {
    const rep = await send(handler({ profile: { challenge: noChallenge() } }).h, await clientRequest({ device, recipients: [caCert], cn: 'device-1' }), { trusted: [caCert] });
    expect(rep.status).toBe('SUCCESS');
  });
});

describe('configuration errors are reported at creation, clearly', () => {
  it.each<[string, () => ScepServerConfig]>([
    ['no profiles', () => ({ profiles: {}, crypto })],
    ['no crypto', () => ({ profiles: { default: profile() } }) as unknown as ScepServerConfig],
    ['bad profile name', () => ({ profiles: { 'a b': profile() }, crypto })],
    ['CA key not matching', () => ({ profiles: { default: profile({ ca: { certificates: [caCert.der], key: device.key } }) }, crypto })],
    ['no challenge policy', () => ({ profiles: { default: { ...profile(), challenge: undefined as never } }, crypto })],
    ['no RA and no CA key', () => ({ profiles: { default: profile({ ca: { certificates: [caCert.der] } }) }, crypto })],
    ['garbage CA certificate', () => ({ profiles: { default: profile({ ca: { certificates: [new Uint8Array([1, 2, 3])], key: ca.key } }) }, crypto })],
  ])('%s', (_n, make) => {
    expect(() => createScepHandler(make())).toThrow(ScepConfigError);
  });
  it('warns (does not refuse) about a CA without digitalSignature/keyEncipherment', async () => {
    const bare = await party({ subject: 'CN=Bare CA', ca: true, usages: ['keyCertSign', 'cRLSign'] });
    const h = createScepHandler({ profiles: { default: { ca: { certificates: [bare.certificate.der], key: bare.key }, challenge: noChallenge(), issue: async () => ({ status: 'pending' }) } }, crypto });
    expect(h.warnings.join('\n')).toMatch(/digitalSignature/);
    expect(h.warnings.join('\n')).toMatch(/keyEncipherment/);
  });
});
