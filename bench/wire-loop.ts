/**
 * The enrollment path a server runs, in a loop, with a new device key per request: read the
 * PKCSReq, issue the certificate, build the CertRep. Prints µs per enrollment; with --profile, V8's
 * CPU profile of the loop alone (not the setup), summarised per enrollment.
 *   node --conditions=@scep/source --import tsx bench/wire-loop.ts [N] [--profile]
 * What the codec benchmark's "new device key per request" line measures, for profiling it
 * (docs/benchmarks.md, codec micro-benchmarks).
 */
import { Session } from 'node:inspector/promises';
import { buildCertRep, buildCertificate, encodeKeyUsage, oids, readPkiRequest } from '@scep/wire';
import { nodeCrypto } from '@scep/wire/node';
import { formatProfile, summariseProfile, type CpuProfile } from './server/profile.js';
import { FRESH_DEVICES as DEVICES, freshDevices, party } from './wire.js';

const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 4000);
const profile = process.argv.includes('--profile');
const T0 = new Date('2026-01-01T00:00:00Z');
const crypto = nodeCrypto();

// The CA and the devices of `pnpm bench wire`: more device keys than nodeCrypto's 256-entry key
// cache, so every key is imported afresh.
const ca = await party('CN=Bench CA,O=scep bench', undefined, true);
const requests = await freshDevices(DEVICES, ca.certificate);

async function enroll(i: number): Promise<void> {
  const m = await readPkiRequest(requests[i % DEVICES] as Uint8Array, { crypto, recipients: [ca] });
  if (m.request.type !== 'PKCSReq') throw new Error(`unexpected ${m.request.type}`);
  const issued = await buildCertificate(
    {
      serialNumber: BigInt(1000 + i),
      issuer: ca.certificate.subject,
      subject: m.request.csr.subject,
      notBefore: T0,
      notAfter: new Date(T0.getTime() + 365 * 86400e3),
      publicKeyInfo: m.request.csr.publicKey.der,
      extensions: [{ oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment']) }],
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    ca.key,
  );
  await buildCertRep({ request: m.message, result: { status: 'SUCCESS', certificates: [issued, ca.certificate.der] }, signer: ca, crypto });
}

for (let i = 0; i < 500; i++) await enroll(i); // JIT warm-up
const session = profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const t0 = performance.now();
for (let i = 0; i < n; i++) await enroll(i);
const us = ((performance.now() - t0) * 1000) / n;
console.log(`${n} enrollments, ${DEVICES} device keys cycled: ${us.toFixed(1)} µs per enrollment (wall, this thread)`);
if (session) {
  const { profile: p } = await session.post('Profiler.stop');
  session.disconnect();
  console.log(formatProfile(summariseProfile(p as unknown as CpuProfile), { perUnit: n, unitName: 'enrollment', top: 30 }));
}
