/**
 * A minimal SCEP responder for the codec's interop tests: it serves GetCACaps / GetCACert, records
 * every PKIOperation request as received, and answers with a SUCCESS CertRep built by the codec, so
 * real clients run to completion. (The real server is @scep/server-core; this exists so the codec
 * is tested against real clients on its own.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildCaCertResponse,
  buildCaCaps,
  buildCertRep,
  buildCertificate,
  fromBase64,
  readPkiRequest,
  type Certificate,
  type CipherName,
  type PkiMessage,
  type ScepRequest,
} from '@scep/wire';
import { crypto, type Party } from '../helpers.js';

export interface Capture {
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  readonly message?: PkiMessage;
  readonly request?: ScepRequest;
  readonly cipher?: CipherName;
  readonly error?: unknown;
}

export interface Responder {
  readonly url: string;
  readonly captures: Capture[];
  close(): Promise<void>;
}

export async function startResponder(o: {
  ca: Party;
  ra?: Party;
  caps: readonly string[];
  replyCipher?: (m: PkiMessage, requestCipher: CipherName) => CipherName;
}): Promise<Responder> {
  const captures: Capture[] = [];
  let serial = 100n;
  const chain = o.ra ? [o.ra.certificate.der, o.ca.certificate.der] : [o.ca.certificate.der];
  const signer = o.ra ?? o.ca;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const op = url.searchParams.get('operation');
        if (op === 'GetCACaps') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(buildCaCaps(o.caps));
          return;
        }
        if (op === 'GetCACert') {
          const r = buildCaCertResponse(chain);
          res.writeHead(200, { 'content-type': r.contentType }).end(r.body);
          return;
        }
        if (op !== 'PKIOperation') {
          res.writeHead(400).end();
          return;
        }
        let body: Uint8Array;
        if (req.method === 'GET') {
          const raw = url.searchParams.get('message') ?? '';
          body = fromBase64(raw.replace(/ /g, '+')) ?? new Uint8Array(0);
        } else body = new Uint8Array(Buffer.concat(chunks));
        try {
          const got = await readPkiRequest(body, { crypto, recipients: [signer], legacy: true });
          captures.push({ method: req.method ?? '', contentType: req.headers['content-type'], body, message: got.message, request: got.request, cipher: got.envelope.cipher });
          let certs: Uint8Array[] = [];
          if (got.request.type === 'PKCSReq' || got.request.type === 'RenewalReq') {
            const csr = got.request.csr;
            const der = await buildCertificate(
              {
                serialNumber: serial++,
                issuer: o.ca.certificate.subject,
                subject: csr.subject,
                notBefore: new Date(Date.now() - 60_000),
                notAfter: new Date(Date.now() + 86_400_000),
                publicKeyInfo: csr.publicKey.der,
                signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
              },
              o.ca.key,
            );
            certs = [der, o.ca.certificate.der];
          }
          const cipher = o.replyCipher?.(got.message, got.envelope.cipher) ?? 'AES-256-CBC';
          const rep = await buildCertRep({ request: got.message, result: { status: 'SUCCESS', certificates: certs }, signer, crypto, cipher, legacy: true });
          res.writeHead(200, { 'content-type': 'application/x-pki-message' }).end(rep);
        } catch (error) {
          captures.push({ method: req.method ?? '', contentType: req.headers['content-type'], body, error });
          res.writeHead(500).end();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/scep`,
    captures,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type { Certificate };
