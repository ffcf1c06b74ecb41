/**
 * Gives the event loop the CPU before the process's helper threads.
 *
 * Signatures run on libuv's pool (4 threads by default). When the machine has fewer spare cores
 * than that, the kernel shares the cores fairly among the pool threads and the event loop. The
 * event loop then runs only part of the time, requests stop reaching their next signature, and
 * cores sit idle. On 2 cores that cost 9 to 14 % of the enrollments at concurrency 8
 * (docs/benchmarks.md, proposal 10).
 *
 * On Linux the nice value belongs to each thread (setpriority(2), NOTES). Raising it on every
 * thread but the main one lets the event loop run whenever it has work. The helper threads still
 * get every cycle the event loop leaves, and they keep the whole pool, so signatures still run in
 * parallel when cores are free. Under cgroup or autogroup scheduling the nice value only ranks
 * threads of the same group: other services keep their share of the machine.
 *
 * Size libuv's pool to the spare cores (UV_THREADPOOL_SIZE). Pool threads take libuv's queue
 * locks around each job, and so does the event loop to hand work over and collect it. When
 * low-priority pool threads outnumber the free cores, one is often preempted while holding a lock,
 * most likely, and the event loop waits for it: on 2 cores a hand-off took 53–58 µs on average with 4
 * threads, 10–13 µs with 1 (docs/benchmarks.md, proposal 11).
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { randomFill } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';

/** A nice value these helpers may set: 1 (just below the default 0) to 19 (the lowest priority). */
export function checkHelperNice(n: unknown): asserts n is number {
  if (!(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 19)) throw new TypeError(`nice must be an integer from 1 to 19, got ${String(n)}`);
}

export interface HelperThreadPriority {
  /** The nice value the helper threads were given. */
  readonly nice: number;
  /** The event loop's nice value, which was left as it was. */
  readonly eventLoopNice: number;
  /** Helper threads now at `nice` or at a higher value (a lower priority) they already had. */
  readonly helpers: number;
  /** Threads that could not be changed (they exited meanwhile, or the system refused). */
  readonly failed: number;
}

export interface HelperThreadPriorityOptions {
  /** Nice value for the helper threads, 1-19 (default 19, the lowest priority). */
  readonly nice?: number;
}

/** Seams for tests; not exported from the package. */
export interface ThreadPriorityHost {
  readonly platform: NodeJS.Platform;
  readonly isMainThread: boolean;
  readonly pid: number;
  /** Thread ids of this process; `undefined` when they cannot be listed (no /proc). */
  readonly threads: () => readonly number[] | undefined;
  readonly getPriority: (id: number) => number;
  readonly setPriority: (id: number, nice: number) => void;
  /** Resolves once libuv's pool has started (all its threads exist). */
  readonly poolStarted: () => Promise<void>;
}

const nodeHost: ThreadPriorityHost = {
  platform: process.platform,
  isMainThread,
  pid: process.pid,
  threads: () => {
    try {
      return readdirSync('/proc/self/task').map(Number);
    } catch {
      return undefined;
    }
  },
  getPriority,
  setPriority,
  // libuv starts every pool thread together, on the first request for one.
  poolStarted: () => new Promise((resolve) => randomFill(new Uint8Array(1), () => resolve())),
};

/**
 * Linux only: gives every thread of this process except the main thread (the event loop) the
 * nice value `options.nice` (1-19, default 19): libuv's pool (started first if it was not), V8's
 * platform threads, and worker threads that exist at the time of the call. Threads started later
 * take the nice value of the thread that starts them.
 *
 * It never raises a priority: a thread whose nice value is already higher keeps it, and if the
 * event loop's nice value is higher than `nice`, the helpers get the event loop's. It is one-way:
 * without privilege (RLIMIT_NICE) a process cannot lower a nice value again, and a second call
 * with a smaller value changes nothing.
 *
 * Resolves to `undefined` where threads have no priority of their own or cannot be listed: on
 * other systems, without /proc, or when called from a worker thread.
 */
export function lowerHelperThreadPriority(options: HelperThreadPriorityOptions = {}): Promise<HelperThreadPriority | undefined> {
  return lowerHelperThreadPriorityOn(nodeHost, options.nice ?? 19);
}

export async function lowerHelperThreadPriorityOn(host: ThreadPriorityHost, nice: number): Promise<HelperThreadPriority | undefined> {
  checkHelperNice(nice);
  if (host.platform !== 'linux' || !host.isMainThread) return undefined;
  await host.poolStarted();
  const ids = host.threads();
  if (ids === undefined) return undefined;
  // On Linux the main thread's id is the process id.
  const eventLoopNice = host.getPriority(host.pid);
  const target = Math.max(nice, eventLoopNice);
  let helpers = 0;
  let failed = 0;
  for (const id of ids) {
    if (id === host.pid) continue;
    try {
      if (host.getPriority(id) < target) host.setPriority(id, target);
      helpers++;
    } catch {
      failed++;
    }
  }
  return { nice: target, eventLoopNice, helpers, failed };
}
