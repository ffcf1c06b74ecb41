/**
 * `@scep/server-core/fastify`: a Fastify plugin — `app.register(scepFastify(handler), { path })`.
 * It registers GET/POST on the base path and below, and reads any content type as a raw Buffer
 * (inside the plugin's own encapsulation context, so the app's parsers are untouched).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bufferBytes, callHandler, nodeContext, type FetchHandler } from './node.js';

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
      const body = Buffer.isBuffer(req.body) ? bufferBytes(req.body) : new Uint8Array(0);
      const r = await callHandler(handler, raw, 'http://localhost', body, nodeContext(raw, options.clientCertificates !== false));
      await reply.code(r.status).headers(r.headers).send(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
    };
    for (const url of [base, `${base}/*`]) app.route({ method: ['GET', 'POST', 'HEAD', 'PUT', 'DELETE'], url, handler: route, bodyLimit });
  };
  // Routes are visible to the whole app; the content-type parsers stay inside this plugin.
  return plugin;
}
