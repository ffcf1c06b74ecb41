/**
 * `@scep/server-core/fastify`: a Fastify plugin — `app.register(scepFastify(handler), { path })`.
 * It registers GET/POST on the base path and below, and reads any content type as a raw Buffer
 * (inside the plugin's own encapsulation context, so the app's parsers are untouched).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { nodeContext, toRequest, type FetchHandler } from './node.js';
import type { ScepHttpResponse } from '../types.js';

export interface FastifyAdapterOptions {
  /** Base path (default '/scep'). */
  readonly path?: string;
  /** Largest body Fastify reads (default 1 MiB + 1, so the handler answers 413 itself). */
  readonly bodyLimit?: number;
  readonly clientCertificates?: boolean;
}

export function scepFastify(handler: FetchHandler, options: FastifyAdapterOptions = {}): FastifyPluginAsync {
  const base = (options.path ?? '/scep').replace(/\/+$/, '');
  const bodyLimit = options.bodyLimit ?? 1024 * 1024 + 1;
  const plugin = async (app: FastifyInstance): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
    const route = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const raw = req.raw;
      // Fastify has read the body already (or there is none): never hand the consumed stream on.
      const b = req.body;
      const body = Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(0);
      const context = nodeContext(raw, options.clientCertificates !== false);
      let r: ScepHttpResponse;
      if (handler.serve) r = await handler.serve({ method: raw.method ?? req.method, url: raw.url ?? req.url, contentType: raw.headers['content-type'] ?? null, body }, context);
      else {
        const response = await handler(toRequest(raw, 'http://localhost', body), context);
        const headers: Record<string, string> = {};
        response.headers.forEach((v, k) => {
          headers[k] = v;
        });
        r = { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
      }
      await reply.code(r.status).headers(r.headers).send(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
    };
    for (const url of [base, `${base}/*`]) app.route({ method: ['GET', 'POST', 'HEAD', 'PUT', 'DELETE'], url, handler: route, bodyLimit });
  };
  // Routes are visible to the whole app; the content-type parsers stay inside this plugin.
  return plugin;
}
