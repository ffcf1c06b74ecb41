/**
 * Where a private-key operation runs: on the calling thread, or off it (libuv's pool for
 * signatures, an RsaThreadPool for unwraps).
 *
 * Off the thread keeps the event loop free while other requests wait, but the hop costs ~33 µs,
 * and a pool thread that sat idle is slower still (+12 to +84 µs on the VM of docs/benchmarks.md).
 * An idle server pays that on every operation. 'adaptive' runs an operation on the calling thread
 * when nothing else would wait for it.
 *
 * The signal is the number of private-key operations of this process in flight, counted after one
 * turn of the event loop: the yield lets every request whose bytes have already arrived run up to
 * its own first private-key operation and be counted. Without it, a request that runs
 * synchronously up to its signature never sees the requests queued behind it (docs/benchmarks.md,
 * proposal 7).
 */

export type Placement = 'offload' | 'adaptive';

export interface PlacementStats {
  /** Operations that ran on the calling thread after an adaptive decision. */
  readonly inline: number;
  /** Operations handed to a thread (by 'offload', or by an adaptive decision). */
  readonly offloaded: number;
  /** Operations started and not finished, now. */
  readonly inFlight: number;
}

let inFlight = 0;
let inline = 0;
let offloaded = 0;

/** Counts of this process's private-key operations by where they ran (every nodePrivateKey handle). */
export function placementStats(): PlacementStats {
  return { inline, offloaded, inFlight };
}

export function isPlacement(value: unknown): value is Placement {
  return value === 'offload' || value === 'adaptive';
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// An operation that starts while another is in flight marks the process busy. For BUSY_MS after
// that, adaptive operations go off the thread at once, without the yield: under load the yield
// would hold each hand-off to the pool back until the whole poll phase had run (the first version
// did that and lost ~6 % at concurrency 2, docs/benchmarks.md proposal 7).
export const BUSY_MS = 20;
let busyUntil = 0;

/**
 * Runs one private-key operation where `placement` says. `here` runs it on the calling thread,
 * `away` off it.
 */
export async function place<T>(placement: Placement, here: () => T, away: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    if (placement === 'adaptive') {
      const now = performance.now();
      if (inFlight > 1) busyUntil = now + BUSY_MS;
      else if (now >= busyUntil) {
        await nextTurn();
        if (inFlight === 1) {
          inline++;
          return here();
        }
        busyUntil = performance.now() + BUSY_MS;
      }
    }
    offloaded++;
    return await away();
  } finally {
    inFlight--;
  }
}
