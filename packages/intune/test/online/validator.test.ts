import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OnlineIntuneValidator,
  RateLimiter,
  type FetchLike,
  type IntuneRequestContext,
  type OnlineIntuneValidatorOptions,
  type OnlineRateLimitedError,
  type RateLimitDecision,
  type RateLimitStore,
} from '../../src/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeMicrosoft, sequentialUuids } from '../support/fake-microsoft.js';
import { makeSigner, TEST_CONTEXT, testCsr } from '../support/keys.js';

let fake: FakeMicrosoft;
beforeEach(async () => {
  fake = new FakeMicrosoft();
  await fake.start();
});
afterEach(async () => {
  await fake.close();
});

function validator(extra: Partial<OnlineIntuneValidatorOptions> = {}): OnlineIntuneValidator {
  return new OnlineIntuneValidator(validatorOptions(extra));
}

function validatorOptions(extra: Partial<OnlineIntuneValidatorOptions> = {}): OnlineIntuneValidatorOptions {
  return {
    tenant: FAKE_TENANT,
    clientId: FAKE_CLIENT_ID,
    clientSecret: FAKE_CLIENT_SECRET,
    graphBaseUrl: fake.url,
    loginBaseUrl: fake.url,
    requireHttps: false,
    allowedServiceHosts: fake.allowedHosts,
    randomUUID: sequentialUuids(),
    callerInfo: 'TestCA/2.0',
    timeoutMs: 200,
    now: () => new Date('2025-06-01T12:00:00Z'),
    ...extra,
  };
}

const issued = makeSigner('ec-p256', { cn: 'issued device cert', serial: 0x42, notAfter: new Date('2026-06-01T00:00:00Z') });

