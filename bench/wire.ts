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
import { fmt, measureRounds, sum, table, type Contender } from './lib.js';
import { ClientKeyPool } from './server/keys.js';
import { buildRequests } from './server/requests.js';

const crypto = nodeCrypto();
const PLACEMENT = process.env['SCEP_BENCH_PLACEMENT'] === 'offload' ? 'offload' : 'adaptive';
const T0 = new Date('2026-01-01T00:00:00Z');

export async function party(subject: string, issuer?: { certificate: Certificate; key: PrivateKeyHandle }, ca = false): Promise<{ certificate: Certificate; key: PrivateKeyHandle; keyObject: KeyObject }> {
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
  // The read-and-answer lines read with the same CA, so the reply's key wrap finds the key the read
  // has just imported, as on a server.
  const readAndAnswer = async (der: Uint8Array) => {
    const m = await readPkiRequest(der, { crypto, recipients: [ca] });
    return buildCertRep({ request: m.message, result: { status: 'SUCCESS', certificates: [issued, ca.certificate.der] }, signer: ca, crypto });
  };
  // A new device per request: more distinct keys than nodeCrypto's 256-entry key cache, cycled, so
  // every lookup misses as it does on a server where each request brings its own key.
  const fresh = await freshDevices(FRESH_DEVICES, ca.certificate);
  let next = 0;

  // Every operation, RSA baselines included, runs a 20 ms slice per round, round after round,
  // and each share comes from sums over the same rounds: this VM's speed drifts within a second
  // (bench/lib.ts), and with the RSA baselines timed first, then each operation for 1.5 s, three
  // runs of the same code gave 25.1, 27.8 and 36.3 %.
  const ops = {
    rsaUnwrap: { name: 'RSA-2048 private decrypt (NO_PADDING)', fn: () => privateDecrypt({ key: caPriv, padding: constants.RSA_NO_PADDING }, block) },
    rsaSignSync: { name: 'RSA-2048 sign (sync)', fn: () => sign('sha256', data, caPriv) },
    rsaSignAsync: { name: 'RSA-2048 sign (thread pool)', fn: () => new Promise((r) => sign('sha256', data, caPriv, r)) },
    rsaVerify: { name: 'RSA-2048 verify', fn: () => verify('sha256', data, caPub, sig) },
    rsaWrap: { name: 'RSA-2048 public encrypt', fn: () => publicEncrypt({ key: devPub, padding: constants.RSA_PKCS1_PADDING }, new Uint8Array(32)) },
    parse: { name: 'readPkiRequest (parse+verify+decrypt+CSR verify)', fn: () => readPkiRequest(req.der, { crypto, recipients: [ca] }) },
    certRep: { name: 'buildCertRep SUCCESS', fn: () => buildCertRep({ request: got.message, result: { status: 'SUCCESS', certificates: [issued, ca.certificate.der] }, signer: ca, crypto }) },
    issue: { name: 'buildCertificate (issue)', fn: () => buildCertificate(issuedTemplate, ca.key) },
    sameBoth: { name: 'readPkiRequest + buildCertRep, one device', fn: () => readAndAnswer(req.der) },
    freshBoth: { name: 'readPkiRequest + buildCertRep, a new device key each time', fn: () => readAndAnswer(fresh[next++ % fresh.length] as Uint8Array) },
    // The road not taken: the @peculiar object model for the same message (decode only, no crypto).
    peculiar: {
      name: '@peculiar AsnConvert.parse to EnvelopedData (decode only)',
      fn: () => {
        const ci = AsnConvert.parse(req.der, ContentInfo);
        const sd = AsnConvert.parse(ci.content, SignedData);
        const inner = sd.encapContentInfo.eContent?.single?.buffer ?? new ArrayBuffer(0);
        const ci2 = AsnConvert.parse(inner, ContentInfo);
        AsnConvert.parse(ci2.content, EnvelopedData);
      },
    },
  } satisfies Record<string, Contender>;
  type Op = keyof typeof ops;
  const keys = Object.keys(ops) as Op[];
  const seconds = Number(process.env['SCEP_BENCH_SECONDS'] ?? 30);
  const measured = await measureRounds(
    keys.map((k) => ops[k]),
    { ms: seconds * 1000, sliceMs: SLICE_MS },
  );
  const perRound = (k: Op): readonly number[] => measured.us[keys.indexOf(k)] ?? [];
  /** Mean µs per operation over rounds [from, to). */
  const mean = (k: Op, from = 0, to = measured.rounds): number => sum(perRound(k).slice(from, to)) / (to - from);

  const rows: string[][] = [['operation', 'µs/op', 'ops/s', 'RSA private µs', 'RSA public µs', 'non-private share']];
  const line = (k: Op, priv: number, pub: number): void => {
    const us = mean(k);
    rows.push([ops[k].name, fmt(us), fmt(1e6 / us, 0), fmt(priv), fmt(pub), priv > 0 ? `${fmt(((us - priv) / us) * 100)} %` : '']);
  };
  line('parse', mean('rsaUnwrap'), 2 * mean('rsaVerify'));
  line('certRep', mean('rsaSignSync'), mean('rsaWrap'));
  line('issue', mean('rsaSignSync'), 0);
  line('sameBoth', mean('rsaUnwrap') + mean('rsaSignSync'), 2 * mean('rsaVerify') + mean('rsaWrap'));
  line('freshBoth', mean('rsaUnwrap') + mean('rsaSignSync'), 2 * mean('rsaVerify') + mean('rsaWrap'));
  for (const k of ['peculiar', 'rsaUnwrap', 'rsaSignSync', 'rsaSignAsync', 'rsaVerify', 'rsaWrap'] as const) rows.push([ops[k].name, fmt(mean(k)), fmt(1e6 / mean(k), 0), '', '', '']);
  console.log(`\n## @scep/wire (RSA-2048, AES-256-CBC, SHA-256; PKCSReq ${req.der.length} bytes)\n`);
  console.log(`µs/op: the mean over ${measured.rounds} interleaved rounds in ${seconds} s, a ${SLICE_MS} ms slice of every operation per round\n`);
  console.log(table(rows));

  // A share from the means over rounds [from, to): both sides are sums over the same rounds.
  const privOf = (from?: number, to?: number): number => mean('rsaUnwrap', from, to) + 2 * mean('rsaSignSync', from, to);
  const enrollOf = (from?: number, to?: number): number => mean('parse', from, to) + mean('certRep', from, to) + mean('issue', from, to);
  const sameOf = (from?: number, to?: number): number => mean('sameBoth', from, to) + mean('issue', from, to);
  const freshOf = (from?: number, to?: number): number => mean('freshBoth', from, to) + mean('issue', from, to);
  const shareOf = (total: (from?: number, to?: number) => number, from?: number, to?: number): number => ((total(from, to) - privOf(from, to)) / total(from, to)) * 100;
  const quarters = [0, 1, 2, 3].map((q) => [Math.floor((q * measured.rounds) / 4), Math.floor(((q + 1) * measured.rounds) / 4)] as const);
  const share = (total: (from?: number, to?: number) => number): string =>
    `${fmt(total())} µs, of which RSA private ops ${fmt(privOf())} µs -> everything else ${fmt(shareOf(total))} % (by quarter of the run: ${quarters.map(([f, t]) => fmt(shareOf(total, f, t))).join(', ')} %)`;
  console.log(`\nRSA private decrypt per slice: ${fmt(Math.min(...perRound('rsaUnwrap')), 0)}–${fmt(Math.max(...perRound('rsaUnwrap')), 0)} µs`);
  console.log(`enrollment codec path, each operation alone: ${share(enrollOf)} (goal <= 25 %)`);
  console.log(`read and answer in one operation, one device: ${share(sameOf)}`);
  console.log(`read and answer in one operation, a new device key per request (${FRESH_DEVICES} keys cycled): ${share(freshOf)}`);
  return { parseUs: mean('parse'), certRepUs: mean('certRep'), issueUs: mean('issue'), rsaPrivUs: privOf() };
}

export const FRESH_DEVICES = 600;
/** Long enough that a GC pause stays with the operation that caused it (bench/lib.ts). */
const SLICE_MS = 20;

/** PKCSReqs from `n` distinct RSA-2048 device keys (drawn from a prime pool: seconds, not minutes). */
export async function freshDevices(n: number, caCert: Certificate): Promise<Uint8Array[]> {
  const keys = await ClientKeyPool.create(n);
  const built = await buildRequests({ keys, from: 0, count: n, recipients: [caCert], challenge: 'a-challenge-password-of-32-chars', cipher: 'AES-256-CBC', crypto, tag: 'wire', now: T0 });
  return built.map((r) => r.der);
}

export { createPrivateKey };
