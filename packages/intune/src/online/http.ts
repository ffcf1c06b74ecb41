/**
 * The one place outbound HTTP happens: an injected `fetch`, a timeout that also covers reading
 * the body, a bound on the body size, and every failure turned into our own error.
 */
import { ServiceNetworkError, ServiceResponseMalformedError, ServiceTimeoutError } from '../errors.js';
import { isHostAllowed, type AllowedHosts } from './allowed-hosts.js';

/** The response surface we use; the platform `Response` satisfies it. */
export interface FetchResponseLike {
  readonly status: number;
  readonly body: ReadableStream<Uint8Array> | null;
}

export interface FetchInit {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /**
   * Always 'error': a redirect would re-send the body (the client secret, a CSR) to wherever the
   * Location names. Microsoft's endpoints answer these calls directly.
   */
  readonly redirect: 'error';
}

/** `fetch` as this package calls it; `globalThis.fetch` satisfies it. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

export interface HttpCallOptions {
  readonly fetch: FetchLike;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** The caller's signal (the SCEP request going away). */
  readonly signal?: AbortSignal;
  /** For messages: what this call is ("token request", "discovery", "validateRequest"). */
  readonly what: string;
}

export interface HttpCallResult {
  readonly status: number;
  readonly text: string;
}

class TimeoutMarker {}

/** Resolves the platform fetch lazily so tests and runtimes without it can inject one. */
export function defaultFetch(): FetchLike {
  const f: unknown = (globalThis as { fetch?: unknown }).fetch;
  if (typeof f !== 'function') throw new TypeError('@scep/intune: no global fetch in this runtime; pass the `fetch` option');
  return f as FetchLike; // the platform fetch accepts (string, init) and returns a Response
}

/** Performs one call. Throws `ServiceTimeoutError`, `ServiceNetworkError` or `ServiceResponseMalformedError`. */
export async function httpCall(options: HttpCallOptions): Promise<HttpCallResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutMarker()), options.timeoutMs);
  const outer = options.signal;
  const onAbort = (): void => controller.abort(outer?.reason);
  if (outer !== undefined) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', onAbort, { once: true });
  }
  const init: FetchInit = {
    method: options.method,
    headers: options.headers,
    signal: controller.signal,
    redirect: 'error',
    ...(options.body === undefined ? {} : { body: options.body }),
  };
  try {
    let response: FetchResponseLike;
    try {
      response = await options.fetch(options.url, init);
    } catch (cause) {
      throw abortOrNetworkError(controller.signal, options, cause);
    }
    let text: string;
    try {
      text = await readBoundedText(response, options.maxResponseBytes);
    } catch (cause) {
      if (cause instanceof ServiceResponseMalformedError) throw cause;
      throw abortOrNetworkError(controller.signal, options, cause);
    }
    return { status: response.status, text };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

function abortOrNetworkError(signal: AbortSignal, options: HttpCallOptions, cause: unknown): Error {
  if (signal.aborted) {
    return signal.reason instanceof TimeoutMarker
      ? new ServiceTimeoutError(`${options.what} timed out after ${options.timeoutMs} ms`, { cause })
      : new ServiceTimeoutError(`${options.what} was aborted by the caller`, { cause: signal.reason });
  }
  return new ServiceNetworkError(`${options.what} failed: network error`, { cause });
}

/** Reads at most `maxBytes` of UTF-8 text; throws `ServiceResponseMalformedError` beyond that. */
async function readBoundedText(response: FetchResponseLike, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ServiceResponseMalformedError(`response body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(all);
  } catch (cause) {
    throw new ServiceResponseMalformedError('response body is not UTF-8', { cause });
  }
}

/** Strips trailing slashes so `${base}/path` never doubles them. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** What a configured or discovered base URL must satisfy. */
export interface ServiceUrlPolicy {
  /** Refuse `http:`. */
  readonly requireHttps: boolean;
  /** Host suffixes (and ports) calls may go to. */
  readonly allowedHosts: AllowedHosts;
}

export type ServiceUrlCheck = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly why: string };

/**
 * Checks a configured or discovered base URL. When acceptable, returns it as the WHATWG parser
 * spells it (lower-case host, no trailing slash), so what is fetched is exactly what was checked.
 */
export function checkServiceUrl(url: string, policy: ServiceUrlPolicy): ServiceUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, why: 'is not a URL' };
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && !policy.requireHttps)) {
    return { ok: false, why: policy.requireHttps ? 'is not https' : 'is not http(s)' };
  }
  // Credentials in the URL would be sent along; a query or fragment cannot be a base.
  if (parsed.username !== '' || parsed.password !== '') return { ok: false, why: 'carries user info' };
  if (parsed.search !== '' || parsed.hash !== '') return { ok: false, why: 'has a query or fragment' };
  if (!isHostAllowed(parsed, policy.allowedHosts)) return { ok: false, why: `names a host outside allowedServiceHosts (${parsed.host})` };
  return { ok: true, url: trimBase(parsed.href) };
}
