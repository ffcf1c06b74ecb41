import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrustAnchors, TrustAnchorError, TrustAnchorHolder, type TrustAnchorLoader } from '../../src/index.js';
import { makeSigner, TEST_NOW, type TestSigner } from '../support/keys.js';

let a: TestSigner;
let b: TestSigner;
let expired: TestSigner;

beforeAll(() => {
  a = makeSigner('rsa', { cn: 'Anchor A', notAfter: new Date('2025-07-01T00:00:00Z') });
  b = makeSigner('ec-p256', { cn: 'Anchor B', serial: 2 });
  expired = makeSigner('rsa', { cn: 'Old', serial: 3, notBefore: new Date('2023-01-01T00:00:00Z'), notAfter: new Date('2024-01-01T00:00:00Z') });
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof TrustAnchorError ? e.code : `other:${String(e)}`;
  }
}

describe('parseTrustAnchors', () => {
  it('reads subject, fingerprint, key id, key type and validity', async () => {
    const [anchor] = await parseTrustAnchors(`# connector signing cert\n${a.pem}`);
    expect(anchor?.subject).toBe('CN=Anchor A');
    expect(anchor?.keyType).toBe('rsa');
    expect(anchor?.keyBits).toBe(2048);
    expect(anchor?.subjectKeyId).toBe(a.ski);
    expect(anchor?.x5tS256).toBe(a.x5tS256);
    expect(anchor?.fingerprintSha256).toBe(Buffer.from(a.x5tS256, 'base64url').toString('hex'));
    expect(anchor?.notAfter.toISOString()).toBe('2025-07-01T00:00:00.000Z');
    expect(anchor?.keys.has('RS256')).toBe(true);
    expect(anchor?.keys.has('PS256')).toBe(true);
  });

  it('accepts bytes and certificates without SKI', async () => {
    const noSki = makeSigner('ec-p256', { withoutSubjectKeyId: true });
    const [anchor] = await parseTrustAnchors(new TextEncoder().encode(noSki.pem));
    expect(anchor?.subjectKeyId).toBeUndefined();
    expect(anchor?.keyType).toBe('ec-p256');
  });

  it('refuses RSA below 2048 bits and curves other than P-256', async () => {
    expect(await codeOf(parseTrustAnchors(makeSigner('rsa-1024').pem))).toBe('ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY');
    expect(await codeOf(parseTrustAnchors(makeSigner('ec-p384').pem))).toBe('ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY');
  });

  it('refuses unparsable, empty and oversized bundles', async () => {
    expect(await codeOf(parseTrustAnchors('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n'))).toBe('ERR_INTUNE_ANCHORS_UNPARSABLE');
    expect(await codeOf(parseTrustAnchors('not pem at all'))).toBe('ERR_INTUNE_ANCHORS_EMPTY');
    expect(await codeOf(parseTrustAnchors('-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n'))).toBe('ERR_INTUNE_ANCHORS_EMPTY');
    expect(await codeOf(parseTrustAnchors(Uint8Array.of(0xff, 0xfe)))).toBe('ERR_INTUNE_ANCHORS_UNPARSABLE');
    expect(await codeOf(parseTrustAnchors(a.pem, { maxBundleBytes: 100 }))).toBe('ERR_INTUNE_ANCHORS_TOO_LARGE');
    expect(await codeOf(parseTrustAnchors(a.pem + b.pem + a.pem, { maxAnchors: 2 }))).toBe('ERR_INTUNE_ANCHORS_TOO_LARGE');
  });
});

describe('TrustAnchorHolder', () => {
  function holder(load: TrustAnchorLoader, now = () => TEST_NOW): TrustAnchorHolder {
    return new TrustAnchorHolder({ load, now });
  }

  it('starts empty and loads on reload()', async () => {
    const h = holder(() => a.pem);
    expect(h.current()).toEqual([]);
    const report = await h.reload();
    expect(report.anchors.map((x) => x.subject)).toEqual(['CN=Anchor A']);
    expect(report.loadedAt).toEqual(TEST_NOW);
    expect(h.current()).toHaveLength(1);
  });

  it('reports days to expiry and validity against its clock', async () => {
    const h = await TrustAnchorHolder.create({ load: () => a.pem + b.pem, now: () => TEST_NOW });
    const [ra, rb] = h.report().anchors;
    expect(ra?.daysToExpiry).toBe(29); // 2025-06-01T12:00 → 2025-07-01T00:00
    expect(ra?.validNow).toBe(true);
    expect(ra?.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rb?.keyType).toBe('ec-p256');
  });

  const failures: readonly (readonly [string, TrustAnchorLoader, string])[] = [
    ['loader throws', (): Promise<string> => Promise.reject(new Error('ENOENT')), 'ERR_INTUNE_ANCHORS_UNREADABLE'],
    ['loader returns junk', (): string => 42 as unknown as string, 'ERR_INTUNE_ANCHORS_UNREADABLE'],
    ['unparsable', (): string => '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n', 'ERR_INTUNE_ANCHORS_UNPARSABLE'],
    ['empty', (): string => '', 'ERR_INTUNE_ANCHORS_EMPTY'],
    ['all expired', (): string => expired.pem, 'ERR_INTUNE_ANCHORS_ALL_EXPIRED'],
  ];
  it.each(failures)('keeps the old anchors when the reload is %s', async (_name, bad, code) => {
    let load: TrustAnchorLoader = () => a.pem;
    const h = holder(() => load());
    await h.reload();
    const before = h.current();
    load = bad;
    expect(await codeOf(h.reload())).toBe(code);
    expect(h.current()).toBe(before);
    const report = h.report();
    expect(report.failedReloads).toBe(1);
    expect(report.lastError?.code).toBe(code);
    // A later good reload clears the error.
    load = () => b.pem;
    await h.reload();
    expect(h.current().map((x) => x.subject)).toEqual(['CN=Anchor B']);
    expect(h.report().lastError).toBeUndefined();
  });

  it('accepts a bundle where only some anchors are expired', async () => {
    const h = holder(() => expired.pem + a.pem);
    const report = await h.reload();
    expect(report.anchors.map((x) => x.validNow)).toEqual([false, true]);
  });

  it('runs concurrent reloads one at a time; the last one wins', async () => {
    let calls = 0;
    const h = holder(async () => {
      calls++;
      const mine = calls;
      await new Promise((r) => setTimeout(r, mine === 1 ? 20 : 1));
      return mine === 1 ? a.pem : b.pem;
    });
    await Promise.all([h.reload(), h.reload()]);
    expect(calls).toBe(2);
    expect(h.current().map((x) => x.subject)).toEqual(['CN=Anchor B']);
  });

  it('rejects a missing loader with TypeError', () => {
    expect(() => new TrustAnchorHolder({} as never)).toThrow(TypeError);
    expect(() => new TrustAnchorHolder({ load: () => '', maxAnchors: 0 })).toThrow(TypeError);
  });
});
