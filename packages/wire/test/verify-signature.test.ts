/**
 * crypto/verify-signature.ts and the providers: a signature algorithm must fit the key's type.
 * OpenSSL takes the scheme from the key, so without the check a DSA key (which we do not support)
 * verified a signature labelled ecdsa-with-SHA256, and RSA or EC keys ones labelled for the other.
 */
import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto';
import { constants, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject, type KeyPairKeyObjectResult } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertificate,
  buildCsr,
  buildSignedData,
  oids,
  parseCertificate,
  parseCsr,
  verifyCertificateSignature,
  verifyCsr,
  webCryptoPrivateKey,
  webCryptoProvider,
  type Certificate,
  type CryptoProvider,
  type PrivateKeyHandle,
  type SignatureAlgorithm,
} from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { parseDer } from '../src/der/reader.js';
import { readContentInfo, readSignedData, verifySignerInfo, type SignedData } from '../src/cms/signed-data.js';
import { rejectsWith, seededRandom } from './helpers.js';

type Subtle = typeof globalThis.crypto.subtle;
type Label = 'PKCS1' | 'PSS' | 'ECDSA' | 'Ed25519' | 'Ed448';
type Kind = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa';

const LABELS: Readonly<Record<Label, SignatureAlgorithm>> = {
  PKCS1: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
  PSS: { scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 },
  ECDSA: { scheme: 'ECDSA', digest: 'SHA-256' },
  Ed25519: { scheme: 'Ed25519' },
  Ed448: { scheme: 'Ed448' },
};
/** The label each key's own signatures carry; DSA has none we support. */
const NATIVE: Readonly<Record<Kind, Label | undefined>> = { rsa: 'PKCS1', 'rsa-pss': 'PSS', ec: 'ECDSA', ed25519: 'Ed25519', ed448: 'Ed448', dsa: undefined };

interface TestKey {
  readonly kind: Kind;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Uint8Array;
  /** Signs the way node:crypto does for this key type: what the old provider checked against. */
  readonly sign: (data: Uint8Array) => Uint8Array;
  /** node:crypto's own verification of such a signature, for the "it is a genuine signature" checks. */
  readonly verify: (data: Uint8Array, sig: Uint8Array) => boolean;
}

function generate(kind: Kind): KeyPairKeyObjectResult {
  switch (kind) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa-pss':
      return generateKeyPairSync('rsa-pss', { modulusLength: 2048 }); // id-RSASSA-PSS SubjectPublicKeyInfo
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'ed448':
      return generateKeyPairSync('ed448');
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  }
}

function makeKey(kind: Kind): TestKey {
  const { privateKey, publicKey } = generate(kind);
  const digest = kind === 'ed25519' || kind === 'ed448' ? null : 'sha256';
  const opts = kind === 'rsa-pss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : kind === 'ec' || kind === 'dsa' ? { dsaEncoding: 'der' as const } : {};
  return {
    kind,
    privateKey,
    publicKey,
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    sign: (data) => new Uint8Array(nodeSign(digest, data, { key: privateKey, ...opts })),
    verify: (data, sig) => nodeVerify(digest, data, { key: publicKey, ...opts }, sig),
  };
}

/**
 * What a forger's tool is: a handle that signs with the key's own scheme whatever label it is
 * asked for. keyType is whatever the forger claims; nothing on the verifying side reads it.
 */
const forger = (k: TestKey): PrivateKeyHandle => ({ keyType: 'EC', publicKeyInfo: k.spki, sign: async (_alg, data) => k.sign(data) });

/** A provider that trusts every signature (a careless HSM binding): only the shared check stands between. */
function trusting(): CryptoProvider & { readonly calls: () => number } {
  const base = nodeCrypto({ random: seededRandom('trusting') });
  let n = 0;
  return {
    ...base,
    verify: () => {
      n++;
      return true;
    },
    calls: () => n,
  };
}

const data = new TextEncoder().encode('signed by whom?');
const KINDS: readonly Kind[] = ['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448', 'dsa'];
let keys: Record<Kind, TestKey>;
let node: CryptoProvider;
let webcrypto: readonly (readonly [string, CryptoProvider])[];

