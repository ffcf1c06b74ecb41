import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntraClientCredentials, IntuneError, IntuneServiceLocator } from '../../src/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeMicrosoft } from '../support/fake-microsoft.js';

const NOW = new Date('2025-06-01T12:00:00Z');
let fake: FakeMicrosoft;
let tokens: EntraClientCredentials;
beforeEach(async () => {
  fake = new FakeMicrosoft();
  await fake.start();
  tokens = new EntraClientCredentials({ tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, loginBaseUrl: fake.url, now: () => NOW });
});
afterEach(async () => {
  await fake.close();
});

function locator(extra: { timeoutMs?: number; requireHttps?: boolean } = {}): IntuneServiceLocator {
  return new IntuneServiceLocator({ tokenProvider: tokens, graphBaseUrl: fake.url, requireHttps: false, ...extra });
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

  it('refuses a non-https service URI unless allowed', async () => {
    expect(await failure(locator({ requireHttps: true }).locate())).toEqual({ code: 'ERR_INTUNE_DISCOVERY_FAILED', cause: undefined });
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
    });
    expect((await failure(stale.locate())).code).toBe('ERR_INTUNE_DISCOVERY_FAILED');
    expect(invalidated).toEqual(['https://graph.microsoft.com/.default']);
  });
});
