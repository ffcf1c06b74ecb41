/**
 * The examples of docs/wire.md, run. Every ```ts block of docs/wire.md appears verbatim in this
 * file (checked by the first test), and the tests below call the example functions: the client
 * example enrolls against the server example, the preset example is answered by it, the KMS key
 * handle opens requests and signs replies.
 */
// docs:begin imports
import {
  buildCaCaps,
  buildCaCertResponse,
  buildCertRep,
  buildCertificate,
  buildCsr,
  buildDeviceRequest,
  buildPkiRequest,
  decodePkcs1v15,
  encodeAuthorityKeyIdentifier,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeSubjectAltName,
  isScepError,
  oids,
  parseCaCaps,
  parseCaCertResponse,
  parseCertificate,
  peekPkiMessage,
  readCertRep,
  readPkiRequest,
  toHex,
  toHttpRequest,
  UnsupportedAlgorithmError,
  type CaCertResponse,
  type Certificate,
  type CertificationRequest,
  type CryptoProvider,
  type DigestName,
  type Extension,
  type HttpRequestShape,
  type LegacyPolicy,
  type PrivateKeyHandle,
  type ResponseSigner,
} from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
// docs:end
import { constants, createHmac, createPrivateKey, privateDecrypt, randomBytes, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@scep/wire/node';

// docs:begin responder
/** What a SCEP server needs from the codec's point of view. */
export interface Responder {
  readonly ca: ResponseSigner; // issues certificates
  readonly ra: ResponseSigner; // signs CertReps and decrypts requests (may be the CA itself)
  readonly challenge: string;
  readonly legacy: LegacyPolicy; // e.g. ['SHA-1', 'DES-CBC'] for micromdm scepclient
  readonly crypto: CryptoProvider;
  readonly now: () => Date;
}

export function createResponder(files: { caDer: Uint8Array; caKeyPem: string; raDer: Uint8Array; raKeyPem: string }, challenge: string): Responder {
  return {
    ca: { certificate: parseCertificate(files.caDer), key: nodePrivateKey(files.caKeyPem) },
    ra: { certificate: parseCertificate(files.raDer), key: nodePrivateKey(files.raKeyPem) },
    challenge,
    legacy: ['SHA-1', 'DES-CBC', 'DES-EDE3-CBC'],
    crypto: nodeCrypto(),
    now: () => new Date(),
  };
}
// docs:end

// docs:begin server
/**
 * PKIOperation: verify, decrypt, check, issue, answer. Every failure of the request itself becomes
 * a FAILURE CertRep with the error's failInfo; undefined means "not even addressable" (HTTP 400).
 */
export async function answerPkiOperation(r: Responder, body: Uint8Array): Promise<Uint8Array | undefined> {
  const reply = { signer: r.ra, crypto: r.crypto, now: r.now, legacy: r.legacy };
  try {
    const { message, request, envelope } = await readPkiRequest(body, { crypto: r.crypto, recipients: [r.ra], legacy: r.legacy });
    if (request.type !== 'PKCSReq' && request.type !== 'RenewalReq') {
      return await buildCertRep({ ...reply, request: message, result: { status: 'FAILURE', failInfo: 'badRequest' } });
    }
    if (request.type === 'PKCSReq' && request.csr.challengePassword !== r.challenge) {
      return await buildCertRep({ ...reply, request: message, result: { status: 'FAILURE', failInfo: 'badRequest', failInfoText: 'Bad challenge' } });
    }
    const issued = await issueCertificate(r, request.csr);
    // Answer in the request's own cipher: a client that sent DES can read DES.
    return await buildCertRep({ ...reply, request: message, cipher: envelope.cipher, result: { status: 'SUCCESS', certificates: [issued, r.ca.certificate.der] } });
  } catch (err) {
    if (!isScepError(err)) throw err;
    const seen = peekPkiMessage(body); // unverified: only to address the FAILURE
    if (seen.transactionId === undefined || seen.senderNonce === undefined) return undefined;
    const request = { transactionId: seen.transactionId, senderNonce: seen.senderNonce };
    return buildCertRep({ ...reply, request, result: { status: 'FAILURE', failInfo: err.failInfo } });
  }
}

/** A one-year client certificate for the CSR's key, subject and subjectAltName. */
export async function issueCertificate(r: Responder, csr: CertificationRequest): Promise<Uint8Array> {
  const now = r.now();
  const keyId = await r.crypto.digest('SHA-1', r.ca.certificate.publicKey.keyBits);
  const extensions: Extension[] = [
    { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment']) },
    { oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage([oids.id_kp_clientAuth]) },
    { oid: oids.id_ce_authorityKeyIdentifier, critical: false, value: encodeAuthorityKeyIdentifier(keyId) },
  ];
  if (csr.subjectAltNames.length > 0) extensions.push({ oid: oids.id_ce_subjectAltName, critical: false, value: encodeSubjectAltName(csr.subjectAltNames) });
  return buildCertificate(
    {
      serialNumber: r.crypto.randomBytes(16),
      issuer: r.ca.certificate.subject,
      subject: csr.subject,
      notBefore: now,
      notAfter: new Date(now.getTime() + 365 * 86_400_000),
      publicKeyInfo: csr.publicKey.der,
      extensions,
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    r.ca.key,
  );
}
// docs:end

// docs:begin ca-certs
/** GetCACert: RA first, then CA (x-x509-ca-ra-cert); a lone CA goes out as its DER (x-x509-ca-cert). */
export function answerGetCaCert(r: Responder): CaCertResponse {
  return buildCaCertResponse(r.ra === r.ca ? [r.ca.certificate.der] : [r.ra.certificate.der, r.ca.certificate.der]);
}

/** GetCACaps: SHA-384 is listed for strongSwan 5.9.8, whose caps parser needs it. */
export const CA_CAPS = buildCaCaps(['AES', 'DES3', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard']);
// docs:end

// docs:begin client
/** The client side: one enrollment with a fresh self-signed signer, over whatever transport `send` is. */
export async function enroll(o: {
  readonly caps: string; // GetCACaps body
  readonly caCert: { readonly body: Uint8Array; readonly contentType: string }; // GetCACert answer
  readonly key: PrivateKeyHandle;
  readonly subject: string;
  readonly challenge: string;
  readonly crypto: CryptoProvider;
  readonly now: Date;
  readonly send: (der: Uint8Array, method: 'GET' | 'POST') => Promise<Uint8Array>;
}): Promise<Certificate> {
  const caps = parseCaCaps(o.caps).capabilities;
  const caCerts = parseCaCertResponse(o.caCert.body, o.caCert.contentType);
  const signatureAlgorithm = { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } as const;
  const csr = await buildCsr({ subject: o.subject, challengePassword: o.challenge, signatureAlgorithm }, o.key);
  const self = await buildCertificate(
    { serialNumber: o.crypto.randomBytes(8), issuer: o.subject, subject: o.subject, notBefore: o.now, notAfter: new Date(o.now.getTime() + 86_400_000), publicKeyInfo: o.key.publicKeyInfo, signatureAlgorithm },
    o.key,
  );
  const signer = { certificate: parseCertificate(self), key: o.key };
  const request = await buildPkiRequest({
    messageType: 'PKCSReq',
    content: csr,
    signer,
    recipients: [caCerts[0] as Certificate], // the RA comes first in an x-x509-ca-ra-cert answer
    transactionId: toHex(await o.crypto.digest('SHA-256', o.key.publicKeyInfo)),
    cipher: caps.has('AES') ? 'AES-256-CBC' : 'DES-EDE3-CBC',
    legacy: ['DES-EDE3-CBC'],
    crypto: o.crypto,
  });
  const response = await o.send(request.der, caps.has('POSTPKIOperation') ? 'POST' : 'GET');
  const rep = await readCertRep(response, { crypto: o.crypto, request, trusted: caCerts, recipient: signer });
  if (rep.status !== 'SUCCESS') throw new Error(`enrollment ${rep.status}: ${rep.failInfo ?? ''} ${rep.failInfoText ?? ''}`);
  return rep.certificates[0] as Certificate; // the issued certificate comes first
}
// docs:end

// docs:begin presets
/** A request exactly as micromdm's scepclient would send it, and the HTTP request that carries it. */
export async function micromdmRequest(key: PrivateKeyHandle, caCerts: readonly Certificate[], crypto: CryptoProvider): Promise<{ der: Uint8Array; http: HttpRequestShape }> {
  const caps = ['POSTPKIOperation', 'SHA-256', 'AES'];
  const req = await buildDeviceRequest('micromdm', { key, subject: 'CN=device-7', challengePassword: 'secret', recipients: caCerts, caps, crypto });
  // req.digest === 'SHA-1', req.cipher === 'DES-CBC', req.legacy === ['SHA-1', 'DES-CBC']
  return { der: req.der, http: toHttpRequest('micromdm', 'https://scep.example.test/scep', req.der, caps) };
}
// docs:end

// docs:begin kms
/** An RSA key held elsewhere (HSM, cloud KMS) that can sign and do raw (unpadded) RSA decryption. */
export interface RemoteRsaKey {
  readonly publicKeyInfo: Uint8Array; // DER SubjectPublicKeyInfo
  sign(digest: DigestName, data: Uint8Array): Promise<Uint8Array>; // RSASSA-PKCS1-v1_5
  decryptRaw(ciphertext: Uint8Array): Promise<Uint8Array>; // c^d mod n, modulus-sized
  mac(data: Uint8Array): Promise<Uint8Array>; // keyed and secret, e.g. HMAC-SHA-256 in the KMS
}

export function remoteRsaKey(remote: RemoteRsaKey): PrivateKeyHandle {
  return {
    keyType: 'RSA',
    publicKeyInfo: remote.publicKeyInfo,
    async sign(algorithm, data) {
      if (algorithm.scheme !== 'RSASSA-PKCS1-v1_5') throw new UnsupportedAlgorithmError(`${algorithm.scheme} is not offered by this key`);
      return remote.sign(algorithm.digest, data);
    },
    async unwrapKey(algorithm, encryptedKey, keyLength) {
      if (algorithm.scheme !== 'RSAES-PKCS1-v1_5') throw new UnsupportedAlgorithmError('only RSAES-PKCS1-v1_5 here');
      // Implicit rejection (RFC 3218 §2.3.2): a bad block yields a key derived from the ciphertext,
      // so the failure shows up later as an ordinary decryption failure. Never throw here.
      const synthetic = (await remote.mac(encryptedKey)).subarray(0, keyLength);
      let em: Uint8Array;
      try {
        em = await remote.decryptRaw(encryptedKey);
      } catch {
        return synthetic;
      }
      return decodePkcs1v15(em, keyLength, synthetic);
    },
  };
}
// docs:end

// --- The tests -------------------------------------------------------------------------------

const FIXTURES = join(import.meta.dirname, '../../../fixtures/wire');
const DOCS = join(import.meta.dirname, '../../../docs/wire.md');
const NOW = new Date('2026-03-01T12:00:00Z');

let responder: Responder;
let deviceKey: PrivateKeyHandle;
beforeAll(async () => {
  const [caDer, raDer, caKeyPem, raKeyPem, devicePem] = await Promise.all([
    readFile(join(FIXTURES, 'ca.der')),
    readFile(join(FIXTURES, 'ra.der')),
    readFile(join(FIXTURES, 'keys/ca.key.pem'), 'utf8'),
    readFile(join(FIXTURES, 'keys/ra.key.pem'), 'utf8'),
    readFile(join(FIXTURES, 'keys/device.key.pem'), 'utf8'),
  ]);
  // The documented constructor, with a seeded provider and a fixed clock for the test.
  const base = createResponder({ caDer: new Uint8Array(caDer), raDer: new Uint8Array(raDer), caKeyPem, raKeyPem }, 'secret');
  responder = { ...base, crypto: nodeCrypto({ random: seededRandom('docs examples') }), now: () => NOW };
  deviceKey = nodePrivateKey(devicePem);
});

describe('docs/wire.md', () => {
  it('every ```ts block is verbatim in this file (so every example is compiled, linted and run)', async () => {
    const [docs, self] = await Promise.all([readFile(DOCS, 'utf8'), readFile(import.meta.filename, 'utf8')]);
    const blocks = [...docs.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    const regions = [...self.matchAll(/\/\/ docs:begin (\S+)\n([\s\S]*?)\/\/ docs:end\n/g)].map((m) => m[2] as string);
    for (const block of blocks) expect(regions, block.slice(0, 80)).toContain(block);
  });

  it('client example enrolls against the server example (PKCSReq, challenge, GetCACert, GetCACaps)', async () => {
    const caCert = answerGetCaCert(responder);
    expect(caCert.contentType).toBe('application/x-x509-ca-ra-cert');
    const methods: string[] = [];
    const issued = await enroll({
      caps: CA_CAPS,
      caCert,
      key: deviceKey,
      subject: 'CN=docs-device',
      challenge: 'secret',
      crypto: responder.crypto,
      now: NOW,
      send: async (der, method) => {
        methods.push(method);
        return (await answerPkiOperation(responder, der)) as Uint8Array;
      },
    });
    expect(methods).toEqual(['POST']);
    expect(issued.subject.rdns[0]?.[0]?.value).toBe('docs-device');
    expect(toHex(issued.publicKey.der)).toBe(toHex(deviceKey.publicKeyInfo));
    expect(toHex(issued.issuer.der)).toBe(toHex(responder.ca.certificate.subject.der));
    expect(issued.extendedKeyUsage).toEqual([oids.id_kp_clientAuth]);
  });

  it('a wrong challenge, and a message that does not verify, get FAILURE CertReps with the right failInfo', async () => {
    const caCert = answerGetCaCert(responder);
    await expect(
      enroll({ caps: CA_CAPS, caCert, key: deviceKey, subject: 'CN=x', challenge: 'wrong', crypto: responder.crypto, now: NOW, send: async (der) => (await answerPkiOperation(responder, der)) as Uint8Array }),
    ).rejects.toThrow('enrollment FAILURE: badRequest Bad challenge');
    let tampered: Uint8Array | undefined;
    await expect(
      enroll({
        caps: CA_CAPS,
        caCert,
        key: deviceKey,
        subject: 'CN=x',
        challenge: 'secret',
        crypto: responder.crypto,
        now: NOW,
        send: async (der) => {
          tampered = der.slice();
          tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1; // break the signature
          return (await answerPkiOperation(responder, tampered)) as Uint8Array;
        },
      }),
    ).rejects.toThrow('enrollment FAILURE: badMessageCheck');
    expect(tampered).toBeDefined();
    expect(await answerPkiOperation(responder, Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it('the preset example: a micromdm-shaped request (SHA-1, DES) POSTed as octet-stream, answered in DES', async () => {
    const caCerts = parseCaCertResponse(answerGetCaCert(responder).body);
    const { der, http } = await micromdmRequest(deviceKey, caCerts, responder.crypto);
    expect([http.method, http.headers['content-type'], http.url]).toEqual(['POST', 'application/octet-stream', 'https://scep.example.test/scep?operation=PKIOperation']);
    const rep = (await answerPkiOperation(responder, http.body ?? der)) as Uint8Array;
    const parsed = await readPkiRequest(der, { crypto: responder.crypto, recipients: [responder.ra], legacy: true });
    const self = parsed.message.signer;
    const back = await readCertRep(rep, { crypto: responder.crypto, legacy: true, request: parsed.message, trusted: caCerts, recipient: { certificate: self, key: deviceKey } });
    expect(back.status).toBe('SUCCESS');
    expect(parsed.envelope.cipher).toBe('DES-CBC');
  });

  it('GetCACaps and GetCACert examples', () => {
    expect(CA_CAPS).toBe('AES\nDES3\nPOSTPKIOperation\nRenewal\nSHA-1\nSHA-256\nSHA-384\nSHA-512\nSCEPStandard\n');
    const one = answerGetCaCert({ ...responder, ra: responder.ca });
    expect(one.contentType).toBe('application/x-x509-ca-cert');
    expect(parseCaCertResponse(answerGetCaCert(responder).body).map((c) => c.der)).toEqual([responder.ra.certificate.der, responder.ca.certificate.der]);
  });

  it('the KMS key handle example opens requests and signs CertReps, with implicit rejection', async () => {
    const pem = await readFile(join(FIXTURES, 'keys/ra.key.pem'), 'utf8');
    const key = createPrivateKey(pem);
    const macKey = randomBytes(32);
    let decryptCalls = 0;
    const kms = remoteRsaKey({
      publicKeyInfo: responder.ra.key.publicKeyInfo,
      sign: async (digest, data) => new Uint8Array(sign(digest.replace('-', '').toLowerCase(), data, key)),
      decryptRaw: async (c) => {
        decryptCalls++;
        return new Uint8Array(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, c));
      },
      mac: async (data) => new Uint8Array(createHmac('sha256', macKey).update(data).digest()),
    });
    const viaKms: Responder = { ...responder, ra: { certificate: responder.ra.certificate, key: kms } };
    const issued = await enroll({
      caps: CA_CAPS,
      caCert: answerGetCaCert(viaKms),
      key: deviceKey,
      subject: 'CN=kms-device',
      challenge: 'secret',
      crypto: responder.crypto,
      now: NOW,
      send: async (der) => (await answerPkiOperation(viaKms, der)) as Uint8Array,
    });
    expect(issued.subject.rdns[0]?.[0]?.value).toBe('kms-device');
    expect(decryptCalls).toBe(1);
    const unwrap = kms.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>;
    const bad = new Uint8Array(256).fill(7);
    const a = await unwrap({ scheme: 'RSAES-PKCS1-v1_5' }, bad, 32);
    expect(toHex(a)).toBe(toHex(await unwrap({ scheme: 'RSAES-PKCS1-v1_5' }, bad, 32)));
    expect(a.length).toBe(32);
    expect((await unwrap({ scheme: 'RSAES-PKCS1-v1_5' }, new Uint8Array(256).fill(0xff), 16)).length).toBe(16); // above the modulus: synthetic
    await expect(kms.sign({ scheme: 'ECDSA', digest: 'SHA-256' }, new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_ALGORITHM' });
    expect((await kms.sign({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, Uint8Array.of(1))).length).toBe(256);
  });
});