describe('OnlineIntuneValidator', () => {
  it('allows on Success, sending the CSR with the SCEP transaction id', async () => {
    const v = validator();
    const csr = testCsr({ der: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01) });
    const outcome = await v.validate('opaque-challenge', csr, { ...TEST_CONTEXT, transactionId: 'ABCDEF0123' });
    expect(outcome).toEqual({ ok: true, label: 'success', claims: undefined });
    const body = JSON.parse(fake.requestsTo('validateRequest')[0]!.body) as { request: Record<string, string> };
    expect(body.request).toEqual({ transactionId: 'ABCDEF0123', certificateRequest: 'MAMCAQE=', callerInfo: 'TestCA/2.0' });
  });

  it('context.callerInfo overrides the default', async () => {
    await validator().validate('c', testCsr(), { ...TEST_CONTEXT, callerInfo: 'Profile/3' });
    expect(JSON.parse(fake.requestsTo('validateRequest')[0]!.body)).toMatchObject({ request: { callerInfo: 'Profile/3' } });
  });

  it('refuses on every kind of failure: no certificate when validation fails or errors', async () => {
    const v = validator();
    const cases: [() => void, string, string][] = [
      [() => (fake.service = () => ({ body: { code: 'ChallengeExpired', errorDescription: '' } })), 'expired', 'ERR_INTUNE_SERVICE_CHALLENGE_EXPIRED'],
      [() => (fake.service = () => ({ body: { code: 'SubjectNameMismatch', errorDescription: '' } })), 'claim_mismatch', 'ERR_INTUNE_SERVICE_SUBJECT_NAME_MISMATCH'],
      [() => (fake.service = () => ({ status: 500, body: 'x' })), 'service_error', 'ERR_INTUNE_HTTP_STATUS'],
      [() => (fake.service = () => ({ hang: true })), 'service_error', 'ERR_INTUNE_TIMEOUT'],
      [() => (fake.service = () => ({ body: 'not json' })), 'service_error', 'ERR_INTUNE_RESPONSE_MALFORMED'],
      [
        () => {
          fake.service = () => ({ body: { code: 'Success', errorDescription: '' } });
          fake.discoveryMode = 'missing';
        },
        'service_error',
        'ERR_INTUNE_DISCOVERY_FAILED',
      ],
    ];
    for (const [arrange, label, reason] of cases) {
      arrange();
      const outcome = await v.validate('c', testCsr(), TEST_CONTEXT);
      expect(outcome.ok ? 'ok' : [outcome.label, outcome.reason, outcome.failInfo]).toEqual([label, reason, label === 'expired' ? 'badMessageCheck' : 'badRequest']);
    }
    expect(v.stats().outcomes).toMatchObject({ success: 0, expired: 1, claim_mismatch: 1, service_error: 4 });
  });

  it('refuses when Entra refuses the credentials', async () => {
    const v = validator({ clientSecret: 'wrong' });
    const outcome = await v.validate('c', testCsr(), TEST_CONTEXT);
    expect(outcome.ok ? 'ok' : outcome.reason).toBe('ERR_INTUNE_AUTH_FAILED');
  });

  it('notifySuccess derives thumbprint, serial, expiry and issuer from the certificate', async () => {
    const v = validator();
    const result = await v.notifySuccess({ certificate: issued.certificate, certificateRequest: Uint8Array.of(1, 2, 3), caConfiguration: 'cfg' }, TEST_CONTEXT);
    expect(result).toEqual({ ok: true });
    const body = JSON.parse(fake.requestsTo('successNotification')[0]!.body) as { notification: Record<string, string> };
    expect(body.notification).toEqual({
      transactionId: 'tx-0001',
      certificateRequest: 'AQID',
      certificateThumbprint: createHash('sha1').update(issued.certificate).digest('hex').toUpperCase(),
      certificateSerialNumber: '2042',
      certificateExpirationDateUtc: '2026-06-01T00:00:00.000Z',
      issuingCertificateAuthority: 'CN=issued device cert',
      callerInfo: 'TestCA/2.0',
      caConfiguration: 'cfg',
      certificateAuthority: '',
    });
  });

  it('by default withholds the certificate when the success notification fails', async () => {
    fake.service = (action) => (action === 'successNotification' ? { status: 500, body: 'x' } : { body: { code: 'Success' } });
    const v = validator();
    expect(await v.validate('c', testCsr(), TEST_CONTEXT)).toMatchObject({ ok: true });
    const result = await v.notifySuccess({ certificate: issued.certificate, certificateRequest: Uint8Array.of(1) }, TEST_CONTEXT);
    expect(result).toMatchObject({ ok: false, issue: false });
    expect(result.ok ? undefined : result.error.code).toBe('ERR_INTUNE_HTTP_STATUS');
    expect(v.stats().notifications).toEqual({ successSent: 0, successFailed: 1, failureSent: 0, failureFailed: 0 });
  });

  it('issueOnNotificationFailure lets the certificate out anyway', async () => {
    fake.service = (action) => (action === 'successNotification' ? { body: { code: 'ChallengeExpired' } } : { body: { code: 'Success' } });
    const result = await validator({ issueOnNotificationFailure: true }).notifySuccess({ certificate: issued.certificate, certificateRequest: Uint8Array.of(1) }, TEST_CONTEXT);
    expect(result).toMatchObject({ ok: false, issue: true });
  });

  it('notifyFailure reports hResult and description; its failure never allows issuance', async () => {
    const v = validator();
    expect(await v.notifyFailure({ certificateRequest: Uint8Array.of(9), hResult: 0x80094800, description: 'policy refused' }, TEST_CONTEXT)).toEqual({ ok: true });
    const body = JSON.parse(fake.requestsTo('failureNotification')[0]!.body) as { notification: Record<string, unknown> };
    expect(body.notification).toEqual({ transactionId: 'tx-0001', certificateRequest: 'CQ==', hResult: 0x80094800, errorDescription: 'policy refused', callerInfo: 'TestCA/2.0' });
    fake.service = () => ({ status: 502, body: 'x' });
    expect(await v.notifyFailure({ certificateRequest: Uint8Array.of(9), description: 'x' }, TEST_CONTEXT)).toMatchObject({ ok: false, issue: false });
    expect(v.stats().notifications).toMatchObject({ failureSent: 1, failureFailed: 1 });
  });

  it('caches discovery and tokens across calls, and rediscovers after a failure', async () => {
    const v = validator();
    for (let i = 0; i < 3; i++) await v.validate('c', testCsr(), TEST_CONTEXT);
    expect(fake.requestsTo('/endpoints')).toHaveLength(1);
    expect(fake.requestsTo('/oauth2/v2.0/token')).toHaveLength(2); // one Graph, one Intune
    fake.service = () => ({ status: 500, body: 'x' });
    await v.validate('c', testCsr(), TEST_CONTEXT);
    expect(v.stats().serviceUri).toBeUndefined();
    fake.service = () => ({ body: { code: 'Success' } });
    expect((await v.validate('c', testCsr(), TEST_CONTEXT)).ok).toBe(true);
    expect(fake.requestsTo('/endpoints')).toHaveLength(2);
    expect(v.stats().serviceUri).toBe(fake.serviceUri);
  });

  it('accepts a custom token provider', async () => {
    const seen: string[] = [];
    const v = new OnlineIntuneValidator({
      tokenProvider: {
        getAccessToken: async (scope) => {
          seen.push(scope);
          // Borrow real tokens from the fake's endpoint.
          const res = await fetch(`${fake.url}/${FAKE_TENANT}/oauth2/v2.0/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET, scope }).toString(),
          });
          return ((await res.json()) as { access_token: string }).access_token;
        },
      },
      graphBaseUrl: fake.url,
      requireHttps: false,
      allowedServiceHosts: fake.allowedHosts,
      randomUUID: sequentialUuids(),
    });
    expect((await v.validate('c', testCsr(), TEST_CONTEXT)).ok).toBe(true);
    expect(seen).toEqual(['https://graph.microsoft.com/.default', 'https://api.manage.microsoft.com//.default']);
  });

  it('looksLikeChallenge defaults to length > 200 and can be replaced', () => {
    expect(validator().looksLikeChallenge('x'.repeat(201))).toBe(true);
    expect(validator().looksLikeChallenge('x'.repeat(200))).toBe(false);
    expect(validator({ looksLikeChallenge: (c) => c.startsWith('MII') }).looksLikeChallenge('MIIxyz')).toBe(true);
  });

  describe('budget of calls to Microsoft', () => {
    /** A Graph and Intune that answer at once, no network; counts validateRequest calls. */
    function junkAnswering(): { fetch: FetchLike; validations: () => number } {
      let n = 0;
      const fetch: FetchLike = (url) => {
        const answer = url.includes('/endpoints')
          ? { value: [{ providerName: 'ScepRequestValidationFEService', uri: 'https://fef.msua06.manage.microsoft.com/svc' }] }
          : (n++, { code: 'ChallengeDecryptionError', errorDescription: 'junk' });
        return Promise.resolve({ status: 200, body: new Response(JSON.stringify(answer)).body });
      };
      return { fetch, validations: () => n };
    }
    const tokenProvider = { getAccessToken: () => Promise.resolve('token') };

    it('by default, a flood of junk challenges costs at most 600 validations a minute per profile; the rest are refused without a call', async () => {
      const { fetch, validations } = junkAnswering();
      let now = new Date('2025-06-01T12:00:00Z');
      const v = new OnlineIntuneValidator({ tokenProvider, fetch, now: () => now, randomUUID: sequentialUuids() });
      const reasons = new Map<string, number>();
      for (let i = 0; i < 1000; i++) {
        const o = await v.validate('junk', testCsr(), { ...TEST_CONTEXT, transactionId: `tx-${i}` });
        if (!o.ok) reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
      }
      expect(validations()).toBe(600);
      expect(Object.fromEntries(reasons)).toEqual({ ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR: 600, ERR_INTUNE_ONLINE_RATE_LIMITED: 400 });
      // Another profile has its own budget.
      expect((await v.validate('junk', testCsr(), { ...TEST_CONTEXT, profile: 'other' })).ok ? 'ok' : 'refused').toBe('refused');
      expect(validations()).toBe(601);
      expect(v.stats().outbound).toMatchObject({ rateLimited: 400, rateLimiter: { limit: 600, windowMs: 60_000, refused: 400 } });
      expect(v.stats().outcomes).toMatchObject({ rate_limited: 400, signature_invalid: 601 });
      // The window slides: a minute later the budget is back.
      now = new Date(now.getTime() + 60_000);
      await v.validate('junk', testCsr(), TEST_CONTEXT);
      expect(validations()).toBe(602);
    });

    it('a refusal carries its stable code, failInfo and retry hint', async () => {
      const { fetch, validations } = junkAnswering();
      const v = new OnlineIntuneValidator({ tokenProvider, fetch, now: () => new Date(0), rateLimitStore: new RateLimiter({ limit: 1, windowMs: 5000 }) });
      await v.validate('junk', testCsr(), TEST_CONTEXT);
      const o = await v.validate('junk', testCsr(), TEST_CONTEXT);
      expect(o.ok ? 'ok' : [o.label, o.reason, o.failInfo, o.error.name, (o.error as OnlineRateLimitedError).retryAfterMs]).toEqual([
        'rate_limited',
        'ERR_INTUNE_ONLINE_RATE_LIMITED',
        'badRequest',
        'OnlineRateLimitedError',
        5000,
      ]);
      expect(validations()).toBe(1);
    });

    it('rateLimitKey chooses the budget (here per transaction); a full store or a failing one refuses without a call', async () => {
      const { fetch, validations } = junkAnswering();
      const perTx = new OnlineIntuneValidator({
        tokenProvider,
        fetch,
        rateLimitStore: new RateLimiter({ limit: 2, windowMs: 60_000, maxKeys: 2 }),
        rateLimitKey: ({ context }) => context.transactionId,
      });
      const reason = async (tx: string, validator = perTx): Promise<string> => {
        const o = await validator.validate('junk', testCsr(), { ...TEST_CONTEXT, transactionId: tx });
        return o.ok ? 'ok' : o.reason;
      };
      expect([await reason('a'), await reason('a'), await reason('a'), await reason('b')]).toEqual([
        'ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR',
        'ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR',
        'ERR_INTUNE_ONLINE_RATE_LIMITED',
        'ERR_INTUNE_SERVICE_CHALLENGE_DECRYPTION_ERROR',
      ]);
      // Two keys tracked with live slots: a third transaction finds the store full (refused, not forgotten).
      expect(await reason('c')).toBe('ERR_INTUNE_STORE_FULL');
      expect(validations()).toBe(3);
      const broken = new OnlineIntuneValidator({ tokenProvider, fetch, rateLimitStore: { consume: () => Promise.reject(new Error('redis down')) } });
      expect(await reason('d', broken)).toBe('ERR_INTUNE_STORE_FAILED');
      const throwingKey = new OnlineIntuneValidator({ tokenProvider, fetch, rateLimitKey: () => { throw new Error('bug'); } });
      expect(await reason('e', throwingKey)).toBe('ERR_INTUNE_VALIDATOR_FAILED');
      expect(validations()).toBe(3);
    });

    it('limit 0 turns the budget off', async () => {
      const { fetch, validations } = junkAnswering();
      const v = new OnlineIntuneValidator({ tokenProvider, fetch, rateLimitStore: new RateLimiter({ limit: 0 }) });
      for (let i = 0; i < 700; i++) await v.validate('junk', testCsr(), TEST_CONTEXT);
      expect(validations()).toBe(700);
    });

    /** A Graph and Intune that answer at once, except validateRequest: held until `release()`, then Success. */
    function heldAnswering(): { fetch: FetchLike; release: () => void; validations: () => number } {
      let n = 0;
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const fetch: FetchLike = async (url) => {
        if (url.includes('/endpoints')) {
          const body = JSON.stringify({ value: [{ providerName: 'ScepRequestValidationFEService', uri: 'https://fef.msua06.manage.microsoft.com/svc' }] });
          return { status: 200, body: new Response(body).body };
        }
        n++;
        await released;
        return { status: 200, body: new Response(JSON.stringify({ code: 'Success', errorDescription: '' })).body };
      };
      return { fetch, release, validations: () => n };
    }
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise((r) => setTimeout(r, 1));
    };
    const reasonOf = (o: { ok: true } | { ok: false; reason: string }): string => (o.ok ? 'ok' : o.reason);

    it('a validation refused as busy (ERR_INTUNE_ONLINE_BUSY) spends nothing from the budget', async () => {
      const held = heldAnswering();
      const budget = new RateLimiter({ limit: 5, windowMs: 60_000 });
      const v = new OnlineIntuneValidator({ tokenProvider, fetch: held.fetch, now: () => new Date(0), randomUUID: sequentialUuids(), rateLimitStore: budget, maxConcurrentCalls: 1 });
      const tx = (id: string): IntuneRequestContext => ({ ...TEST_CONTEXT, transactionId: id });
      const first = v.validate('c', testCsr(), tx('held'));
      await until(() => held.validations() === 1);
      const busy = await Promise.all(Array.from({ length: 7 }, (_, i) => v.validate('c', testCsr(), tx(`busy-${i}`))));
      expect(busy.map(reasonOf)).toEqual(Array<string>(7).fill('ERR_INTUNE_ONLINE_BUSY'));
      expect(budget.stats()).toMatchObject({ allowed: 1, refused: 0 });
      held.release();
      expect(reasonOf(await first)).toBe('ok');
      // The budget of 5 still has its other 4, and no more.
      for (let i = 0; i < 4; i++) expect(reasonOf(await v.validate('c', testCsr(), tx(`after-${i}`)))).toBe('ok');
      expect(reasonOf(await v.validate('c', testCsr(), tx('over')))).toBe('ERR_INTUNE_ONLINE_RATE_LIMITED');
      expect(held.validations()).toBe(5);
      expect(v.stats().outbound).toMatchObject({ calls: { inFlight: 0, refusedBusy: 7 }, rateLimited: 1, rateLimiter: { allowed: 5, refused: 1 } });
      expect(v.stats().outcomes).toMatchObject({ success: 5, rate_limited: 8 });
    });

    it('the slot is taken before the budget, held while the budget store answers, and given back when it refuses or fails', async () => {
      const held = heldAnswering();
      held.release();
      let answer!: (d: RateLimitDecision) => void;
      const script: (() => Promise<RateLimitDecision>)[] = [
        () => new Promise<RateLimitDecision>((r) => (answer = r)), // a remote store, slow to answer
        () => Promise.reject(new Error('redis down')),
        () => Promise.resolve({ allowed: true, remaining: 1, retryAfterMs: undefined }),
      ];
      let consumed = 0;
      const store: RateLimitStore = {
        consume: () => {
          consumed++;
          const next = script.shift();
          if (next === undefined) throw new Error('test: no answer scripted');
          return next();
        },
      };
      let keyThrows = false;
      const v = new OnlineIntuneValidator({
        tokenProvider,
        fetch: held.fetch,
        randomUUID: sequentialUuids(),
        rateLimitStore: store,
        rateLimitKey: (input) => {
          if (keyThrows) throw new Error('bug');
          return input.context.profile;
        },
        maxConcurrentCalls: 1,
      });
      const waiting = v.validate('c', testCsr(), TEST_CONTEXT);
      await until(() => consumed === 1);
      // The slot is held while the store answers: another validation is busy and asks no budget.
      expect(reasonOf(await v.validate('c', testCsr(), TEST_CONTEXT))).toBe('ERR_INTUNE_ONLINE_BUSY');
      expect(consumed).toBe(1);
      expect(v.stats().outbound.calls).toMatchObject({ inFlight: 1, refusedBusy: 1 });
      answer({ allowed: false, remaining: 0, retryAfterMs: 1000, reason: 'limited' });
      expect(reasonOf(await waiting)).toBe('ERR_INTUNE_ONLINE_RATE_LIMITED');
      expect(v.stats().outbound.calls.inFlight).toBe(0);
      expect(reasonOf(await v.validate('c', testCsr(), TEST_CONTEXT))).toBe('ERR_INTUNE_STORE_FAILED');
      expect(v.stats().outbound.calls.inFlight).toBe(0);
      keyThrows = true;
      expect(reasonOf(await v.validate('c', testCsr(), TEST_CONTEXT))).toBe('ERR_INTUNE_VALIDATOR_FAILED');
      keyThrows = false;
      // Each refusal gave its slot back: with one slot, the next validation goes out.
      expect(reasonOf(await v.validate('c', testCsr(), TEST_CONTEXT))).toBe('ok');
      expect(held.validations()).toBe(1);
      expect(v.stats().outbound).toMatchObject({ calls: { inFlight: 0, refusedBusy: 1 }, rateLimited: 1 });
    });

    it('maxConcurrentCalls bounds validations in flight: the rest are refused (ERR_INTUNE_ONLINE_BUSY) without a call', async () => {
      const v = validator({ maxConcurrentCalls: 3, timeoutMs: 5000 });
      await v.client.sendFailureNotification({ transactionId: 'warm', certificateRequest: Uint8Array.of(1), errorDescription: 'x' }); // tokens, discovery
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      fake.service = () => ({ after: opened, body: { code: 'Success', errorDescription: '' } });
      const outcomes = Array.from({ length: 10 }, (_, i) => v.validate('c', testCsr(), { ...TEST_CONTEXT, transactionId: `tx-${i}` }));
      while (fake.requestsTo('/ScepActions/validateRequest').length < 3) await new Promise((r) => setTimeout(r, 2));
      open();
      const labels = (await Promise.all(outcomes)).map((o) => (o.ok ? 'success' : o.reason));
      expect(labels.filter((l) => l === 'success')).toHaveLength(3);
      expect(labels.filter((l) => l === 'ERR_INTUNE_ONLINE_BUSY')).toHaveLength(7);
      expect(fake.requestsTo('/ScepActions/validateRequest')).toHaveLength(3);
      expect(v.stats().outbound.calls).toMatchObject({ maxConcurrentCalls: 3, inFlight: 0, refusedBusy: 7 });
      expect(v.stats().outcomes).toMatchObject({ success: 3, rate_limited: 7 });
    });
  });

  it('refuses http base URLs unless allowed', () => {
    expect(() => validator({ requireHttps: true })).toThrow(TypeError);
    expect(() => new OnlineIntuneValidator({ tenant: 't', clientId: 'c', clientSecret: 's' })).not.toThrow();
    expect(() => new OnlineIntuneValidator({ tenant: 't', clientId: '', clientSecret: 's' })).toThrow(TypeError);
  });

  it('calls only Microsoft hosts unless allowedServiceHosts says otherwise (a local fake opts in)', () => {
    const { allowedServiceHosts: _, ...withoutOptIn } = { ...validatorOptions() };
    expect(() => new OnlineIntuneValidator(withoutOptIn)).toThrow(/graphBaseUrl names a host outside allowedServiceHosts/);
    expect(() => new OnlineIntuneValidator({ ...withoutOptIn, graphBaseUrl: 'https://graph.microsoft.us' })).toThrow(/loginBaseUrl names a host outside/);
    expect(() => new OnlineIntuneValidator({ tenant: 't', clientId: 'c', clientSecret: 's', graphBaseUrl: 'https://dod-graph.microsoft.us', loginBaseUrl: 'https://login.microsoftonline.us' })).not.toThrow();
  });

  it('a discovered service URI outside the allow-list refuses the request (ERR_INTUNE_URL_NOT_ALLOWED) and sends it neither token nor CSR', async () => {
    const calls: string[] = [];
    const fetch: FetchLike = (url) => {
      calls.push(url);
      const body = JSON.stringify({ value: [{ providerName: 'ScepRequestValidationFEService', uri: 'https://fef.manage.microsoft.com.attacker.example/svc' }] });
      return Promise.resolve({ status: 200, body: new Response(body).body });
    };
    const v = new OnlineIntuneValidator({ tokenProvider: { getAccessToken: () => Promise.resolve('token') }, fetch, randomUUID: sequentialUuids() });
    const outcome = await v.validate('c', testCsr(), TEST_CONTEXT);
    expect(outcome.ok ? 'ok' : [outcome.label, outcome.reason]).toEqual(['service_error', 'ERR_INTUNE_URL_NOT_ALLOWED']);
    expect(calls.every((u) => u.startsWith('https://graph.microsoft.com/'))).toBe(true);
    expect(v.stats().serviceUri).toBeUndefined();
  });
});