beforeAll(() => {
  keys = Object.fromEntries(KINDS.map((k) => [k, makeKey(k)])) as Record<Kind, TestKey>; // every Kind, built above
  node = nodeCrypto({ random: seededRandom('verify-signature tests') });
  webcrypto = [
    ['global WebCrypto', webCryptoProvider({ random: seededRandom('wc') })],
    ['@peculiar/webcrypto', webCryptoProvider({ subtle: new PeculiarCrypto().subtle as unknown as Subtle, random: seededRandom('pwc') })], // its types are lib.dom's, structurally the same
  ];
});

describe('a raw signature under a label that does not fit the key', () => {
  it('node:crypto itself verifies each key’s signature, and verified the DSA one the way the old ECDSA path asked', () => {
    for (const kind of KINDS) expect(keys[kind].verify(data, keys[kind].sign(data)), kind).toBe(true);
    // Exactly the call nodeCrypto made for { scheme: 'ECDSA', digest: 'SHA-256' } before the check.
    const dsa = keys.dsa;
    expect(nodeVerify('sha256', data, { key: dsa.publicKey, dsaEncoding: 'der' }, dsa.sign(data))).toBe(true);
  });

  it('nodeCrypto: true only for the key’s own scheme; every other label (and DSA under any) is false, never thrown', async () => {
    for (const kind of KINDS) {
      const k = keys[kind];
      const sig = k.sign(data);
      for (const label of Object.keys(LABELS) as Label[]) {
        expect(await node.verify(LABELS[label], k.spki, data, sig), `${kind} key, ${label} label`).toBe(label === NATIVE[kind]);
      }
    }
  });

  it('nodeCrypto: RSASSA-PSS may use an rsaEncryption key (RFC 4055 §1.2)', async () => {
    const rsa = keys.rsa;
    const sig = new Uint8Array(nodeSign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
    expect(await node.verify(LABELS.PSS, rsa.spki, data, sig)).toBe(true);
  });

  it('webCryptoProvider (global and @peculiar/webcrypto): every mismatched label is false, never a DOMException', async () => {
    for (const [name, p] of webcrypto) {
      for (const kind of KINDS) {
        const k = keys[kind];
        const sig = k.sign(data);
        for (const label of Object.keys(LABELS) as Label[]) {
          if (label === NATIVE[kind]) continue; // what each WebCrypto has is webcrypto.test.ts's business
          expect(await p.verify(LABELS[label], k.spki, data, sig), `${name}: ${kind} key, ${label} label`).toBe(false);
        }
      }
    }
  });
});

describe('the shared check: certificates, CSRs and SignerInfos', () => {
  /** Self-signed, labelled `label`, signed by `k`'s own scheme. */
  const forgedCertificate = async (k: TestKey, label: Label): Promise<Certificate> =>
    parseCertificate(
      await buildCertificate(
        {
          serialNumber: 1n,
          issuer: 'CN=forged',
          subject: 'CN=forged',
          notBefore: new Date('2026-01-01T00:00:00Z'),
          notAfter: new Date('2027-01-01T00:00:00Z'),
          publicKeyInfo: k.spki,
          signatureAlgorithm: LABELS[label],
        },
        forger(k),
      ),
    );
  const cases: readonly (readonly [Kind, Label])[] = [
    ['dsa', 'ECDSA'],
    ['rsa', 'ECDSA'],
    ['ec', 'PKCS1'],
    ['ed448', 'Ed25519'],
  ];

  it('a certificate whose signature verifies under its key’s own scheme, labelled for another, does not verify', async () => {
    for (const [kind, label] of cases) {
      const k = keys[kind];
      const cert = await forgedCertificate(k, label);
      expect(k.verify(cert.tbs, cert.signature), `${kind}: a genuine signature`).toBe(true);
      const t = trusting();
      for (const [name, p] of [['nodeCrypto', node], ...webcrypto, ['a provider that trusts everything', t]] as const) {
        expect(await verifyCertificateSignature(cert, k.spki, p), `${kind} as ${label}, ${name}`).toBe(false);
        expect(await verifyCertificateSignature(cert, cert.publicKey, p), `${kind} as ${label}, ${name}, parsed key`).toBe(false);
      }
      expect(t.calls(), 'the provider is not even asked').toBe(0);
    }
  });

  it('a CSR likewise: CsrSignatureError with every provider', async () => {
    for (const [kind, label] of cases) {
      const k = keys[kind];
      const csr = parseCsr(await buildCsr({ subject: 'CN=forged', challengePassword: 'pw', signatureAlgorithm: LABELS[label] }, forger(k)));
      expect(k.verify(csr.info, csr.signature), `${kind}: a genuine signature`).toBe(true);
      for (const p of [node, ...webcrypto.map(([, w]) => w), trusting()]) await rejectsWith(verifyCsr(csr, p), 'ERR_CSR_SIGNATURE_INVALID');
    }
  });

  it('a SignerInfo likewise: SignatureError with every provider', async () => {
    for (const [kind, label] of cases) {
      const k = keys[kind];
      const certificate = await forgedCertificate(k, label);
      const der = await buildSignedData({
        eContentType: oids.id_data,
        eContent: data,
        certificates: [certificate.der],
        signer: { certificate, key: forger(k), digest: 'SHA-256', signatureAlgorithm: LABELS[label], signatureStyle: 'algorithm', attributes: [] },
        crypto: node,
      });
      const sd = readSignedData(readContentInfo(parseDer(der), 'ContentInfo').content);
      const si = sd.signerInfos[0] as SignedData['signerInfos'][number];
      expect(k.verify(si.signedAttrs ?? new Uint8Array(0), si.signature), `${kind}: a genuine signature`).toBe(true);
      for (const p of [node, ...webcrypto.map(([, w]) => w), trusting()]) await rejectsWith(verifySignerInfo(sd, si, { crypto: p }), 'ERR_SIGNATURE_INVALID');
    }
  });
});

describe('signing with a key the algorithm does not fit is a caller bug (TypeError)', () => {
  it('nodePrivateKey: node:crypto would sign with the key’s own scheme under the wrong label; we refuse', async () => {
    // What happened before: an RSA PKCS #1 v1.5 signature, to be written out labelled ECDSA.
    expect(nodeSign('sha256', data, { key: keys.rsa.privateKey, dsaEncoding: 'der' }).length).toBe(256);
    for (const [kind, label] of [
      ['rsa', 'ECDSA'],
      ['ec', 'PKCS1'],
      ['ec', 'PSS'],
      ['ed25519', 'Ed448'],
      ['ed448', 'Ed25519'],
    ] as const) {
      await expect(nodePrivateKey(keys[kind].privateKey).sign(LABELS[label], data), `${kind} as ${label}`).rejects.toThrow(TypeError);
    }
    // The fitting combinations still sign, RSASSA-PSS with an RSA key among them.
    for (const label of ['PKCS1', 'PSS'] as const) expect(await node.verify(LABELS[label], keys.rsa.spki, data, await nodePrivateKey(keys.rsa.privateKey).sign(LABELS[label], data))).toBe(true);
  });

  it('webCryptoPrivateKey: another scheme, or another hash than the key was imported with, is refused', async () => {
    const subtle = globalThis.crypto.subtle;
    const pair = await subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, false, ['sign', 'verify']);
    const handle = await webCryptoPrivateKey({ signing: pair.privateKey, publicKey: pair.publicKey, subtle });
    await expect(handle.sign(LABELS.ECDSA, data)).rejects.toThrow(TypeError);
    await expect(handle.sign(LABELS.PSS, data)).rejects.toThrow(TypeError); // the key was imported for PKCS #1 v1.5
    // WebCrypto signs with the hash fixed at import: this would be SHA-256 labelled SHA-384.
    await expect(handle.sign({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-384' }, data)).rejects.toThrow(TypeError);
    expect(await node.verify(LABELS.PKCS1, handle.publicKeyInfo, data, await handle.sign(LABELS.PKCS1, data))).toBe(true);
  });
});
