/**
 * Access tokens for Microsoft's APIs. `EntraClientCredentials` does the OAuth 2.0 client
 * credentials grant (RFC 6749 §4.4) against Entra ID's v2 endpoint over the injected `fetch`, and
 * caches each scope's token until shortly before it expires. Any `AccessTokenProvider` (managed
 * identity, certificate credentials, a vault) can be passed instead.
 */
import { EntraAuthError, IntuneError } from '../errors.js';
import { parseJsonObject } from '../lib/json.js';
import { DEFAULT_ALLOWED_SERVICE_HOSTS, parseAllowedHosts } from './allowed-hosts.js';
import { checkServiceUrl, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, defaultFetch, httpCall, type FetchLike } from './http.js';

/** Scope for Microsoft Graph (service discovery). */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** Scope for the Intune API. The double slash is how Microsoft spells it, and it is required. */
export const INTUNE_SCOPE = 'https://api.manage.microsoft.com//.default';

export const DEFAULT_LOGIN_BASE_URL = 'https://login.microsoftonline.com';

export interface AccessTokenProvider {
  /** A bearer token for `scope`. Throws `IntuneError` (typically `EntraAuthError`). */
  getAccessToken(scope: string, signal?: AbortSignal): Promise<string>;
  /** Forgets a cached token (called after a 401). */
  invalidate?(scope: string): void;
}

export interface EntraClientCredentialsOptions {
  /** Tenant id (GUID) or domain. */
  readonly tenant: string;
  /** Application (client) id of the app registration. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default `https://login.microsoftonline.com` (use the sovereign-cloud host where needed). */
  readonly loginBaseUrl?: string;
  /** Refuse a non-https `loginBaseUrl`. Default true. */
  readonly requireHttps?: boolean;
  /**
   * Host suffixes (`host` or `host:port`) `loginBaseUrl` must be under: the client secret goes
   * there. Default `DEFAULT_ALLOWED_SERVICE_HOSTS`; replace only for a test double or a cloud not
   * listed.
   */
  readonly allowedServiceHosts?: readonly string[];
  readonly fetch?: FetchLike;
  readonly now?: () => Date;
  /** Refresh this long before expiry. Default 300 s (capped at half the token's lifetime). */
  readonly refreshMarginSeconds?: number;
  /** Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Default 64 KiB. */
  readonly maxResponseBytes?: number;
}

interface CachedToken {
  readonly token: string;
  readonly refreshAtMs: number;
}

export class EntraClientCredentials implements AccessTokenProvider {
  readonly #options: EntraClientCredentialsOptions;
  readonly #fetch: FetchLike;
  readonly #now: () => Date;
  readonly #tokenUrl: string;
  readonly #cache = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<string>>();
  #requests = 0;

  constructor(options: EntraClientCredentialsOptions) {
    for (const k of ['tenant', 'clientId', 'clientSecret'] as const) {
      if (typeof options[k] !== 'string' || options[k].length === 0) throw new TypeError(`EntraClientCredentials: ${k} is required`);
    }
    this.#options = options;
    this.#fetch = options.fetch ?? defaultFetch();
    this.#now = options.now ?? (() => new Date());
    const login = checkServiceUrl(options.loginBaseUrl ?? DEFAULT_LOGIN_BASE_URL, {
      requireHttps: options.requireHttps ?? true,
      allowedHosts: parseAllowedHosts(options.allowedServiceHosts ?? DEFAULT_ALLOWED_SERVICE_HOSTS, 'EntraClientCredentials'),
    });
    if (!login.ok) throw new TypeError(`EntraClientCredentials: loginBaseUrl ${login.why}`);
    this.#tokenUrl = `${login.url}/${encodeURIComponent(options.tenant)}/oauth2/v2.0/token`;
  }

  /** How many token requests went to Entra (for tests and metrics). */
  get requestCount(): number {
    return this.#requests;
  }

  getAccessToken(scope: string, signal?: AbortSignal): Promise<string> {
    const cached = this.#cache.get(scope);
    if (cached !== undefined && this.#now().getTime() < cached.refreshAtMs) return Promise.resolve(cached.token);
    const pending = this.#inflight.get(scope);
    if (pending !== undefined) return pending;
    const request = this.#request(scope, signal).finally(() => this.#inflight.delete(scope));
    this.#inflight.set(scope, request);
    return request;
  }

  invalidate(scope: string): void {
    this.#cache.delete(scope);
  }

  async #request(scope: string, signal: AbortSignal | undefined): Promise<string> {
    this.#requests++;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret,
      scope,
    }).toString();
    let result;
    try {
      result = await httpCall({
        fetch: this.#fetch,
        url: this.#tokenUrl,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        ...(signal === undefined ? {} : { signal }),
        what: 'Entra token request',
      });
    } catch (cause) {
      throw new EntraAuthError(`token request for ${scope} failed`, {}, { cause });
    }
    const json = parseJsonObject(result.text);
    if (result.status < 200 || result.status > 299) {
      const oauthError = typeof json?.['error'] === 'string' ? json['error'] : undefined;
      // error_description may echo request details; keep it out of the message, in the cause.
      throw new EntraAuthError(
        `Entra refused the token request for ${scope}: HTTP ${result.status}${oauthError === undefined ? '' : ` ${oauthError}`}`,
        { status: result.status, ...(oauthError === undefined ? {} : { oauthError }) },
        typeof json?.['error_description'] === 'string' ? { cause: json['error_description'] } : undefined,
      );
    }
    const token = json?.['access_token'];
    const expiresIn = json?.['expires_in'];
    const lifetime = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' ? Number(expiresIn) : Number.NaN;
    if (typeof token !== 'string' || token.length === 0 || !Number.isFinite(lifetime) || lifetime <= 0) {
      throw new EntraAuthError('Entra token response lacks access_token or expires_in', { status: result.status });
    }
    const margin = Math.min(this.#options.refreshMarginSeconds ?? 300, lifetime / 2);
    this.#cache.set(scope, { token, refreshAtMs: this.#now().getTime() + (lifetime - margin) * 1000 });
    return token;
  }
}

/** A provider around a function, for operators who already have tokens. */
export function accessTokenProvider(get: (scope: string, signal?: AbortSignal) => Promise<string>): AccessTokenProvider {
  return {
    async getAccessToken(scope, signal) {
      try {
        return await get(scope, signal);
      } catch (cause) {
        if (cause instanceof IntuneError) throw cause;
        throw new EntraAuthError(`custom token provider failed for ${scope}`, {}, { cause });
      }
    },
  };
}
