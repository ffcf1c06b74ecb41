import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessTokenProvider, EntraAuthError, EntraClientCredentials, GRAPH_SCOPE, INTUNE_SCOPE, IntuneError } from '../../src/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeMicrosoft } from '../support/fake-microsoft.js';

let fake: FakeMicrosoft;
beforeEach(async () => {
  fake = new FakeMicrosoft();
  await fake.start();
});
afterEach(async () => {
  await fake.close();
});

/** Opts a provider in to a local http fake (by default only Microsoft's https hosts are called). */
function local(url: string): { requireHttps: false; allowedServiceHosts: string[] } {
  return { requireHttps: false, allowedServiceHosts: [new URL(url).host] };
}

function provider(now: () => Date = () => new Date('2025-06-01T12:00:00Z'), extra: Partial<ConstructorParameters<typeof EntraClientCredentials>[0]> = {}): EntraClientCredentials {
  return new EntraClientCredentials({ tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, loginBaseUrl: fake.url, now, ...local(fake.url), ...extra });
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof IntuneError ? e.code : `other:${String(e)}`;
  }
}

describe('EntraClientCredentials', () => {
  it('posts the client-credentials form to {login}/{tenant}/oauth2/v2.0/token', async () => {
    const token = await provider().getAccessToken(INTUNE_SCOPE);
    expect(token).toMatch(/^intune-token-/);
    const [req] = fake.requestsTo('/oauth2/v2.0/token');
    expect(req?.method).toBe('POST');
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: FAKE_CLIENT_ID,
      client_secret: FAKE_CLIENT_SECRET,
      scope: 'https://api.manage.microsoft.com//.default',
    });
  });

  it('caches per scope until shortly before expiry', async () => {
    let now = new Date('2025-06-01T12:00:00Z');
    const p = provider(() => now);
    const t1 = await p.getAccessToken(GRAPH_SCOPE);
    expect(await p.getAccessToken(GRAPH_SCOPE)).toBe(t1);
    const i1 = await p.getAccessToken(INTUNE_SCOPE);
    expect(i1).not.toBe(t1);
    expect(p.requestCount).toBe(2);
    now = new Date(now.getTime() + (3600 - 301) * 1000); // still outside the 300 s margin
    expect(await p.getAccessToken(GRAPH_SCOPE)).toBe(t1);
    now = new Date(now.getTime() + 2000); // inside the margin: refresh
    expect(await p.getAccessToken(GRAPH_SCOPE)).not.toBe(t1);
    expect(p.requestCount).toBe(3);
  });

  it('caps the refresh margin at half of a short lifetime', async () => {
    fake.tokenExpiresIn = 60;
    let now = new Date('2025-06-01T12:00:00Z');
    const p = provider(() => now);
    const t1 = await p.getAccessToken(GRAPH_SCOPE);
    now = new Date(now.getTime() + 29_000);
    expect(await p.getAccessToken(GRAPH_SCOPE)).toBe(t1);
    now = new Date(now.getTime() + 1_000);
    expect(await p.getAccessToken(GRAPH_SCOPE)).not.toBe(t1);
  });

  it('shares one request between concurrent callers', async () => {
    const p = provider();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => p.getAccessToken(INTUNE_SCOPE)));
    expect(new Set(tokens).size).toBe(1);
    expect(p.requestCount).toBe(1);
  });

  it('invalidate() forces a new token', async () => {
    const p = provider();
    const t1 = await p.getAccessToken(INTUNE_SCOPE);
    p.invalidate(INTUNE_SCOPE);
    expect(await p.getAccessToken(INTUNE_SCOPE)).not.toBe(t1);
  });

  it('reports a refused secret as EntraAuthError with the OAuth error, without the secret', async () => {
    const p = new EntraClientCredentials({ tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecret: 'wrong', loginBaseUrl: fake.url, now: () => new Date('2025-06-01T12:00:00Z'), ...local(fake.url) });
    const err = await p.getAccessToken(GRAPH_SCOPE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EntraAuthError);
    expect((err as EntraAuthError).oauthError).toBe('invalid_client');
    expect((err as EntraAuthError).status).toBe(401);
    expect((err as EntraAuthError).label).toBe('service_error');
    expect(String((err as Error).message)).not.toContain('wrong');
  });

  it.each(['http500', 'bad-json', 'no-token'] as const)('maps %s to ERR_INTUNE_AUTH_FAILED', async (mode) => {
    fake.tokenMode = mode;
    expect(await code(provider().getAccessToken(GRAPH_SCOPE))).toBe('ERR_INTUNE_AUTH_FAILED');
  });

  it('times out', async () => {
    fake.tokenMode = 'hang';
    const err = await provider(undefined, { timeoutMs: 50 }).getAccessToken(GRAPH_SCOPE).catch((e: unknown) => e);
    expect((err as IntuneError).code).toBe('ERR_INTUNE_AUTH_FAILED');
    expect(((err as Error).cause as IntuneError).code).toBe('ERR_INTUNE_TIMEOUT');
  });

  it('a network failure is an auth failure caused by ERR_INTUNE_NETWORK', async () => {
    const p = new EntraClientCredentials({ tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, loginBaseUrl: 'http://127.0.0.1:1', now: () => new Date('2025-06-01T12:00:00Z'), ...local('http://127.0.0.1:1') });
    const err = await p.getAccessToken(GRAPH_SCOPE).catch((e: unknown) => e);
    expect(((err as Error).cause as IntuneError).code).toBe('ERR_INTUNE_NETWORK');
  });

  it('needs tenant, client id and secret', () => {
    expect(() => new EntraClientCredentials({ tenant: '', clientId: 'x', clientSecret: 'y' })).toThrow(TypeError);
  });

  it('sends the client secret only to an https Entra ID host of Microsoft, unless told otherwise', () => {
    const creds = { tenant: 't', clientId: 'c', clientSecret: 's' };
    for (const loginBaseUrl of [undefined, 'https://login.microsoftonline.us', 'https://login.partner.microsoftonline.cn', 'https://login.chinacloudapi.cn/']) {
      expect(() => new EntraClientCredentials({ ...creds, ...(loginBaseUrl === undefined ? {} : { loginBaseUrl }) })).not.toThrow();
    }
    for (const loginBaseUrl of ['https://login.microsoftonline.com.attacker.net', 'https://evillogin.microsoftonline.com', 'http://login.microsoftonline.com', 'https://x@login.microsoftonline.com', fake.url]) {
      expect(() => new EntraClientCredentials({ ...creds, loginBaseUrl }), loginBaseUrl).toThrow(TypeError);
    }
    expect(() => new EntraClientCredentials({ ...creds, loginBaseUrl: fake.url, requireHttps: false })).toThrow(/outside allowedServiceHosts/);
    expect(() => new EntraClientCredentials({ ...creds, loginBaseUrl: fake.url, ...local(fake.url) })).not.toThrow();
  });
});

describe('accessTokenProvider', () => {
  it('wraps a function and turns its failures into EntraAuthError', async () => {
    const ok = accessTokenProvider(async (scope) => `custom:${scope}`);
    expect(await ok.getAccessToken(GRAPH_SCOPE)).toBe(`custom:${GRAPH_SCOPE}`);
    const bad = accessTokenProvider(() => Promise.reject(new Error('vault sealed')));
    expect(await code(bad.getAccessToken(GRAPH_SCOPE))).toBe('ERR_INTUNE_AUTH_FAILED');
  });
});

describe('redirects on outbound calls', () => {
  it('are not followed: a 307 from the token endpoint does not carry client_secret to another origin', async () => {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`);
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      });
    });
    const port = (s: { address(): unknown }): number => (s.address() as { port: number }).port;
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const redirector = createServer((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${port(collector)}/steal` }).end());
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      const loginBaseUrl = `http://127.0.0.1:${port(redirector)}`;
      expect(await code(provider(undefined, { loginBaseUrl, ...local(loginBaseUrl) }).getAccessToken(INTUNE_SCOPE))).toBe('ERR_INTUNE_AUTH_FAILED');
      expect(seen).toEqual([]);
    } finally {
      redirector.close();
      collector.close();
    }
  });
});
