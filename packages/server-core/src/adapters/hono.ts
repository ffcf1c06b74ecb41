/**
 * `@scep/server-core/hono`: a Hono handler — `app.all('/scep/*', scepHono(handler))` (and `/scep`).
 * Hono's request is already a Web Request: it is passed through untouched. Supply `context` to read
 * the peer address or client certificate from your runtime (e.g. @hono/node-server's `c.env.incoming`).
 */
import type { Context } from 'hono';
import type { FetchHandler } from './node.js';
import type { RequestContext } from '../types.js';

export interface HonoAdapterOptions {
  readonly context?: (c: Context) => RequestContext;
}

export function scepHono(handler: FetchHandler, options: HonoAdapterOptions = {}): (c: Context) => Promise<Response> {
  return (c) => handler(c.req.raw, options.context?.(c) ?? {});
}
