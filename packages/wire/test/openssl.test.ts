/**
 * OpenSSL cross-checks: what we build, `openssl cms` verifies and decrypts; GetCACert and
 * GetNextCACert bodies are what `openssl pkcs7` prints.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCaCertResponse,
  buildCertRep,
  buildDegenerateSignedData,
  buildNextCaCertResponse,
  buildPkiRequest,
  encodePem,
  toHex,
  type CipherName,
  type SignerInfoSignatureStyle,
} from '@scep/wire';
import { crypto, makeCsr, makeParty, makePki, NOW, type Party, type Pki, flip, indexOfBytes } from './helpers.js';
import { LEGACY_PROVIDERS, openssl, tempDir } from './tools.js';

const CIPHERS: readonly CipherName[] = ['AES-128-CBC', 'AES-192-CBC', 'AES-256-CBC', 'DES-EDE3-CBC', 'DES-CBC'];
const providers = (c: CipherName): readonly string[] => (c === 'DES-CBC' ? LEGACY_PROVIDERS : []);

let pki: Pki;
let issued: Party;
let next: Party;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  pki = await makePki();
  [issued, next] = await Promise.all([makeParty({ subject: 'CN=device-1', issuer: pki.ca, keyObject: pki.device.keyObject }), makeParty({ subject: 'CN=Next CA', ca: true })]);
  dir = await tempDir('wire-openssl-');
  const pem = (p: Party): string => p.keyObject.export({ type: 'pkcs8', format: 'pem' }) as string;
  await Promise.all([
    writeFile(dir.file('device.key'), pem(pki.device)),
    writeFile(dir.file('device.pem'), encodePem('CERTIFICATE', pki.device.certificate.der)),
    writeFile(dir.file('ra.key'), pem(pki.ra)),
    writeFile(dir.file('ra.pem'), encodePem('CERTIFICATE', pki.ra.certificate.der)),
    writeFile(dir.file('ca.pem'), encodePem('CERTIFICATE', pki.ca.certificate.der)),
  ]);
});
afterAll(() => dir.remove());

/** `openssl cms -verify -noverify` (or with `extra` trust options): checks the signature and messageDigest, writes the eContent. */
async function verifyCms(der: Uint8Array, name: string, extra: readonly string[] = ['-noverify']): Promise<Uint8Array> {
  await writeFile(dir.file(`${name}.der`), der);
  const r = await openssl(['cms', '-verify', '-inform', 'DER', '-in', dir.file(`${name}.der`), '-out', dir.file(`${name}.content`), ...extra]);
  expect(r.code, `${name}: ${r.stderr}`).toBe(0);
  expect(r.stderr).toContain('Verification successful');
  const { readFile } = await import('node:fs/promises');
  return new Uint8Array(await readFile(dir.file(`${name}.content`)));
}

