/**
 * `@scep/server-core/express`: mount a SCEP handler in Express 4/5 — `app.use(scepExpress(handler))`.
 * Requests outside the handler's base path fall through to `next()`. If a body parser already read
 * the body (e.g. express.raw()), that Buffer is used; otherwise the body is read here, bounded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeContext, serveNode, type FetchHandler, type NodeAdapterOptions } from './node.js';

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
  const limit = options.maxBufferedBody ?? 1024 * 1024 + 1;
  return (req, res, next) => {
    const full = req.originalUrl ?? req.url ?? '/';
    const pathname = full.split('?')[0] ?? '';
    if (pathname !== base && !pathname.startsWith(`${base}/`)) {
      next();
      return;
    }
    const context = nodeContext(req, options.clientCertificates !== false);
    // Express rewrites req.url under a mount path; the handler routes on the full path.
    const original = req.url;
    req.url = full;
    serveNode(handler, req, res, origin, limit, context, req.body).then(
      () => {
        req.url = original;
      },
      (err: unknown) => {
        req.url = original;
        next(err);
      },
    );
  };
}
