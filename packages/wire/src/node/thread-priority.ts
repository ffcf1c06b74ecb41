/**
 * Gives the event loop the CPU before the process's helper threads.
 *
 * Signatures run on libuv's pool (4 threads by default). When the machine has fewer spare cores
 * than that, the kernel shares the cores fairly among the pool threads and the event loop. The
 * event loop then runs only part of the time, requests stop reaching their next signature, and
 * cores sit idle. On 2 cores that cost ~12 % of the enrollments at concurrency 8
 * (docs/benchmarks.md, proposal 10).
 *
 * On Linux the nice value belongs to each thread (setpriority(2), NOTES). Raising it on every
 * thread but the main one lets the event loop run whenever it has work. The helper threads still
 * get every cycle the event loop leaves, and they keep the whole pool, so signatures still run in
 * parallel when cores are free. Under cgroup or autogroup scheduling the nice value only ranks
 * threads of the same group: other services keep their share of the machine.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { randomFill } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';

export interface HelperThreadPriority {
  /** The nice value the helper threads were given. */
  readonly nice: number;
  /** The event loop's nice value, which was left as it was. */
  readonly eventLoopNice: number;
  /** Helper threads now at `nice` (or above it, if they were already). */
  readonly threads: number;
  /** Threads that could not be changed (for example, they exited meanwhile). */
  readonly failed: number;
}

/** Seams for tests. */
export interface ThreadPriorityHost {
  readonly platform: NodeJS.Platform;
  readonly isMainThread: boolean;
  readonly pid: number;
  /** Thread ids of this process. */
  readonly threads: () => readonly number[];
  readonly getPriority: (id: number) => number;
  readonly setPriority: (id: number, nice: number) => void;
  /** Resolves once libuv's pool has started (all its threads exist). */
  readonly poolStarted: () => Promise<void>;
}

const nodeHost: ThreadPriorityHost = {
  platform: process.platform,
  isMainThread,
  pid: process.pid,
  threads: () => readdirSync('/proc/self/task').map(Number),
  getPriority,
  setPriority,
  // libuv starts every pool thread together, on the first request for one.
  poolStarted: () => new Promise((resolve) => randomFill(new Uint8Array(1), () => resolve())),
};

/**
 * Linux only: sets every thread of this process except the main thread (the event loop) to the
 * nice value `nice` (1-19, default 19): libuv's pool, V8's platform threads, and worker threads
 * that exist at the time of the call. Threads started later take the nice value of the thread that
 * starts them. A nice value already above `nice` is kept: this never raises a priority.
 *
 * Resolves to `undefined` where threads have no priority of their own: on other systems, or
 * when called from a worker thread.
 */
export async function lowerHelperThreadPriority(nice = 19, host: ThreadPriorityHost = nodeHost): Promise<HelperThreadPriority | undefined> {
  if (!Number.isInteger(nice) || nice < 1 || nice > 19) throw new RangeError(`nice must be an integer from 1 to 19, got ${String(nice)}`);
  if (host.platform !== 'linux' || !host.isMainThread) return undefined;
  await host.poolStarted();
  // On Linux the main thread's id is the process id.
  const eventLoopNice = host.getPriority(host.pid);
  const target = Math.max(nice, eventLoopNice);
  let threads = 0;
  let failed = 0;
  for (const id of host.threads()) {
    if (id === host.pid) continue;
    try {
      if (host.getPriority(id) < target) host.setPriority(id, target);
      threads++;
    } catch {
      failed++;
    }
  }
  return { nice: target, eventLoopNice, threads, failed };
}
