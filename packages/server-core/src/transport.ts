/**
 * HTTP transport (RFC 8894 §4.1): operation routing, GET message decoding with every encoding real
 * clients use, bounded body reading, content types. Transport problems are HTTP statuses; they
 * never carry internal detail.
 */
import { fromBase64 } from '@scep/wire';
import type { ScepHttpResponse } from './types.js';

export const CT_TEXT = 'text/plain; charset=utf-8';
export const CT_PKI = 'application/x-pki-message';

export class HttpError {
  constructor(
    readonly status: number,
    /** Short reason for events/logs; the client sees only the standard status text. */
    readonly reason: string,
  ) {}
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

const utf8 = new TextEncoder();

export function errorResponse(e: HttpError, extraHeaders: Record<string, string> = {}): ScepHttpResponse {
  return { status: e.status, headers: { 'content-type': CT_TEXT, ...extraHeaders }, body: utf8.encode(`${STATUS_TEXT[e.status] ?? 'Error'}\n`) };
}

/**
 * The PKIOperation `message` of a GET (RFC 8894 §4.1): base64, standard or URL-safe, padded or not,
 * with CR/LF or spaces inside (Cisco wraps it with %0A), and `+` arriving as a space when a client
 * (Apple) does not percent-encode it and the query parser turns it into one.
 */
export function decodeGetMessage(raw: string): Uint8Array | undefined {
  const cleaned = raw.replace(/ /g, '+');
  const der = fromBase64(cleaned);
  return der && der.length > 0 ? der : undefined;
}

const POST_TYPES = new Set(['application/x-pki-message', 'application/octet-stream', 'application/pkcs7-mime', 'application/x-www-form-urlencoded']);

/** POST bodies: x-pki-message, octet-stream, or no Content-Type at all (strongSwan sends none). */
export function acceptablePostType(contentType: string | null): boolean {
  if (contentType === null || contentType.trim() === '') return true;
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return POST_TYPES.has(base);
}

/** A Content-Length header's value as a number, if it is one. */
export function declaredLength(value: string | null | undefined): number | undefined {
  const v = value?.trim();
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Reads at most `max` bytes of a body; HttpError 413 past that (checked on Content-Length first). */
export async function readBody(request: Request, max: number): Promise<Uint8Array> {
  if ((declaredLength(request.headers.get('content-length')) ?? 0) > max) throw new HttpError(413, 'body too large');
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let r: { done: boolean; value?: Uint8Array | undefined };
    try {
      r = await reader.read();
    } catch {
      throw new HttpError(400, 'body could not be read');
    }
    if (r.done) break;
    const v = r.value ?? new Uint8Array(0);
    total += v.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new HttpError(413, 'body too large');
    }
    chunks.push(v);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export interface Route {
  readonly profile: string;
  readonly operation: string;
}

/** Matches the base path as a prefix; the next segment names a profile if one has that name. */
export function route(url: URL, base: string, profiles: ReadonlySet<string>, defaultProfile: string | undefined): Route {
  const path = url.pathname;
  if (path !== base && !path.startsWith(`${base}/`)) throw new HttpError(404, 'path outside the SCEP base path');
  const rest = path.slice(base.length + 1);
  const first = rest.split('/')[0] ?? '';
  let profile: string | undefined;
  try {
    const seg = decodeURIComponent(first);
    if (profiles.has(seg)) profile = seg;
  } catch {
    throw new HttpError(400, 'bad path encoding');
  }
  profile ??= defaultProfile;
  if (profile === undefined) throw new HttpError(404, 'no such profile');
  const operation = url.searchParams.get('operation');
  if (operation === null || operation === '') throw new HttpError(400, 'missing operation');
  return { profile, operation };
}
