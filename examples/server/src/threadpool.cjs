// @ts-check
/**
 * Sizes libuv's thread pool for the example server. `pnpm start` preloads this file with
 * `node --require`, because Node reads UV_THREADPOOL_SIZE once, when the pool first starts, and the
 * ES module loader (and tsx) start it before any module of ours runs.
 *
 * The CA's RSA signatures run on that pool; the event loop does everything else of an enrollment,
 * including the RSA unwrap. Node's default of 4 pool threads outnumbers the cores of a small
 * machine, and the signing threads then preempt the event loop. One pool thread per core that the
 * event loops leave free, at least one, did best (docs/benchmarks.md, proposal 8). Online Intune
 * resolves host names on the same pool, so it gets one thread more: a slow DNS answer must not
 * hold up every signature.
 *
 * An operator's UV_THREADPOOL_SIZE is left as it is. Plain JavaScript: it runs before tsx loads.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { resolve } = require('node:path');

/**
 * @param {{ cores: number; workers: number; onlineIntune: boolean }} o
 * @returns {number}
 */
function defaultPoolSize(o) {
  const spare = Math.floor(o.cores / Math.max(1, o.workers)) - 1;
  return Math.max(1, spare) + (o.onlineIntune ? 1 : 0);
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
 * Whether the SCEP_CONFIG file names an online Intune profile. An unreadable or malformed file
 * counts as no: settings.ts reports it.
 * @param {string | undefined} file
 * @param {string} cwd
 */
function hasOnlineIntune(file, cwd) {
  if (!file) return false;
  try {
    const json = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
    const profiles = json && typeof json === 'object' ? json.profiles : undefined;
    if (!profiles || typeof profiles !== 'object') return false;
    return Object.values(profiles).some((p) => p && typeof p === 'object' && p.intune && typeof p.intune === 'object' && p.intune.model === 'online');
  } catch {
    return false;
  }
}

/**
 * The pool size to use for an environment, or undefined when UV_THREADPOOL_SIZE is already set.
 * @param {Record<string, string | undefined>} env
 * @param {{ cores: number; cwd: string }} o
 */
function poolSizeFor(env, o) {
  if (env['UV_THREADPOOL_SIZE'] !== undefined && env['UV_THREADPOOL_SIZE'] !== '') return undefined;
  return defaultPoolSize({ cores: o.cores, workers: workersOf(env['SCEP_WORKERS']), onlineIntune: hasOnlineIntune(env['SCEP_CONFIG'], o.cwd) });
}

const size = poolSizeFor(process.env, { cores: availableParallelism(), cwd: process.cwd() });
// Cluster workers inherit the variable, and with it the primary's choice.
if (size !== undefined) process.env['UV_THREADPOOL_SIZE'] = String(size);

module.exports = { defaultPoolSize, poolSizeFor };
