/** csr/csr.ts: PKCS #10 requests (RFC 2986) with the PKCS #9 attributes SCEP uses. Cross-checked with openssl req. */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCsr,
  decodePem,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeSubjectAltName,
  oids,
  parseCsr,
  fromHex,
  toHex,
  verifyCsr,
  type PrivateKeyHandle,
  type SignatureAlgorithm,
} from '@scep/wire';
import { generateKey } from '@scep/wire/node';
import { printableString } from '../src/der/writer.js';
import { crypto, rejectsWith, throwsWith, flip, indexOfBytes } from './helpers.js';
import { openssl, tempDir } from './tools.js';

const SANS = [
  { type: 'dns', value: 'device.example.test' },
  { type: 'ip', value: '192.0.2.10' },
  { type: 'email', value: 'device@example.test' },
  { type: 'upn', value: 'device@corp.example.test' },
] as const;

interface KeyCase {
  readonly label: string;
  readonly key: PrivateKeyHandle;
  readonly alg: SignatureAlgorithm;
  readonly type: string;
  readonly bits: number;
  readonly curve?: string;
}
let keys: KeyCase[];
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  const [rsa, ec, ed] = await Promise.all([generateKey({ type: 'RSA', modulusLength: 2048 }), generateKey({ type: 'EC', namedCurve: 'P-256' }), generateKey({ type: 'Ed25519' })]);
  keys = [
    { label: 'RSA-2048', key: rsa.privateKey, alg: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, type: 'RSA', bits: 2048 },
    { label: 'EC P-256', key: ec.privateKey, alg: { scheme: 'ECDSA', digest: 'SHA-256' }, type: 'EC', bits: 256, curve: 'P-256' },
    { label: 'Ed25519', key: ed.privateKey, alg: { scheme: 'Ed25519' }, type: 'Ed25519', bits: 255 },
  ];
  dir = await tempDir('wire-csr-');
});
afterAll(() => dir.remove());

