/** crypto/webcrypto.ts: the WebCrypto provider (global, and @peculiar/webcrypto injected). */
import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto';
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCertificate,
  buildCsr,
  buildEnvelope,
  buildPkiRequest,
  parseCertificate,
  readPkiRequest,
  toHex,
  webCryptoPrivateKey,
  webCryptoProvider,
  type Certificate,
  type CipherName,
  type CryptoProvider,
  type PrivateKeyHandle,
} from '@scep/wire';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../src/crypto/webcrypto.js';
import { parseDer } from '../src/der/reader.js';
import { encode, integer, integerRaw, sequence } from '../src/der/writer.js';
import { openEnvelopedData, readEnvelope } from '../src/cms/enveloped-data.js';
import { crypto as nodeProvider, rejectsWith, seededRandom } from './helpers.js';

type Subtle = typeof globalThis.crypto.subtle;

interface Setup {
  readonly label: string;
  readonly subtle: Subtle;
  readonly provider: CryptoProvider;
  readonly handle: PrivateKeyHandle;
  readonly certificate: Certificate;
}

/** An RSA key usable for signing (RSASSA-PKCS1-v1_5) and, through a second import, OAEP decryption; a self-signed certificate for it. */
async function setup(label: string, subtle: Subtle): Promise<Setup> {
  const pair = await subtle.generateKey({ name: 'RSA-OAEP', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt']);
  const pkcs8 = await subtle.exportKey('pkcs8', pair.privateKey);
  const signing = await subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const handle = await webCryptoPrivateKey({ signing, publicKey: pair.publicKey, decryption: pair.privateKey, subtle });
  const der = await buildCertificate(
    {
      serialNumber: 7n,
      issuer: `CN=${label}`,
      subject: `CN=${label}`,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
      publicKeyInfo: handle.publicKeyInfo,
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    handle,
  );
  return { label, subtle, provider: webCryptoProvider({ subtle, random: seededRandom(`webcrypto ${label}`) }), handle, certificate: parseCertificate(der) };
}

let setups: Setup[];
beforeAll(async () => {
  setups = await Promise.all([setup('global WebCrypto', globalThis.crypto.subtle), setup('@peculiar/webcrypto', new PeculiarCrypto().subtle as unknown as Subtle)]);
});

describe('webCryptoProvider', () => {
  for (const cipher of ['AES-128-CBC', 'AES-192-CBC', 'AES-256-CBC'] as CipherName[]) {
    it(`${cipher} round trip, and interoperable with the node provider`, async () => {
      for (const s of setups) {
        const k = s.provider.randomBytes(Number(cipher.slice(4, 7)) / 8);
        const iv = s.provider.randomBytes(16);
        const pt = new TextEncoder().encode(`${s.label} ${cipher}`);
        const ct = await s.provider.encrypt(cipher, k, iv, pt);
        expect(toHex(await s.provider.decrypt(cipher, k, iv, ct)), s.label).toBe(toHex(pt));
        expect(toHex(await nodeProvider.decrypt(cipher, k, iv, ct)), s.label).toBe(toHex(pt));
      }
    });
  }

  it('an envelope built with RSAES-OAEP opens with webCryptoPrivateKey (and with the node provider building it)', async () => {
    for (const s of setups) {
      for (const builder of [s.provider, nodeProvider]) {
        const content = new TextEncoder().encode(`oaep via ${s.label}`);
        const der = await buildEnvelope({ content, recipients: [s.certificate], cipher: 'AES-256-CBC', keyTransport: { scheme: 'RSAES-OAEP', digest: 'SHA-256' }, crypto: builder });
        const opened = await openEnvelopedData(readEnvelope(parseDer(der)), { recipients: [{ certificate: s.certificate, key: s.handle }], crypto: s.provider });
        expect(toHex(opened.content), s.label).toBe(toHex(content));
      }
    }
  });

  it('a whole PKIMessage round trip with WebCrypto only (OAEP, AES, SHA-256)', async () => {
    for (const s of setups) {
      const csr = await buildCsr({ subject: 'CN=webcrypto device', challengePassword: 'pw', signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, s.handle);
      const req = await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: { certificate: s.certificate, key: s.handle }, recipients: [s.certificate], transactionId: 'wc', keyTransport: { scheme: 'RSAES-OAEP', digest: 'SHA-256' }, crypto: s.provider });
      const got = await readPkiRequest(req.der, { crypto: s.provider, recipients: [{ certificate: s.certificate, key: s.handle }] });
      expect(got.request.type === 'PKCSReq' && got.request.csr.challengePassword, s.label).toBe('pw');
    }
  });

  it('OAEP unwrap failure yields a random key of the asked length (implicit rejection), not an exception', async () => {
    for (const s of setups) {
      const k = await (s.handle.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)({ scheme: 'RSAES-OAEP', digest: 'SHA-256' }, new Uint8Array(256).fill(1), 32);
      expect(k.length, s.label).toBe(32);
    }
  });

  it('RSAES-PKCS1-v1_5, DES and 3DES raise UnsupportedAlgorithmError (WebCrypto has none)', async () => {
    for (const s of setups) {
      await rejectsWith(Promise.resolve().then(() => s.provider.wrapKey({ scheme: 'RSAES-PKCS1-v1_5' }, s.handle.publicKeyInfo, new Uint8Array(16))), 'ERR_UNSUPPORTED_ALGORITHM');
      await rejectsWith(Promise.resolve().then(() => (s.handle.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)({ scheme: 'RSAES-PKCS1-v1_5' }, new Uint8Array(256), 16)), 'ERR_UNSUPPORTED_ALGORITHM');
      for (const cipher of ['DES-CBC', 'DES-EDE3-CBC'] as const) {
        await rejectsWith(Promise.resolve().then(() => s.provider.encrypt(cipher, new Uint8Array(8), new Uint8Array(8), new Uint8Array(1))), 'ERR_UNSUPPORTED_ALGORITHM');
        await rejectsWith(Promise.resolve().then(() => s.provider.decrypt(cipher, new Uint8Array(8), new Uint8Array(8), new Uint8Array(8))), 'ERR_UNSUPPORTED_ALGORITHM');
      }
      await rejectsWith(Promise.resolve().then(() => s.provider.digest('MD5', new Uint8Array(1))), 'ERR_UNSUPPORTED_ALGORITHM');
      // ... and so does an envelope asking for them.
      await rejectsWith(buildEnvelope({ content: new Uint8Array(1), recipients: [s.certificate], cipher: 'AES-128-CBC', crypto: s.provider }), 'ERR_UNSUPPORTED_ALGORITHM');
    }
  });

  it('signatures made by the node provider verify with WebCrypto (RSA, ECDSA DER ↔ raw, Ed25519); bad ones are false', async () => {
    const { generateKey } = await import('@scep/wire/node');
    const data = new TextEncoder().encode('signed');
    const s = setups[0] as Setup;
    for (const [spec, alg] of [
      [{ type: 'RSA' }, { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-384' }],
      [{ type: 'RSA' }, { scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 }],
      [{ type: 'EC', namedCurve: 'P-256' }, { scheme: 'ECDSA', digest: 'SHA-256' }],
      [{ type: 'EC', namedCurve: 'P-384' }, { scheme: 'ECDSA', digest: 'SHA-384' }],
      [{ type: 'Ed25519' }, { scheme: 'Ed25519' }],
    ] as const) {
      const k = (await generateKey(spec)).privateKey;
      const sig = await k.sign(alg, data);
      expect(await s.provider.verify(alg, k.publicKeyInfo, data, sig), alg.scheme).toBe(true);
      expect(await s.provider.verify(alg, k.publicKeyInfo, Uint8Array.of(1), sig), alg.scheme).toBe(false);
      expect(await s.provider.verify(alg, k.publicKeyInfo, data, Uint8Array.of(0x30, 0)), alg.scheme).toBe(false);
    }
    // An Ed448 key: under an RSA key the label is refused before the provider looks (verify-signature.test.ts).
    const ed448 = new Uint8Array(generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'der' }));
    await rejectsWith(Promise.resolve().then(() => s.provider.verify({ scheme: 'Ed448' }, ed448, data, new Uint8Array(114))), 'ERR_UNSUPPORTED_ALGORITHM');
  });

  it('a PSS salt longer than the key allows is false, not WebCrypto’s OperationError (the salt length comes from the message)', async () => {
    const data = new TextEncoder().encode('signed');
    for (const s of setups) {
      const sig = await s.handle.sign({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, data);
      for (const saltLength of [223, 1000, 65535]) {
        expect(await s.provider.verify({ scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength }, s.handle.publicKeyInfo, data, sig), `${s.label} salt ${saltLength}`).toBe(false);
      }
    }
  });

  it('an ECDSA signature has one DER encoding: padded, overlong or negative r/s are false, as with OpenSSL', async () => {
    const { generateKey, nodeCrypto } = await import('@scep/wire/node');
    const data = new TextEncoder().encode('signed');
    const alg = { scheme: 'ECDSA', digest: 'SHA-256' } as const;
    const k = (await generateKey({ type: 'EC', namedCurve: 'P-256' })).privateKey;
    const raw = ecdsaDerToRaw(await k.sign(alg, data), 32);
    const [r, s] = [raw.subarray(0, 32), raw.subarray(32)];
    // INTEGER contents written as given (integerRaw) or minimal and positive (integer).
    const canonical = ecdsaRawToDer(raw);
    const variants = {
      'zero-padded r': encode(sequence(integerRaw(Uint8Array.of(0, 0, ...r)), integer(s))),
      'r with a leading byte beyond the curve': encode(sequence(integerRaw(Uint8Array.of(0x01, ...r)), integer(s))), // cut off, this verified before
      'negative s': encode(sequence(integer(r), integerRaw(Uint8Array.of(0xff, ...s)))),
    };
    for (const provider of [...setups.map((x) => x.provider), nodeCrypto()]) {
      expect(await provider.verify(alg, k.publicKeyInfo, data, canonical)).toBe(true);
      for (const [what, v] of Object.entries(variants)) expect(await provider.verify(alg, k.publicKeyInfo, data, v), what).toBe(false);
    }
  });

  it('ECDSA signature format conversion (DER ECDSA-Sig-Value ↔ raw r‖s)', () => {
    const raw = Uint8Array.from({ length: 64 }, (_, i) => (i === 0 || i === 32 ? 0x80 : i));
    const der = ecdsaRawToDer(raw);
    expect(der[0]).toBe(0x30);
    expect(toHex(ecdsaDerToRaw(der, 32))).toBe(toHex(raw));
    const small = new Uint8Array(64);
    small[31] = 1;
    small[63] = 2;
    expect(toHex(ecdsaDerToRaw(ecdsaRawToDer(small), 32))).toBe(toHex(small));
  });
});
