import { generateKeyPairSync, publicEncrypt, constants, verify } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, type KeyTransportAlgorithm, type SignatureAlgorithm } from '@scep/wire';
import { nodePrivateKey, placementStats, RsaThreadPool } from '@scep/wire/node';
import { BUSY_MS, place } from '../src/node/placement.js';

/** A promise settled from outside, to hold an operation "in flight" as long as a test needs. */
function gate<T>(): { promise: Promise<T>; open: (v: T) => void; fail: (e: Error) => void } {
  let open!: (v: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    open = res;
    fail = rej;
  });
  return { promise, open, fail };
}

/** Longer than the busy window, so the next adaptive decision starts from a quiet process. */
const quiet = (): Promise<unknown> => sleep(BUSY_MS + 15);
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('place: where a private-key operation runs', () => {
  it("'offload' always runs off the thread, without a yield", async () => {
    await quiet();
    let here = 0;
    let away = 0;
    const g = gate<string>();
    const p = place('offload', () => (here++, 'here'), () => (away++, g.promise));
    expect(away).toBe(1); // called synchronously, before any turn of the loop
    g.open('away');
    expect(await p).toBe('away');
    expect(here).toBe(0);
    expect(placementStats().inFlight).toBe(0);
  });

  it("'adaptive' runs alone on the calling thread after one turn of the loop", async () => {
    await quiet();
    const before = placementStats();
    let away = 0;
    let ranAt = -1;
    let turns = 0;
    setImmediate(() => turns++);
    const result = await place('adaptive', () => ((ranAt = turns), 'here'), () => (away++, Promise.resolve('away')));
    expect(result).toBe('here');
    expect(away).toBe(0);
    expect(ranAt).toBe(1); // after the check phase that was already queued
    expect(placementStats().inline).toBe(before.inline + 1);
    expect(placementStats().offloaded).toBe(before.offloaded);
  });

  it("'adaptive' offloads at once when another operation is in flight, and stays off the thread while busy", async () => {
    await quiet();
    const held = gate<string>();
    const first = place('offload', () => 'here', () => held.promise);
    let away = 0;
    const second = place('adaptive', () => 'here', () => (away++, Promise.resolve('away')));
    expect(away).toBe(1); // no yield: the hand-off is not delayed past the poll phase
    held.open('x');
    await first;
    expect(await second).toBe('away');
    // Alone now, but within the busy window: still off the thread, still without a yield.
    let away2 = 0;
    const third = place('adaptive', () => 'here', () => (away2++, Promise.resolve('away')));
    expect(away2).toBe(1);
    expect(await third).toBe('away');
    // After a quiet window, alone: on the calling thread again.
    await quiet();
    expect(await place('adaptive', () => 'here', () => Promise.resolve('away'))).toBe('here');
  });

  it("'adaptive' sees an operation that started during its yield (work queued behind it)", async () => {
    await quiet();
    const held = gate<string>();
    // Queued before the adaptive call's own yield, so it starts in the same check phase, first.
    setImmediate(() => void place('offload', () => 'here', () => held.promise));
    const result = await place('adaptive', () => 'here', () => Promise.resolve('away'));
    held.open('x');
    await nextTurn();
    expect(result).toBe('away');
    expect(placementStats().inFlight).toBe(0);
  });

  it('counts every operation out when it throws or rejects, on either side', async () => {
    await quiet();
    await expect(place('adaptive', () => { throw new Error('here failed'); }, () => Promise.resolve(1))).rejects.toThrow('here failed');
    await expect(place('offload', () => 1, () => Promise.reject(new Error('away failed')))).rejects.toThrow('away failed');
    await expect(place('offload', () => 1, () => { throw new Error('away threw'); })).rejects.toThrow('away threw');
    expect(placementStats().inFlight).toBe(0);
  });

  it('property: any interleaving runs each operation exactly once, in one place, and counts it out', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ adaptive: fc.boolean(), hold: fc.nat(3), fails: fc.boolean(), gapTurns: fc.nat(2) }), { minLength: 1, maxLength: 12 }),
        async (ops) => {
          await quiet();
          const before = placementStats();
          const runs = ops.map(() => ({ here: 0, away: 0 }));
          const pending = ops.map(async (op, i) => {
            for (let t = 0; t < op.gapTurns; t++) await nextTurn();
            const run = runs[i] as { here: number; away: number };
            return place(
              op.adaptive ? 'adaptive' : 'offload',
              () => {
                run.here++;
                if (op.fails) throw new Error('x');
                return i;
              },
              async () => {
                run.away++;
                for (let t = 0; t < op.hold; t++) await nextTurn();
                if (op.fails) throw new Error('x');
                return i;
              },
            ).then(
              (v) => ({ ok: true, v }),
              () => ({ ok: false, v: i }),
            );
          });
          const out = await Promise.all(pending);
          ops.forEach((op, i) => {
            const run = runs[i] as { here: number; away: number };
            expect(run.here + run.away).toBe(1);
            if (!op.adaptive) expect(run.here).toBe(0);
            expect(out[i]).toEqual({ ok: !op.fails, v: i });
          });
          const after = placementStats();
          expect(after.inFlight).toBe(0);
          expect(after.inline - before.inline).toBe(runs.reduce((n, r) => n + r.here, 0));
          expect(after.offloaded - before.offloaded).toBe(runs.reduce((n, r) => n + r.away, 0));
          // A single adaptive operation on a quiet process always runs on the calling thread.
          if (ops.length === 1 && ops[0]?.adaptive) expect(runs[0]?.here).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('nodePrivateKey with placement', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pool = new RsaThreadPool({ threads: 1 });
  afterAll(() => pool.close());
  const data = new TextEncoder().encode('to be signed');
  const RSA: SignatureAlgorithm = { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' };
  const PKCS1: KeyTransportAlgorithm = { scheme: 'RSAES-PKCS1-v1_5' };

  it('signs the same bytes, and verifiably, wherever the signature runs', async () => {
    const offload = nodePrivateKey(privateKey);
    const adaptive = nodePrivateKey(privateKey, { placement: 'adaptive' });
    await quiet();
    const before = placementStats();
    const alone = await adaptive.sign(RSA, data);
    expect(placementStats().inline).toBe(before.inline + 1);
    // Concurrent signatures: the second starts while the first is in flight and goes to the pool.
    const [a, b] = await Promise.all([adaptive.sign(RSA, data), adaptive.sign(RSA, data)]);
    const pooled = await offload.sign(RSA, data);
    // PKCS #1 v1.5 is deterministic: the same signature from either thread.
    for (const s of [a, b, pooled]) expect(toHex(s)).toBe(toHex(alone));
    expect(verify('sha256', data, publicKey, alone)).toBe(true);

    const ecKey = nodePrivateKey(ec.privateKey, { placement: 'adaptive' });
    const ecSig = await ecKey.sign({ scheme: 'ECDSA', digest: 'SHA-256' }, data);
    expect(verify('sha256', data, { key: ec.publicKey, dsaEncoding: 'der' }, ecSig)).toBe(true);
    const pss = await adaptive.sign({ scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 }, data);
    expect(verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss)).toBe(true);
  });

  it('refuses PSS whose MGF1 hash differs from the message hash, on both placements', async () => {
    for (const placement of ['offload', 'adaptive'] as const) {
      const k = nodePrivateKey(privateKey, { placement });
      await expect(k.sign({ scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-1', saltLength: 32 }, data)).rejects.toThrow(/MGF1/);
    }
    expect(placementStats().inFlight).toBe(0);
  });

  it('unwraps on the calling thread when alone and on the thread pool under load, with the same answers', async () => {
    const k = nodePrivateKey(privateKey, { threads: pool, placement: 'adaptive' });
    const unwrap = k.unwrapKey as NonNullable<typeof k.unwrapKey>;
    const ceks = Array.from({ length: 8 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const wrapped = ceks.map((c) => new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, c)));
    await quiet();
    const before = placementStats();
    expect(toHex(await unwrap(PKCS1, wrapped[0] as Uint8Array, 32))).toBe(toHex(ceks[0] as Uint8Array));
    expect(placementStats().inline).toBe(before.inline + 1);
    const all = await Promise.all(wrapped.map((w) => unwrap(PKCS1, w, 32)));
    expect(all.map(toHex)).toEqual(ceks.map(toHex));
    expect(placementStats().offloaded - before.offloaded).toBeGreaterThanOrEqual(7);
    // A bad block gives the same synthetic key on either side (implicit rejection).
    const junk = new Uint8Array(256).fill(7);
    await quiet();
    const alone = await unwrap(PKCS1, junk, 16);
    const [busy] = await Promise.all([unwrap(PKCS1, junk, 16), unwrap(PKCS1, junk, 16)]);
    expect(toHex(busy as Uint8Array)).toBe(toHex(alone));
  });
});
