import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallGate, type ReleaseSlot } from '../../src/online/call-gate.js';

describe('CallGate', () => {
  it('tryAcquire takes slots up to the bound, refuses beyond it, and a release frees one (once)', () => {
    const g = new CallGate(2);
    const a = g.tryAcquire();
    const b = g.tryAcquire();
    expect(a).toBeTypeOf('function');
    expect(b).toBeTypeOf('function');
    expect(g.tryAcquire()).toBeUndefined();
    a!();
    a!(); // idempotent
    expect(g.stats()).toEqual({ maxConcurrentCalls: 2, inFlight: 1, waiting: 0 });
    expect(g.tryAcquire()).toBeTypeOf('function');
    expect(g.tryAcquire()).toBeUndefined();
  });

  it('acquire waits first come first served, ahead of new tryAcquire calls', async () => {
    const g = new CallGate(1);
    const first = g.tryAcquire()!;
    const order: string[] = [];
    const w1 = g.acquire(10_000).then((r) => (order.push('w1'), r));
    const w2 = g.acquire(10_000).then((r) => (order.push('w2'), r));
    expect(g.stats().waiting).toBe(2);
    first();
    // The slot went to w1, not to whoever calls tryAcquire next.
    expect(g.tryAcquire()).toBeUndefined();
    const r1 = await w1;
    expect(order).toEqual(['w1']);
    expect(g.stats()).toEqual({ maxConcurrentCalls: 1, inFlight: 1, waiting: 1 });
    r1!();
    const r2 = await w2;
    r2!();
    expect(order).toEqual(['w1', 'w2']);
    expect(g.stats()).toEqual({ maxConcurrentCalls: 1, inFlight: 0, waiting: 0 });
  });

  it('acquire gives up after its timeout or on abort, and leaves the queue', async () => {
    const g = new CallGate(1);
    const held = g.tryAcquire()!;
    expect(await g.acquire(5)).toBeUndefined();
    const controller = new AbortController();
    const aborted = g.acquire(10_000, controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();
    const pre = new AbortController();
    pre.abort();
    expect(await g.acquire(10_000, pre.signal)).toBeUndefined();
    expect(g.stats().waiting).toBe(0);
    held();
    expect(g.stats().inFlight).toBe(0);
  });

  it('property: never more than the bound in flight, and every slot comes back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.constantFrom('try', 'wait', 'release'), { maxLength: 60 }), async (max, ops) => {
        const g = new CallGate(max);
        const held: ReleaseSlot[] = [];
        const waits: Promise<void>[] = [];
        for (const op of ops) {
          if (op === 'try') {
            const r = g.tryAcquire();
            if (r !== undefined) held.push(r);
          } else if (op === 'wait') {
            waits.push(g.acquire(1_000).then((r) => void (r !== undefined && held.push(r))));
          } else {
            held.shift()?.();
          }
          await Promise.resolve();
          expect(g.stats().inFlight).toBeLessThanOrEqual(max);
        }
        // Drain: release everything until every waiter has been served.
        while (g.stats().waiting > 0 || held.length > 0) {
          held.shift()?.();
          await new Promise((r) => setImmediate(r));
        }
        await Promise.all(waits);
        expect(g.stats()).toEqual({ maxConcurrentCalls: max, inFlight: 0, waiting: 0 });
      }),
      { seed: 51, numRuns: 200 },
    );
  });

  it('validates its bound', () => {
    expect(() => new CallGate(0)).toThrow(TypeError);
    expect(() => new CallGate(1.5)).toThrow(TypeError);
  });
});
