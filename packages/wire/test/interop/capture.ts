/**
 * Captures one real request per real client as regression fixtures (fixtures/wire/captured/).
 *
 *   node --conditions=@scep/source --import tsx packages/wire/test/interop/capture.ts [outDir]
 *
 * Starts the interop responder with a fresh CA and RA, runs micromdm scepclient (PKCSReq, then
 * RenewalReq), certmonger (PKCSReq by GET) and strongSwan pki (PKCSReq, AES-128, SHA-512), and
 * writes each request body exactly as received, with the CA/RA certificates and keys that decrypt
 * it and the client's own CSR (or public key) to compare the decrypted content with. Needs the
 * clients installed; the test that checks the captures (fixtures/test/wire-captured.test.ts) does
 * not.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash, createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodePem, encodePem, toHex } from '@scep/wire';
import { makeParty } from '../helpers.js';
import { startResponder } from './responder.js';
import { HAVE, runPeer } from './peers.js';

const CAPS = ['AES', 'DES3', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SCEPStandard'];

/** One row of fixtures/wire/captured/manifest.json (read back by fixtures/test/wire-captured.test.ts). */
export interface CaptureEntry {
  readonly file: string;
  readonly client: string;
  readonly messageType: string;
  readonly method: string;
  readonly contentType: string | null;
  readonly digest: string;
  readonly cipher: string;
  readonly signatureStyle: string;
  readonly transactionId: string;
  /** The client's own CSR (DER) or, when the client keeps none, its public key (SPKI DER). */
  readonly expected: { readonly file: string; readonly kind: 'csr' | 'spki' };
  readonly challengePassword: string;
  readonly sha256: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(import.meta.dirname, '../../../../fixtures/wire/captured'));
  for (const [name, ok] of Object.entries(HAVE)) if (!ok && name !== 'scepserver') throw new Error(`${name} is not installed`);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'wire-capture-'));
  const ca = await makeParty({ subject: 'CN=Capture CA,O=scep-wire fixtures', ca: true, serial: 1n });
  const ra = await makeParty({ subject: 'CN=Capture RA,O=scep-wire fixtures', issuer: ca, usages: ['digitalSignature', 'keyEncipherment'], serial: 2n });
  const entries: CaptureEntry[] = [];
  const pemDer = async (path: string, label: string): Promise<Uint8Array> => {
    const block = decodePem(await readFile(path, 'utf8')).find((b) => b.label === label);
    if (!block) throw new Error(`no ${label} in ${path}`);
    return block.der;
  };
  const record = async (client: string, file: string, index: number, captures: Awaited<ReturnType<typeof startResponder>>['captures'], expected: { file: string; kind: 'csr' | 'spki'; der: Uint8Array }, challenge: string): Promise<void> => {
    const cap = captures[index];
    if (!cap?.message || cap.error !== undefined || !cap.cipher) throw new Error(`${client}: no good capture at ${index}: ${String(cap?.error)}`);
    await writeFile(join(outDir, file), cap.body);
    await writeFile(join(outDir, expected.file), expected.der);
    entries.push({
      file,
      client,
      messageType: cap.message.messageType,
      method: cap.method,
      contentType: cap.contentType ?? null,
      digest: cap.message.digest,
      cipher: cap.cipher,
      signatureStyle: cap.message.signatureStyle,
      transactionId: cap.message.transactionId,
      expected: { file: expected.file, kind: expected.kind },
      challengePassword: challenge,
      sha256: sha256(cap.body),
    });
  };
  try {
    {
      const r = await startResponder({ ca, ra, caps: CAPS, replyCipher: () => 'DES-CBC' });
      const out = join(work, 'mm');
      const res = await runPeer('enroll-micromdm.sh', ['--out', out, '--cn', 'mm-device', '--renew', r.url, 'mm-challenge']);
      await r.close();
      if (res.code !== 0) throw new Error(`micromdm: ${res.stderr}`);
      const csr = await pemDer(join(out, 'csr.pem'), 'CERTIFICATE REQUEST');
      await record('micromdm scepclient 2.1.0', 'micromdm-pkcsreq.der', 0, r.captures, { file: 'micromdm.csr.der', kind: 'csr', der: csr }, 'mm-challenge');
      await record('micromdm scepclient 2.1.0', 'micromdm-renewalreq.der', 1, r.captures, { file: 'micromdm.csr.der', kind: 'csr', der: csr }, 'mm-challenge');
    }
    {
      const r = await startResponder({ ca, ra, caps: CAPS });
      const out = join(work, 'cm');
      const res = await runPeer('enroll-certmonger.sh', ['--out', out, '--cn', 'cm-device', r.url, 'cm-challenge']);
      await r.close();
      if (res.code !== 0) throw new Error(`certmonger: ${res.stdout}${res.stderr}`);
      const dir = join(out, 'requests-after-request');
      const [file] = await readdir(dir);
      const store = (await readFile(join(dir, file as string), 'utf8')).replace(/\n /g, '\n');
      const csrPem = /^csr=(-----BEGIN CERTIFICATE REQUEST-----[\s\S]*?-----END CERTIFICATE REQUEST-----)/m.exec(store)?.[1];
      const csr = decodePem(csrPem ?? '')[0]?.der;
      if (!csr) throw new Error('certmonger: no CSR in its request store');
      await record('certmonger 0.79 scep-submit', 'certmonger-pkcsreq.der', 0, r.captures, { file: 'certmonger.csr.der', kind: 'csr', der: csr }, 'cm-challenge');
    }
    {
      const r = await startResponder({ ca, ra, caps: CAPS });
      const out = join(work, 'ss');
      const res = await runPeer('enroll-strongswan.sh', ['--out', out, '--cn', 'ss-device', '--cipher', 'aes', '--digest', 'sha512', r.url, 'ss-challenge']);
      await r.close();
      if (res.code !== 0) throw new Error(`strongswan: ${res.stdout}${res.stderr}`);
      const spki = new Uint8Array(createPublicKey(await readFile(join(out, 'key.pem'))).export({ type: 'spki', format: 'der' }));
      await record('strongSwan pki 5.9.8', 'strongswan-pkcsreq.der', 0, r.captures, { file: 'strongswan.spki.der', kind: 'spki', der: spki }, 'ss-challenge');
    }
    await writeFile(join(outDir, 'ca.pem'), encodePem('CERTIFICATE', ca.certificate.der));
    await writeFile(join(outDir, 'ra.pem'), encodePem('CERTIFICATE', ra.certificate.der));
    await writeFile(join(outDir, 'ca.key.pem'), ca.keyObject.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(outDir, 'ra.key.pem'), ra.keyObject.export({ type: 'pkcs8', format: 'pem' }));
    const manifest = {
      description: 'Real client requests captured by packages/wire/test/interop/capture.ts (the interop responder); see fixtures/README.md.',
      ca: { certificate: 'ca.pem', key: 'ca.key.pem', sha256: toHex(createHash('sha256').update(ca.certificate.der).digest()) },
      ra: { certificate: 'ra.pem', key: 'ra.key.pem', sha256: toHex(createHash('sha256').update(ra.certificate.der).digest()) },
      captures: entries,
    };
    await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    process.stdout.write(`${entries.length} captures written to ${outDir}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
