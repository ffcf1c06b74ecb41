/**
 * client/presets.ts: each preset's request parses, shows the preset's traits, and — for micromdm,
 * certmonger and strongSwan — the same traits as the real client's captured request
 * (fixtures/wire/captured/, recorded from the clients in test/interop/).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildDeviceRequest,
  CLIENT_PRESETS,
  formatName,
  fromBase64,
  oids,
  parseCertificate,
  parsePkiMessage,
  pemCertificates,
  presetCipher,
  presetRecipients,
  presetTransactionId,
  readPkiRequest,
  toCaHttpRequest,
  toHex,
  toHttpRequest,
  type Certificate,
  type ClientPresetName,
  type PrivateKeyHandle,
} from '@scep/wire';
import { nodePrivateKey } from '@scep/wire/node';
import { DerInput, type Element } from '../../src/der/reader.js';
import { readEnvelope } from '../../src/cms/enveloped-data.js';
import { crypto, keyId, makeParty, makePki, NOW, rejectsWith, type Party, type Pki } from '../helpers.js';

const CAPTURED = join(import.meta.dirname, '../../../../fixtures/wire/captured');
/** The caps the interop responder advertised when the captures were made. */
const CAPS = ['AES', 'DES3', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard'];
const ALL: readonly ClientPresetName[] = ['micromdm', 'certmonger', 'strongswan', 'windows', 'apple', 'cisco', 'chromeosConnector'];

interface Traits {
  readonly messageType: string;
  readonly digest: string;
  readonly signatureStyle: string;
  readonly cipher: string;
  readonly encoding: string;
  readonly recipients: number;
  readonly toNonCa: boolean;
  readonly encryptedContent: 'primitive' | 'constructed';
  readonly signingTime: boolean;
  readonly signer: {
    readonly version: number;
    readonly extensions: readonly string[];
    readonly subject: string;
    readonly serial: string;
    readonly validity: string;
    readonly signatureDigestIsMessageDigest: boolean;
    readonly selfSigned: boolean;
  };
  readonly transactionId: string;
}

/** What distinguishes one client's requests from another's, read from the message itself. */
async function traitsOf(der: Uint8Array, recipients: { certificate: Certificate; key: PrivateKeyHandle }[]): Promise<Traits> {
  const got = await readPkiRequest(der, { crypto, legacy: true, recipients });
  const m = got.message;
  const env = readEnvelope(new DerInput(m.envelope as Uint8Array).root());
  const envRoot = new DerInput(m.envelope as Uint8Array).root();
  const ed = envRoot.children()[1]?.children()[0] as Element;
  const ec = ed.children().at(-1)?.children()[2] as Element;
  const csr = got.request.type === 'PKCSReq' || got.request.type === 'RenewalReq' ? got.request.csr : undefined;
  const s = m.signer;
  const spki = s.publicKey.der;
  // Compared as integers: a hash that starts with a zero byte is a shorter INTEGER (strongSwan strips
  // leading zeros, as DER requires), and a 16-byte random serial may take 15 bytes or 17.
  const magnitude = (b: Uint8Array): string => toHex(b).replace(/^(00)+/, '');
  const serial = magnitude(s.serialNumber);
  const sha256 = magnitude(await crypto.digest('SHA-256', spki));
  const sha1 = magnitude(await crypto.digest('SHA-1', spki));
  const lifetime = s.notAfter.getTime() - s.notBefore.getTime();
  const years = s.notAfter.getUTCFullYear() - s.notBefore.getUTCFullYear();
  const sameDay = s.notAfter.getUTCMonth() === s.notBefore.getUTCMonth() && s.notAfter.getUTCDate() === s.notBefore.getUTCDate();
  const startOfDay = s.notBefore.getUTCHours() === 0 && s.notBefore.getUTCMinutes() === 0 && s.notBefore.getUTCSeconds() === 0;
  const sigDigest = m.signatureAlgorithm.scheme === 'RSASSA-PKCS1-v1_5' ? m.signatureAlgorithm.digest : '';
  const certSigOid = s.signatureAlgorithm.oid;
  const csrKey = csr?.publicKey.der ?? spki;
  const tx = m.transactionId;
  const derivations: [string, string][] = [
    ['base64-key-id', await presetTransactionId('micromdm', csrKey, crypto)],
    ['decimal-sha256-spki', await presetTransactionId('certmonger', csrKey, crypto)],
    ['hex-sha1-spki', await presetTransactionId('strongswan', csrKey, crypto)],
  ];
  return {
    messageType: m.messageType,
    digest: m.digest,
    signatureStyle: m.signatureStyle,
    cipher: got.envelope.cipher,
    encoding: m.encoding,
    recipients: env.recipients.length,
    toNonCa: got.envelope.recipient.basicConstraints?.ca !== true,
    encryptedContent: ec.constructed ? 'constructed' : 'primitive',
    signingTime: m.signingTime !== undefined,
    signer: {
      version: s.version,
      extensions: s.extensions.map((e) => `${e.oid}${e.critical ? '!' : ''}`),
      subject: csr && formatName(s.subject) === formatName(csr.subject) ? 'csr' : formatName(s.subject),
      // 12 bytes: a 16-byte random value is that short once in 2^32 runs.
      serial: serial === sha256 ? 'sha256-spki' : serial === sha1 ? 'sha1-spki' : serial.length >= 24 && serial.length <= 32 ? 'random-16' : 'other',
      validity: lifetime === 3600_000 ? '1h' : sameDay && years > 0 ? `${years}y${startOfDay ? ' from 00:00' : ''}` : `${lifetime}ms`,
      signatureDigestIsMessageDigest: ({ [oids.sha1WithRSAEncryption]: 'SHA-1', [oids.sha256WithRSAEncryption]: 'SHA-256', [oids.sha512WithRSAEncryption]: 'SHA-512' } as Record<string, string>)[certSigOid] === sigDigest,
      selfSigned: toHex(s.issuer.der) === toHex(s.subject.der),
    },
    transactionId: derivations.find(([, v]) => v === tx)?.[0] ?? (/^[0-9A-F]{32}$/.test(tx) ? 'random-hex' : `other: ${tx}`),
  };
}

let pki: Pki;
let device: Party;
let capture: { ca: Certificate; ra: Certificate; caKey: PrivateKeyHandle; raKey: PrivateKeyHandle };
beforeAll(async () => {
  pki = await makePki();
  device = await makeParty({ subject: 'CN=preset device', noExtensions: true });
  const pem = async (f: string): Promise<Certificate> => parseCertificate(pemCertificates(await readFile(join(CAPTURED, f), 'utf8'))[0] as Uint8Array);
  const key = async (f: string): Promise<PrivateKeyHandle> => nodePrivateKey(await readFile(join(CAPTURED, f), 'utf8'));
  capture = { ca: await pem('ca.pem'), ra: await pem('ra.pem'), caKey: await key('ca.key.pem'), raKey: await key('ra.key.pem') };
});

const ours = (preset: ClientPresetName, o: Partial<Parameters<typeof buildDeviceRequest>[1]> = {}): ReturnType<typeof buildDeviceRequest> =>
  buildDeviceRequest(preset, { key: device.key, subject: 'C=ZZ, O=scep-wire tests, CN=preset-device', challengePassword: 'pw', recipients: [pki.ra.certificate, pki.ca.certificate], caps: CAPS, now: NOW, crypto, ...o });
const ourRecipients = (): { certificate: Certificate; key: PrivateKeyHandle }[] => [pki.ra, pki.ca];

describe('presets match the real clients’ captured requests', () => {
  for (const [preset, file, options] of [
    ['micromdm', 'micromdm-pkcsreq.der', {}],
    ['certmonger', 'certmonger-pkcsreq.der', {}],
    ['strongswan', 'strongswan-pkcsreq.der', { digest: 'SHA-512' }], // captured with --digest sha512
  ] as const) {
    it(`${preset}: same traits as ${file}`, async () => {
      const real = await traitsOf(new Uint8Array(await readFile(join(CAPTURED, file))), [
        { certificate: capture.ra, key: capture.raKey },
        { certificate: capture.ca, key: capture.caKey },
      ]);
      const built = await ours(preset, options);
      if (process.env['SHOW_TRAITS']) console.log(preset, JSON.stringify(real));
      expect(await traitsOf(built.der, ourRecipients())).toEqual(real);
    });
  }

  it('transactionID derivations reproduce the captured ones from the captured CSR keys', async () => {
    const manifest = JSON.parse(await readFile(join(CAPTURED, 'manifest.json'), 'utf8')) as { captures: { file: string; transactionId: string }[] };
    for (const [preset, file] of [
      ['micromdm', 'micromdm-pkcsreq.der'],
      ['certmonger', 'certmonger-pkcsreq.der'],
      ['strongswan', 'strongswan-pkcsreq.der'],
    ] as const) {
      const got = await readPkiRequest(new Uint8Array(await readFile(join(CAPTURED, file))), { crypto, legacy: true, recipients: [{ certificate: capture.ra, key: capture.raKey }] });
      if (got.request.type !== 'PKCSReq') throw new Error('not a PKCSReq');
      const expected = manifest.captures.find((c) => c.file === file)?.transactionId;
      expect(await presetTransactionId(preset, got.request.csr.publicKey.der, crypto)).toBe(expected);
    }
  });

  it('transport: micromdm POSTs application/octet-stream when caps allow, certmonger GETs, strongSwan POSTs without Content-Type', async () => {
    const manifest = JSON.parse(await readFile(join(CAPTURED, 'manifest.json'), 'utf8')) as { captures: { file: string; method: string; contentType: string | null }[] };
    for (const [preset, file] of [
      ['micromdm', 'micromdm-pkcsreq.der'],
      ['certmonger', 'certmonger-pkcsreq.der'],
      ['strongswan', 'strongswan-pkcsreq.der'],
    ] as const) {
      const real = manifest.captures.find((c) => c.file === file);
      const r = toHttpRequest(preset, 'http://127.0.0.1/scep', new Uint8Array(4), CAPS);
      expect({ method: r.method, contentType: r.headers['content-type'] ?? null }).toEqual({ method: real?.method, contentType: real?.method === 'GET' ? null : real?.contentType });
    }
  });
});

describe('each preset: parses with parsePkiMessage and shows its traits', () => {
  const expected: Record<ClientPresetName, Partial<Traits> & { signerExt?: readonly string[] }> = {
    micromdm: { digest: 'SHA-1', signatureStyle: 'algorithm', cipher: 'DES-CBC', encoding: 'der', recipients: 2, encryptedContent: 'constructed' },
    certmonger: { digest: 'SHA-256', signatureStyle: 'rsaEncryption', cipher: 'AES-256-CBC', encoding: 'der', recipients: 1, encryptedContent: 'primitive' },
    strongswan: { digest: 'SHA-256', signatureStyle: 'algorithm', cipher: 'AES-128-CBC', encoding: 'der', recipients: 1, encryptedContent: 'primitive' },
    windows: { digest: 'SHA-256', signatureStyle: 'algorithm', cipher: 'AES-256-CBC', encoding: 'der', recipients: 1, encryptedContent: 'primitive', signerExt: [`${oids.id_ce_authorityKeyIdentifier}!`] },
    apple: { digest: 'SHA-256', signatureStyle: 'algorithm', cipher: 'AES-256-CBC', encoding: 'ber', recipients: 1, encryptedContent: 'primitive' },
    cisco: { digest: 'SHA-1', signatureStyle: 'algorithm', cipher: 'DES-CBC', encoding: 'der', recipients: 1, encryptedContent: 'primitive', signingTime: false },
    chromeosConnector: { digest: 'SHA-256', signatureStyle: 'algorithm', cipher: 'AES-256-CBC', encoding: 'der', recipients: 1, encryptedContent: 'primitive' },
  };
  for (const preset of ALL) {
    it(`${preset}`, async () => {
      const built = await ours(preset);
      const m = await parsePkiMessage(built.der, { crypto, legacy: built.legacy });
      expect(m.transactionId).toBe(built.transactionId);
      expect(toHex(m.senderNonce)).toBe(toHex(built.senderNonce));
      expect(toHex(m.signer.der)).toBe(toHex(built.signer.certificate.der));
      const t = await traitsOf(built.der, ourRecipients());
      const { signerExt, ...rest } = expected[preset];
      expect(t).toMatchObject({ signingTime: true, ...rest });
      if (rest.recipients === 1) expect(t.toNonCa).toBe(true); // the RA, not the CA
      if (signerExt) expect(t.signer.extensions).toEqual(signerExt);
      expect(t.signer.selfSigned).toBe(true);
      expect(t.signer.version).toBe(CLIENT_PRESETS[preset].signer.version);
      expect(built.legacy).toEqual((['SHA-1', 'DES-CBC'] as const).filter((a) => a === rest.digest || a === rest.cipher));
      if (built.legacy.length > 0) await rejectsWith(parsePkiMessage(built.der, { crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
    });
  }

  it('windows: the critical AuthorityKeyIdentifier holds the key’s own identifier; a UPN SAN goes into the CSR', async () => {
    const built = await ours('windows', { subjectAltNames: [{ type: 'upn', value: 'user@corp.example.test' }] });
    expect(toHex(built.signer.certificate.authorityKeyIdentifier ?? new Uint8Array())).toBe(toHex(keyId(built.signer.certificate.publicKey.keyBits)));
    const got = await readPkiRequest(built.der, { crypto, recipients: ourRecipients() });
    expect(got.request.type === 'PKCSReq' && got.request.csr.subjectAltNames).toEqual([{ type: 'upn', value: 'user@corp.example.test' }]);
  });

  it('cisco with MD5, strongSwan with 3DES: overrides by name; legacy reported', async () => {
    const md5 = await ours('cisco', { digest: 'MD5' });
    expect(md5.legacy).toEqual(['MD5', 'DES-CBC']);
    expect((await parsePkiMessage(md5.der, { crypto, legacy: ['MD5'] })).digest).toBe('MD5');
    const des3 = await ours('strongswan', { cipher: 'DES-EDE3-CBC' });
    expect((await readPkiRequest(des3.der, { crypto, legacy: ['DES-EDE3-CBC'], recipients: ourRecipients() })).envelope.cipher).toBe('DES-EDE3-CBC');
  });

  it('strongswan: a SHA-1 of the key that starts with zero bytes gives the shorter INTEGER (leading zeros stripped, as strongSwan does)', async () => {
    const hash = Uint8Array.from({ length: 20 }, (_, i) => (i < 2 ? 0 : i + 0x10));
    const zeroLed = { ...crypto, digest: async (name: Parameters<typeof crypto.digest>[0], data: Uint8Array) => (name === 'SHA-1' ? hash : crypto.digest(name, data)) };
    const built = await ours('strongswan', { crypto: zeroLed });
    expect(toHex(built.signer.certificate.serialNumber)).toBe(toHex(hash.subarray(2)));
    const high = Uint8Array.from({ length: 20 }, (_, i) => 0x80 + i);
    const msbSet = { ...crypto, digest: async (name: Parameters<typeof crypto.digest>[0], data: Uint8Array) => (name === 'SHA-1' ? high : crypto.digest(name, data)) };
    expect(toHex((await ours('strongswan', { crypto: msbSet })).signer.certificate.serialNumber)).toBe(`00${toHex(high)}`);
  });

  it('a preset object can be varied by spreading it', async () => {
    const sha1strongswan = { ...CLIENT_PRESETS.strongswan, name: 'strongswan-sha1', digest: 'SHA-1' as const };
    const built = await buildDeviceRequest(sha1strongswan, { key: device.key, subject: 'CN=x', recipients: [pki.ra.certificate], now: NOW, crypto });
    expect((await parsePkiMessage(built.der, { crypto, legacy: ['SHA-1'] })).digest).toBe('SHA-1');
    expect(() => presetCipher('nope' as ClientPresetName)).toThrow(TypeError);
  });
});

describe('message types other than PKCSReq', () => {
  it('RenewalReq signed by the existing certificate; CertPoll; GetCert; GetCRL', async () => {
    const issued = await makeParty({ subject: 'CN=preset-device', issuer: pki.ca, keyObject: device.keyObject });
    const renewal = await ours('micromdm', { messageType: 'RenewalReq', signer: { certificate: issued.certificate, key: device.key } });
    const r = await readPkiRequest(renewal.der, { crypto, legacy: true, recipients: ourRecipients() });
    expect([r.message.messageType, toHex(r.message.signer.der)]).toEqual(['RenewalReq', toHex(issued.certificate.der)]);
    const first = await ours('chromeosConnector');
    const poll = await ours('chromeosConnector', { messageType: 'CertPoll', signer: first.signer, transactionId: first.transactionId });
    const p = await readPkiRequest(poll.der, { crypto, recipients: ourRecipients() });
    expect(p.request.type === 'CertPoll' && toHex(p.request.issuer.der)).toBe(toHex(pki.ca.certificate.subject.der));
    expect(p.message.transactionId).toBe(first.transactionId);
    for (const messageType of ['GetCert', 'GetCRL'] as const) {
      const g = await ours('certmonger', { messageType, certificate: issued.certificate, signer: { certificate: issued.certificate, key: device.key } });
      const got = await readPkiRequest(g.der, { crypto, recipients: ourRecipients() });
      expect(got.request.type === messageType && toHex(got.request.serialNumber)).toBe(toHex(issued.certificate.serialNumber));
      expect(g.csr).toBeUndefined();
    }
  });

  it('caller bugs: RenewalReq without a signer, GetCert without the certificate asked about', async () => {
    await expect(ours('micromdm', { messageType: 'RenewalReq' })).rejects.toThrow(TypeError);
    await expect(ours('micromdm', { messageType: 'GetCert' })).rejects.toThrow(TypeError);
  });

  it('the same seeded provider and clock give the same bytes (for golden files)', async () => {
    const { nodeCrypto, seededRandom } = await import('@scep/wire/node');
    const a = await ours('apple', { crypto: nodeCrypto({ random: seededRandom('same') }) });
    const b = await ours('apple', { crypto: nodeCrypto({ random: seededRandom('same') }) });
    expect(toHex(a.der)).toBe(toHex(b.der));
  });
});

describe('cipher and recipient choice', () => {
  it('certmonger takes the first of AES/DES3 in the caps order; AES-256 when neither is listed', () => {
    expect(presetCipher('certmonger', ['DES3', 'AES'])).toBe('DES-EDE3-CBC');
    expect(presetCipher('certmonger', ['AES', 'DES3'])).toBe('AES-256-CBC');
    expect(presetCipher('certmonger', [])).toBe('AES-256-CBC');
    expect(presetCipher('certmonger')).toBe('AES-256-CBC');
  });

  it('windows and apple prefer AES (or SCEPStandard), then DES3', () => {
    for (const p of ['windows', 'apple'] as const) {
      expect(presetCipher(p, ['DES3', 'AES'])).toBe('AES-256-CBC');
      expect(presetCipher(p, ['scepstandard'])).toBe('AES-256-CBC');
      expect(presetCipher(p, ['DES3'])).toBe('DES-EDE3-CBC');
      expect(presetCipher(p, [])).toBe('DES-EDE3-CBC');
    }
  });

  it('fixed ciphers ignore the caps', () => {
    expect(presetCipher('micromdm', ['AES'])).toBe('DES-CBC');
    expect(presetCipher('strongswan', ['DES3'])).toBe('AES-128-CBC');
    expect(presetCipher('chromeosConnector', [])).toBe('AES-256-CBC');
  });

  it('recipients: micromdm all RSA certificates; others the keyEncipherment RA (NDES: the encryption RA, not the signing one)', async () => {
    // Certificates for the RA's key with other usages: enough to test the choice without new keys.
    const ra = { issuer: pki.ca, keyObject: pki.ra.keyObject };
    const signingRa = await makeParty({ subject: 'CN=NDES signing RA', usages: ['digitalSignature'], ...ra });
    const encRa = await makeParty({ subject: 'CN=NDES encryption RA', usages: ['keyEncipherment'], ...ra });
    const certs = [signingRa.certificate, encRa.certificate, pki.ca.certificate];
    expect(presetRecipients('micromdm', certs)).toHaveLength(3);
    expect(presetRecipients('apple', certs).map((c) => formatName(c.subject))).toEqual(['CN=NDES encryption RA']);
    expect(presetRecipients('apple', [pki.ca.certificate]).map((c) => c.der)).toEqual([pki.ca.certificate.der]);
    const dataEnc = await makeParty({ subject: 'CN=dataEnc RA', usages: ['dataEncipherment'], ...ra });
    expect(presetRecipients('windows', [signingRa.certificate, dataEnc.certificate]).map((c) => formatName(c.subject))).toEqual(['CN=dataEnc RA']);
    const ec = await makeParty({ subject: 'CN=ec', keyType: 'EC' });
    expect(() => presetRecipients('apple', [ec.certificate])).toThrow(TypeError);
  });
});

describe('toHttpRequest / toCaHttpRequest', () => {
  const der = Uint8Array.from({ length: 301 }, (_, i) => (i * 37 + 251) & 0xff); // base64 with +, / and =
  const b64 = Buffer.from(der).toString('base64');
  const serverRead = (url: string): Uint8Array | undefined => {
    // What a lenient server does: URLSearchParams, then '+'→' ' undone, then base64 (standard or URL-safe).
    const v = new URL(url).searchParams.get('message') ?? '';
    return fromBase64(v.replace(/ /g, '+'));
  };

  it('the test bytes exercise every base64 character the encodings treat specially', () => {
    expect(b64).toMatch(/\+/);
    expect(b64).toMatch(/\//);
    expect(b64).toMatch(/=$/);
  });

  it('micromdm: POST (application/octet-stream) with POSTPKIOperation or SCEPStandard, else GET with URL-safe base64', () => {
    expect(toHttpRequest('micromdm', 'http://h/scep', der, ['POSTPKIOperation'])).toEqual({ method: 'POST', url: 'http://h/scep?operation=PKIOperation', headers: { 'content-type': 'application/octet-stream' }, body: der, httpVersion: '1.1' });
    expect(toHttpRequest('micromdm', 'http://h/scep', der, ['SCEPStandard']).method).toBe('POST');
    const get = toHttpRequest('micromdm', 'http://h/scep', der, ['AES']);
    expect(get.method).toBe('GET');
    const message = get.url.split('message=')[1] ?? '';
    expect(message).not.toMatch(/[+/]/);
    expect(message).toMatch(/[-_]/);
    expect(toHex(serverRead(get.url) ?? new Uint8Array())).toBe(toHex(der));
  });

  it('certmonger: always GET, standard base64 percent-encoded', () => {
    const r = toHttpRequest('certmonger', 'http://h/scep', der, ['POSTPKIOperation']);
    expect(r.method).toBe('GET');
    expect(r.body).toBeUndefined();
    expect(r.url).toBe(`http://h/scep?operation=PKIOperation&message=${encodeURIComponent(b64)}`);
    expect(toHex(serverRead(r.url) ?? new Uint8Array())).toBe(toHex(der));
  });

  it('strongSwan: POST without Content-Type', () => {
    expect(toHttpRequest('strongswan', 'http://h/scep', der)).toEqual({ method: 'POST', url: 'http://h/scep?operation=PKIOperation', headers: {}, body: der, httpVersion: '1.1' });
  });

  it('windows: /pkiclient.exe appended; GetCACert and GetCACaps with message=default', () => {
    expect(toHttpRequest('windows', 'http://h/scep/', der, ['POSTPKIOperation']).url).toBe('http://h/scep/pkiclient.exe?operation=PKIOperation');
    expect(toHttpRequest('windows', 'http://h/scep', der, ['POSTPKIOperation']).headers).toEqual({ 'content-type': 'application/x-pki-message' });
    expect(toCaHttpRequest('windows', 'http://h/scep', 'GetCACert').url).toBe('http://h/scep/pkiclient.exe?operation=GetCACert&message=default');
    expect(toCaHttpRequest('windows', 'http://h/scep', 'GetCACaps').url).toBe('http://h/scep/pkiclient.exe?operation=GetCACaps&message=default');
  });

  it('apple: GET with only "=" escaped, so "+" reaches a URLSearchParams server as a space; POST when advertised', () => {
    const r = toHttpRequest('apple', 'http://h/scep', der, ['AES', 'SHA-256']);
    expect(r.method).toBe('GET');
    expect(r.url).toBe(`http://h/scep?operation=PKIOperation&message=${b64.replace(/=/g, '%3D')}`);
    expect(new URL(r.url).searchParams.get('message')).toBe(b64.replace(/\+/g, ' '));
    expect(toHex(serverRead(r.url) ?? new Uint8Array())).toBe(toHex(der));
    expect(toHttpRequest('apple', 'http://h/scep', der, ['POSTPKIOperation']).method).toBe('POST');
  });

  it('cisco: GET over HTTP/1.0, base64 in 64-character lines joined by %0A, /cgi-bin/pkiclient.exe, GetCACert message=<trustpoint>', () => {
    const r = toHttpRequest('cisco', 'http://h', der, ['POSTPKIOperation']);
    expect([r.method, r.httpVersion]).toEqual(['GET', '1.0']);
    expect(r.url.startsWith('http://h/cgi-bin/pkiclient.exe?operation=PKIOperation&message=')).toBe(true);
    const message = r.url.split('message=')[1] ?? '';
    expect(message.split('%0A').slice(0, -1).every((l) => decodeURIComponent(l).length === 64 || l === message.split('%0A').at(-2))).toBe(true);
    expect(message.endsWith('%0A')).toBe(true);
    expect(toHex(serverRead(r.url) ?? new Uint8Array())).toBe(toHex(der));
    expect(toCaHttpRequest('cisco', 'http://h', 'GetCACert', 'my-trustpoint').url).toBe('http://h/cgi-bin/pkiclient.exe?operation=GetCACert&message=my-trustpoint');
  });

  it('chromeOS connector: POST application/x-pki-message; GetCACert without message', () => {
    expect(toHttpRequest('chromeosConnector', 'https://ndes.example/certsrv/mscep/mscep.dll', der)).toEqual({
      method: 'POST',
      url: 'https://ndes.example/certsrv/mscep/mscep.dll?operation=PKIOperation',
      headers: { 'content-type': 'application/x-pki-message' },
      body: der,
      httpVersion: '1.1',
    });
    expect(toCaHttpRequest('chromeosConnector', 'https://ndes.example/scep', 'GetNextCACert').url).toBe('https://ndes.example/scep?operation=GetNextCACert');
  });

  it('a query string already on the base URL is dropped (the operation goes in its own)', () => {
    expect(toCaHttpRequest('micromdm', 'http://h/scep?x=1', 'GetCACaps').url).toBe('http://h/scep?operation=GetCACaps');
  });
});
