/**
 * `@scep/server-core/node`: the node:http(s) adapter. It translates IncomingMessage → Request and
 * Response → ServerResponse, and passes the TLS client certificate chain when there is one; nothing
 * else. The body is read here up to a bound; the handler enforces its own, smaller cap.
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import { declaredLength } from '../transport.js';
import type { RequestContext, ScepHttpRequest, ScepHttpResponse } from '../types.js';

/**
 * A Fetch-style handler. A ScepHandler also has `serve`, the same handler on plain bytes: the
 * adapters below use it when it is there and skip the Fetch API objects per request.
 */
export type FetchHandler = ((request: Request, context?: RequestContext) => Promise<Response>) & {
  readonly serve?: (request: ScepHttpRequest, context?: RequestContext) => Promise<ScepHttpResponse>;
};

export interface NodeAdapterOptions {
  /** Origin used to build Request URLs when the Host header is missing (default http://localhost). */
  readonly origin?: string;
  /**
   * Bodies are read into memory up to this many bytes before the handler sees them (default
   * 1 MiB + 1); a longer body is cut there, which the handler answers with 413. Keep it above the
   * handler's maxBodySize.
   */
  readonly maxBufferedBody?: number;
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

/**
 * Reads a request body into one buffer, stopping after `limit` bytes (the rest is drained and
 * dropped; the handler then sees a body over its cap and answers 413). Cheaper per request than a
 * web ReadableStream over the socket.
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      chunks.push(c);
      size += c.length;
      if (size > limit) {
        done = true;
        resolve(bufferBytes(Buffer.concat(chunks)));
      }
    });
    req.on('end', () => {
      if (!done) resolve(bufferBytes(Buffer.concat(chunks, size)));
      done = true;
    });
    req.on('error', (e) => {
      if (!done) reject(e);
      done = true;
    });
  });
}

/** A view of the Buffer's bytes (new Uint8Array(buffer) would copy them). */
export const bufferBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * The body of a node:http request for the handler: none for GET and HEAD, the Buffer a body parser
 * left in `parsed` if there is one, empty if another parser consumed the stream, else read here up
 * to `limit` bytes.
 */
export function nodeBody(req: IncomingMessage, limit: number, parsed?: unknown): Promise<Uint8Array | undefined> {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return Promise.resolve(undefined);
  if (Buffer.isBuffer(parsed)) return Promise.resolve(bufferBytes(parsed));
  if (req.readableEnded) return Promise.resolve(new Uint8Array(0));
  return readNodeBody(req, limit);
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

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return headers;
}

/** A Fetch Response as a `serve` reply (status, headers, body bytes). */
export async function fromResponse(response: Response): Promise<ScepHttpResponse> {
  return { status: response.status, headers: headersOf(response), body: new Uint8Array(await response.arrayBuffer()) };
}

export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  if (response.body) writeServed(res, await fromResponse(response));
  else res.writeHead(response.status, headersOf(response)).end();
}

/** Writes a `serve` reply (its headers, Content-Length, the body bytes). */
export function writeServed(res: ServerResponse, r: ScepHttpResponse): void {
  res.writeHead(r.status, { ...r.headers, 'content-length': String(r.body.length) });
  res.end(r.body);
}

/** The RequestContext of a node:http request: the peer address and, over mTLS, the client chain. */
export function nodeContext(req: IncomingMessage, clientCertificates: boolean): RequestContext {
  return {
    ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
    ...(clientCertificates ? { clientCertificates: peerCertificateChain(req.socket) } : {}),
  };
}

/**
 * Hands a request whose body is already in memory to the handler: through `serve` when the handler
 * has it, else through a Request and a Response. `contentLength`: a declared length whose body was
 * not read (the handler answers 413 from it).
 */
export async function callHandler(handler: FetchHandler, req: IncomingMessage, origin: string, body: Uint8Array | undefined, context: RequestContext, contentLength?: number): Promise<ScepHttpResponse> {
  if (handler.serve) {
    return handler.serve({ method: req.method ?? 'GET', url: req.url ?? '/', contentType: req.headers['content-type'] ?? null, ...(body ? { body } : {}), ...(contentLength === undefined ? {} : { contentLength }) }, context);
  }
  // Unread, the body streams into the Request; the handler refuses its declared length unread.
  return fromResponse(await handler(toRequest(req, origin, body), context));
}

/** callHandler, then writes the reply. */
export async function dispatchNode(handler: FetchHandler, req: IncomingMessage, res: ServerResponse, origin: string, body: Uint8Array | undefined, context: RequestContext): Promise<void> {
  writeServed(res, await callHandler(handler, req, origin, body, context));
}

/**
 * Reads the body (at most `limit` bytes, or the Buffer a body parser left in `parsed`), calls the
 * handler and writes its reply. A body declared longer than `limit` is not read at all. When a
 * body was not read to its end, the reply closes the connection: otherwise Node would keep reading
 * and dropping the rest to reuse it.
 */
export async function serveNode(handler: FetchHandler, req: IncomingMessage, res: ServerResponse, origin: string, limit: number, context: RequestContext, parsed?: unknown): Promise<void> {
  const declared = declaredLength(req.headers['content-length']);
  const unread = declared !== undefined && declared > limit && !Buffer.isBuffer(parsed) && !req.readableEnded;
  const body = unread ? undefined : await nodeBody(req, limit, parsed);
  const r = await callHandler(handler, req, origin, body, context, unread ? declared : undefined);
  const cut = unread || (body !== undefined && body.length >= limit && !Buffer.isBuffer(parsed));
  writeServed(res, cut ? { ...r, headers: { ...r.headers, connection: 'close' } } : r);
}

function internalError(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Internal Server Error\n');
}

/** A node:http request listener around a SCEP handler. */
export function toNodeListener(handler: FetchHandler, options: NodeAdapterOptions = {}): RequestListener {
  const origin = options.origin ?? 'http://localhost';
  const withCerts = options.clientCertificates !== false;
  const limit = options.maxBufferedBody ?? 1024 * 1024 + 1;
  return (req, res) => {
    serveNode(handler, req, res, origin, limit, nodeContext(req, withCerts)).catch(() => internalError(res));
  };
}

/**
 * An http.Server serving the handler (listen() it yourself; for https, use toNodeListener with
 * https.createServer). Its requestTimeout is 60 s instead of Node's 300 s: a SCEP request is a few
 * kilobytes, and one that stalls holds its buffer until then.
 */
export function createScepServer(handler: FetchHandler, options: NodeAdapterOptions = {}): Server {
  return createHttpServer({ requestTimeout: 60_000 }, toNodeListener(handler, options));
}
