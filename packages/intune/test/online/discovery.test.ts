import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntraClientCredentials, IntuneError, IntuneServiceLocator, UrlNotAllowedError, type FetchLike, type IntuneServiceLocatorOptions } from '../../src/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeMicrosoft } from '../support/fake-microsoft.js';

const NOW = new Date('2025-06-01T12:00:00Z');
let fake: FakeMicrosoft;
let tokens: EntraClientCredentials;
beforeEach(async () => {
  fake = new FakeMicrosoft();
  await fake.start();
  tokens = new EntraClientCredentials({ tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, loginBaseUrl: fake.url, now: () => NOW, requireHttps: false, allowedServiceHosts: fake.allowedHosts });
});
afterEach(async () => {
  await fake.close();
});

function locator(extra: Partial<IntuneServiceLocatorOptions> = {}): IntuneServiceLocator {
  return new IntuneServiceLocator({ tokenProvider: tokens, graphBaseUrl: fake.url, requireHttps: false, allowedServiceHosts: fake.allowedHosts, ...extra });
}

async function failure(p: Promise<unknown>): Promise<{ code: string | undefined; cause: string | undefined }> {
  try {
    await p;
    return { code: undefined, cause: undefined };
  } catch (e) {
    const cause = (e as Error).cause;
    return { code: (e as IntuneError).code, cause: cause instanceof IntuneError ? cause.code : undefined };
  }
}

