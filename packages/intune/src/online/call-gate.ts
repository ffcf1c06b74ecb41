/**
 * A bound on outbound calls in flight. `tryAcquire` never waits: validations shed load when every
 * slot is taken. `acquire` waits its turn, first come first served and ahead of any new
 * `tryAcquire`: notifications follow a validation Microsoft has already answered, and withholding
 * a certificate because the gate was busy would fail a device that did everything right. Waiters
 * are bounded by the validations that got through, which the rate budget bounds.
 */

/** Gives the slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant(release: ReleaseSlot): void;
}

export interface CallGateStats {
  readonly maxConcurrentCalls: number;
  readonly inFlight: number;
  readonly waiting: number;
}

export class CallGate {
  readonly #max: number;
  #inFlight = 0;
  /** Insertion order is arrival order. */
  readonly #waiters = new Set<Waiter>();

  constructor(maxConcurrentCalls: number) {
    if (!Number.isSafeInteger(maxConcurrentCalls) || maxConcurrentCalls <= 0) {
      throw new TypeError('maxConcurrentCalls must be a positive integer');
    }
    this.#max = maxConcurrentCalls;
  }

  /** A slot now, or undefined when all are taken or someone is already waiting. */
  tryAcquire(): ReleaseSlot | undefined {
    if (this.#inFlight >= this.#max || this.#waiters.size > 0) return undefined;
    this.#inFlight++;
    return this.#releaser();
  }

  /** A slot, waiting at most `timeoutMs`; undefined when the wait timed out or `signal` aborted. */
  acquire(timeoutMs: number, signal?: AbortSignal): Promise<ReleaseSlot | undefined> {
    const now = this.tryAcquire();
    if (now !== undefined) return Promise.resolve(now);
    if (signal?.aborted === true) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const giveUp = (): void => {
        if (!this.#waiters.delete(waiter)) return; // already granted
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        resolve(undefined);
      };
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
          resolve(release);
        },
      };
      const timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.values().next();
      if (next.done === true) {
        this.#inFlight--;
        return;
      }
      // Hand the slot straight to the first waiter: in flight stays the same.
      this.#waiters.delete(next.value);
      next.value.grant(this.#releaser());
    };
  }

  stats(): CallGateStats {
    return { maxConcurrentCalls: this.#max, inFlight: this.#inFlight, waiting: this.#waiters.size };
  }
}
