/**
 * Any change to the signed attributes or to the encapsulated content of a valid PKIMessage fails
 * verification: never a success with altered data.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCertRep, buildDeviceRequest, buildNextCaCertResponse, buildPkiRequest, isScepError, parseNextCaCertResponse, parsePkiMessage, toHex } from '@scep/wire';
import { DerInput, type Element } from '../../src/der/reader.js';
import { crypto, fcOptions, makeCsr, makePki, NOW, type Pki } from '../helpers.js';
import { tlvs, type Tlv } from './mutate.js';

/** What a tampered message may fail with: the signature, the digest, or the structure around them. */
const ALLOWED = new Set(['ERR_SIGNATURE_INVALID', 'ERR_MESSAGE_DIGEST_MISMATCH', 'ERR_MALFORMED', 'ERR_MISSING_ATTRIBUTE']);

interface Regions {
  /** The SignerInfo's [0] signedAttrs element, header included. */
  readonly signedAttrs: readonly [number, number];
  /** The content octets of the eContent OCTET STRING (each segment's, for BER). */
  readonly eContent: readonly (readonly [number, number])[];
}

function regions(der: Uint8Array): Regions {
  const root = new DerInput(der).root();
  const sd = root.children()[1]?.children()[0] as Element;
  const fields = sd.children();
  const si = fields.at(-1)?.children()[0] as Element;
  const sa = si.children().find((k) => k.tag === 0xa0) as Element;
  const encap = fields[2] as Element;
  const eContent: [number, number][] = [];
  const collect = (el: Element): void => {
    if (el.constructed) el.children().forEach(collect);
    else eContent.push([el.contentStart, el.contentEnd]);
  };
  const wrapper = encap.children()[1];
  if (wrapper) collect(wrapper.children()[0] as Element);
  return { signedAttrs: [sa.start, sa.end], eContent: eContent.filter(([a, b]) => b > a) };
}

let pki: Pki;
let corpus: { name: string; der: Uint8Array; legacy: boolean }[];
beforeAll(async () => {
  pki = await makePki();
  const csr = await makeCsr(pki.device, { cn: 'device-1', challenge: 'pw' });
  const req = (o: Partial<Parameters<typeof buildPkiRequest>[0]>): Promise<Uint8Array> =>
    buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 'tx', signingTime: true, now: NOW, crypto, ...o }).then((r) => r.der);
  const rep = (result: Parameters<typeof buildCertRep>[0]['result']): Promise<Uint8Array> =>
    buildCertRep({ request: { transactionId: 'tx', senderNonce: new Uint8Array(16).fill(1), signer: pki.device.certificate }, result, signer: pki.ra, now: NOW, crypto });
  corpus = [
    { name: 'PKCSReq', der: await req({}), legacy: false },
    { name: 'PKCSReq rsaEncryption style', der: await req({ signatureStyle: 'rsaEncryption', digest: 'SHA-512' }), legacy: false },
    { name: 'PKCSReq BER', der: await req({ encoding: 'ber' }), legacy: false },
    { name: 'micromdm PKCSReq', der: (await buildDeviceRequest('micromdm', { key: pki.device.key, subject: 'CN=d', recipients: [pki.ra.certificate], now: NOW, crypto })).der, legacy: true },
    { name: 'CertRep SUCCESS', der: await rep({ status: 'SUCCESS', certificates: [pki.ca.certificate.der] }), legacy: false },
    { name: 'CertRep FAILURE', der: await rep({ status: 'FAILURE', failInfo: 'badCertId' }), legacy: false },
    { name: 'CertRep PENDING', der: await rep({ status: 'PENDING' }), legacy: false },
  ];
});

