// @ts-check
/**
 * Sizes libuv's thread pool for the example server. `pnpm start` preloads this file with
 * `node --require`, because Node reads UV_THREADPOOL_SIZE once, when the pool first starts, and the
 * ES module loader (and tsx) start it before any module of ours runs.
 *
 * The CA's RSA signatures run on that pool; the event loop does the rest of an enrollment,
 * including the RSA unwrap. main.ts gives the pool threads the lowest priority
 * (SCEP_HELPER_NICE), so that they no longer take a core from the event loop. But the event loop
 * and the pool threads share libuv's queue locks: when more pool threads are busy than there are
 * spare cores, a pool thread is most likely often preempted by another one while it holds a lock,
 * and the event loop waits for it. On 2 cores with Node's 4 threads, handing a signature to the pool took the
 * event loop 53–58 µs on average, against 21 µs with 2 threads (docs/benchmarks.md, proposal 11).
 *
 * So: one pool thread per core the event loops leave free, at least 2, so that one slow job (a DNS
 * lookup of online Intune, a file read) cannot hold up every signature, and at most Node's 4,
 * because larger pools were never measured (one event loop keeps about one signing core busy). An
 * operator's UV_THREADPOOL_SIZE is left as it is; under a CPU quota (cgroups) that
 * availableParallelism() does not see, set it. Plain JavaScript: it runs before tsx loads.
 */
'use strict';
const { availableParallelism } = require('node:os');

/**
 * @param {{ cores: number; workers: number }} o
 * @returns {number}
 */
function defaultPoolSize(o) {
  return Math.min(4, Math.max(2, Math.floor(o.cores / Math.max(1, o.workers)) - 1));
}

/**
 * SCEP_WORKERS as settings.ts reads it; anything it would refuse counts as 1 here (the server then
 * stops with its own error).
 * @param {string | undefined} v
 */
function workersOf(v) {
  const n = v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : 1;
  return n >= 1 && n <= 64 ? n : 1;
}

/**
 * The pool size to use for an environment, or undefined when UV_THREADPOOL_SIZE is already set.
 * @param {Record<string, string | undefined>} env
 * @param {{ cores: number }} o
 */
function poolSizeFor(env, o) {
  if (env['UV_THREADPOOL_SIZE'] !== undefined && env['UV_THREADPOOL_SIZE'] !== '') return undefined;
  return defaultPoolSize({ cores: o.cores, workers: workersOf(env['SCEP_WORKERS']) });
}

const size = poolSizeFor(process.env, { cores: availableParallelism() });
// Cluster workers inherit the variable, and with it the primary's choice.
if (size !== undefined) process.env['UV_THREADPOOL_SIZE'] = String(size);

module.exports = { defaultPoolSize, poolSizeFor };
