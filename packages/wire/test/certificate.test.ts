/** x509/certificate.ts: parse (checked against @peculiar/asn1-x509 on the same DER) and build (checked by openssl and @peculiar). */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate as AsnCertificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { createPublicKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertificate,
  certificateFromConfig,
  decodePem,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodePem,
  encodeSubjectAltName,
  encodeSubjectKeyIdentifier,
  encodeTbsCertificate,
  isSelfIssued,
  isWithinValidity,
  oids,
  parseCertificate,
  parsePublicKeyInfo,
  RSA_MAX_EXPONENT_BITS,
  RSA_MAX_MODULUS_BITS,
  fromHex,
  toHex,
  verifyCertificateSignature,
  type Certificate,
  type CertificateTemplate,
  type KeyUsageName,
} from '@scep/wire';
import { generateKey } from '@scep/wire/node';
import { algorithmIdentifier, bitString, encode, integerRaw, NULL, sequence } from '../src/der/writer.js';
import { crypto, keyId, makePki, throwsWith, type Pki, flip, indexOfBytes } from './helpers.js';
import { openssl, tempDir } from './tools.js';
import { x509 } from './x509-reference.js';

const hexOf = (b: ArrayBuffer | Uint8Array): string => toHex(b instanceof Uint8Array ? b : new Uint8Array(b));

/** Compares our parse of `der` with @peculiar/asn1-x509's parse of the same bytes, field by field. */
function crossCheck(der: Uint8Array): { ours: Certificate; theirs: AsnCertificate } {
  const ours = parseCertificate(der);
  const theirs = AsnConvert.parse(der, AsnCertificate);
  const tbs = theirs.tbsCertificate;
  expect(ours.version).toBe(tbs.version + 1);
  expect(ours.serialNumberHex).toBe(hexOf(tbs.serialNumber));
  expect(toHex(ours.issuer.der)).toBe(hexOf(AsnConvert.serialize(tbs.issuer)));
  expect(toHex(ours.subject.der)).toBe(hexOf(AsnConvert.serialize(tbs.subject)));
  expect(ours.notBefore.getTime()).toBe(tbs.validity.notBefore.getTime().getTime());
  expect(ours.notAfter.getTime()).toBe(tbs.validity.notAfter.getTime().getTime());
  expect(toHex(ours.publicKey.der)).toBe(hexOf(AsnConvert.serialize(tbs.subjectPublicKeyInfo)));
  expect(toHex(ours.tbs)).toBe(hexOf(AsnConvert.serialize(tbs)));
  expect(toHex(ours.signature)).toBe(hexOf(theirs.signatureValue));
  expect(ours.signatureAlgorithm.oid).toBe(theirs.signatureAlgorithm.algorithm);
  const ext = <T>(id: string, type: new () => T): T | undefined => {
    const e = tbs.extensions?.find((x) => x.extnID === id);
    return e ? AsnConvert.parse(e.extnValue, type) : undefined;
  };
  expect(ours.extensions.map((e) => [e.oid, e.critical])).toEqual((tbs.extensions ?? []).map((e) => [e.extnID, e.critical]));
  const ski = ext(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier);
  expect(ours.subjectKeyIdentifier && toHex(ours.subjectKeyIdentifier)).toBe(ski && hexOf(ski.buffer));
  const aki = ext(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier);
  expect(ours.authorityKeyIdentifier && toHex(ours.authorityKeyIdentifier)).toBe(aki?.keyIdentifier && hexOf(aki.keyIdentifier.buffer));
  const ku = ext(id_ce_keyUsage, KeyUsage);
  expect(ours.keyUsage && [...ours.keyUsage].sort()).toEqual(ku?.toJSON().map((n) => (n === 'crlSign' ? 'cRLSign' : n)).sort());
  const eku = ext(id_ce_extKeyUsage, ExtendedKeyUsage);
  expect(ours.extendedKeyUsage).toEqual(eku && [...eku]);
  const bc = ext(id_ce_basicConstraints, BasicConstraints);
  expect(ours.basicConstraints).toEqual(bc && { ca: bc.cA, pathLength: bc.pathLenConstraint });
  const sans = ext(id_ce_subjectAltName, SubjectAlternativeName);
  expect(ours.subjectAltNames.length).toBe(sans?.length ?? 0);
  for (const [i, g] of (sans ?? []).entries()) {
    const o = ours.subjectAltNames[i];
    if (g.dNSName !== undefined) expect(o).toEqual({ type: 'dns', value: g.dNSName });
    else if (g.rfc822Name !== undefined) expect(o).toEqual({ type: 'email', value: g.rfc822Name });
    else if (g.uniformResourceIdentifier !== undefined) expect(o).toEqual({ type: 'uri', value: g.uniformResourceIdentifier });
    else if (g.iPAddress !== undefined) expect(o?.type).toBe('ip');
    else if (g.otherName?.typeId === oids.id_ms_upn) expect(o?.type).toBe('upn');
  }
  return { ours, theirs };
}

