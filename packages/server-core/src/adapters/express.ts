/**
 * `@scep/server-core/express`: mount a SCEP handler in Express 4/5 — `app.use(scepExpress(handler))`.
 * Requests outside the handler's base path fall through to `next()`. If a body parser already read
 * the body (e.g. express.raw()), that Buffer is used; otherwise the body is streamed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { peerCertificateChain, toRequest, writeResponse, type FetchHandler, type NodeAdapterOptions } from './node.js';
import type { RequestContext } from '../types.js';

type Next = (err?: unknown) => void;
interface ExpressLikeRequest extends IncomingMessage {
  readonly body?: unknown;
  readonly originalUrl?: string;
}

export interface ExpressAdapterOptions extends NodeAdapterOptions {
  /** Only these paths are passed to the handler (default: '/scep' and below). */
  readonly path?: string;
}

export function scepExpress(handler: FetchHandler, options: ExpressAdapterOptions = {}): (req: ExpressLikeRequest, res: ServerResponse, next: Next) => void {
  const base = (options.path ?? '/scep').replace(/\/+$/, '');
  const origin = options.origin ?? 'http://localhost';
  return (req, res, next) => {
    const full = req.originalUrl ?? req.url ?? '/';
    const pathname = full.split('?')[0] ?? '';
    if (pathname !== base && !pathname.startsWith(`${base}/`)) {
      next();
      return;
    }
    // Express rewrites req.url under a mount path; the handler routes on the full path.
    const original = req.url;
    req.url = full;
    const request = toRequest(req, origin, Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : undefined);
    req.url = original;
    const context: RequestContext = {
      ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
      ...(options.clientCertificates !== false ? { clientCertificates: peerCertificateChain(req.socket) } : {}),
    };
    handler(request, context).then((r) => writeResponse(res, r), next);
  };
}
