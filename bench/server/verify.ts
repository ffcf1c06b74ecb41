/**
 * After a window: decode kept replies as a client would (verify the CertRep signature against the
 * GetCACert certificates, check transactionID and recipientNonce, decrypt with the client key) and
 * check that the issued certificate certifies that client's key and was signed by the CA.
 */
import { equalBytes, parseCertificate, readCertRep, verifyCertificateSignature, type Certificate, type CryptoProvider } from '@scep/wire';
import { nodePrivateKey } from '@scep/wire/node';
import type { ClientKeyPool } from './keys.js';
import type { Reply } from './load.js';

export interface VerifyResult {
  readonly checked: number;
  readonly ok: number;
  /** First few problems, for the report. */
  readonly problems: readonly string[];
  /** Serial numbers (hex) of the issued certificates that decoded. */
  readonly serials: readonly string[];
}

export async function verifyReplies(replies: readonly Reply[], o: { readonly keys: ClientKeyPool; readonly ca: readonly Certificate[]; readonly legacy: boolean; readonly crypto: CryptoProvider }): Promise<VerifyResult> {
  let ok = 0;
  const problems: string[] = [];
  const serials: string[] = [];
  const issuer = o.ca[0] as Certificate;
  for (const { request, body } of replies) {
    try {
      const key = nodePrivateKey(o.keys.key(request.keyIndex));
      const rep = await readCertRep(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), {
        crypto: o.crypto,
        request: { transactionId: request.transactionId, senderNonce: request.senderNonce },
        trusted: o.ca,
        recipient: { certificate: parseCertificate(request.signerCertificate), key },
        legacy: o.legacy,
      });
      if (rep.status !== 'SUCCESS') throw new Error(`pkiStatus ${rep.status} failInfo ${rep.failInfo ?? '-'}`);
      const cert = rep.certificates[0];
      if (!cert) throw new Error('SUCCESS without a certificate');
      if (!equalBytes(cert.publicKey.der, key.publicKeyInfo)) throw new Error('issued certificate is for another key');
      if (!(await verifyCertificateSignature(cert, issuer.publicKey.der, o.crypto, o.legacy))) throw new Error('issued certificate not signed by the CA');
      serials.push(cert.serialNumberHex);
      ok++;
    } catch (err) {
      if (problems.length < 5) problems.push(`${request.transactionId}: ${(err as Error).message}`);
    }
  }
  return { checked: replies.length, ok, problems, serials };
}

/** Serial numbers seen more than once. */
export function duplicates(serials: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const s of serials) (seen.has(s) ? dup : seen).add(s);
  return [...dup];
}
