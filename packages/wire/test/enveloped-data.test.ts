/** cms/enveloped-data.ts: EnvelopedData with key transport recipients (RFC 5652 §6). */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope, buildPkiRequest, buildSignedData, canEncryptTo, oids, readPkiRequest, toHex, type CipherName, type PrivateKeyHandle } from '@scep/wire';
import { nodeCrypto, seededRandom } from '@scep/wire/node';
import { parseDer, Tag } from '../src/der/reader.js';
import { berConstructedOctets, encode, integer, octetString, oid, printableString, sequence, setOf } from '../src/der/writer.js';
import { encodeCipherAlgorithm, CIPHERS } from '../src/algorithms.js';
import { openEnvelopedData, readEnvelope, readEnvelopedData } from '../src/cms/enveloped-data.js';
import { encodeAttribute, encodeIssuerAndSerialNumber, readContentInfo } from '../src/cms/signed-data.js';
import { crypto, makeParty, makePki, rejectsWith, throwsWith, type Party, type Pki } from './helpers.js';

let pki: Pki;
let other: Party;
let ec: Party;
beforeAll(async () => {
  pki = await makePki();
  [other, ec] = await Promise.all([makeParty({ subject: 'CN=someone else' }), makeParty({ subject: 'CN=ec', keyType: 'EC' })]);
});
const content = new TextEncoder().encode('a CSR, say');
const open = (der: Uint8Array, recipients: Party[], legacy: boolean | undefined = undefined): ReturnType<typeof openEnvelopedData> =>
  openEnvelopedData(readEnvelope(parseDer(der)), { recipients, crypto, legacy });

