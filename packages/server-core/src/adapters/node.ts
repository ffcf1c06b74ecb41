/**
 * `@scep/server-core/node`: the node:http(s) adapter. It translates IncomingMessage → Request and
 * Response → ServerResponse, and passes the TLS client certificate chain when there is one; nothing
 * else. The handler enforces the body cap (the body is streamed, not buffered here).
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import type { RequestContext } from '../types.js';

export type FetchHandler = (request: Request, context?: RequestContext) => Promise<Response>;

export interface NodeAdapterOptions {
  /** Origin used to build Request URLs when the Host header is missing (default http://localhost). */
  readonly origin?: string;
  /** Pass the TLS client certificate chain to the handler (default true). */
  readonly clientCertificates?: boolean;
}

/** The client certificate chain of a TLS socket, DER, leaf first (empty without mTLS). */
export function peerCertificateChain(socket: unknown): Uint8Array[] {
  const s = socket as Partial<TLSSocket>;
  if (typeof s.getPeerCertificate !== 'function') return [];
  const out: Uint8Array[] = [];
  let c: PeerCertificate | DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c && c.raw && out.length < 10) {
    const fp = c.fingerprint256;
    if (seen.has(fp)) break; // a self-signed root points at itself
    seen.add(fp);
    out.push(new Uint8Array(c.raw));
    c = 'issuerCertificate' in c ? c.issuerCertificate : undefined;
  }
  return out;
}

/** IncomingMessage → Request. Pass `body` when a framework already read it; else the body is streamed. */
export function toRequest(req: IncomingMessage, origin: string, body?: Uint8Array): Request {
  const host = req.headers.host;
  const proto = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  const base = host ? `${proto}://${host}` : origin;
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
    } catch {
      // a header value the Fetch API cannot hold: drop it
    }
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  let url: string;
  try {
    url = new URL(req.url ?? '/', base).href;
  } catch {
    url = new URL('/', origin).href;
  }
  return new Request(url, {
    method,
    headers,
    ...(hasBody ? (body ? { body } : { body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>, duplex: 'half' }) : {}),
  } as RequestInit);
}

export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/** A node:http request listener around a SCEP handler. */
export function toNodeListener(handler: FetchHandler, options: NodeAdapterOptions = {}): RequestListener {
  const origin = options.origin ?? 'http://localhost';
  const withCerts = options.clientCertificates !== false;
  return (req, res) => {
    const context: RequestContext = {
      ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
      ...(withCerts ? { clientCertificates: peerCertificateChain(req.socket) } : {}),
    };
    handler(toRequest(req, origin), context)
      .then((response) => writeResponse(res, response))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error\n');
      });
  };
}

/** An http.Server serving the handler (listen() it yourself; for https, use toNodeListener with https.createServer). */
export function createScepServer(handler: FetchHandler, options: NodeAdapterOptions = {}): Server {
  return createHttpServer(toNodeListener(handler, options));
}
