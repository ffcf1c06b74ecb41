/**
 * CBC padding oracle on the pkcsPKIEnvelope (Vaudenay), through the reply.
 *
 * A network attacker records one PKCSReq. It keeps the recorded encryptedKey, so the server
 * unwraps the victim's content key, and sends its own IV and ciphertext blocks in a message that
 * it signs with its own self-signed key. Until this test the reply told bad CBC padding
 * (badMessageCheck) from good padding over undecodable content (badRequest): about 3,300 such
 * requests recovered the CSR, challenge password included. Now every failure after the unwrap
 * is one reply.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPkiRequest, encodeIssuerAndSerial, encodeIssuerAndSubject, type Certificate, type CryptoProvider } from '@scep/wire';
import { createLocalCa, createScepHandler, staticChallenge, type ProfileConfig, type ScepEvent } from '@scep/server-core';
import { clientRequest, crypto, party, send, T0, type Party } from './setup.js';

const SECRET = 'Tr0ub4dor&3-shared';
let ca: Party;
let caCert: Certificate;

beforeAll(async () => {
  ca = await party({ subject: 'CN=Oracle CA', ca: true });
  caCert = ca.certificate;
});

/** The victim's envelope as recorded: wrapped key, IV and ciphertext (read off the provider here, instead of parsing the capture). */
async function capture(victim: Party): Promise<{ encryptedKey: Uint8Array; iv: Uint8Array; ciphertext: Uint8Array }> {
  let encryptedKey: Uint8Array | undefined;
  let iv: Uint8Array | undefined;
  let ciphertext: Uint8Array | undefined;
  const recording: CryptoProvider = {
    ...crypto,
    wrapKey: async (a, spki, cek) => (encryptedKey = await crypto.wrapKey(a, spki, cek)),
    encrypt: async (c, k, v, pt) => {
      iv = v;
      return (ciphertext = await crypto.encrypt(c, k, v, pt));
    },
  };
  const victimCsr = await clientRequest({ device: victim, recipients: [caCert], challenge: SECRET, cn: 'victim' });
  await buildPkiRequest({ messageType: 'PKCSReq', content: victimCsr.csr, signer: victim, recipients: [caCert], transactionId: 'victim-tx', crypto: recording, cipher: 'AES-256-CBC' });
  if (!encryptedKey || !iv || !ciphertext) throw new Error('nothing recorded');
  return { encryptedKey, iv, ciphertext };
}

/** The handler under attack: a static challenge, the local CA, events kept. */
function handler(o: Partial<ProfileConfig> = {}): { h: ReturnType<typeof createScepHandler>; events: ScepEvent[] } {
  const events: ScepEvent[] = [];
  const h = createScepHandler({
    profiles: { default: { ca: { certificates: [caCert.der], key: ca.key }, challenge: staticChallenge(SECRET), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue, ...o } },
    crypto,
    now: () => T0,
    onEvent: (e) => events.push(e),
  });
  return { h, events };
}

describe('the reply to a tampered pkcsPKIEnvelope', () => {
  it('is the same FAILURE badMessageCheck whether the CBC padding is good or bad (no padding oracle)', async () => {
    const { h, events } = handler();
    const victim = await party({ subject: 'CN=victim', selfSignedNoExt: true });
    const attacker = await party({ subject: 'CN=attacker', selfSignedNoExt: true });
    const rec = await capture(victim);

    // The attacker's own message around the victim's wrapped key, with a chosen IV and blocks.
    let n = 0;
    const query = async (iv: Uint8Array, blocks: Uint8Array): Promise<string> => {
      const forging: CryptoProvider = {
        ...crypto,
        wrapKey: () => rec.encryptedKey,
        randomBytes: (len) => (len === 16 ? Uint8Array.from(iv) : crypto.randomBytes(len)),
        encrypt: () => blocks,
      };
      const msg = await buildPkiRequest({ messageType: 'PKCSReq', content: new Uint8Array(1), signer: attacker, recipients: [caCert], transactionId: `oracle-${++n}`, crypto: forging, cipher: 'AES-256-CBC' });
      const rep = await send(h, { ...msg, signer: attacker }, { trusted: [caCert] });
      return `${rep.status}/${rep.failInfo ?? ''}`;
    };

    // Vaudenay's probe on the last block: the previous block as IV, its last byte run through all
    // 256 values. At least one value (the real one) gives valid padding over content that does not
    // decode; most give bad padding.
    const ct = rec.ciphertext;
    const last = ct.subarray(ct.length - 16);
    const prev = ct.length > 16 ? ct.subarray(ct.length - 32, ct.length - 16) : rec.iv;
    const replies = new Set<string>();
    for (let b = 0; b < 256; b++) {
      const iv = Uint8Array.from(prev);
      iv[15] = b;
      replies.add(await query(iv, last));
    }
    expect([...replies]).toEqual(['FAILURE/badMessageCheck']);

    // The events still tell the operator what happened.
    const reasons = new Set(events.filter((e) => e.type === 'rejected').map((e) => (e as { reason: string }).reason));
    expect(reasons.has('decrypt_failed')).toBe(true);
    expect(reasons.has('malformed')).toBe(true);
  });
});

describe('lookups (CertPoll, GetCert, GetCRL) inside the envelope', () => {
  it('content that does not decode gets the same badCertId as content naming nothing known', async () => {
    const { h } = handler({ getCert: async () => undefined });
    const dev = await party({ subject: 'CN=poller', selfSignedNoExt: true });
    const ask = async (messageType: 'CertPoll' | 'GetCert', content: Uint8Array): Promise<string> => {
      const msg = await buildPkiRequest({ messageType, content, signer: dev, recipients: [caCert], transactionId: `lookup-${messageType}-${content.length}`, crypto });
      const rep = await send(h, { ...msg, signer: dev }, { trusted: [caCert] });
      return `${rep.status}/${rep.failInfo ?? ''}`;
    };
    const garbage = Uint8Array.of(0x30, 0x03, 0x02, 0x01);
    expect(await ask('CertPoll', garbage)).toBe('FAILURE/badCertId');
    expect(await ask('CertPoll', encodeIssuerAndSubject(caCert.subject, 'CN=nobody'))).toBe('FAILURE/badCertId');
    expect(await ask('GetCert', garbage)).toBe('FAILURE/badCertId');
    expect(await ask('GetCert', encodeIssuerAndSerial(caCert.subject, Uint8Array.of(0x42)))).toBe('FAILURE/badCertId');
  });

  it('GetCert and GetCRL without a hook are refused before anything is decrypted', async () => {
    const { h, events } = handler();
    const dev = await party({ subject: 'CN=getter', selfSignedNoExt: true });
    const other = await party({ subject: 'CN=Not our CA', ca: true });
    // Encrypted to another certificate: refused as not supported, not as a wrong recipient.
    const msg = await buildPkiRequest({ messageType: 'GetCRL', content: Uint8Array.of(1), signer: dev, recipients: [other.certificate], transactionId: 'getcrl-1', crypto });
    expect(await send(h, { ...msg, signer: dev }, { trusted: [caCert] })).toMatchObject({ status: 'FAILURE', failInfo: 'badRequest' });
    expect(events.at(-1)).toMatchObject({ reason: 'not_supported' });
  });
});

