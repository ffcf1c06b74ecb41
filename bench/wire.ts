/**
 * @scep/wire hot paths against the raw RSA cost (RSA-2048, AES-256-CBC, SHA-256):
 *  - parse + verify + decrypt + CSR-verify a PKCSReq (certmonger-sized, ~2.5 kB)
 *  - build a SUCCESS CertRep (issued cert + CA chain, enveloped to the requester)
 *  - issue a certificate (TBS assembly + RSA signature)
 * Beside each: the node:crypto cost of the RSA operations it performs, and the codec's share.
 * Goal (issue #2): everything except the RSA private-key operations ≤ 25 % of the total.
 * The path is also measured as a server runs it, reading a request and answering it in one
 * operation: with one device, and with a new device per request (every key imported afresh).
 * Keys use placement 'adaptive', the example server's default; SCEP_BENCH_PLACEMENT=offload
 * measures with every signature on libuv's pool instead.
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, sign, verify, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, EnvelopedData, SignedData } from '@peculiar/asn1-cms';
import {
  buildCertRep,
  buildCertificate,
  buildCsr,
  buildPkiRequest,
  encodeBasicConstraints,
  encodeKeyUsage,
  oids,
  parseCertificate,
  readPkiRequest,
  type Certificate,
  type PrivateKeyHandle,
} from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { fmt, measure, table } from './lib.js';
import { ClientKeyPool } from './server/keys.js';
import { buildRequests } from './server/requests.js';

const crypto = nodeCrypto();
const PLACEMENT = process.env['SCEP_BENCH_PLACEMENT'] === 'offload' ? 'offload' : 'adaptive';
const T0 = new Date('2026-01-01T00:00:00Z');

async function party(subject: string, issuer?: { certificate: Certificate; key: PrivateKeyHandle }, ca = false): Promise<{ certificate: Certificate; key: PrivateKeyHandle; keyObject: KeyObject }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // As the example server places them: one operation at a time, as here, signs on this thread
  // (after a < 1 µs yield). 'offload' would add the pool hand-off (~33 µs) and, on this VM, an
  // idle-thread penalty a loaded server never pays (bench/idle-pool.ts); neither is codec work.
  const key = nodePrivateKey(privateKey, { placement: PLACEMENT });
  const der = await buildCertificate(
    {
      serialNumber: 1234n,
      issuer: issuer?.certificate.subject ?? subject,
      subject,
      notBefore: T0,
      notAfter: new Date(T0.getTime() + 10 * 365 * 86400e3),
      publicKeyInfo: key.publicKeyInfo,
      extensions: ca
        ? [
            { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true }) },
            { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment', 'keyCertSign', 'cRLSign']) },
          ]
        : [],
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    issuer?.key ?? key,
  );
  return { certificate: parseCertificate(der), key, keyObject: privateKey };
}

export async function runWireBench(): Promise<{ parseUs: number; certRepUs: number; issueUs: number; rsaPrivUs: number }> {
  const ca = await party('CN=Bench CA,O=scep bench', undefined, true);
  const device = await party('CN=bench-device');
  const csr = await buildCsr({ subject: 'CN=bench-device,O=Example Corp,OU=Devices', challengePassword: 'a-challenge-password-of-32-chars', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, device.key);
  const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: device, recipients: [ca.certificate], transactionId: 'A'.repeat(40), crypto, cipher: 'AES-256-CBC', digest: 'SHA-256', signatureStyle: 'rsaEncryption' });
  const got = await readPkiRequest(req.der, { crypto, recipients: [ca] });
  const issuedTemplate = {
    serialNumber: 99n,
    issuer: ca.certificate.subject,
    subject: device.certificate.subject,
    notBefore: T0,
    notAfter: new Date(T0.getTime() + 365 * 86400e3),
    publicKeyInfo: device.key.publicKeyInfo,
    extensions: [{ oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment']) }],
    signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } as const,
  };
  const issued = await buildCertificate(issuedTemplate, ca.key);

  // Raw node:crypto costs of the RSA operations involved.
  const caPriv = ca.keyObject;
  const caPub = createPublicKey(caPriv);
  const devPub = createPublicKey(device.keyObject);
  const block = publicEncrypt({ key: caPub, padding: constants.RSA_PKCS1_PADDING }, new Uint8Array(32));
  const data = new Uint8Array(600);
  const sig = sign('sha256', data, caPriv);
  const rsaUnwrap = await measure('RSA-2048 private decrypt (NO_PADDING)', () => privateDecrypt({ key: caPriv, padding: constants.RSA_NO_PADDING }, block));
  const rsaSignSync = await measure('RSA-2048 sign (sync)', () => sign('sha256', data, caPriv));
  const rsaSignAsync = await measure('RSA-2048 sign (thread pool)', () => new Promise((r) => sign('sha256', data, caPriv, r)));
  const rsaVerify = await measure('RSA-2048 verify', () => verify('sha256', data, caPub, sig));
  const rsaWrap = await measure('RSA-2048 public encrypt', () => publicEncrypt({ key: devPub, padding: constants.RSA_PKCS1_PADDING }, new Uint8Array(32)));

  const parse = await measure('readPkiRequest (parse+verify+decrypt+CSR verify)', () => readPkiRequest(req.der, { crypto, recipients: [ca] }));
  const certRep = await measure('buildCertRep SUCCESS', () => buildCertRep({ request: got.message, result: { status: 'SUCCESS', certificates: [issued, ca.certificate.der] }, signer: ca, crypto }));

  // Read and answer in one operation, as a server does: the reply's key wrap then finds the key the
  // read has just imported.
  const readAndAnswer = async (der: Uint8Array) => {
    const m = await readPkiRequest(der, { crypto, recipients: [ca] });
    return buildCertRep({ request: m.message, result: { status: 'SUCCESS', certificates: [issued, ca.certificate.der] }, signer: ca, crypto });
  };
  const sameBoth = await measure('readPkiRequest + buildCertRep, one device', () => readAndAnswer(req.der));
  // A new device per request: more distinct keys than nodeCrypto's 256-entry key cache, cycled, so
  // every lookup misses as it does on a server where each request brings its own key.
  const fresh = await freshDevices(FRESH_DEVICES, ca.certificate);
  let next = 0;
  const freshBoth = await measure('readPkiRequest + buildCertRep, a new device key each time', () => readAndAnswer(fresh[next++ % fresh.length] as Uint8Array));
  const issue = await measure('buildCertificate (issue)', () => buildCertificate(issuedTemplate, ca.key));
  // The road not taken: the @peculiar object model for the same message (decode only, no crypto).
  const peculiar = await measure('@peculiar AsnConvert.parse to EnvelopedData (decode only)', () => {
    const ci = AsnConvert.parse(req.der, ContentInfo);
    const sd = AsnConvert.parse(ci.content, SignedData);
    const inner = sd.encapContentInfo.eContent?.single?.buffer ?? new ArrayBuffer(0);
    const ci2 = AsnConvert.parse(inner, ContentInfo);
    AsnConvert.parse(ci2.content, EnvelopedData);
  });

  const rows: string[][] = [['operation', 'µs/op', 'ops/s', 'RSA private µs', 'RSA public µs', 'non-private share']];
  const line = (m: { name: string; us: number; opsPerSec: number }, priv: number, pub: number): void => {
    rows.push([m.name, fmt(m.us), fmt(m.opsPerSec, 0), fmt(priv), fmt(pub), priv > 0 ? `${fmt(((m.us - priv) / m.us) * 100)} %` : '']);
  };
  line(parse, rsaUnwrap.us, 2 * rsaVerify.us);
  line(certRep, rsaSignSync.us, rsaWrap.us);
  line(issue, rsaSignSync.us, 0);
  line(sameBoth, rsaUnwrap.us + rsaSignSync.us, 2 * rsaVerify.us + rsaWrap.us);
  line(freshBoth, rsaUnwrap.us + rsaSignSync.us, 2 * rsaVerify.us + rsaWrap.us);
  rows.push([peculiar.name, fmt(peculiar.us), fmt(peculiar.opsPerSec, 0), '', '', '']);
  for (const m of [rsaUnwrap, rsaSignSync, rsaSignAsync, rsaVerify, rsaWrap]) rows.push([m.name, fmt(m.us), fmt(m.opsPerSec, 0), '', '', '']);
  console.log(`\n## @scep/wire (RSA-2048, AES-256-CBC, SHA-256; PKCSReq ${req.der.length} bytes)\n`);
  console.log(table(rows));
  const enrollUs = parse.us + certRep.us + issue.us;
  const privUs = rsaUnwrap.us + 2 * rsaSignSync.us;
  const share = (us: number): string => `${fmt(us)} µs, of which RSA private ops ${fmt(privUs)} µs -> everything else ${fmt(((us - privUs) / us) * 100)} %`;
  console.log(`\nenrollment codec path, each operation alone: ${share(enrollUs)} (goal <= 25 %)`);
  console.log(`read and answer in one operation, one device: ${share(sameBoth.us + issue.us)}`);
  console.log(`read and answer in one operation, a new device key per request (${FRESH_DEVICES} keys cycled): ${share(freshBoth.us + issue.us)}`);
  return { parseUs: parse.us, certRepUs: certRep.us, issueUs: issue.us, rsaPrivUs: privUs };
}

const FRESH_DEVICES = 600;

/** PKCSReqs from `n` distinct RSA-2048 device keys (drawn from a prime pool: seconds, not minutes). */
async function freshDevices(n: number, caCert: Certificate): Promise<Uint8Array[]> {
  const keys = await ClientKeyPool.create(n);
  const built = await buildRequests({ keys, from: 0, count: n, recipients: [caCert], challenge: 'a-challenge-password-of-32-chars', cipher: 'AES-256-CBC', crypto, tag: 'wire', now: T0 });
  return built.map((r) => r.der);
}

export { createPrivateKey };