const build = (k: KeyCase, o: { challengePassword?: string } = { challengePassword: 'secret-123' }): Promise<Uint8Array> =>
  buildCsr(
    {
      subject: 'C=ZZ, O=scep-wire tests, CN=device.example.test',
      ...o,
      extensions: [
        { oid: oids.id_ce_subjectAltName, critical: false, value: encodeSubjectAltName(SANS) },
        { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment']) },
        { oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage([oids.id_kp_clientAuth]) },
      ],
      signatureAlgorithm: k.alg,
    },
    k.key,
  );

describe('buildCsr → parseCsr → verifyCsr', () => {
  it('for RSA, EC P-256 and Ed25519 keys: key type and size, challengePassword, extensionRequest, SANs incl. UPN', async () => {
    for (const k of keys) {
      const der = await build(k);
      const csr = parseCsr(der);
      expect(csr.publicKey.type, k.label).toBe(k.type);
      expect(csr.publicKey.bits, k.label).toBe(k.bits);
      expect(csr.publicKey.curve, k.label).toBe(k.curve);
      expect(toHex(csr.publicKey.der)).toBe(toHex(k.key.publicKeyInfo));
      expect(csr.commonName).toBe('device.example.test');
      expect(csr.challengePassword).toBe('secret-123');
      expect(csr.subjectAltNames).toEqual(SANS);
      expect([...(csr.keyUsage ?? [])].sort()).toEqual(['digitalSignature', 'keyEncipherment']);
      expect(csr.extendedKeyUsage).toEqual([oids.id_kp_clientAuth]);
      expect(csr.attributes.map((a) => a.oid)).toEqual([oids.id_challengePassword, oids.id_extensionRequest]);
      await verifyCsr(csr, crypto);
      // @peculiar/asn1-csr reads the same bytes and re-serialises them identically.
      expect(toHex(new Uint8Array(AsnConvert.serialize(AsnConvert.parse(der, CertificationRequest))))).toBe(toHex(der));
    }
  });

  it('openssl req -verify accepts what we build, and shows the same attributes', async () => {
    for (const k of keys) {
      await writeFile(dir.file('ours.der'), await build(k));
      const r = await openssl(['req', '-inform', 'DER', '-in', dir.file('ours.der'), '-verify', '-noout', '-text']);
      expect(r.code, `${k.label}: ${r.stderr}`).toBe(0);
      expect(r.stderr + r.text).toMatch(/verify OK|Certificate request self-signature verify OK/);
      expect(r.text).toContain('challengePassword        :secret-123');
      expect(r.text).toContain('othername: UPN::device@corp.example.test');
    }
  });

  it('a non-printable challengePassword is written as UTF8String and read back', async () => {
    const csr = parseCsr(await build(keys[0] as KeyCase, { challengePassword: 'pässwörd_with_underscore' }));
    expect(csr.challengePassword).toBe('pässwörd_with_underscore');
    const value = csr.attributes.find((a) => a.oid === oids.id_challengePassword)?.values[0];
    expect(value?.[0]).toBe(0x0c);
  });

  it('no challenge, no extensions: an empty [0] attributes set', async () => {
    const k = keys[0] as KeyCase;
    const csr = parseCsr(await buildCsr({ subject: 'CN=x', signatureAlgorithm: k.alg }, k.key));
    expect(csr.challengePassword).toBeUndefined();
    expect(csr.extensions).toEqual([]);
    expect(csr.attributes).toEqual([]);
    await verifyCsr(csr, crypto);
  });

  it('further attributes are carried as given', async () => {
    const k = keys[0] as KeyCase;
    const csr = parseCsr(await buildCsr({ subject: 'CN=x', attributes: [{ oid: oids.id_unstructuredName, values: [printableString('host')] }], signatureAlgorithm: k.alg }, k.key));
    expect(csr.attributes).toEqual([{ oid: oids.id_unstructuredName, values: [printableString('host')] }]);
  });
});

describe('CSRs made by openssl req', () => {
  it('parse and verify; challengePassword and SANs come through', async () => {
    await writeFile(dir.file('req.cnf'), '[req]\ndistinguished_name=dn\nattributes=attrs\nprompt=no\n[dn]\nCN=ossl-device\nO=OpenSSL\n[attrs]\nchallengePassword=ossl-challenge\n');
    for (const [label, alg] of [['RSA', ['-newkey', 'rsa:2048']], ['EC', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']], ['Ed25519', ['-newkey', 'ed25519']]] as const) {
      const r = await openssl(['req', '-new', ...alg, '-nodes', '-keyout', dir.file('k.pem'), '-config', dir.file('req.cnf'), '-addext', 'subjectAltName=DNS:ossl.example.test,IP:::1', '-outform', 'DER', '-out', dir.file('req.der')]);
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      const csr = parseCsr(new Uint8Array(await readFile(dir.file('req.der'))));
      expect(csr.challengePassword, label).toBe('ossl-challenge');
      expect(csr.subjectAltNames).toEqual([{ type: 'dns', value: 'ossl.example.test' }, { type: 'ip', value: '::1' }]);
      expect(csr.commonName).toBe('ossl-device');
      await verifyCsr(csr, crypto);
    }
  });
});

describe('refusals', () => {
  it('a tampered CSR is refused with ERR_CSR_SIGNATURE_INVALID (and openssl agrees)', async () => {
    for (const k of keys) {
      const der = await build(k);
      const i = indexOfBytes(der, 'secret-123');
      const bad = der.slice();
      flip(bad, i, 0x01); // 'secret-123' → 'recret-123': still a valid PrintableString
      const csr = parseCsr(bad);
      expect(csr.challengePassword).toBe('recret-123');
      await rejectsWith(verifyCsr(csr, crypto), 'ERR_CSR_SIGNATURE_INVALID');
      await writeFile(dir.file('bad.der'), bad);
      // OpenSSL 3.0 exits 0 here and says so on stdout.
      const r = await openssl(['req', '-inform', 'DER', '-in', dir.file('bad.der'), '-verify', '-noout']);
      expect(r.text + r.stderr, k.label).toMatch(/verify failure|did not verify/);
    }
  });

  it('a signature that is not even well-formed is a signature failure too', async () => {
    const k = keys[1] as KeyCase;
    const csr = parseCsr(await build(k));
    await rejectsWith(verifyCsr({ ...csr, signature: Uint8Array.of(0x30, 0x00) }, crypto), 'ERR_CSR_SIGNATURE_INVALID');
  });

  it('legacy signature digests need the policy', async () => {
    const k = keys[0] as KeyCase;
    const csr = parseCsr(await buildCsr({ subject: 'CN=old', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-1' } }, k.key));
    await rejectsWith(verifyCsr(csr, crypto), 'ERR_LEGACY_ALGORITHM_DISABLED');
    await verifyCsr(csr, crypto, ['SHA-1']);
  });

  it('garbage, a wrong version, duplicated attributes, a multi-valued challenge → ERR_CSR_INVALID', async () => {
    throwsWith(() => parseCsr(Uint8Array.of(1, 2, 3)), 'ERR_CSR_INVALID');
    throwsWith(() => parseCsr(new Uint8Array(0)), 'ERR_CSR_INVALID');
    const k = keys[0] as KeyCase;
    const good = await buildCsr({ subject: 'CN=x', signatureAlgorithm: k.alg }, k.key);
    throwsWith(() => parseCsr(good.subarray(0, good.length - 1)), 'ERR_CSR_INVALID');
    const v1 = good.slice();
    const at = indexOfBytes(v1, fromHex('020100')); // CertificationRequestInfo version INTEGER 0
    v1[at + 2] = 1;
    throwsWith(() => parseCsr(v1), 'ERR_CSR_INVALID');
    const twice = await buildCsr({ subject: 'CN=x', attributes: [{ oid: oids.id_challengePassword, values: [printableString('a')] }], challengePassword: 'a', signatureAlgorithm: k.alg }, k.key);
    throwsWith(() => parseCsr(twice), 'ERR_CSR_INVALID');
    const two = await buildCsr({ subject: 'CN=x', attributes: [{ oid: oids.id_challengePassword, values: [printableString('a'), printableString('b')] }], signatureAlgorithm: k.alg }, k.key);
    throwsWith(() => parseCsr(two), 'ERR_CSR_INVALID');
  });

  it('limits apply and raise LimitExceededError', async () => {
    const der = await build(keys[0] as KeyCase);
    throwsWith(() => parseCsr(der, { maxDepth: 48, maxNodes: 10 }), 'ERR_LIMIT_EXCEEDED');
  });
});

describe('CSRs read from PEM', () => {
  it('decodePem finds the CERTIFICATE REQUEST block', async () => {
    const k = keys[0] as KeyCase;
    const der = await build(k);
    await writeFile(dir.file('c.der'), der);
    const r = await openssl(['req', '-inform', 'DER', '-in', dir.file('c.der'), '-outform', 'PEM']);
    expect(decodePem(r.text)[0]).toEqual({ label: 'CERTIFICATE REQUEST', der });
  });
});