/** `openssl cms -decrypt` with a recipient key and certificate. */
async function decryptCms(envelope: Uint8Array, name: string, key: string, cert: string, cipher: CipherName): Promise<Uint8Array> {
  await writeFile(dir.file(`${name}.env.der`), envelope);
  const r = await openssl(['cms', '-decrypt', ...providers(cipher), '-inform', 'DER', '-in', dir.file(`${name}.env.der`), '-inkey', dir.file(key), '-recip', dir.file(cert), '-binary']);
  expect(r.code, `${name}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('CertReps we build, checked by openssl cms', () => {
  for (const cipher of CIPHERS) {
    for (const style of ['rsaEncryption', 'algorithm'] as SignerInfoSignatureStyle[]) {
      it(`SUCCESS, ${cipher}, SignerInfo OID ${style}: verifies, and the envelope decrypts with the client key to our degenerate SignedData`, async () => {
        const certificates = [issued.certificate.der, pki.ca.certificate.der];
        const der = await buildCertRep({
          request: { transactionId: 'tx-ossl', senderNonce: new Uint8Array(16).fill(5), signer: pki.device.certificate },
          result: { status: 'SUCCESS', certificates },
          signer: pki.ra,
          cipher,
          signatureStyle: style,
          legacy: true,
          now: NOW,
          crypto,
        });
        const name = `rep-${cipher}-${style}`;
        const envelope = await verifyCms(der, name);
        const inner = await decryptCms(envelope, name, 'device.key', 'device.pem', cipher);
        expect(toHex(inner)).toBe(toHex(buildDegenerateSignedData(certificates)));
        const printed = await openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: inner });
        expect(printed.code, printed.stderr).toBe(0);
        expect(printed.text).toContain('subject=CN = device-1');
        expect(printed.text).toContain('subject=C = ZZ, O = scep-wire tests, CN = Test CA');
        expect(printed.text.indexOf('CN = device-1')).toBeLessThan(printed.text.indexOf('CN = Test CA')); // issued certificate first
      });
    }
  }

  for (const status of ['FAILURE', 'PENDING'] as const) {
    it(`${status}: verifies as a signature over empty content`, async () => {
      const der = await buildCertRep({
        request: { transactionId: 'tx-ossl', senderNonce: new Uint8Array(16).fill(5) },
        result: status === 'FAILURE' ? { status, failInfo: 'badRequest' } : { status },
        signer: pki.ra,
        now: NOW,
        crypto,
      });
      await writeFile(dir.file('empty'), new Uint8Array(0));
      expect((await verifyCms(der, `rep-${status}`, ['-noverify', '-content', dir.file('empty')])).length).toBe(0);
    });
  }

  it('a tampered CertRep does not verify', async () => {
    const der = await buildCertRep({ request: { transactionId: 'tx', senderNonce: new Uint8Array(16) }, result: { status: 'PENDING' }, signer: pki.ra, now: NOW, crypto });
    // The transactionID's PrintableString "tx", TLV and all: searching the hex for "tx" alone could
    // land between two bytes (a fractional index flips nothing) or in random signature bytes.
    flip(der, indexOfBytes(der, Uint8Array.of(0x13, 2, ...new TextEncoder().encode('tx'))) + 2, 1);
    await writeFile(dir.file('tampered.der'), der);
    await writeFile(dir.file('empty'), new Uint8Array(0));
    const r = await openssl(['cms', '-verify', '-noverify', '-inform', 'DER', '-in', dir.file('tampered.der'), '-content', dir.file('empty')]);
    expect(r.code).not.toBe(0);
  });
});

describe('requests we build decrypt with the RA key to the exact CSR', () => {
  for (const cipher of CIPHERS) {
    for (const form of ['primitive', 'constructed'] as const) {
      it(`PKCSReq, ${cipher}, ${form} encryptedContent`, async () => {
        const csr = await makeCsr(pki.device, { cn: 'device-1', challenge: 'pw' });
        const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate, pki.ca.certificate], transactionId: 'tx', cipher, encryptedContentForm: form, legacy: true, crypto });
        const name = `req-${cipher}-${form}`;
        const envelope = await verifyCms(req.der, name);
        expect(toHex(await decryptCms(envelope, name, 'ra.key', 'ra.pem', cipher))).toBe(toHex(csr));
      });
    }
  }

  it('BER (indefinite lengths) and OAEP too', async () => {
    const csr = await makeCsr(pki.device, { cn: 'device-1' });
    const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 'tx', encoding: 'ber', keyTransport: { scheme: 'RSAES-OAEP', digest: 'SHA-256' }, crypto });
    const envelope = await verifyCms(req.der, 'req-ber-oaep');
    expect(toHex(await decryptCms(envelope, 'req-ber-oaep', 'ra.key', 'ra.pem', 'AES-256-CBC'))).toBe(toHex(csr));
  });
});

describe('GetCACert and GetNextCACert bodies, read by openssl', () => {
  it('CA alone: a DER certificate openssl x509 reads', async () => {
    const r = buildCaCertResponse([pki.ca.certificate.der]);
    const out = await openssl(['x509', '-inform', 'DER', '-noout', '-subject'], { input: r.body });
    expect(out.code, out.stderr).toBe(0);
    expect(out.text).toContain('CN = Test CA');
  });

  it('RA + CA: openssl pkcs7 -print_certs lists both, RA first', async () => {
    const r = buildCaCertResponse([pki.ra.certificate.der, pki.ca.certificate.der]);
    const out = await openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: r.body });
    expect(out.code, out.stderr).toBe(0);
    expect(out.text.match(/subject=/g)).toHaveLength(2);
    expect(out.text.indexOf('CN = Test RA')).toBeLessThan(out.text.indexOf('CN = Test CA'));
  });

  it('GetNextCACert: openssl cms verifies it against the current CA (full chain check), and its content lists the next CA', async () => {
    const body = await buildNextCaCertResponse({ certificates: [next.certificate.der], signer: pki.ca, now: NOW, crypto });
    const inner = await verifyCms(body, 'next', ['-CAfile', dir.file('ca.pem'), '-purpose', 'any', '-attime', String(NOW().getTime() / 1000)]);
    await writeFile(dir.file('other-ca.pem'), encodePem('CERTIFICATE', next.certificate.der));
    const untrusted = await openssl(['cms', '-verify', '-inform', 'DER', '-in', dir.file('next.der'), '-CAfile', dir.file('other-ca.pem'), '-purpose', 'any', '-out', dir.file('x')]);
    expect(untrusted.code).not.toBe(0);
    const printed = await openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: inner });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.text).toContain('CN = Next CA');
    const outer = await openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: body });
    expect(outer.text).toContain('CN = Test CA');
  });
});
