import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ChallengeExpiredError,
  EntraClientCredentials,
  IntuneError,
  IntuneScepClient,
  IntuneServiceLocator,
  IntuneServiceRefusedError,
  SERVICE_REFUSAL_BY_CODE,
  type OnlineBusyError,
  UnknownServiceCodeError,
  type IntuneServiceCode,
} from '../../src/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeMicrosoft, sequentialUuids } from '../support/fake-microsoft.js';

const CSR = Uint8Array.of(0x30, 0x82, 0x01, 0x00, 0xff);

const NOW = new Date('2025-06-01T12:00:00Z');
let fake: FakeMicrosoft;
let tokenProvider: EntraClientCredentials;
let locator: IntuneServiceLocator;
let client: IntuneScepClient;

beforeEach(async () => {
  fake = new FakeMicrosoft();
  await fake.start();
  const local = { requireHttps: false, allowedServiceHosts: fake.allowedHosts };
  tokenProvider = new EntraClientCredentials({ tenant: FAKE_TENANT, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, loginBaseUrl: fake.url, now: () => NOW, ...local });
  locator = new IntuneServiceLocator({ tokenProvider, graphBaseUrl: fake.url, ...local });
  client = new IntuneScepClient({ tokenProvider, locator, randomUUID: sequentialUuids(), callerInfo: 'TestCA/1.0', timeoutMs: 200 });
});
afterEach(async () => {
  await fake.close();
});

async function error(p: Promise<unknown>): Promise<IntuneError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IntuneError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

const validate = (): Promise<void> => client.validateRequest({ transactionId: 'tx-1', certificateRequest: CSR });

