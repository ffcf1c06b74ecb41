/** The reference local CA, checked by independent parsers: @peculiar/x509 and openssl. */
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCsr, encodeExtension, encodePem, encodeSubjectAltName, oids, parseCertificate, parseCsr } from '@scep/wire';
import { createLocalCa } from '@scep/server-core';
import { crypto, party, T0, type Party } from './setup.js';

let ca: Party;
let device: Party;
beforeAll(async () => {
  ca = await party({ subject: 'CN=Local CA,O=scep tests', ca: true });
  device = await party({ subject: 'CN=dev', selfSignedNoExt: true });
});

const csrWithSans = async () =>
  parseCsr(
    await buildCsr(
      {
        subject: 'C=US, O=Example, CN=laptop-42',
        challengePassword: 'x',
        extensions: [
          {
            oid: oids.id_ce_subjectAltName,
            critical: false,
            value: encodeSubjectAltName([
              { type: 'dns', value: 'laptop-42.example.com' },
              { type: 'email', value: 'ada@example.com' },
              { type: 'upn', value: 'ada@corp.example.com' },
              { type: 'ip', value: '10.1.2.3' },
              { type: 'registeredId', value: '1.2.3.4' },
            ]),
          },
        ],
        signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
      },
      device.key,
    ),
  );

const run = (cmd: string, args: string[]) =>
  new Promise<string>((res, rej) => execFile(cmd, args, (e, out, err) => (e ? rej(new Error(err || String(e))) : res(out))));

describe('createLocalCa', () => {
  it('issues what the policy says, as @peculiar/x509 reads it', async () => {
    const lca = createLocalCa({ ca, crypto, now: () => T0, validityDays: 90, mustStaple: true, extendedKeyUsage: [oids.id_kp_clientAuth, oids.id_kp_serverAuth] });
    const der = await lca.issueCertificate(await csrWithSans());
    const cert = new x509.X509Certificate(der);
    expect(cert.subject).toBe('C=US, O=Example, CN=laptop-42');
    expect(cert.issuer).toBe('CN=Local CA, O=scep tests');
    expect(cert.notBefore.getTime()).toBe(T0.getTime() - 5 * 60_000);
    expect(cert.notAfter.getTime()).toBe(T0.getTime() + 90 * 86_400_000);
    expect(await cert.verify({ publicKey: await new x509.X509Certificate(ca.certificate.der).publicKey.export(), signatureOnly: true })).toBe(true);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(false);
    expect(bc?.critical).toBe(true);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([oids.id_kp_clientAuth, oids.id_kp_serverAuth]);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    // registeredID is not copied: only DNS, email, UPN, IP and URI names are
    expect(san?.names.toJSON().map((n) => [n.type, n.value])).toEqual([
      ['dns', 'laptop-42.example.com'],
      ['email', 'ada@example.com'],
      ['upn', 'ada@corp.example.com'],
      ['ip', '10.1.2.3'],
    ]);
    expect(cert.getExtension(oids.id_pe_tlsfeature)).toBeTruthy();
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    expect(aki).toBe(Buffer.from(ca.certificate.subjectKeyIdentifier as Uint8Array).toString('hex'));
    expect(ski).toHaveLength(40);
    // serial: 16 bytes, positive
    expect(parseCertificate(der).serialNumber.length).toBeLessThanOrEqual(16);
    expect((parseCertificate(der).serialNumber[0] as number) & 0x80).toBe(0);
  });

  it('openssl verifies the chain and reads the extensions', async () => {
    const lca = createLocalCa({ ca, crypto, now: () => new Date() });
    const der = await lca.issueCertificate(await csrWithSans());
    const dir = mkdtempSync(join(tmpdir(), 'lca-'));
    writeFileSync(join(dir, 'ca.pem'), encodePem('CERTIFICATE', ca.certificate.der));
    writeFileSync(join(dir, 'leaf.pem'), encodePem('CERTIFICATE', der));
    expect(await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')])).toContain('OK');
    const text = await run('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text']);
    expect(text).toContain('DNS:laptop-42.example.com');
    expect(text).toContain('TLS Web Client Authentication');
  });

  it('caps validity at the CA notAfter and at maxValidityDays; SAN policy none / custom; sequential serials hook', async () => {
    const shortCa = await party({ subject: 'CN=Short CA', ca: true, notAfter: new Date(T0.getTime() + 10 * 86_400_000) });
    const lca = createLocalCa({ ca: shortCa, crypto, now: () => T0, validityDays: 365 });
    expect(parseCertificate(await lca.issueCertificate(await csrWithSans())).notAfter).toEqual(shortCa.certificate.notAfter);
    const capped = createLocalCa({ ca, crypto, now: () => T0, validityDays: 5000, maxValidityDays: 30 });
    expect(parseCertificate(await capped.issueCertificate(await csrWithSans())).notAfter.getTime()).toBe(T0.getTime() + 30 * 86_400_000);
    const none = createLocalCa({ ca, crypto, now: () => T0, subjectAltNames: 'none' });
    expect(parseCertificate(await none.issueCertificate(await csrWithSans())).subjectAltNames).toEqual([]);
    const dnsOnly = createLocalCa({ ca, crypto, now: () => T0, subjectAltNames: (names) => names.filter((n) => n.type === 'dns') });
    expect(parseCertificate(await dnsOnly.issueCertificate(await csrWithSans())).subjectAltNames).toEqual([{ type: 'dns', value: 'laptop-42.example.com' }]);
    let n = 0n;
    const seq = createLocalCa({ ca, crypto, now: () => T0, serialNumber: () => Uint8Array.of(0x10, Number(++n)) });
    expect(parseCertificate(await seq.issueCertificate(await csrWithSans())).serialNumberHex).toBe('1001');
    expect(parseCertificate(await seq.issueCertificate(await csrWithSans())).serialNumberHex).toBe('1002');
  });

  it('random serials do not repeat over 10,000 certificates', async () => {
    const lca = createLocalCa({ ca, crypto, now: () => T0 });
    const csr = await csrWithSans();
    const seen = new Set<string>();
    const batch = 500;
    for (let i = 0; i < 10_000; i += batch) {
      const ders = await Promise.all(Array.from({ length: batch }, () => lca.issueCertificate(csr)));
      for (const d of ders) seen.add(parseCertificate(d).serialNumberHex);
    }
    expect(seen.size).toBe(10_000);
  }, 120_000);

  it('extra extensions hook; the issue hook answers pending when asked', async () => {
    const lca = createLocalCa({
      ca,
      crypto,
      now: () => T0,
      extensions: () => [{ oid: '1.3.6.1.4.1.99999.1', critical: false, value: new Uint8Array([5, 0]) }],
      pendingWhen: (r) => r.attempt === 'initial',
    });
    const csr = await csrWithSans();
    const base = { profile: 'p', transactionId: 't', messageType: 'PKCSReq' as const, kind: 'enroll' as const, csr, previous: undefined, challenge: undefined };
    expect((await lca.issue({ ...base, attempt: 'initial' }, {})).status).toBe('pending');
    const r = await lca.issue({ ...base, attempt: 'approval' }, {});
    if (r.status !== 'issued') throw new Error('not issued');
    expect(parseCertificate(r.certificate).extensions.map((e) => e.oid)).toContain('1.3.6.1.4.1.99999.1');
    expect(r.chain).toEqual([ca.certificate.der]);
    expect(encodeExtension).toBeTypeOf('function');
  });
});
