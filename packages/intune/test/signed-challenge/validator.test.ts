import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  parseTrustAnchors,
  RateLimiter,
  ReplayCache,
  SignedChallengeValidator,
  StaticTrustAnchors,
  type IntuneOutcome,
  type ReplayStore,
  type SignedChallengeValidatorOptions,
} from '../../src/index.js';
import { goodClaims, makeSigner, makeToken, TEST_CONTEXT, TEST_NOW, TEST_NOW_S, testCsr, type TestSigner } from '../support/keys.js';

let rsa: TestSigner;
let ec: TestSigner;
let anchors: StaticTrustAnchors;

beforeAll(async () => {
  rsa = makeSigner('rsa');
  ec = makeSigner('ec-p256');
  anchors = new StaticTrustAnchors(await parseTrustAnchors(rsa.pem + ec.pem));
});

function validator(options: Partial<SignedChallengeValidatorOptions> = {}): SignedChallengeValidator {
  return new SignedChallengeValidator({ anchors, audience: 'scep.example.test', now: () => TEST_NOW, ...options });
}

function label(outcome: IntuneOutcome): string {
  return outcome.label;
}

describe('SignedChallengeValidator', () => {
  it('accepts a good RS256 token and returns its claims', async () => {
    const claims = goodClaims();
    const outcome = await validator().validate(makeToken(rsa, claims), testCsr(), TEST_CONTEXT);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.claims?.sub).toBe('device-0001');
    expect(outcome.claims?.nonce).toBe(claims['nonce']);
    expect(outcome.claims?.aud).toEqual(['scep.example.test']);
  });

  it.each(['RS256', 'PS256'] as const)('accepts %s with a fresh RSA key', async (alg) => {
    const outcome = await validator().validate(makeToken(rsa, goodClaims(), { alg }), testCsr(), TEST_CONTEXT);
    expect(label(outcome)).toBe('success');
  });

  it.each(['ES256', 'ES256-DER'] as const)('accepts %s (raw r‖s and DER) with a fresh P-256 key', async (alg) => {
    const outcome = await validator().validate(makeToken(ec, goodClaims(), { alg }), testCsr(), TEST_CONTEXT);
    expect(label(outcome)).toBe('success');
  });

  it('refuses a token whose alg does not match the key type (RS256 header, EC signature)', async () => {
    const token = makeToken(ec, goodClaims(), { alg: 'ES256', rawHeader: { alg: 'RS256' } });
    const outcome = await validator().validate(token, testCsr(), TEST_CONTEXT);
    expect(label(outcome)).toBe('signature_invalid');
  });

  it('maps each gate failure to its label, reason and failInfo', async () => {
    const v = validator();
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['expired', goodClaims({ iat: TEST_NOW_S - 4000, exp: TEST_NOW_S - 3000 }), 'expired', 'badMessageCheck'],
      ['not yet valid', goodClaims({ iat: TEST_NOW_S + 600, exp: TEST_NOW_S + 1200 }), 'not_yet_valid', 'badMessageCheck'],
      ['nbf in future', goodClaims({ nbf: TEST_NOW_S + 600 }), 'not_yet_valid', 'badMessageCheck'],
      ['wrong aud', goodClaims({ aud: ['a', 'b'] }), 'wrong_audience', 'badMessageCheck'],
      ['unknown version', goodClaims({ version: 'v1.1' }), 'unknown_version', 'badRequest'],
      ['missing sub', goodClaims({ sub: undefined }), 'malformed', 'badRequest'],
      ['too long', goodClaims({ iat: TEST_NOW_S - 30, exp: TEST_NOW_S - 30 + 7200 }), 'malformed', 'badRequest'],
      ['CN mismatch', goodClaims({ device_name: 'OTHER' }), 'claim_mismatch', 'badRequest'],
    ];
    for (const [name, claims, expected, failInfo] of cases) {
      const outcome = await v.validate(makeToken(rsa, claims), testCsr(), TEST_CONTEXT);
      expect({ name, label: outcome.label, failInfo: outcome.ok ? undefined : outcome.failInfo }).toEqual({ name, label: expected, failInfo });
    }
  });

  it('requires aud only when an audience is configured', async () => {
    const claims = goodClaims({ aud: undefined });
    expect(label(await validator().validate(makeToken(rsa, claims), testCsr(), TEST_CONTEXT))).toBe('malformed');
    const open = new SignedChallengeValidator({ anchors, now: () => TEST_NOW });
    expect(label(await open.validate(makeToken(rsa, goodClaims({ aud: undefined })), testCsr(), TEST_CONTEXT))).toBe('success');
  });

  it('accepts aud as an array that contains the configured audience', async () => {
    const claims = goodClaims({ aud: ['other', 'scep.example.test'] });
    expect(label(await validator().validate(makeToken(rsa, claims), testCsr(), TEST_CONTEXT))).toBe('success');
  });

  it('honours clock skew at both ends', async () => {
    const v = validator({ clockSkewSeconds: 120 });
    const late = goodClaims({ iat: TEST_NOW_S - 1000, exp: TEST_NOW_S - 100 });
    expect(label(await v.validate(makeToken(rsa, late), testCsr(), TEST_CONTEXT))).toBe('success');
    const early = goodClaims({ iat: TEST_NOW_S + 100, exp: TEST_NOW_S + 1000 });
    expect(label(await v.validate(makeToken(rsa, early), testCsr(), TEST_CONTEXT))).toBe('success');
    const strict = validator({ clockSkewSeconds: 0 });
    expect(label(await strict.validate(makeToken(rsa, goodClaims({ iat: TEST_NOW_S - 1000, exp: TEST_NOW_S })), testCsr(), TEST_CONTEXT))).toBe('expired');
  });

  it('runs signature before version, version before time, time before audience', async () => {
    const v = validator();
    const bad = goodClaims({ version: 'v9', exp: TEST_NOW_S - 100, iat: TEST_NOW_S - 200, aud: 'x' });
    // Tampered: signature wins.
    const token = makeToken(rsa, bad);
    const tampered = `${token.slice(0, -3)}${token.at(-3) === 'A' ? 'B' : 'A'}${token.slice(-2)}`;
    expect(label(await v.validate(tampered, testCsr(), TEST_CONTEXT))).toBe('signature_invalid');
    expect(label(await v.validate(token, testCsr(), TEST_CONTEXT))).toBe('unknown_version');
    expect(label(await v.validate(makeToken(rsa, { ...bad, version: 'v1' }), testCsr(), TEST_CONTEXT))).toBe('expired');
    const future = { ...bad, version: 'v1', exp: TEST_NOW_S + 100 };
    expect(label(await v.validate(makeToken(rsa, future), testCsr(), TEST_CONTEXT))).toBe('wrong_audience');
  });

  it('consumes the nonce only after binding passes', async () => {
    const v = validator();
    const token = makeToken(rsa, goodClaims());
    expect(label(await v.validate(token, testCsr({ commonName: 'WRONG' }), TEST_CONTEXT))).toBe('claim_mismatch');
    expect(label(await v.validate(token, testCsr(), TEST_CONTEXT))).toBe('success');
    expect(label(await v.validate(token, testCsr(), TEST_CONTEXT))).toBe('replay');
  });

  it('consumes rate-limit slots only after binding passes, and keys them on sub + iss', async () => {
    const v = validator({ rateLimitStore: new RateLimiter({ limit: 2 }) });
    for (let i = 0; i < 5; i++) {
      expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr({ dnsNames: [] }), TEST_CONTEXT))).toBe('claim_mismatch');
    }
    expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('success');
    expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('success');
    expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('rate_limited');
    // Another issuer's device with the same sub has its own budget.
    expect(label(await v.validate(makeToken(rsa, goodClaims({ iss: 'https://other-connector.example.test' })), testCsr(), TEST_CONTEXT))).toBe('success');
    // Another device has its own budget.
    expect(label(await v.validate(makeToken(rsa, goodClaims({ sub: 'device-0002' })), testCsr(), TEST_CONTEXT))).toBe('success');
  });

  it('refuses URI SANs unless allowUriSan admits them', async () => {
    const sid = 'tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001';
    expect(label(await validator().validate(makeToken(rsa, goodClaims()), testCsr({ uris: [sid] }), TEST_CONTEXT))).toBe('claim_mismatch');
    const v = validator({ allowUriSan: (u) => u.startsWith('tag:microsoft.com,2022-09-14:sid:') });
    expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr({ uris: [sid] }), TEST_CONTEXT))).toBe('success');
  });

  it('a limit of 0 disables rate limiting', async () => {
    const v = validator({ rateLimitStore: new RateLimiter({ limit: 0 }) });
    for (let i = 0; i < 10; i++) expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('success');
  });

  it('concurrent validations of one token: exactly one succeeds', async () => {
    const v = validator({ rateLimitStore: new RateLimiter({ limit: 0 }) });
    const token = makeToken(rsa, goodClaims());
    const outcomes = await Promise.all(Array.from({ length: 64 }, () => v.validate(token, testCsr(), TEST_CONTEXT)));
    const labels = outcomes.map(label);
    expect(labels.filter((l) => l === 'success')).toHaveLength(1);
    expect(labels.filter((l) => l === 'replay')).toHaveLength(63);
  });

  it('is atomic with an async store that interleaves', async () => {
    // A store that yields before and after the atomic section, like a network store would.
    const inner = new ReplayCache();
    const store: ReplayStore = {
      async checkAndInsert(key, exp, now) {
        await new Promise((r) => setImmediate(r));
        const fresh = inner.checkAndInsertSync(key, exp, now);
        await new Promise((r) => setImmediate(r));
        return fresh;
      },
    };
    const v = validator({ replayStore: store, rateLimitStore: new RateLimiter({ limit: 0 }) });
    const token = makeToken(ec, goodClaims());
    const labels = (await Promise.all(Array.from({ length: 32 }, () => v.validate(token, testCsr(), TEST_CONTEXT)))).map(label);
    expect(labels.filter((l) => l === 'success')).toHaveLength(1);
  });

  it('fails closed when a store throws', async () => {
    const v = validator({
      replayStore: { checkAndInsert: () => Promise.reject(new Error('redis down')) },
    });
    const outcome = await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toBe('ERR_INTUNE_STORE_FAILED');
    expect(outcome.label).toBe('service_error');
    const v2 = validator({ rateLimitStore: { consume: () => Promise.reject(new Error('redis down')) } });
    const o2 = await v2.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
    expect(o2.ok ? undefined : o2.reason).toBe('ERR_INTUNE_STORE_FAILED');
  });

  it('a full replay cache refuses the new token (ERR_INTUNE_STORE_FULL) and every stored token stays a replay', async () => {
    const replayStore = new ReplayCache({ maxEntries: 2 });
    const v = validator({ replayStore, rateLimitStore: new RateLimiter({ limit: 0 }) });
    const first = makeToken(rsa, goodClaims());
    expect(label(await v.validate(first, testCsr(), TEST_CONTEXT))).toBe('success');
    expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('success');
    const full = await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
    expect(full.ok ? 'ok' : [full.label, full.reason, full.failInfo, full.error.name]).toEqual(['service_error', 'ERR_INTUNE_STORE_FULL', 'badRequest', 'StoreFullError']);
    expect(label(await v.validate(first, testCsr(), TEST_CONTEXT))).toBe('replay');
    expect(v.stats().replay).toMatchObject({ size: 2, refusedFull: 1, evictedUnexpired: 0 });
    expect(v.stats().outcomes).toMatchObject({ success: 2, service_error: 1, replay: 1 });
  });

  it('a full rate limiter refuses a new device (ERR_INTUNE_STORE_FULL), not as rate_limited', async () => {
    const v = validator({ rateLimitStore: new RateLimiter({ maxKeys: 1 }) });
    expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('success');
    const o = await v.validate(makeToken(rsa, goodClaims({ sub: 'device-0002' })), testCsr(), TEST_CONTEXT);
    expect(o.ok ? 'ok' : [o.label, o.reason]).toEqual(['service_error', 'ERR_INTUNE_STORE_FULL']);
    expect(v.stats().rateLimiter).toMatchObject({ keys: 1, refusedFull: 1 });
    // A store that predates `reason` refuses as rate_limited.
    const old = validator({ rateLimitStore: { consume: () => Promise.resolve({ allowed: false, remaining: 0, retryAfterMs: 1 }) } });
    const o2 = await old.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
    expect(o2.ok ? 'ok' : o2.reason).toBe('ERR_INTUNE_RATE_LIMITED');
  });

  describe('compliance hook', () => {
    it('is called last, with the claims, and can refuse', async () => {
      const seen: string[] = [];
      const v = validator({
        compliance: ({ claims }) => {
          seen.push(claims.sub);
          return claims.sub !== 'device-bad';
        },
      });
      expect(label(await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT))).toBe('success');
      expect(label(await v.validate(makeToken(rsa, goodClaims({ sub: 'device-bad' })), testCsr(), TEST_CONTEXT))).toBe('compliance_failed');
      // Not called when an earlier gate fails.
      expect(label(await v.validate(makeToken(rsa, goodClaims({ sub: 'device-x', device_name: 'X' })), testCsr(), TEST_CONTEXT))).toBe('claim_mismatch');
      expect(seen).toEqual(['device-0001', 'device-bad']);
    });

    it('refuses when the hook throws', async () => {
      const v = validator({ compliance: () => Promise.reject(new Error('lookup failed')) });
      const outcome = await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
      expect(outcome.ok ? undefined : [outcome.label, outcome.reason]).toEqual(['compliance_failed', 'ERR_INTUNE_COMPLIANCE_FAILED']);
    });

    it('refuses when the hook exceeds its timeout, and aborts its signal', async () => {
      let aborted = false;
      const v = validator({
        complianceTimeoutMs: 20,
        compliance: ({ signal }) =>
          new Promise<boolean>((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve(true);
            });
          }),
      });
      const outcome = await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
      expect(label(outcome)).toBe('compliance_failed');
      expect(aborted).toBe(true);
    });
  });

  it('uses the injected clock for anchor validity on every request', async () => {
    const shortLived = makeSigner('rsa', { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-06-01T12:10:00Z') });
    const set = new StaticTrustAnchors(await parseTrustAnchors(shortLived.pem));
    let now = TEST_NOW;
    const v = new SignedChallengeValidator({ anchors: set, now: () => now, maxValiditySeconds: 86_400 });
    const claims = goodClaims({ exp: TEST_NOW_S + 7200 });
    expect(label(await v.validate(makeToken(shortLived, claims), testCsr(), TEST_CONTEXT))).toBe('success');
    now = new Date('2025-06-01T12:20:00Z'); // anchor expired ten minutes ago; token still valid
    const outcome = await v.validate(makeToken(shortLived, goodClaims({ exp: TEST_NOW_S + 7200 })), testCsr(), TEST_CONTEXT);
    expect(outcome.ok ? undefined : outcome.reason).toBe('ERR_INTUNE_NO_USABLE_ANCHOR');
  });

  it('counts outcomes per label', async () => {
    const v = validator();
    await v.validate(makeToken(rsa, goodClaims()), testCsr(), TEST_CONTEXT);
    await v.validate('static-password', testCsr(), TEST_CONTEXT);
    const token = makeToken(rsa, goodClaims());
    await v.validate(token, testCsr(), TEST_CONTEXT);
    await v.validate(token, testCsr(), TEST_CONTEXT);
    const stats = v.stats();
    expect(stats.outcomes.success).toBe(2);
    expect(stats.outcomes.malformed).toBe(1);
    expect(stats.outcomes.replay).toBe(1);
    expect(stats.outcomes.expired).toBe(0);
    expect(stats.replay?.size).toBe(2);
    expect(stats.rateLimiter?.allowed).toBe(2);
  });

  it('verify() checks signature and claims without consuming anything', async () => {
    const v = validator();
    const token = makeToken(rsa, goodClaims());
    const { claims, anchor } = await v.verify(token);
    expect(claims.sub).toBe('device-0001');
    expect(anchor.keyType).toBe('rsa');
    expect(label(await v.validate(token, testCsr(), TEST_CONTEXT))).toBe('success');
  });

  it('property: any single-character change to a valid token is refused', async () => {
    const v = validator({ rateLimitStore: new RateLimiter({ limit: 0 }) });
    for (const signer of [rsa, ec]) {
      const token = makeToken(signer, goodClaims());
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.integer({ min: 0, max: 255 }), async (index, code) => {
          fc.pre(token.charCodeAt(index) !== code);
          const mutated = token.slice(0, index) + String.fromCharCode(code) + token.slice(index + 1);
          const outcome = await v.validate(mutated, testCsr(), TEST_CONTEXT);
          expect(outcome.ok).toBe(false);
        }),
        { seed: 0x5eed, numRuns: 300 },
      );
    }
  });

  it('exhaustive: changing any one character of an RS256, PS256 or ES256 token is refused', async () => {
    const v = validator({ rateLimitStore: new RateLimiter({ limit: 0 }) });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const [signer, alg] of [[rsa, 'RS256'], [rsa, 'PS256'], [ec, 'ES256']] as const) {
      const token = makeToken(signer, goodClaims(), { alg });
      for (let i = 0; i < token.length; i++) {
        const c = token[i]!;
        const next = c === '.' ? 'A' : alphabet[(alphabet.indexOf(c) + 1) % 64]!;
        const mutated = token.slice(0, i) + next + token.slice(i + 1);
        const outcome = await v.validate(mutated, testCsr(), TEST_CONTEXT);
        expect({ alg, i, ok: outcome.ok }).toEqual({ alg, i, ok: false });
      }
      // The unmutated token is still good (nothing above consumed its nonce).
      expect(label(await v.validate(token, testCsr(), TEST_CONTEXT))).toBe('success');
    }
  });

  it('property: random strings are refused without throwing', async () => {
    const v = validator();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 600 }), fc.stringMatching(/^[A-Za-z0-9_-]{80,200}\.[A-Za-z0-9_-]{80,200}\.[A-Za-z0-9_=-]{40,200}$/)), async (s) => {
        const outcome = await v.validate(s, testCsr(), TEST_CONTEXT);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(['malformed', 'signature_invalid']).toContain(outcome.label);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('rejects bad options with TypeError', () => {
    expect(() => new SignedChallengeValidator({ anchors, clockSkewSeconds: 601 })).toThrow(TypeError);
    expect(() => new SignedChallengeValidator({ anchors, maxValiditySeconds: -1 })).toThrow(TypeError);
    expect(() => new SignedChallengeValidator({ anchors, audience: [''] })).toThrow(TypeError);
  });
});