describe('buildEnvelope → openEnvelopedData', () => {
  for (const cipher of Object.keys(CIPHERS) as CipherName[]) {
    it(`${cipher}`, async () => {
      const legacy = CIPHERS[cipher].legacy;
      const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher, legacy, crypto });
      const env = readEnvelope(parseDer(der));
      expect(env.version).toBe(0);
      expect(env.contentType).toBe(oids.id_data);
      const opened = await open(der, [pki.ra], legacy);
      expect(opened.cipher).toBe(cipher);
      expect(opened.keyTransport).toEqual({ scheme: 'RSAES-PKCS1-v1_5' });
      expect(toHex(opened.content)).toBe(toHex(content));
      if (legacy) await rejectsWith(open(der, [pki.ra]), 'ERR_LEGACY_ALGORITHM_DISABLED');
    });
  }

  it('is the DER of ContentInfo(envelopedData) (RFC 8894 §3.2.2)', async () => {
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-128-CBC', crypto });
    expect(readContentInfo(parseDer(der), 'ci').contentType).toBe(oids.id_envelopedData);
  });

  it('subjectKeyIdentifier recipient identifiers: version 2, [0] rid, opened by our certificate', async () => {
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', recipientIdentifier: 'subjectKeyIdentifier', crypto });
    const env = readEnvelope(parseDer(der));
    expect(env.version).toBe(2);
    expect(env.recipients[0]?.version).toBe(2);
    expect(env.recipients[0]?.rid.type).toBe('subjectKeyIdentifier');
    expect(toHex((await open(der, [pki.ra])).content)).toBe(toHex(content));
    await expect(buildEnvelope({ content, recipients: [pki.device.certificate], cipher: 'AES-256-CBC', recipientIdentifier: 'subjectKeyIdentifier', crypto })).rejects.toThrow(TypeError);
  });

  it('several recipients: ours is found among them, whichever position', async () => {
    for (const order of [[other, pki.ra, pki.device], [pki.ra, other], [other, pki.device, pki.ra]]) {
      const der = await buildEnvelope({ content, recipients: order.map((p) => p.certificate), cipher: 'AES-256-CBC', crypto });
      expect(readEnvelope(parseDer(der)).recipients).toHaveLength(order.length);
      const opened = await open(der, [pki.ca, pki.ra]);
      expect(toHex(opened.recipient.der)).toBe(toHex(pki.ra.certificate.der));
      expect(toHex(opened.content)).toBe(toHex(content));
    }
  });

  it('not addressed to us → ERR_RECIPIENT_NOT_FOUND; a signing-only key handle is skipped', async () => {
    const der = await buildEnvelope({ content, recipients: [other.certificate], cipher: 'AES-256-CBC', crypto });
    await rejectsWith(open(der, [pki.ra, pki.ca]), 'ERR_RECIPIENT_NOT_FOUND');
    const der2 = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto });
    const signingOnly: PrivateKeyHandle = { keyType: 'RSA', publicKeyInfo: pki.ra.key.publicKeyInfo, sign: (a, d) => pki.ra.key.sign(a, d) };
    await rejectsWith(openEnvelopedData(readEnvelope(parseDer(der2)), { recipients: [{ certificate: pki.ra.certificate, key: signingOnly }], crypto }), 'ERR_RECIPIENT_NOT_FOUND');
  });

  it('RSAES-OAEP with SHA-1 (not subject to the legacy policy) and SHA-256', async () => {
    for (const digest of ['SHA-1', 'SHA-256'] as const) {
      const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-128-CBC', keyTransport: { scheme: 'RSAES-OAEP', digest }, crypto });
      const opened = await open(der, [pki.ra], false);
      expect(opened.keyTransport).toEqual({ scheme: 'RSAES-OAEP', digest });
      expect(toHex(opened.content)).toBe(toHex(content));
    }
  });

  it('primitive [0] encryptedContent (strongSwan) and constructed [0] (Go clients) both open', async () => {
    for (const form of ['primitive', 'constructed'] as const) {
      const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-128-CBC', encryptedContentForm: form, crypto });
      const ed = readContentInfo(parseDer(der), 'ci').content;
      const ec0 = ed.children()[2]?.children()[2];
      expect(ec0?.tag).toBe(form === 'primitive' ? 0x80 : 0xa0);
      expect(toHex((await open(der, [pki.ra])).content)).toBe(toHex(content));
    }
  });

  it('BER: encryptedContent as an indefinite [0] of several OCTET STRING segments opens too', async () => {
    // Encrypt by hand so the ciphertext can be split the way BER encoders do.
    const c = nodeCrypto({ random: seededRandom('segments') });
    const cek = c.randomBytes(16);
    const iv = c.randomBytes(16);
    const big = new Uint8Array(3000).fill(9);
    const ct = await c.encrypt('AES-128-CBC', cek, iv, big);
    const ktri = sequence(integer(0), encodeIssuerAndSerialNumber(pki.ra.certificate), encode(sequence(oid(oids.rsaEncryption), Uint8Array.of(5, 0))), octetString(await c.wrapKey({ scheme: 'RSAES-PKCS1-v1_5' }, pki.ra.certificate.publicKey.der, cek)));
    const env = encode(sequence(integer(0), setOf([ktri]), sequence(oid(oids.id_data), encodeCipherAlgorithm(CIPHERS['AES-128-CBC'], iv), berConstructedOctets(ct, 1000, 0xa0 | Tag.CONSTRUCTED))));
    const opened = await openEnvelopedData(readEnvelopedData(parseDer(env)), { recipients: [pki.ra], crypto });
    expect(toHex(opened.content)).toBe(toHex(big));
  });

  it('a bare EnvelopedData (no ContentInfo) is accepted on input', async () => {
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto });
    const bare = readContentInfo(parseDer(der), 'ci').content.raw();
    expect(parseDer(bare).children()[0]?.tag).toBe(Tag.INTEGER);
    expect(toHex((await openEnvelopedData(readEnvelope(parseDer(bare)), { recipients: [pki.ra], crypto })).content)).toBe(toHex(content));
    // ... also inside a whole request: a PKIMessage whose eContent is the bare EnvelopedData.
    const csr = (await import('./helpers.js')).makeCsr(pki.device, { cn: 'device-1', challenge: 'c' });
    const env = await buildEnvelope({ content: await csr, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto });
    const msg = await buildSignedData({
      eContentType: oids.id_data,
      eContent: readContentInfo(parseDer(env), 'ci').content.raw(),
      certificates: [pki.device.certificate.der],
      signer: {
        certificate: pki.device.certificate,
        key: pki.device.key,
        digest: 'SHA-256',
        signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
        attributes: [
          encodeAttribute(oids.id_messageType, printableString('19')),
          encodeAttribute(oids.id_transactionID, printableString('bare')),
          encodeAttribute(oids.id_senderNonce, octetString(new Uint8Array(16).fill(1))),
        ],
      },
      crypto,
    });
    const got = await readPkiRequest(msg, { crypto, recipients: [pki.ra] });
    expect(got.request.type === 'PKCSReq' && got.request.csr.challengePassword).toBe('c');
  });

  it('a ContentInfo that is not envelopedData is malformed', async () => {
    const req = await buildPkiRequest({ messageType: 'GetCert', content: encode(sequence()), signer: pki.device, recipients: [pki.ra.certificate], transactionId: 't', crypto });
    throwsWith(() => readEnvelope(parseDer(req.der)), 'ERR_MALFORMED');
  });
});