describe('IntuneServiceLocator', () => {
  it('finds ScepRequestValidationFEService case-insensitively with a Graph token', async () => {
    const l = locator();
    expect(await l.locate()).toBe(fake.serviceUri);
    const [req] = fake.requestsTo('/endpoints');
    expect(req?.headers.authorization).toMatch(/^Bearer graph-token-/);
  });

  it('caches, shares concurrent lookups, and looks up again after invalidate()', async () => {
    const l = locator();
    await Promise.all([l.locate(), l.locate(), l.locate()]);
    await l.locate();
    expect(l.lookupCount).toBe(1);
    expect(l.cached()).toBe(fake.serviceUri);
    l.invalidate();
    expect(l.cached()).toBeUndefined();
    await l.locate();
    expect(l.lookupCount).toBe(2);
  });

  it.each([
    ['http500', 'ERR_INTUNE_HTTP_STATUS'],
    ['bad-json', 'ERR_INTUNE_RESPONSE_MALFORMED'],
    ['missing', undefined],
  ] as const)('fails with ERR_INTUNE_DISCOVERY_FAILED on %s', async (mode, cause) => {
    fake.discoveryMode = mode;
    const l = locator();
    expect(await failure(l.locate())).toEqual({ code: 'ERR_INTUNE_DISCOVERY_FAILED', cause });
    expect(l.cached()).toBeUndefined();
    fake.discoveryMode = 'ok';
    expect(await l.locate()).toBe(fake.serviceUri);
  });

  it('follows @odata.nextLink pages until it finds the service, with the same token', async () => {
    fake.discoveryMode = 'paged';
    const l = locator();
    expect(await l.locate()).toBe(fake.serviceUri);
    const pages = fake.requestsTo('/endpoints');
    expect(pages.map((r) => r.path.split('?')[1] ?? '')).toEqual(['', '$skiptoken=2', '$skiptoken=3']);
    expect(new Set(pages.map((r) => r.headers.authorization)).size).toBe(1);
    expect(l.lookupCount).toBe(1);
  });

  it('never sends the token to a nextLink on another origin, and stops after a bounded number of pages', async () => {
    fake.discoveryMode = 'foreign-next';
    expect(await failure(locator().locate())).toEqual({ code: 'ERR_INTUNE_DISCOVERY_FAILED', cause: 'ERR_INTUNE_RESPONSE_MALFORMED' });
    // The fake would have recorded the followed link: it listens on that port under both names.
    expect(fake.requestsTo('/endpoints').map((r) => r.headers.host)).toEqual([new URL(fake.url).host]);
    fake.discoveryMode = 'bad-next';
    expect(await failure(locator().locate())).toEqual({ code: 'ERR_INTUNE_DISCOVERY_FAILED', cause: 'ERR_INTUNE_RESPONSE_MALFORMED' });
    fake.requests.length = 0;
    fake.discoveryMode = 'endless';
    expect((await failure(locator().locate())).code).toBe('ERR_INTUNE_DISCOVERY_FAILED');
    expect(fake.requestsTo('/endpoints')).toHaveLength(10);
  });

  it('times out', async () => {
    fake.discoveryMode = 'hang';
    expect(await failure(locator({ timeoutMs: 50 }).locate())).toEqual({ code: 'ERR_INTUNE_DISCOVERY_FAILED', cause: 'ERR_INTUNE_TIMEOUT' });
  });

  it('a local fake needs allowedServiceHosts (and requireHttps: false) to be reached at all', () => {
    expect(() => new IntuneServiceLocator({ tokenProvider: tokens, graphBaseUrl: fake.url, requireHttps: false })).toThrow(/graphBaseUrl names a host outside allowedServiceHosts/);
    expect(() => locator({ requireHttps: true })).toThrow(/graphBaseUrl is not https/);
    expect(() => locator({ allowedServiceHosts: ['127.0.0.1'] })).toThrow(TypeError); // the fake's port is not the default
    expect(() => locator({ graphBaseUrl: `http://user:pw@${new URL(fake.url).host}` })).toThrow(/user info/);
  });

  it('propagates token failures as EntraAuthError', async () => {
    fake.tokenMode = 'invalid_client';
    expect((await failure(locator().locate())).code).toBe('ERR_INTUNE_AUTH_FAILED');
  });

  it('drops the Graph token after a 401', async () => {
    const invalidated: string[] = [];
    // A provider whose token the fake does not know.
    const stale = new IntuneServiceLocator({
      tokenProvider: { getAccessToken: () => Promise.resolve('stale'), invalidate: (s) => invalidated.push(s) },
      graphBaseUrl: fake.url,
      requireHttps: false,
      allowedServiceHosts: fake.allowedHosts,
    });
    expect((await failure(stale.locate())).code).toBe('ERR_INTUNE_DISCOVERY_FAILED');
    expect(invalidated).toEqual(['https://graph.microsoft.com/.default']);
  });

  describe('the discovered service URI is pinned to Microsoft (default allowedServiceHosts)', () => {
    const SERVICE_PATH = '/TrafficGateway/TrafficRoutingService/DeviceManagement/StatelessScepRequestValidationFEService';
    /** A Graph at graph.microsoft.com (no network) whose endpoints listing names `uri`. */
    function graphNaming(uri: string): { locator: IntuneServiceLocator; calls: string[] } {
      const calls: string[] = [];
      const fetch: FetchLike = (url) => {
        calls.push(url);
        const body = JSON.stringify({ value: [{ providerName: 'ScepRequestValidationFEService', uri }] });
        return Promise.resolve({ status: 200, body: new Response(body).body });
      };
      return { locator: new IntuneServiceLocator({ tokenProvider: { getAccessToken: () => Promise.resolve('graph-token') }, fetch }), calls };
    }

    it.each([
      ['public cloud', `https://fef.msua06.manage.microsoft.com${SERVICE_PATH}`],
      ['US Government (GCC High, DoD)', `https://fef.msub01.manage.microsoft.us${SERVICE_PATH}`],
      ['21Vianet', `https://fef.cnpasu01.manage.microsoftonline.cn${SERVICE_PATH}`],
      ['the suffix itself', 'https://manage.microsoft.com/x'],
      ['https port written out', 'https://fef.manage.microsoft.com:443/x'],
    ])('accepts %s', async (_n, uri) => {
      const { locator: l } = graphNaming(uri);
      expect(await l.locate()).toBe(new URL(uri).href);
    });

    it('compares hosts ignoring case and hands out the normalised URL', async () => {
      expect(await graphNaming('https://FEF.MSUA06.Manage.Microsoft.COM/Path/').locator.locate()).toBe('https://fef.msua06.manage.microsoft.com/Path');
    });

    it.each([
      ['another domain', 'https://attacker.example/x', 'names a host outside allowedServiceHosts (attacker.example)'],
      ['a suffix without its dot', 'https://evilmanage.microsoft.com/x', 'outside allowedServiceHosts'],
      ['a label ending in the suffix', 'https://xmanage.microsoft.com/x', 'outside allowedServiceHosts'],
      ['the suffix as a subdomain elsewhere', 'https://evilmanage.microsoft.com.attacker.net/x', 'outside allowedServiceHosts'],
      ['the suffix followed by a dot and more', 'https://manage.microsoft.com.attacker.net/x', 'outside allowedServiceHosts'],
      ['a trailing dot', 'https://fef.manage.microsoft.com./x', 'outside allowedServiceHosts'],
      ['user info', 'https://user:pw@fef.manage.microsoft.com/x', 'carries user info'],
      ['user info that names Microsoft', 'https://fef.manage.microsoft.com@attacker.example/x', 'carries user info'],
      ['another port', 'https://fef.manage.microsoft.com:8443/x', 'outside allowedServiceHosts'],
      ['http', 'http://fef.manage.microsoft.com/x', 'is not https'],
      ['a query', 'https://fef.manage.microsoft.com/x?redirect=1', 'has a query or fragment'],
      ['an IP address', 'https://20.190.128.1/x', 'outside allowedServiceHosts'],
      ['not a URL', 'fef.manage.microsoft.com/x', 'is not a URL'],
    ])('refuses %s, and sends it nothing', async (_n, uri, why) => {
      const { locator: l, calls } = graphNaming(uri);
      const e = await l.locate().catch((err: unknown) => err);
      expect(e).toBeInstanceOf(UrlNotAllowedError);
      expect((e as UrlNotAllowedError).code).toBe('ERR_INTUNE_URL_NOT_ALLOWED');
      expect((e as UrlNotAllowedError).label).toBe('service_error');
      expect((e as UrlNotAllowedError).url).toBe(uri);
      expect((e as UrlNotAllowedError).why).toContain(why);
      expect(l.cached()).toBeUndefined();
      expect(calls).toEqual(['https://graph.microsoft.com/v1.0/servicePrincipals/appId=0000000a-0000-0000-c000-000000000000/endpoints']);
    });

    it('configured Graph bases must be Microsoft\'s too, national clouds included', () => {
      const tokenProvider = { getAccessToken: () => Promise.resolve('t') };
      for (const graphBaseUrl of ['https://graph.microsoft.com', 'https://graph.microsoft.us/', 'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn']) {
        expect(() => new IntuneServiceLocator({ tokenProvider, graphBaseUrl })).not.toThrow();
      }
      for (const graphBaseUrl of ['https://graph.microsoft.com.attacker.net', 'https://evilgraph.microsoft.com', 'https://graph.microsoft.com:444', 'http://graph.microsoft.com']) {
        expect(() => new IntuneServiceLocator({ tokenProvider, graphBaseUrl }), graphBaseUrl).toThrow(TypeError);
      }
    });

    it('allowedServiceHosts replaces the default (a sovereign cloud or a test double)', async () => {
      const fetch: FetchLike = () => Promise.resolve({ status: 200, body: new Response(JSON.stringify({ value: [{ providerName: 'ScepRequestValidationFEService', uri: 'https://scep.intune.example.gov/svc' }] })).body });
      const tokenProvider = { getAccessToken: () => Promise.resolve('t') };
      const l = new IntuneServiceLocator({ tokenProvider, fetch, graphBaseUrl: 'https://graph.example.gov', allowedServiceHosts: ['graph.example.gov', 'intune.example.gov'] });
      expect(await l.locate()).toBe('https://scep.intune.example.gov/svc');
      // The default list no longer applies.
      expect(() => new IntuneServiceLocator({ tokenProvider, allowedServiceHosts: ['intune.example.gov'] })).toThrow(TypeError);
      expect(() => new IntuneServiceLocator({ tokenProvider, allowedServiceHosts: [] })).toThrow(TypeError);
    });
  });
});