let pki: Pki;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  pki = await makePki();
  dir = await tempDir('wire-cert-');
});
afterAll(() => dir.remove());

function template(o: Partial<CertificateTemplate> & { usages?: KeyUsageName[] } = {}): CertificateTemplate {
  const spki = o.publicKeyInfo ?? pki.device.key.publicKeyInfo;
  return {
    serialNumber: 0x0123456789abcdefn,
    issuer: pki.ca.certificate.subject,
    subject: 'C=ZZ, O=scep-wire tests, CN=leaf.example.test',
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    publicKeyInfo: spki,
    signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    extensions: [
      { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: false }) },
      { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(o.usages ?? ['digitalSignature', 'keyEncipherment']) },
      { oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage([oids.id_kp_clientAuth, oids.id_kp_serverAuth]) },
      { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(keyId(spki)) },
      { oid: oids.id_ce_authorityKeyIdentifier, critical: false, value: encodeAuthorityKeyIdentifier(keyId(pki.ca.key.publicKeyInfo)) },
      {
        oid: oids.id_ce_subjectAltName,
        critical: false,
        value: encodeSubjectAltName([
          { type: 'dns', value: 'leaf.example.test' },
          { type: 'ip', value: '192.0.2.7' },
          { type: 'ip', value: '2001:db8::7' },
          { type: 'email', value: 'leaf@example.test' },
          { type: 'upn', value: 'leaf@corp.example.test' },
          { type: 'uri', value: 'urn:example:leaf' },
        ]),
      },
    ],
    ...o,
  };
}

describe('parseCertificate vs @peculiar/asn1-x509 on the same DER', () => {
  it('a certificate built by the codec with every extension SCEP uses', async () => {
    const der = await buildCertificate(template(), pki.ca.key);
    const { ours } = crossCheck(der);
    expect(ours.serialNumberHex).toBe('0123456789abcdef');
    expect(ours.subjectAltNames).toContainEqual({ type: 'upn', value: 'leaf@corp.example.test' });
    expect(ours.subjectAltNames).toContainEqual({ type: 'ip', value: '2001:db8::7' });
    expect(ours.publicKey).toMatchObject({ type: 'RSA', bits: 2048 });
  });

  it('the CA and RA of the test PKI', () => {
    expect(crossCheck(pki.ca.certificate.der).ours.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    crossCheck(pki.ra.certificate.der);
    crossCheck(pki.device.certificate.der);
  });

  it('a certificate made by openssl req -x509 (EC P-384, pathlen, SAN with IP and email)', async () => {
    const r = await openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', dir.file('ossl.key'), '-out', dir.file('ossl.pem'), '-days', '30', '-subj', '/C=ZZ/O=OpenSSL made/CN=ossl.example.test',
        '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:2', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-addext', 'subjectAltName=DNS:ossl.example.test,IP:10.1.2.3,IP:fe80::1,email:a@b.test', '-addext', 'extendedKeyUsage=clientAuth,1.3.6.1.5.5.7.3.17'],
    );
    expect(r.code, r.stderr).toBe(0);
    const der = decodePem(await readFile(dir.file('ossl.pem'), 'utf8'))[0]?.der as Uint8Array;
    const { ours } = crossCheck(der);
    expect(ours.publicKey).toMatchObject({ type: 'EC', curve: 'P-384', bits: 384 });
    expect(ours.basicConstraints).toEqual({ ca: true, pathLength: 2 });
    expect(ours.subjectAltNames).toEqual([
      { type: 'dns', value: 'ossl.example.test' },
      { type: 'ip', value: '10.1.2.3' },
      { type: 'ip', value: 'fe80::1' },
      { type: 'email', value: 'a@b.test' },
    ]);
    expect(await verifyCertificateSignature(ours, ours.publicKey.der, crypto)).toBe(true);
  });
});

