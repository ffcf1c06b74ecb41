/**
 * Finds the ScepRequestValidationFEService through Microsoft Graph: the Intune service
 * principal's `endpoints`, entry whose `providerName` matches (case-insensitively), following
 * `@odata.nextLink` pages on the same Graph origin. The URI is cached until `invalidate()`, which
 * the client calls after any failed call.
 */
import { ServiceDiscoveryError, ServiceHttpError, ServiceResponseMalformedError, UrlNotAllowedError } from '../errors.js';
import { isJsonObject, parseJsonObject } from '../lib/json.js';
import { DEFAULT_ALLOWED_SERVICE_HOSTS, parseAllowedHosts } from './allowed-hosts.js';
import { checkServiceUrl, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, defaultFetch, httpCall, type FetchLike, type ServiceUrlPolicy } from './http.js';
import { GRAPH_SCOPE, type AccessTokenProvider } from './token-provider.js';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
/** The Intune service principal's application id. */
export const INTUNE_APP_ID = '0000000a-0000-0000-c000-000000000000';
export const SCEP_VALIDATION_SERVICE_NAME = 'ScepRequestValidationFEService';

export interface IntuneServiceLocatorOptions {
  readonly tokenProvider: AccessTokenProvider;
  /** Default `https://graph.microsoft.com`. */
  readonly graphBaseUrl?: string;
  readonly intuneAppId?: string;
  readonly serviceName?: string;
  readonly fetch?: FetchLike;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Refuse a Graph base or discovered URI that is not https. Default true. */
  readonly requireHttps?: boolean;
  /**
   * Host suffixes (`host` or `host:port`) the Graph base and the discovered service URI must be
   * under. Default `DEFAULT_ALLOWED_SERVICE_HOSTS` (Microsoft's public and national clouds);
   * replace it only for a test double or a cloud not listed.
   */
  readonly allowedServiceHosts?: readonly string[];
}

export class IntuneServiceLocator {
  readonly #options: IntuneServiceLocatorOptions;
  readonly #fetch: FetchLike;
  readonly #url: string;
  readonly #policy: ServiceUrlPolicy;
  #cached: string | undefined;
  #inflight: Promise<string> | undefined;
  #lookups = 0;

  constructor(options: IntuneServiceLocatorOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? defaultFetch();
    this.#policy = {
      requireHttps: options.requireHttps ?? true,
      allowedHosts: parseAllowedHosts(options.allowedServiceHosts ?? DEFAULT_ALLOWED_SERVICE_HOSTS, 'IntuneServiceLocator'),
    };
    const checked = checkServiceUrl(options.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL, this.#policy);
    if (!checked.ok) throw new TypeError(`IntuneServiceLocator: graphBaseUrl ${checked.why}`);
    const base = checked.url;
    const appId = options.intuneAppId ?? INTUNE_APP_ID;
    this.#url = `${base}/v1.0/servicePrincipals/appId=${encodeURIComponent(appId)}/endpoints`;
  }

  /** How many Graph lookups ran (for tests and metrics). */
  get lookupCount(): number {
    return this.#lookups;
  }

  /** The cached URI, if any. */
  cached(): string | undefined {
    return this.#cached;
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  /**
   * The service URI, from cache or Graph. Throws `ServiceDiscoveryError`, `UrlNotAllowedError` (Graph
   * named a URI outside the policy) or `EntraAuthError`.
   */
  locate(signal?: AbortSignal): Promise<string> {
    if (this.#cached !== undefined) return Promise.resolve(this.#cached);
    if (this.#inflight !== undefined) return this.#inflight;
    const run = this.#lookup(signal).finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = run;
    return run;
  }

  async #lookup(signal: AbortSignal | undefined): Promise<string> {
    this.#lookups++;
    const token = await this.#options.tokenProvider.getAccessToken(GRAPH_SCOPE, signal);
    const name = (this.#options.serviceName ?? SCEP_VALIDATION_SERVICE_NAME).toLowerCase();
    const origin = new URL(this.#url).origin;
    let url = this.#url;
    // Graph pages collections (`@odata.nextLink`); the service may be listed on a later page.
    for (let page = 1; ; page++) {
      const { value, next } = await this.#page(url, token, signal);
      const found = this.#match(value, name);
      if (found !== undefined) return found;
      if (next === undefined) break;
      // The bearer token only ever goes back to the Graph origin it was meant for.
      if (typeof next !== 'string' || !sameOrigin(next, origin)) {
        throw new ServiceDiscoveryError('Graph endpoints response links to a page elsewhere', {
          cause: new ServiceResponseMalformedError('@odata.nextLink is not on the Graph origin'),
        });
      }
      if (page >= MAX_PAGES) throw new ServiceDiscoveryError(`Graph endpoints listing runs past ${MAX_PAGES} pages`);
      url = new URL(next).href; // as checked by sameOrigin
    }
    throw new ServiceDiscoveryError(`Graph lists no ${this.#options.serviceName ?? SCEP_VALIDATION_SERVICE_NAME} endpoint`);
  }

  /** One page of the listing: its entries and its `@odata.nextLink`, unchecked. */
  async #page(url: string, token: string, signal: AbortSignal | undefined): Promise<{ value: unknown[]; next: unknown }> {
    let result;
    try {
      result = await httpCall({
        fetch: this.#fetch,
        url,
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        ...(signal === undefined ? {} : { signal }),
        what: 'Graph service discovery',
      });
    } catch (cause) {
      throw new ServiceDiscoveryError('Graph service discovery failed', { cause });
    }
    if (result.status < 200 || result.status > 299) {
      if (result.status === 401) this.#options.tokenProvider.invalidate?.(GRAPH_SCOPE);
      throw new ServiceDiscoveryError(`Graph service discovery answered HTTP ${result.status}`, {
        cause: new ServiceHttpError(result.status, `HTTP ${result.status}`),
      });
    }
    const json = parseJsonObject(result.text);
    const value = json?.['value'];
    if (!Array.isArray(value)) {
      throw new ServiceDiscoveryError('Graph endpoints response has no value array', {
        cause: new ServiceResponseMalformedError('no value array'),
      });
    }
    return { value, next: json?.['@odata.nextLink'] };
  }

  #match(value: readonly unknown[], name: string): string | undefined {
    for (const entry of value) {
      if (!isJsonObject(entry)) continue;
      const provider = entry['providerName'];
      const uri = entry['uri'];
      if (typeof provider === 'string' && provider.toLowerCase() === name && typeof uri === 'string') {
        // The Intune bearer token and every CSR go to this host: it must be one of Microsoft's.
        const checked = checkServiceUrl(uri, this.#policy);
        if (!checked.ok) throw new UrlNotAllowedError(uri, checked.why);
        this.#cached = checked.url;
        return this.#cached;
      }
    }
    return undefined;
  }
}

/** Pages of the endpoints listing followed at most, so a listing that links on forever ends. */
const MAX_PAGES = 10;

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
