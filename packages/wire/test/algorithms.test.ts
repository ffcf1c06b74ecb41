/** algorithms.ts: every OID ↔ descriptor, and the legacy policy by name. */
import { describe, expect, it } from 'vitest';
import {
  CIPHERS,
  DIGESTS,
  LegacyAlgorithmError,
  UnsupportedAlgorithmError,
  cipherByName,
  cipherFromAlgorithm,
  defaultSignatureAlgorithm,
  digestByName,
  digestFromAlgorithm,
  encodeCipherAlgorithm,
  encodeKeyTransportAlgorithm,
  encodeSignatureAlgorithm,
  encodeSignerInfoSignatureAlgorithm,
  isLegacyAllowed,
  keyTransportFromAlgorithm,
  oids,
  parseAlgorithmIdentifier,
  signatureFromAlgorithm,
  signatureMatchesKey,
  toHex,
  type CipherName,
  type DigestName,
  type LegacyAlgorithm,
  type LegacyPolicy,
  type SignatureAlgorithm,
} from '@scep/wire';
import { algorithmIdentifier, encode, explicit, NULL, octetString, oid, sequence } from '../src/der/writer.js';
import { throwsWith } from './helpers.js';

const alg = (o: string, params?: Parameters<typeof algorithmIdentifier>[1]): ReturnType<typeof parseAlgorithmIdentifier> => parseAlgorithmIdentifier(algorithmIdentifier(o, params));

const LEGACY: readonly LegacyAlgorithm[] = ['MD5', 'SHA-1', 'DES-CBC', 'DES-EDE3-CBC'];