describe('decryption failures are one indistinct error', () => {
  it('right recipient identifier, wrong key → implicit rejection → ERR_DECRYPTION_FAILED', async () => {
    const c = nodeCrypto({ random: seededRandom('wrong key') });
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto: c });
    await rejectsWith(openEnvelopedData(readEnvelope(parseDer(der)), { recipients: [{ certificate: pki.ra.certificate, key: other.key }], crypto }), 'ERR_DECRYPTION_FAILED');
  });

  it('a corrupted encrypted key → ERR_DECRYPTION_FAILED (never a padding error)', async () => {
    const c = nodeCrypto({ random: seededRandom('corrupt key') });
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto: c });
    const env = readEnvelope(parseDer(der));
    const ktri = env.recipients[0];
    if (!ktri) throw new Error('no recipient');
    const bad = { ...env, recipients: [{ ...ktri, encryptedKey: ktri.encryptedKey.map((b, i) => (i === 5 ? b ^ 1 : b)) }] };
    await rejectsWith(openEnvelopedData(bad, { recipients: [pki.ra], crypto }), 'ERR_DECRYPTION_FAILED');
  });

  it('ciphertext that is not a whole number of blocks, or empty → ERR_DECRYPTION_FAILED', async () => {
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto });
    const env = readEnvelope(parseDer(der));
    for (const encryptedContent of [env.encryptedContent.subarray(1), new Uint8Array(0)]) {
      await rejectsWith(openEnvelopedData({ ...env, encryptedContent }, { recipients: [pki.ra], crypto }), 'ERR_DECRYPTION_FAILED');
    }
  });

  it('the error says nothing about why', async () => {
    const der = await buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'AES-256-CBC', crypto });
    const env = readEnvelope(parseDer(der));
    const err = await openEnvelopedData({ ...env, encryptedContent: env.encryptedContent.subarray(16) }, { recipients: [pki.ra], crypto }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('content decryption failed');
  });
});

describe('building to unusable recipients', () => {
  it('no recipients is a caller bug; an EC recipient cannot receive a key', async () => {
    await expect(buildEnvelope({ content, recipients: [], cipher: 'AES-256-CBC', crypto })).rejects.toThrow(TypeError);
    await rejectsWith(buildEnvelope({ content, recipients: [ec.certificate], cipher: 'AES-256-CBC', crypto }), 'ERR_UNSUPPORTED_ALGORITHM');
    expect(canEncryptTo(ec.certificate)).toBe(false);
    expect(canEncryptTo(pki.ra.certificate)).toBe(true);
  });

  it('a legacy cipher needs the policy to be built', async () => {
    await rejectsWith(buildEnvelope({ content, recipients: [pki.ra.certificate], cipher: 'DES-EDE3-CBC', crypto }), 'ERR_LEGACY_ALGORITHM_DISABLED');
  });
});

describe('reading malformed EnvelopedData', () => {
  it('no recipients, no encryptedContent, stray fields', () => {
    const eci = (withContent: boolean): Uint8Array => encode(sequence(oid(oids.id_data), encodeCipherAlgorithm(CIPHERS['AES-128-CBC'], new Uint8Array(16)), ...(withContent ? [Uint8Array.of(0x80, 0)] : [])));
    throwsWith(() => readEnvelopedData(parseDer(encode(sequence(integer(0), setOf([]), eci(true))))), 'ERR_MALFORMED');
    const ktri = encode(sequence(integer(0), encodeIssuerAndSerialNumber(pki.ra.certificate), encode(sequence(oid(oids.rsaEncryption))), octetString(Uint8Array.of(1))));
    throwsWith(() => readEnvelopedData(parseDer(encode(sequence(integer(0), setOf([ktri]), eci(false))))), 'ERR_MALFORMED');
    throwsWith(() => readEnvelopedData(parseDer(encode(sequence(integer(0), setOf([ktri]), eci(true), Uint8Array.of(5, 0))))), 'ERR_MALFORMED');
    // Other recipient kinds ([1] KeyAgree, [3] KEK...) are counted and skipped.
    const env = readEnvelopedData(parseDer(encode(sequence(integer(2), setOf([ktri, Uint8Array.of(0xa3, 0)]), eci(true)))));
    expect([env.recipients.length, env.otherRecipients]).toEqual([1, 1]);
  });
});
