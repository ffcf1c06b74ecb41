/** The committed golden tokens (fixtures/intune, see its README) judged at their fixed clock. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrustAnchors, RateLimiter, SignedChallengeValidator, StaticTrustAnchors } from '../../src/index.js';

const DIR = join(import.meta.dirname, '../../../../fixtures/intune');

interface Manifest {
  readonly now: string;
  readonly audience: string;
  readonly clockSkewSeconds: number;
  readonly maxValiditySeconds: number;
  readonly csr: { commonName: string; dnsNames: string[]; emails: string[]; upns: string[] };
  readonly cases: readonly { name: string; token: string; anchors: string; expected: string; reason?: string; description: string }[];
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Manifest; // our own committed file

describe('golden signed challenges', () => {
  it('covers every case the brief names', () => {
    const names = manifest.cases.map((c) => c.name);
    for (const n of ['success', 'expired', 'not-yet-valid', 'tampered-signature', 'tampered-payload', 'wrong-audience', 'unknown-version', 'alg-none', 'hs256', 'missing-claim', 'rotated-anchor']) {
      expect(names).toContain(n);
    }
  });

  it.each(manifest.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const anchors = new StaticTrustAnchors(await parseTrustAnchors(readFileSync(join(DIR, c.anchors), 'utf8')));
    const validator = new SignedChallengeValidator({
      anchors,
      audience: manifest.audience,
      clockSkewSeconds: manifest.clockSkewSeconds,
      maxValiditySeconds: manifest.maxValiditySeconds,
      now: () => new Date(manifest.now),
      rateLimitStore: new RateLimiter(),
    });
    const token = readFileSync(join(DIR, c.token), 'utf8').trim();
    const outcome = await validator.validate(token, { der: new Uint8Array(0), ...manifest.csr }, { transactionId: c.name, profile: 'golden' });
    expect(outcome.label).toBe(c.expected);
    expect(outcome.ok ? undefined : outcome.reason).toBe(c.reason);
  });
});