describe('digests', () => {
  const table: Record<DigestName, [oid: string, length: number, legacy: boolean]> = {
    MD5: ['1.2.840.113549.2.5', 16, true],
    'SHA-1': ['1.3.14.3.2.26', 20, true],
    'SHA-224': ['2.16.840.1.101.3.4.2.4', 28, false],
    'SHA-256': ['2.16.840.1.101.3.4.2.1', 32, false],
    'SHA-384': ['2.16.840.1.101.3.4.2.2', 48, false],
    'SHA-512': ['2.16.840.1.101.3.4.2.3', 64, false],
  };
  for (const [name, [o, length, legacy]] of Object.entries(table) as [DigestName, [string, number, boolean]][]) {
    it(`${name} ↔ ${o}`, () => {
      expect(DIGESTS[name]).toMatchObject({ name, oid: o, length, legacy });
      expect(digestFromAlgorithm(alg(o), true).name).toBe(name);
      expect(digestFromAlgorithm(alg(o, NULL), true).name).toBe(name); // NULL parameters tolerated (RFC 5754 §2)
      expect(digestByName(name, true)).toBe(DIGESTS[name]);
    });
  }
  it('covers exactly the table', () => {
    expect(Object.keys(DIGESTS).sort()).toEqual(Object.keys(table).sort());
  });
  it('unknown OIDs and bad parameters', () => {
    const err = (() => {
      try {
        digestFromAlgorithm(alg('1.2.3.4'), true);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UnsupportedAlgorithmError);
    expect((err as UnsupportedAlgorithmError).oid).toBe('1.2.3.4');
    expect((err as UnsupportedAlgorithmError).failInfo).toBe('badAlg');
    throwsWith(() => digestFromAlgorithm(alg(oids.id_sha256, octetString(Uint8Array.of(1))), true), 'ERR_MALFORMED');
    throwsWith(() => digestByName('SHA-3' as DigestName, true), 'ERR_UNSUPPORTED_ALGORITHM');
  });
});

describe('ciphers', () => {
  const table: Record<CipherName, [oid: string, keyLength: number, ivLength: number, legacy: boolean]> = {
    'AES-128-CBC': ['2.16.840.1.101.3.4.1.2', 16, 16, false],
    'AES-192-CBC': ['2.16.840.1.101.3.4.1.22', 24, 16, false],
    'AES-256-CBC': ['2.16.840.1.101.3.4.1.42', 32, 16, false],
    'DES-EDE3-CBC': ['1.2.840.113549.3.7', 24, 8, true],
    'DES-CBC': ['1.3.14.3.2.7', 8, 8, true],
  };
  for (const [name, [o, keyLength, ivLength, legacy]] of Object.entries(table) as [CipherName, [string, number, number, boolean]][]) {
    it(`${name} ↔ ${o}, IV as OCTET STRING parameters`, () => {
      expect(CIPHERS[name]).toMatchObject({ name, oid: o, keyLength, ivLength, legacy });
      const iv = Uint8Array.from({ length: ivLength }, (_, i) => i);
      const enc = encodeCipherAlgorithm(CIPHERS[name], iv);
      const back = cipherFromAlgorithm(parseAlgorithmIdentifier(enc), true);
      expect(back.cipher).toBe(CIPHERS[name]);
      expect(toHex(back.iv)).toBe(toHex(iv));
      expect(cipherByName(name, true)).toBe(CIPHERS[name]);
      throwsWith(() => cipherFromAlgorithm(alg(o, octetString(new Uint8Array(ivLength + 1))), true), 'ERR_MALFORMED');
      throwsWith(() => cipherFromAlgorithm(alg(o), true), 'ERR_MALFORMED');
    });
  }
  it('covers exactly the table; RC2 and others are unsupported', () => {
    expect(Object.keys(CIPHERS).sort()).toEqual(Object.keys(table).sort());
    throwsWith(() => cipherFromAlgorithm(alg('1.2.840.113549.3.2', octetString(new Uint8Array(8))), true), 'ERR_UNSUPPORTED_ALGORITHM');
    throwsWith(() => cipherByName('AES-256-GCM' as CipherName, true), 'ERR_UNSUPPORTED_ALGORITHM');
  });
});

describe('signature algorithms', () => {
  const rsa: [string, DigestName][] = [
    ['1.2.840.113549.1.1.4', 'MD5'],
    ['1.2.840.113549.1.1.5', 'SHA-1'],
    ['1.2.840.113549.1.1.14', 'SHA-224'],
    ['1.2.840.113549.1.1.11', 'SHA-256'],
    ['1.2.840.113549.1.1.12', 'SHA-384'],
    ['1.2.840.113549.1.1.13', 'SHA-512'],
  ];
  for (const [o, digest] of rsa) {
    it(`RSA ${o} ↔ ${digest}`, () => {
      expect(signatureFromAlgorithm(alg(o, NULL), true)).toEqual({ scheme: 'RSASSA-PKCS1-v1_5', digest });
      expect(signatureFromAlgorithm(alg(o), true)).toEqual({ scheme: 'RSASSA-PKCS1-v1_5', digest });
      expect(toHex(encodeSignatureAlgorithm({ scheme: 'RSASSA-PKCS1-v1_5', digest }))).toBe(toHex(algorithmIdentifier(o, NULL)));
    });
  }
  const ecdsa: [string, DigestName][] = [
    ['1.2.840.10045.4.1', 'SHA-1'],
    ['1.2.840.10045.4.3.1', 'SHA-224'],
    ['1.2.840.10045.4.3.2', 'SHA-256'],
    ['1.2.840.10045.4.3.3', 'SHA-384'],
    ['1.2.840.10045.4.3.4', 'SHA-512'],
  ];
  for (const [o, digest] of ecdsa) {
    it(`ECDSA ${o} ↔ ${digest}`, () => {
      expect(signatureFromAlgorithm(alg(o), true)).toEqual({ scheme: 'ECDSA', digest });
      expect(toHex(encodeSignatureAlgorithm({ scheme: 'ECDSA', digest }))).toBe(toHex(algorithmIdentifier(o)));
      throwsWith(() => signatureFromAlgorithm(alg(o, NULL), true), 'ERR_MALFORMED'); // RFC 5758 §3.2: absent
    });
  }
  it('ECDSA with MD5 has no OID', () => {
    throwsWith(() => encodeSignatureAlgorithm({ scheme: 'ECDSA', digest: 'MD5' }), 'ERR_UNSUPPORTED_ALGORITHM');
  });
  it('Ed25519 and Ed448 (parameters absent)', () => {
    expect(signatureFromAlgorithm(alg('1.3.101.112'), undefined)).toEqual({ scheme: 'Ed25519' });
    expect(signatureFromAlgorithm(alg('1.3.101.113'), undefined)).toEqual({ scheme: 'Ed448' });
    expect(toHex(encodeSignatureAlgorithm({ scheme: 'Ed25519' }))).toBe('300506032b6570');
    expect(toHex(encodeSignatureAlgorithm({ scheme: 'Ed448' }))).toBe('300506032b6571');
    throwsWith(() => signatureFromAlgorithm(alg('1.3.101.112', NULL), undefined), 'ERR_UNSUPPORTED_ALGORITHM');
  });
  it('RSASSA-PSS: explicit parameters round trip; absent parameters mean the RFC 4055 defaults', () => {
    const pss: SignatureAlgorithm = { scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 };
    expect(signatureFromAlgorithm(parseAlgorithmIdentifier(encodeSignatureAlgorithm(pss)), undefined)).toEqual(pss);
    expect(signatureFromAlgorithm(alg(oids.id_RSASSA_PSS), true)).toEqual({ scheme: 'RSASSA-PSS', digest: 'SHA-1', mgfDigest: 'SHA-1', saltLength: 20 });
    throwsWith(() => signatureFromAlgorithm(alg(oids.id_RSASSA_PSS), undefined), 'ERR_LEGACY_ALGORITHM_DISABLED');
    const badTrailer = alg(oids.id_RSASSA_PSS, sequence(explicit(3, Uint8Array.of(2, 1, 2))));
    throwsWith(() => signatureFromAlgorithm(badTrailer, true), 'ERR_UNSUPPORTED_ALGORITHM');
    const badMgf = alg(oids.id_RSASSA_PSS, sequence(explicit(1, algorithmIdentifier('1.2.3.4'))));
    throwsWith(() => signatureFromAlgorithm(badMgf, true), 'ERR_UNSUPPORTED_ALGORITHM');
    const badField = alg(oids.id_RSASSA_PSS, sequence(explicit(5, NULL)));
    throwsWith(() => signatureFromAlgorithm(badField, true), 'ERR_MALFORMED');
  });
  it('rsaEncryption needs the SignerInfo digest (CMS only)', () => {
    throwsWith(() => signatureFromAlgorithm(alg(oids.rsaEncryption, NULL), true), 'ERR_UNSUPPORTED_ALGORITHM');
    expect(signatureFromAlgorithm(alg(oids.rsaEncryption, NULL), undefined, DIGESTS['SHA-256'])).toEqual({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' });
    throwsWith(() => signatureFromAlgorithm(alg(oids.rsaEncryption, octetString(Uint8Array.of(0))), true, DIGESTS['SHA-256']), 'ERR_MALFORMED');
  });
  it('a sha*WithRSAEncryption that disagrees with the SignerInfo digest is refused', () => {
    throwsWith(() => signatureFromAlgorithm(alg(oids.sha256WithRSAEncryption, NULL), true, DIGESTS['SHA-1']), 'ERR_MALFORMED');
  });
  it('id-ecPublicKey as a SignerInfo signature algorithm means ECDSA with the SignerInfo digest', () => {
    expect(signatureFromAlgorithm(alg(oids.id_ecPublicKey), undefined, DIGESTS['SHA-384'])).toEqual({ scheme: 'ECDSA', digest: 'SHA-384' });
  });
  it('SignerInfo signature OID styles', () => {
    const a: SignatureAlgorithm = { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-512' };
    expect(toHex(encodeSignerInfoSignatureAlgorithm(a, 'rsaEncryption'))).toBe(toHex(algorithmIdentifier(oids.rsaEncryption, NULL)));
    expect(toHex(encodeSignerInfoSignatureAlgorithm(a, 'algorithm'))).toBe(toHex(algorithmIdentifier(oids.sha512WithRSAEncryption, NULL)));
    expect(toHex(encodeSignerInfoSignatureAlgorithm({ scheme: 'ECDSA', digest: 'SHA-256' }, 'rsaEncryption'))).toBe(toHex(algorithmIdentifier(oids.ecdsa_with_SHA256)));
  });
  it('defaults per key type', () => {
    expect(defaultSignatureAlgorithm('RSA', 'SHA-256')).toEqual({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' });
    expect(defaultSignatureAlgorithm('EC', 'SHA-384')).toEqual({ scheme: 'ECDSA', digest: 'SHA-384' });
    expect(defaultSignatureAlgorithm('Ed25519', 'SHA-256')).toEqual({ scheme: 'Ed25519' });
    expect(defaultSignatureAlgorithm('Ed448', 'SHA-256')).toEqual({ scheme: 'Ed448' });
  });
  it('unknown signature OIDs', () => {
    throwsWith(() => signatureFromAlgorithm(alg('1.2.840.10040.4.3'), true), 'ERR_UNSUPPORTED_ALGORITHM'); // DSA
  });
  it('which key algorithms each scheme verifies with (the rest: verify-signature.test.ts)', () => {
    const id_dsa = '1.2.840.10040.4.1';
    const keyOids = [oids.rsaEncryption, oids.id_RSASSA_PSS, oids.id_ecPublicKey, oids.id_Ed25519, oids.id_Ed448, id_dsa];
    const fits: Record<SignatureAlgorithm['scheme'], readonly string[]> = {
      'RSASSA-PKCS1-v1_5': [oids.rsaEncryption],
      'RSASSA-PSS': [oids.rsaEncryption, oids.id_RSASSA_PSS], // RFC 4055 §1.2
      ECDSA: [oids.id_ecPublicKey],
      Ed25519: [oids.id_Ed25519],
      Ed448: [oids.id_Ed448],
    };
    const schemes: Record<SignatureAlgorithm['scheme'], SignatureAlgorithm> = {
      'RSASSA-PKCS1-v1_5': { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
      'RSASSA-PSS': { scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 },
      ECDSA: { scheme: 'ECDSA', digest: 'SHA-256' },
      Ed25519: { scheme: 'Ed25519' },
      Ed448: { scheme: 'Ed448' },
    };
    for (const [scheme, a] of Object.entries(schemes) as [SignatureAlgorithm['scheme'], SignatureAlgorithm][]) {
      for (const k of keyOids) expect(signatureMatchesKey(a, k), `${scheme} with ${k}`).toBe(fits[scheme].includes(k));
    }
  });
});

describe('key transport', () => {
  it('rsaEncryption ↔ RSAES-PKCS1-v1_5', () => {
    expect(keyTransportFromAlgorithm(alg(oids.rsaEncryption, NULL))).toEqual({ scheme: 'RSAES-PKCS1-v1_5' });
    expect(keyTransportFromAlgorithm(alg(oids.rsaEncryption))).toEqual({ scheme: 'RSAES-PKCS1-v1_5' });
    expect(toHex(encodeKeyTransportAlgorithm({ scheme: 'RSAES-PKCS1-v1_5' }))).toBe(toHex(algorithmIdentifier(oids.rsaEncryption, NULL)));
  });
  it('RSAES-OAEP: SHA-1 defaults (empty parameters) and SHA-2 round trips', () => {
    expect(toHex(encodeKeyTransportAlgorithm({ scheme: 'RSAES-OAEP', digest: 'SHA-1' }))).toBe('300d06092a864886f70d0101073000');
    expect(keyTransportFromAlgorithm(alg(oids.id_RSAES_OAEP))).toEqual({ scheme: 'RSAES-OAEP', digest: 'SHA-1' });
    for (const digest of ['SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const back = keyTransportFromAlgorithm(parseAlgorithmIdentifier(encodeKeyTransportAlgorithm({ scheme: 'RSAES-OAEP', digest })));
      expect(back).toEqual({ scheme: 'RSAES-OAEP', digest });
    }
  });
  it('refuses OAEP labels, mismatched MGF1 hashes, MD5, other MGFs, and unknown fields', () => {
    const sha256 = algorithmIdentifier(oids.id_sha256);
    const label = alg(oids.id_RSAES_OAEP, sequence(explicit(2, algorithmIdentifier(oids.id_pSpecified, octetString(Uint8Array.of(1))))));
    throwsWith(() => keyTransportFromAlgorithm(label), 'ERR_UNSUPPORTED_ALGORITHM');
    const emptyLabel = alg(oids.id_RSAES_OAEP, sequence(explicit(2, algorithmIdentifier(oids.id_pSpecified, octetString(new Uint8Array(0))))));
    expect(keyTransportFromAlgorithm(emptyLabel)).toEqual({ scheme: 'RSAES-OAEP', digest: 'SHA-1' });
    const mixed = alg(oids.id_RSAES_OAEP, sequence(explicit(0, sha256)));
    throwsWith(() => keyTransportFromAlgorithm(mixed), 'ERR_UNSUPPORTED_ALGORITHM');
    const md5 = algorithmIdentifier(oids.id_md5);
    throwsWith(() => keyTransportFromAlgorithm(alg(oids.id_RSAES_OAEP, sequence(explicit(0, md5), explicit(1, algorithmIdentifier(oids.id_mgf1, md5))))), 'ERR_UNSUPPORTED_ALGORITHM');
    throwsWith(() => keyTransportFromAlgorithm(alg(oids.id_RSAES_OAEP, sequence(explicit(1, algorithmIdentifier('1.2.3'))))), 'ERR_UNSUPPORTED_ALGORITHM');
    throwsWith(() => keyTransportFromAlgorithm(alg(oids.id_RSAES_OAEP, sequence(explicit(4, NULL)))), 'ERR_MALFORMED');
    throwsWith(() => keyTransportFromAlgorithm(alg(oids.rsaEncryption, octetString(Uint8Array.of(1)))), 'ERR_MALFORMED');
    throwsWith(() => keyTransportFromAlgorithm(alg('1.2.840.10045.2.1')), 'ERR_UNSUPPORTED_ALGORITHM');
  });
});

describe('legacy policy, by name', () => {
  const cases: [string, LegacyPolicy | undefined, readonly LegacyAlgorithm[]][] = [
    ['absent', undefined, []],
    ['false', false, []],
    ['true', true, LEGACY],
    ["['SHA-1', 'DES-CBC']", ['SHA-1', 'DES-CBC'], ['SHA-1', 'DES-CBC']],
    ["['DES-EDE3-CBC']", ['DES-EDE3-CBC'], ['DES-EDE3-CBC']],
    ['[]', [], []],
  ];
  for (const [label, policy, allowed] of cases) {
    it(`${label}: allows exactly ${allowed.length === 0 ? 'nothing legacy' : allowed.join(', ')}`, () => {
      for (const name of LEGACY) {
        expect(isLegacyAllowed(policy, name), name).toBe(allowed.includes(name));
        const run = (): unknown =>
          name === 'DES-CBC' || name === 'DES-EDE3-CBC'
            ? cipherFromAlgorithm(parseAlgorithmIdentifier(encodeCipherAlgorithm(CIPHERS[name], new Uint8Array(8))), policy)
            : digestFromAlgorithm(alg(DIGESTS[name].oid), policy);
        if (allowed.includes(name)) expect(run).not.toThrow();
        else {
          expect(run).toThrow(LegacyAlgorithmError);
          try {
            run();
          } catch (err) {
            expect(err).toMatchObject({ code: 'ERR_LEGACY_ALGORITHM_DISABLED', algorithm: name, failInfo: 'badAlg' });
          }
        }
      }
      // Modern algorithms never depend on the policy.
      expect(digestFromAlgorithm(alg(oids.id_sha256), policy).name).toBe('SHA-256');
      expect(cipherByName('AES-128-CBC', policy).name).toBe('AES-128-CBC');
    });
  }

  it('legacy signature digests are gated too (sha1WithRSAEncryption, md5WithRSAEncryption, ecdsa-with-SHA1)', () => {
    throwsWith(() => signatureFromAlgorithm(alg(oids.sha1WithRSAEncryption, NULL), undefined), 'ERR_LEGACY_ALGORITHM_DISABLED');
    throwsWith(() => signatureFromAlgorithm(alg(oids.md5WithRSAEncryption, NULL), ['SHA-1']), 'ERR_LEGACY_ALGORITHM_DISABLED');
    throwsWith(() => signatureFromAlgorithm(alg(oids.ecdsa_with_SHA1), false), 'ERR_LEGACY_ALGORITHM_DISABLED');
    expect(signatureFromAlgorithm(alg(oids.sha1WithRSAEncryption, NULL), ['SHA-1']).scheme).toBe('RSASSA-PKCS1-v1_5');
    throwsWith(() => digestByName('MD5', ['SHA-1']), 'ERR_LEGACY_ALGORITHM_DISABLED');
    throwsWith(() => cipherByName('DES-CBC', ['DES-EDE3-CBC']), 'ERR_LEGACY_ALGORITHM_DISABLED');
  });

  it('parseAlgorithmIdentifier accepts raw bytes with and without parameters', () => {
    expect(parseAlgorithmIdentifier(encode(sequence(oid(oids.id_sha1)))).parameters).toBeUndefined();
    throwsWith(() => parseAlgorithmIdentifier(encode(sequence(oid(oids.id_sha1), NULL, NULL))), 'ERR_MALFORMED');
  });
});
