import { beforeAll, describe, expect, it } from 'vitest';
import {
  IntuneDispatcher,
  RateLimiter,
  SignedChallengeValidator,
  TrustAnchorHolder,
  type IntuneValidator,
} from '../src/index.js';
import { goodClaims, makeSigner, makeToken, TEST_CONTEXT, TEST_NOW, testCsr, type TestSigner } from './support/keys.js';

let signer: TestSigner;
let rotatedSigner: TestSigner;
beforeAll(() => {
  signer = makeSigner('rsa');
  rotatedSigner = makeSigner('ec-p256', { serial: 9 });
});

async function setup(mode: 'intune-only' | 'mixed' = 'intune-only'): Promise<{ dispatcher: IntuneDispatcher; setBundle: (pem: string) => void }> {
  let bundle = signer.pem;
  const anchors = await TrustAnchorHolder.create({ load: () => bundle, now: () => TEST_NOW });
  const validator = new SignedChallengeValidator({ anchors, audience: 'scep.example.test', now: () => TEST_NOW, rateLimitStore: new RateLimiter({ limit: 0 }) });
  return { dispatcher: new IntuneDispatcher({ validator, mode, anchors }), setBundle: (pem) => (bundle = pem) };
}

describe('IntuneDispatcher', () => {
  it('returns claims on success and label, reason and failInfo on refusal', async () => {
    const { dispatcher } = await setup();
    const ok = await dispatcher.dispatch(makeToken(signer, goodClaims()), testCsr(), TEST_CONTEXT);
    expect(ok.ok && ok.claims?.sub).toBe('device-0001');
    const bad = await dispatcher.dispatch(makeToken(signer, goodClaims({ device_name: 'X' })), testCsr(), TEST_CONTEXT);
    expect(bad).toMatchObject({ ok: false, label: 'claim_mismatch', reason: 'ERR_INTUNE_CLAIM_MISMATCH', failInfo: 'badRequest' });
  });

  it('intune-only mode sends everything to the validator', async () => {
    const { dispatcher } = await setup();
    expect(await dispatcher.dispatch('static-secret', testCsr(), TEST_CONTEXT)).toMatchObject({ ok: false, label: 'malformed' });
  });

  it('mixed mode hands non-token challenges back as not_intune, uncounted as outcomes', async () => {
    const { dispatcher } = await setup('mixed');
    expect(await dispatcher.dispatch('static-secret', testCsr(), TEST_CONTEXT)).toEqual({ ok: false, label: 'not_intune' });
    expect(await dispatcher.dispatch(`${'a'.repeat(300)}.b`, testCsr(), TEST_CONTEXT)).toEqual({ ok: false, label: 'not_intune' });
    const token = makeToken(signer, goodClaims());
    expect((await dispatcher.dispatch(token, testCsr(), TEST_CONTEXT)).ok).toBe(true);
    expect((await dispatcher.dispatch(token, testCsr(), TEST_CONTEXT)).label).toBe('replay');
    const stats = dispatcher.stats();
    expect(stats.notIntune).toBe(2);
    expect(stats.outcomes).toMatchObject({ success: 1, replay: 1, malformed: 0 });
    expect(stats.mode).toBe('mixed');
    expect(stats.validator).toBe('signed-challenge');
  });

  it('turns a throwing or misbehaving validator into a service_error refusal', async () => {
    const throwing: IntuneValidator = {
      kind: 'custom',
      validate: () => Promise.reject(new Error('bug')),
      notifySuccess: () => Promise.reject(new Error('bug')),
      notifyFailure: () => Promise.resolve({ ok: true }),
    };
    const d = new IntuneDispatcher({ validator: throwing });
    expect(await d.dispatch('x', testCsr(), TEST_CONTEXT)).toMatchObject({ ok: false, label: 'service_error', reason: 'ERR_INTUNE_VALIDATOR_FAILED' });
    const weird: IntuneValidator = { ...throwing, validate: () => Promise.resolve(null as never) };
    expect(await new IntuneDispatcher({ validator: weird }).dispatch('x', testCsr(), TEST_CONTEXT)).toMatchObject({ label: 'service_error' });
    expect(await d.notifySuccess({ certificate: new Uint8Array(0), certificateRequest: new Uint8Array(0) }, TEST_CONTEXT)).toMatchObject({ ok: false, issue: false });
    expect(d.stats().outcomes.service_error).toBe(1);
  });

  it('mixed mode needs a recogniser', () => {
    const v: IntuneValidator = {
      kind: 'bare',
      validate: () => Promise.resolve({ ok: true, label: 'success', claims: undefined }),
      notifySuccess: () => Promise.resolve({ ok: true }),
      notifyFailure: () => Promise.resolve({ ok: true }),
    };
    expect(() => new IntuneDispatcher({ validator: v, mode: 'mixed' })).toThrow(TypeError);
    expect(() => new IntuneDispatcher({ validator: v, mode: 'mixed', looksLikeChallenge: (c) => c.startsWith('T') })).not.toThrow();
    expect(() => new IntuneDispatcher({ validator: v, mode: 'bogus' as never })).toThrow(TypeError);
  });

  it('reload() swaps anchors through the holder and keeps them on failure', async () => {
    const { dispatcher, setBundle } = await setup();
    const rotatedToken = makeToken(rotatedSigner, goodClaims());
    expect((await dispatcher.dispatch(rotatedToken, testCsr(), TEST_CONTEXT)).label).toBe('signature_invalid');
    setBundle(signer.pem + rotatedSigner.pem);
    const report = await dispatcher.reload();
    expect(report.anchors).toHaveLength(2);
    expect((await dispatcher.dispatch(rotatedToken, testCsr(), TEST_CONTEXT)).ok).toBe(true);
    setBundle('garbage');
    await expect(dispatcher.reload()).rejects.toMatchObject({ code: 'ERR_INTUNE_ANCHORS_EMPTY' });
    expect(dispatcher.stats().anchors?.anchors).toHaveLength(2);
    expect(dispatcher.stats().anchors?.lastError?.code).toBe('ERR_INTUNE_ANCHORS_EMPTY');
  });

  it('reload() without a holder is a TypeError', async () => {
    const v = new SignedChallengeValidator({ anchors: { current: () => [] } });
    await expect(new IntuneDispatcher({ validator: v }).reload()).rejects.toThrow(TypeError);
  });
});