async function expectRejected(der: Uint8Array, legacy: boolean, context: string): Promise<string> {
  try {
    const m = await parsePkiMessage(der, { crypto, legacy });
    throw new Error(`accepted altered data (${context}): ${m.messageType} ${m.transactionId}\n${toHex(der)}`);
  } catch (err) {
    if (!isScepError(err)) throw err;
    if (!ALLOWED.has(err.code)) throw new Error(`${context}: unexpected ${err.code}: ${err.message}`, { cause: err });
    return err.code;
  }
}

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('tampering with signed data', () => {
  it('the corpus verifies untouched, and each message has the regions we tamper with', async () => {
    for (const c of corpus) {
      await parsePkiMessage(c.der, { crypto, legacy: c.legacy });
      const r = regions(c.der);
      expect(r.signedAttrs[1] - r.signedAttrs[0], c.name).toBeGreaterThan(50);
      expect(r.eContent.length > 0, c.name).toBe(!c.name.includes('FAILURE') && !c.name.includes('PENDING'));
    }
  });

  it('a changed byte anywhere in the signed attributes (tag, length or value) is refused', async () => {
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.nat(), fraction, fc.integer({ min: 1, max: 255 }), async (which, where, xor) => {
        const c = corpus[which % corpus.length] as (typeof corpus)[number];
        const [a, b] = regions(c.der).signedAttrs;
        const bad = c.der.slice();
        const pos = a + Math.floor(where * (b - a));
        bad[pos] = (bad[pos] as number) ^ xor;
        codes.add(await expectRejected(bad, c.legacy, `${c.name}: byte ${pos - a} of signedAttrs ^ ${xor}`));
      }),
      fcOptions(400),
    );
    expect(codes.has('ERR_SIGNATURE_INVALID')).toBe(true);
  });

  it('a changed byte in the encapsulated content is refused (messageDigest)', async () => {
    const withContent = (): typeof corpus => corpus.filter((c) => regions(c.der).eContent.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fraction, fc.integer({ min: 1, max: 255 }), async (which, where, xor) => {
        const list = withContent();
        const c = list[which % list.length] as (typeof corpus)[number];
        const spans = regions(c.der).eContent;
        const total = spans.reduce((n, [s, e]) => n + e - s, 0);
        let k = Math.floor(where * total);
        let pos = -1;
        for (const [s, e] of spans) {
          if (k < e - s) {
            pos = s + k;
            break;
          }
          k -= e - s;
        }
        const bad = c.der.slice();
        bad[pos] = (bad[pos] as number) ^ xor;
        expect(await expectRejected(bad, c.legacy, `${c.name}: eContent byte ${pos} ^ ${xor}`)).toBe('ERR_MESSAGE_DIGEST_MISMATCH');
      }),
      fcOptions(300),
    );
  });

  it('structural edits inside the signed attributes (drop, duplicate or replace an element, lengths kept consistent) are refused', async () => {
    const { applyMutation } = await import('./mutate.js');
    await fc.assert(
      fc.asyncProperty(fc.nat(), fraction, fc.constantFrom('drop', 'duplicate', 'replaceContent'), fc.uint8Array({ maxLength: 24 }), async (which, where, kind, content) => {
        const c = corpus[which % corpus.length] as (typeof corpus)[number];
        const [a, b] = regions(c.der).signedAttrs;
        const all = tlvs(c.der);
        const inside: Tlv[] = all.filter((t) => t.start > a && t.end <= b);
        const target = inside[Math.floor(where * inside.length)] as Tlv;
        const el = all.indexOf(target);
        const pick = (): ReturnType<Parameters<typeof applyMutation>[1]> =>
          kind === 'drop' ? { kind, el } : kind === 'duplicate' ? { kind, el, fix: true } : { kind, el, content };
        const { bytes } = applyMutation(c.der, pick);
        if (toHex(bytes) === toHex(c.der)) return; // replaced by identical content: nothing altered
        await expectRejected(bytes, c.legacy, `${c.name}: ${kind} element at ${target.start - a} of signedAttrs`);
      }),
      fcOptions(400),
    );
  });

  it('GetNextCACert: a changed byte in its signed attributes or content is refused too', async () => {
    const der = await buildNextCaCertResponse({ certificates: [pki.ra.certificate.der], signer: pki.ca, now: NOW, crypto });
    const r = regions(der);
    const spans = [r.signedAttrs, ...r.eContent];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fraction, fc.integer({ min: 1, max: 255 }), async (which, where, xor) => {
        const [s, e] = spans[which % spans.length] as readonly [number, number];
        const bad = der.slice();
        const pos = s + Math.floor(where * (e - s));
        bad[pos] = (bad[pos] as number) ^ xor;
        const out = await parseNextCaCertResponse(bad, { currentCa: pki.ca.certificate, crypto }).then(
          () => 'accepted',
          (err: unknown) => (isScepError(err) ? err.code : String(err)),
        );
        expect(ALLOWED.has(out) || out === 'ERR_CERTIFICATE_INVALID', `${out} at ${pos}`).toBe(true);
      }),
      fcOptions(150),
    );
  });
});