describe('IntuneScepClient', () => {
  it('validateRequest sends the documented body and headers', async () => {
    await validate();
    const [req] = fake.requestsTo('/ScepActions/validateRequest');
    expect(req?.headers['authorization']).toMatch(/^Bearer intune-token-/);
    expect(req?.headers['api-version']).toBe('2018-02-20');
    expect(req?.headers['client-request-id']).toBe('00000000-0000-4000-8000-000000000001');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      request: { transactionId: 'tx-1', certificateRequest: Buffer.from(CSR).toString('base64'), callerInfo: 'TestCA/1.0' },
    });
  });

  it('uses a new client-request-id per call', async () => {
    await validate();
    await validate();
    const ids = fake.requestsTo('/ScepActions/').map((r) => r.headers['client-request-id']);
    expect(ids).toEqual(['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']);
  });

  it('successNotification and failureNotification send the documented bodies', async () => {
    await client.sendSuccessNotification({
      transactionId: 'tx-2',
      certificateRequest: CSR,
      certificateThumbprint: 'AB12',
      certificateSerialNumber: '01FF',
      certificateExpirationDateUtc: new Date('2026-06-01T00:00:00Z'),
      issuingCertificateAuthority: 'CN=Test CA',
      caConfiguration: 'ca01\\Test CA',
      certificateAuthority: 'Test CA',
    });
    await client.sendFailureNotification({ transactionId: 'tx-3', certificateRequest: CSR, errorDescription: 'x'.repeat(300) });
    const [s] = fake.requestsTo('/ScepActions/successNotification');
    expect(JSON.parse(s!.body)).toEqual({
      notification: {
        transactionId: 'tx-2',
        certificateRequest: Buffer.from(CSR).toString('base64'),
        certificateThumbprint: 'AB12',
        certificateSerialNumber: '01FF',
        certificateExpirationDateUtc: '2026-06-01T00:00:00.000Z',
        issuingCertificateAuthority: 'CN=Test CA',
        callerInfo: 'TestCA/1.0',
        caConfiguration: 'ca01\\Test CA',
        certificateAuthority: 'Test CA',
      },
    });
    const [f] = fake.requestsTo('/ScepActions/failureNotification');
    const fb = JSON.parse(f!.body) as { notification: Record<string, unknown> };
    expect(fb.notification['hResult']).toBe(0x80004005);
    expect(fb.notification['errorDescription']).toHaveLength(255);
    expect(fb.notification['transactionId']).toBe('tx-3');
  });

  it.each(Object.keys(SERVICE_REFUSAL_BY_CODE) as IntuneServiceCode[])('maps service code %s to its own error class', async (serviceCode) => {
    fake.service = () => ({ body: { code: serviceCode, errorDescription: `desc of ${serviceCode}` } });
    const e = await error(validate());
    expect(e).toBeInstanceOf(SERVICE_REFUSAL_BY_CODE[serviceCode]);
    expect(e).toBeInstanceOf(IntuneServiceRefusedError);
    const r = e as IntuneServiceRefusedError;
    expect(r.serviceCode).toBe(serviceCode);
    expect(r.errorDescription).toBe(`desc of ${serviceCode}`);
    expect(r.activityId).toBe('00000000-0000-4000-8000-000000000001');
    expect(r.transactionId).toBe('tx-1');
    expect(r.code).toMatch(/^ERR_INTUNE_SERVICE_/);
    // A verdict is not a failed call: the location stays cached.
    expect(locator.cached()).toBe(fake.serviceUri);
  });

  it('labels the common verdicts sensibly', async () => {
    const labelOf = async (serviceCode: string): Promise<string> => {
      fake.service = () => ({ body: { code: serviceCode, errorDescription: '' } });
      return (await error(validate())).label;
    };
    expect(await labelOf('ChallengeExpired')).toBe('expired');
    expect(await labelOf('SignatureValidationFailed')).toBe('signature_invalid');
    expect(await labelOf('ChallengeDecryptionError')).toBe('signature_invalid');
    expect(await labelOf('SubjectAltNameMismatch')).toBe('claim_mismatch');
    expect(await labelOf('ScepProfileNoLongerTargetedToTheClient')).toBe('compliance_failed');
    expect(await labelOf('BadDeviceIdInChallenge')).toBe('claim_mismatch');
  });

  it('treats an unknown code as a refusal of its own class', async () => {
    fake.service = () => ({ body: { code: 'SomethingNew', errorDescription: 'later API' } });
    const e = await error(validate());
    expect(e).toBeInstanceOf(UnknownServiceCodeError);
    expect((e as UnknownServiceCodeError).serviceCode).toBe('SomethingNew');
    expect(e.label).toBe('service_error');
  });

  it('only "Success" is success (case matters, code must be a string)', async () => {
    fake.service = () => ({ body: { code: 'success', errorDescription: '' } });
    expect((await error(validate())).code).toBe('ERR_INTUNE_SERVICE_UNKNOWN_CODE');
    fake.service = () => ({ body: { code: 0, errorDescription: '' } });
    expect((await error(validate())).code).toBe('ERR_INTUNE_RESPONSE_MALFORMED');
    fake.service = () => ({ body: { errorDescription: '' } });
    expect((await error(validate())).code).toBe('ERR_INTUNE_RESPONSE_MALFORMED');
  });

  it.each([
    ['HTTP 500', { status: 500, body: 'oops' }, 'ERR_INTUNE_HTTP_STATUS'],
    ['HTTP 503 with a Success body', { status: 503, body: { code: 'Success' } }, 'ERR_INTUNE_HTTP_STATUS'],
    ['bad JSON', { body: '{"code": "Succ' }, 'ERR_INTUNE_RESPONSE_MALFORMED'],
    ['oversized body', { body: { code: 'Success', errorDescription: 'x'.repeat(70_000) } }, 'ERR_INTUNE_RESPONSE_MALFORMED'],
    ['timeout', { hang: true }, 'ERR_INTUNE_TIMEOUT'],
  ] as const)('%s fails the call, drops the cached location, and the next call rediscovers', async (_n, answer, code) => {
    await validate();
    expect(locator.lookupCount).toBe(1);
    fake.service = () => answer;
    expect((await error(validate())).code).toBe(code);
    expect(locator.cached()).toBeUndefined();
    fake.service = () => ({ body: { code: 'Success', errorDescription: '' } });
    await validate();
    expect(locator.lookupCount).toBe(2);
  });

  it('a caller abort ends the call', async () => {
    // Abort once the service call has begun: a fixed delay could land in the token or discovery
    // call on a busy machine, which then fails as discovery.
    let reached!: () => void;
    const inService = new Promise<void>((r) => (reached = r));
    fake.service = () => {
      reached();
      return { hang: true };
    };
    const controller = new AbortController();
    const p = client.validateRequest({ transactionId: 'tx', certificateRequest: CSR }, controller.signal);
    void inService.then(() => controller.abort(new Error('client went away')));
    const e = await error(p);
    expect(e.code).toBe('ERR_INTUNE_TIMEOUT');
    expect(e.message).toContain('aborted');
  });

  it('a 401 drops the Intune token', async () => {
    const invalidated: string[] = [];
    const c = new IntuneScepClient({
      tokenProvider: { getAccessToken: (s) => Promise.resolve(s.includes('graph') ? 'x' : 'bad'), invalidate: (s) => invalidated.push(s) },
      locator: { locate: () => Promise.resolve(fake.serviceUri), invalidate: () => undefined } as unknown as IntuneServiceLocator,
      randomUUID: sequentialUuids(),
    });
    const e = await error(c.validateRequest({ transactionId: 't', certificateRequest: CSR }));
    expect((e as IntuneError & { status: number }).status).toBe(401);
    expect(invalidated).toEqual(['https://api.manage.microsoft.com//.default']);
  });

  it('discovery and token failures surface as such', async () => {
    fake.discoveryMode = 'http500';
    expect((await error(validate())).code).toBe('ERR_INTUNE_DISCOVERY_FAILED');
    fake.discoveryMode = 'ok';
    fake.tokenMode = 'http500';
    expect((await error(validate())).code).toBe('ERR_INTUNE_AUTH_FAILED');
  });

  it('a verdict keeps its class even though the type says ChallengeExpiredError', async () => {
    fake.service = () => ({ body: { code: 'ChallengeExpired', errorDescription: 'expired 2h ago' } });
    const e = await error(validate());
    expect(e).toBeInstanceOf(ChallengeExpiredError);
    expect(e.failInfo).toBe('badMessageCheck');
  });

  describe('maxConcurrentCalls', () => {
    /** A client on the same fake, token and locator, with room for two calls in flight. */
    const narrow = (timeoutMs = 2000): IntuneScepClient => new IntuneScepClient({ tokenProvider, locator, randomUUID: sequentialUuids(), maxConcurrentCalls: 2, timeoutMs });
    /** Holds every ScepActions answer until `open()`; `arrived` counts the calls that reached the fake. */
    function gateService(): { open: () => void; arrived: () => number } {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      let n = 0;
      fake.service = () => {
        n++;
        return { after: opened, body: { code: 'Success', errorDescription: '' } };
      };
      return { open, arrived: () => n };
    }
    const reached = async (count: () => number, n: number): Promise<void> => {
      while (count() < n) await new Promise((r) => setTimeout(r, 2));
    };

    it('a validation beyond the bound is refused at once (ERR_INTUNE_ONLINE_BUSY), and never reaches Microsoft', async () => {
      const c = narrow();
      await c.validateRequest({ transactionId: 'warm', certificateRequest: CSR }); // tokens and discovery cached
      const gate = gateService();
      const inFlight = [c.validateRequest({ transactionId: 'a', certificateRequest: CSR }), c.validateRequest({ transactionId: 'b', certificateRequest: CSR })];
      const e = await error(c.validateRequest({ transactionId: 'c', certificateRequest: CSR }));
      expect(e.code).toBe('ERR_INTUNE_ONLINE_BUSY');
      expect(e.label).toBe('rate_limited');
      expect((e as OnlineBusyError).action).toBe('validateRequest');
      await reached(gate.arrived, 2);
      expect(c.stats()).toMatchObject({ maxConcurrentCalls: 2, inFlight: 2, refusedBusy: 1 });
      gate.open();
      await Promise.all(inFlight);
      expect(gate.arrived()).toBe(2);
      expect(fake.requestsTo('/ScepActions/validateRequest').map((r) => (JSON.parse(r.body) as { request: { transactionId: string } }).request.transactionId)).toEqual(['warm', 'a', 'b']);
      expect(c.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
      // A refusal for want of a slot is not a failed call: the location stays cached.
      expect(locator.cached()).toBe(fake.serviceUri);
    });

    it('a notification waits for a slot instead (ahead of new validations), then goes out', async () => {
      const c = narrow();
      await c.validateRequest({ transactionId: 'warm', certificateRequest: CSR });
      const gate = gateService();
      const inFlight = [c.validateRequest({ transactionId: 'a', certificateRequest: CSR }), c.validateRequest({ transactionId: 'b', certificateRequest: CSR })];
      await reached(gate.arrived, 2);
      const note = c.sendFailureNotification({ transactionId: 'n', certificateRequest: CSR, errorDescription: 'policy' });
      await new Promise((r) => setTimeout(r, 10));
      expect(c.stats()).toMatchObject({ inFlight: 2, waiting: 1 });
      expect((await error(c.validateRequest({ transactionId: 'c', certificateRequest: CSR }))).code).toBe('ERR_INTUNE_ONLINE_BUSY');
      gate.open();
      await Promise.all([...inFlight, note]);
      expect(fake.requestsTo('/ScepActions/failureNotification')).toHaveLength(1);
      expect(c.stats()).toMatchObject({ inFlight: 0, waiting: 0, refusedBusy: 1, notificationsTimedOut: 0 });
    });

    it('a notification that finds no slot within the call timeout fails with ERR_INTUNE_ONLINE_BUSY', async () => {
      const c = narrow(100);
      await c.validateRequest({ transactionId: 'warm', certificateRequest: CSR });
      fake.service = () => ({ hang: true });
      const hung = [c.validateRequest({ transactionId: 'a', certificateRequest: CSR }), c.validateRequest({ transactionId: 'b', certificateRequest: CSR })].map((p) => error(p));
      const e = await error(c.sendFailureNotification({ transactionId: 'n', certificateRequest: CSR, errorDescription: 'x' }));
      expect(e.code).toBe('ERR_INTUNE_ONLINE_BUSY');
      expect((e as OnlineBusyError).action).toBe('failureNotification');
      expect((await Promise.all(hung)).map((h) => h.code)).toEqual(['ERR_INTUNE_TIMEOUT', 'ERR_INTUNE_TIMEOUT']);
      expect(fake.requestsTo('/ScepActions/failureNotification')).toHaveLength(0);
      expect(c.stats()).toMatchObject({ inFlight: 0, notificationsTimedOut: 1 });
    });

    it('admit runs once the slot is held and before anything is sent; if it throws, the slot is given back and nothing goes out', async () => {
      const c = narrow();
      let inFlight: number | undefined;
      await c.validateRequest({ transactionId: 'a', certificateRequest: CSR }, undefined, () => {
        inFlight = c.stats().inFlight;
        return Promise.resolve();
      });
      expect(inFlight).toBe(1);
      await expect(c.validateRequest({ transactionId: 'b', certificateRequest: CSR }, undefined, () => Promise.reject(new Error('no budget')))).rejects.toThrow('no budget');
      expect(fake.requestsTo('/ScepActions/validateRequest').map((r) => (JSON.parse(r.body) as { request: { transactionId: string } }).request.transactionId)).toEqual(['a']);
      expect(c.stats()).toMatchObject({ inFlight: 0, refusedBusy: 0 });
      // A validation refused as busy never runs its admit.
      const gate = gateService();
      const inFlightCalls = [c.validateRequest({ transactionId: 'c', certificateRequest: CSR }), c.validateRequest({ transactionId: 'd', certificateRequest: CSR })];
      let admitted = false;
      const e = await error(
        c.validateRequest({ transactionId: 'e', certificateRequest: CSR }, undefined, () => {
          admitted = true;
          return Promise.resolve();
        }),
      );
      expect([e.code, admitted]).toEqual(['ERR_INTUNE_ONLINE_BUSY', false]);
      gate.open();
      await Promise.all(inFlightCalls);
    });

    it('defaults to 16, and refuses a bound that is not a positive integer', () => {
      expect(client.stats().maxConcurrentCalls).toBe(16);
      expect(() => new IntuneScepClient({ tokenProvider, locator, maxConcurrentCalls: 0 })).toThrow(TypeError);
    });
  });

  it('refuses caller bugs with TypeError', async () => {
    await expect(client.validateRequest({ transactionId: '', certificateRequest: CSR })).rejects.toThrow(TypeError);
    await expect(client.sendFailureNotification({ transactionId: 't', certificateRequest: CSR, errorDescription: 'x', hResult: 2 ** 40 })).rejects.toThrow(TypeError);
  });
});