describe('buildCertificate', () => {
  it('is accepted by openssl x509 and verifies against the CA with openssl verify', async () => {
    const der = await buildCertificate(template(), pki.ca.key);
    await import('node:fs/promises').then((fs) => Promise.all([fs.writeFile(dir.file('leaf.pem'), encodePem('CERTIFICATE', der)), fs.writeFile(dir.file('ca.pem'), encodePem('CERTIFICATE', pki.ca.certificate.der))]));
    const text = await openssl(['x509', '-in', dir.file('leaf.pem'), '-noout', '-text', '-nameopt', 'RFC2253']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.text).toContain('Serial Number: 81985529216486895 (0x123456789abcdef)');
    expect(text.text).toContain('Subject: CN=leaf.example.test,O=scep-wire tests,C=ZZ');
    expect(text.text).toContain('Not Before: Jan  1 00:00:00 2026 GMT');
    expect(text.text).toContain('DNS:leaf.example.test, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7, email:leaf@example.test, othername: UPN::leaf@corp.example.test, URI:urn:example:leaf');
    expect(text.text).toContain('Digital Signature, Key Encipherment');
    expect(text.text).toContain('TLS Web Client Authentication, TLS Web Server Authentication');
    const verify = await openssl(['verify', '-attime', String(Date.parse('2026-06-01T00:00:00Z') / 1000), '-CAfile', dir.file('ca.pem'), dir.file('leaf.pem')]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('is accepted by @peculiar/x509, which verifies its signature with the CA key', async () => {
    const der = await buildCertificate(template(), pki.ca.key);
    const cert = new x509.X509Certificate(der);
    expect(cert.subject).toContain('CN=leaf.example.test');
    expect(cert.serialNumber).toBe('0123456789abcdef');
    const caCert = new x509.X509Certificate(pki.ca.certificate.der);
    expect(await cert.verify({ publicKey: caCert, signatureOnly: true }, globalThis.crypto)).toBe(true);
  });

  it('v1: no version field, no extensions; extensions on v1 are a caller bug', async () => {
    const der = await buildCertificate(template({ version: 1, extensions: [] }), pki.device.key);
    const c = crossCheck(der).ours;
    expect(c.version).toBe(1);
    expect(c.extensions).toEqual([]);
    expect(() => encodeTbsCertificate(template({ version: 1 }))).toThrow(TypeError);
  });

  it('serial numbers: bytes with the high bit set get a 0x00, leading zeros are trimmed', async () => {
    const high = parseCertificate(await buildCertificate(template({ serialNumber: Uint8Array.of(0x80, 1) }), pki.ca.key));
    expect(high.serialNumberHex).toBe('008001');
    const zeros = parseCertificate(await buildCertificate(template({ serialNumber: Uint8Array.of(0, 0, 0x7f) }), pki.ca.key));
    expect(zeros.serialNumberHex).toBe('7f');
    const keepZero = parseCertificate(await buildCertificate(template({ serialNumber: Uint8Array.of(0, 0x80) }), pki.ca.key));
    expect(keepZero.serialNumberHex).toBe('0080');
  });

  it('serial numbers are bounded at 64 octets on input', async () => {
    expect(parseCertificate(await buildCertificate(template({ serialNumber: new Uint8Array(64).fill(0x11) }), pki.ca.key)).serialNumber.length).toBe(64);
    throwsWith(() => parseCertificate(new Uint8Array(0)), 'ERR_CERTIFICATE_INVALID');
    const long = await buildCertificate(template({ serialNumber: new Uint8Array(65).fill(0x11) }), pki.ca.key);
    throwsWith(() => parseCertificate(long), 'ERR_CERTIFICATE_INVALID');
  });

  it('validity after 2049 is written as GeneralizedTime and read back', async () => {
    const c = parseCertificate(await buildCertificate(template({ notAfter: new Date('2126-03-01T00:00:00Z') }), pki.ca.key));
    expect(c.notAfter.toISOString()).toBe('2126-03-01T00:00:00.000Z');
    crossCheck(c.der);
  });

  it('ECDSA and Ed25519 signers; the signature verifies and a tampered one does not', async () => {
    for (const spec of [{ type: 'EC' } as const, { type: 'Ed25519' } as const]) {
      const k = (await generateKey(spec)).privateKey;
      const alg = spec.type === 'EC' ? ({ scheme: 'ECDSA', digest: 'SHA-256' } as const) : ({ scheme: 'Ed25519' } as const);
      const c = parseCertificate(await buildCertificate(template({ publicKeyInfo: k.publicKeyInfo, issuer: 'CN=self', subject: 'CN=self', signatureAlgorithm: alg, extensions: [] }), k));
      expect(await verifyCertificateSignature(c, k.publicKeyInfo, crypto)).toBe(true);
      const bad = c.der.slice();
      flip(bad, bad.length - 5, 1);
      expect(await verifyCertificateSignature(parseCertificate(bad), k.publicKeyInfo, crypto)).toBe(false);
      expect(isSelfIssued(c)).toBe(true);
    }
  });
});

describe('helpers', () => {
  it('verifyCertificateSignature: the right issuer verifies, another key does not, legacy digests need the policy', async () => {
    expect(await verifyCertificateSignature(pki.ra.certificate, pki.ca.key.publicKeyInfo, crypto)).toBe(true);
    expect(await verifyCertificateSignature(pki.ra.certificate, pki.ra.key.publicKeyInfo, crypto)).toBe(false);
    const sha1 = parseCertificate(await buildCertificate(template({ signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-1' } }), pki.ca.key));
    await expect(verifyCertificateSignature(sha1, pki.ca.key.publicKeyInfo, crypto)).rejects.toMatchObject({ code: 'ERR_LEGACY_ALGORITHM_DISABLED' });
    expect(await verifyCertificateSignature(sha1, pki.ca.key.publicKeyInfo, crypto, ['SHA-1'])).toBe(true);
  });

  it('isSelfIssued and isWithinValidity (with grace at both ends)', () => {
    expect(isSelfIssued(pki.ca.certificate)).toBe(true);
    expect(isSelfIssued(pki.ra.certificate)).toBe(false);
    const c = pki.ra.certificate;
    expect(isWithinValidity(c, c.notBefore)).toBe(true);
    expect(isWithinValidity(c, new Date(c.notBefore.getTime() - 1))).toBe(false);
    expect(isWithinValidity(c, new Date(c.notBefore.getTime() - 1000), 1000)).toBe(true);
    expect(isWithinValidity(c, new Date(c.notAfter.getTime() + 1))).toBe(false);
    expect(isWithinValidity(c, new Date(c.notAfter.getTime() + 1000), 1000)).toBe(true);
  });

  it('certificateFromConfig: a Certificate passes through, DER is parsed, junk is a TypeError', () => {
    expect(certificateFromConfig(pki.ca.certificate, 'ca')).toBe(pki.ca.certificate);
    expect(certificateFromConfig(pki.ca.certificate.der, 'ca').serialNumberHex).toBe(pki.ca.certificate.serialNumberHex);
    expect(() => certificateFromConfig(Uint8Array.of(1, 2, 3), 'ca')).toThrow(TypeError);
  });
});

describe('parseCertificate on bad input raises CertificateError', () => {
  it('garbage, truncation, trailing bytes', async () => {
    const der = pki.ra.certificate.der;
    throwsWith(() => parseCertificate(Uint8Array.of(1, 2, 3)), 'ERR_CERTIFICATE_INVALID');
    throwsWith(() => parseCertificate(der.subarray(0, der.length - 1)), 'ERR_CERTIFICATE_INVALID');
    throwsWith(() => parseCertificate(Uint8Array.of(...der, 0)), 'ERR_CERTIFICATE_INVALID');
    throwsWith(() => parseCertificate(new Uint8Array(0)), 'ERR_CERTIFICATE_INVALID');
  });

  it('extensions in a v1 certificate, an unknown version, a duplicated extension', async () => {
    const tbs = encodeTbsCertificate(template());
    // Rewrite the version INTEGER 2 (v3) to 0 (v1), keeping the extensions.
    const v1 = tbs.slice();
    const at = indexOfBytes(v1, fromHex('a003020102'));
    v1[at + 4] = 0;
    const { bitString, encode, sequence } = await import('../src/der/writer.js');
    const { encodeSignatureAlgorithm } = await import('@scep/wire');
    const wrap = (t: Uint8Array): Uint8Array => encode(sequence(t, encodeSignatureAlgorithm({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }), bitString(new Uint8Array(256))));
    throwsWith(() => parseCertificate(wrap(v1)), 'ERR_CERTIFICATE_INVALID');
    const v4 = tbs.slice();
    v4[at + 4] = 3;
    throwsWith(() => parseCertificate(wrap(v4)), 'ERR_CERTIFICATE_INVALID');
    const ku = { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature']) };
    throwsWith(() => parseCertificate(wrap(encodeTbsCertificate(template({ extensions: [ku, ku] })))), 'ERR_CERTIFICATE_INVALID');
  });

  it('limits: a tight node budget raises LimitExceededError, not CertificateError', () => {
    throwsWith(() => parseCertificate(pki.ra.certificate.der, { maxDepth: 48, maxNodes: 20 }), 'ERR_LIMIT_EXCEEDED');
    throwsWith(() => parseCertificate(pki.ra.certificate.der, { maxDepth: 3, maxNodes: 1000 }), 'ERR_LIMIT_EXCEEDED');
    expect(() => parseCertificate(pki.ra.certificate.der, { maxDepth: 9, maxNodes: 1000 })).not.toThrow();
  });
});

describe('RSA public keys a client could use to make verification expensive', () => {
  // SubjectPublicKeyInfo for rsaEncryption from a modulus and exponent (big-endian magnitudes).
  const rsaKey = (n: Uint8Array, e: Uint8Array): Uint8Array => {
    const pos = (b: Uint8Array): Uint8Array => (((b[0] as number) & 0x80) !== 0 ? Uint8Array.of(0, ...b) : b);
    return encode(sequence(integerRaw(pos(n)), integerRaw(pos(e))));
  };
  const rsaSpki = (n: Uint8Array, e: Uint8Array): Uint8Array => encode(sequence(algorithmIdentifier(oids.rsaEncryption, NULL), bitString(rsaKey(n, e))));
  const pssSpki = (n: Uint8Array, e: Uint8Array): Uint8Array => encode(sequence(algorithmIdentifier(oids.id_RSASSA_PSS), bitString(rsaKey(n, e))));
  const modulus = (bits: number): Uint8Array => {
    const n = new Uint8Array(bits / 8).fill(0xa5);
    n[0] = 0xc1;
    return n;
  };
  const exponent = (bits: number): Uint8Array => {
    const e = new Uint8Array(Math.ceil(bits / 8)).fill(0x5a);
    e[0] = 1 << (bits - 1) % 8;
    e[e.length - 1] = 0x01;
    return e;
  };

  it('refuses exponents above 64 bits, even ones, 1, and moduli above 8192 bits; keeps the usual ones', () => {
    for (const e of [Uint8Array.of(3), Uint8Array.of(1, 0, 1), exponent(64)]) expect(parsePublicKeyInfo(rsaSpki(modulus(2048), e)).type).toBe('RSA');
    expect(parsePublicKeyInfo(rsaSpki(modulus(RSA_MAX_MODULUS_BITS), Uint8Array.of(1, 0, 1))).bits).toBe(8192);
    for (const [n, e] of [
      [modulus(3072), exponent(3064)],
      [modulus(2048), exponent(65)],
      [modulus(2048), Uint8Array.of(1, 0, 0)],
      [modulus(2048), Uint8Array.of(1)],
      [modulus(8200), Uint8Array.of(1, 0, 1)],
    ] as const) {
      throwsWith(() => parsePublicKeyInfo(rsaSpki(n, e)), 'ERR_MALFORMED');
    }
    expect(RSA_MAX_EXPONENT_BITS).toBe(64);
  });

  it('the node provider does not hand such a key to OpenSSL either: verifying with it is malformed input', async () => {
    const { nodeCrypto } = await import('@scep/wire/node');
    throwsWith(() => nodeCrypto().verify({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, rsaSpki(modulus(3072), exponent(3064)), new Uint8Array(1), new Uint8Array(384)), 'ERR_MALFORMED');
  });

  it('the same bounds hold for a key labelled id-RSASSA-PSS (OpenSSL verifies with it too)', async () => {
    throwsWith(() => parsePublicKeyInfo(pssSpki(modulus(3072), exponent(3064))), 'ERR_MALFORMED');
    expect(parsePublicKeyInfo(pssSpki(modulus(2048), Uint8Array.of(1, 0, 1))).algorithmOid).toBe(oids.id_RSASSA_PSS);
    const { nodeCrypto } = await import('@scep/wire/node');
    throwsWith(() => nodeCrypto().verify({ scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 }, pssSpki(modulus(3072), exponent(3064)), new Uint8Array(1), new Uint8Array(384)), 'ERR_MALFORMED');
  });
});

describe('EC public keys without a named curve (RFC 5480 §2.1.1)', () => {
  it('are malformed, with explicit parameters (a real P-256 key, as `openssl ec -param_enc explicit` writes it) or implicitCurve; the named form of the same key verifies', async () => {
    const { generateKeyPairSync, sign, verify } = await import('node:crypto');
    const { nodeCrypto } = await import('@scep/wire/node');
    const dir = await tempDir('scep-ec-explicit-');
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await writeFile(dir.file('key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const out = await openssl(['ec', '-in', dir.file('key.pem'), '-pubout', '-param_enc', 'explicit', '-outform', 'DER']);
      expect(out.code).toBe(0);
      const explicit = new Uint8Array(out.stdout);
      const named = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      const data = new TextEncoder().encode('signed');
      const sig = new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }));
      const alg = { scheme: 'ECDSA', digest: 'SHA-256' } as const;
      expect(await nodeCrypto().verify(alg, named, data, sig)).toBe(true);
      // OpenSSL itself takes the explicit form and verifies the same signature with it.
      expect(verify('sha256', data, { key: createPublicKey({ key: Buffer.from(explicit), format: 'der', type: 'spki' }), dsaEncoding: 'der' }, sig)).toBe(true);
      throwsWith(() => parsePublicKeyInfo(explicit), 'ERR_MALFORMED');
      throwsWith(() => nodeCrypto().verify(alg, explicit, data, sig), 'ERR_MALFORMED');
      const implicitCurve = encode(sequence(algorithmIdentifier(oids.id_ecPublicKey, NULL), bitString(parsePublicKeyInfo(named).keyBits)));
      throwsWith(() => parsePublicKeyInfo(implicitCurve), 'ERR_MALFORMED');
    } finally {
      await dir.remove();
    }
  });
});
