/**
 * Pre-built PKCSReq messages: each with its own RSA-2048 key, self-signed signer certificate,
 * CSR (with the challenge), transactionID and senderNonce, SHA-256 + AES-128-CBC, encrypted to the
 * CA certificate the server returned from GetCACert. Built before any timed window.
 */
import { buildCertificate, buildCsr, buildPkiRequest, parseCertificate, type Certificate, type CipherName, type CryptoProvider } from '@scep/wire';
import { nodePrivateKey } from '@scep/wire/node';
import type { ClientKeyPool } from './keys.js';

export interface PreparedRequest {
  /** Index of the client key in the ClientKeyPool. */
  readonly keyIndex: number;
  readonly der: Buffer;
  readonly transactionId: string;
  readonly senderNonce: Uint8Array;
  /** DER of the self-signed certificate that signed the request (the CertRep is encrypted to it). */
  readonly signerCertificate: Uint8Array;
}

export interface BuildOptions {
  readonly keys: ClientKeyPool;
  /** Key indexes [from, from + count). */
  readonly from: number;
  readonly count: number;
  readonly recipients: readonly Certificate[];
  readonly challenge: string;
  readonly cipher: CipherName;
  readonly crypto: CryptoProvider;
  /** Prefix that keeps transactionIDs and CNs unique across pools. */
  readonly tag: string;
  readonly now: Date;
  readonly onProgress?: (done: number) => void;
}

const SHA256_RSA = { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } as const;

export async function buildOne(o: BuildOptions, keyIndex: number): Promise<PreparedRequest> {
  const key = nodePrivateKey(o.keys.key(keyIndex));
  const cn = `bench-${o.tag}-${keyIndex}`;
  const self = await buildCertificate(
    {
      serialNumber: BigInt(keyIndex + 1),
      issuer: `CN=${cn}`,
      subject: `CN=${cn}`,
      notBefore: new Date(o.now.getTime() - 3_600_000),
      notAfter: new Date(o.now.getTime() + 86_400_000),
      publicKeyInfo: key.publicKeyInfo,
      signatureAlgorithm: SHA256_RSA,
    },
    key,
  );
  const signer = { certificate: parseCertificate(self), key };
  const csr = await buildCsr({ subject: `CN=${cn},O=scep bench`, challengePassword: o.challenge, signatureAlgorithm: SHA256_RSA }, key);
  const r = await buildPkiRequest({
    messageType: 'PKCSReq',
    content: csr,
    signer,
    recipients: o.recipients,
    transactionId: `${o.tag}-${keyIndex}-${Buffer.from(o.crypto.randomBytes(6)).toString('hex')}`,
    crypto: o.crypto,
    digest: 'SHA-256',
    cipher: o.cipher,
  });
  return { keyIndex, der: Buffer.from(r.der), transactionId: r.transactionId, senderNonce: r.senderNonce, signerCertificate: self };
}

/** Builds `count` requests, several at a time so the RSA signatures use both libuv threads and cores. */
export async function buildRequests(o: BuildOptions): Promise<PreparedRequest[]> {
  const out: PreparedRequest[] = new Array<PreparedRequest>(o.count);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= o.count) return;
      out[i] = await buildOne(o, o.from + i);
      if (++done % 1000 === 0) o.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return out;
}

/** The requests for one CA, grown on demand between windows; each server process uses each once. */
export class RequestPool {
  readonly items: PreparedRequest[] = [];
  /** Seconds spent building, for the report. */
  buildSeconds = 0;

  constructor(private readonly o: Omit<BuildOptions, 'from' | 'count' | 'now'>) {}

  /** Makes sure `count` requests exist. */
  async ensure(count: number): Promise<void> {
    const missing = count - this.items.length;
    if (missing <= 0) return;
    const t = performance.now();
    await this.o.keys.ensure(count);
    const more = await buildRequests({ ...this.o, from: this.items.length, count: missing, now: new Date() });
    for (const r of more) this.items.push(r);
    this.buildSeconds += (performance.now() - t) / 1000;
  }
}
