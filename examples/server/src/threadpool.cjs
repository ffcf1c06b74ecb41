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
 * operator's UV_THREADPOOL_SIZE is left as it is.
 *
 * The cores are availableParallelism() (the CPU affinity mask), or fewer under a cgroup CPU quota
 * (a container's CPU limit), which Node 20 does not count. Plain JavaScript: it runs before tsx
 * loads.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { posix } = require('node:path');

/** @param {string} path */
function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The cgroup mounts in /proc/self/mountinfo: cgroup v2, and v1 hierarchies with their controllers.
 * @param {string} mountinfo
 * @returns {{ version: 1 | 2; root: string; mountPoint: string; controllers: string[] }[]}
 */
function cgroupMounts(mountinfo) {
  const out = [];
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields] - fstype source super-options
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 6) continue;
    const fstype = f[dash + 1];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    out.push({
      version: fstype === 'cgroup2' ? /** @type {const} */ (2) : /** @type {const} */ (1),
      root: unescapeMount(f[3] ?? ''),
      mountPoint: unescapeMount(f[4] ?? ''),
      controllers: (f[dash + 3] ?? '').split(','),
    });
  }
  return out;
}

/**
 * The CPU quota of this process's cgroup and its ancestors, in cores (the smallest one), or
 * undefined when there is none. cgroup v2 `cpu.max` ("max 100000" or "150000 100000"), or v1
 * `cpu.cfs_quota_us` (-1 for none) over `cpu.cfs_period_us`. The mount points come from
 * /proc/self/mountinfo, so a container's view (its cgroup at the root of the mount) and a host's
 * view (a nested path) both work.
 * @param {(path: string) => string | undefined} [read]
 * @returns {number | undefined}
 */
function cgroupCpuLimit(read = readText) {
  const membership = read('/proc/self/cgroup');
  const mountinfo = read('/proc/self/mountinfo');
  if (membership === undefined || mountinfo === undefined) return undefined;
  const v2Path = cgroupPath(membership, (controllers, hierarchy) => hierarchy === '0' && controllers === '');
  const v1Path = cgroupPath(membership, (controllers) => controllers.split(',').includes('cpu'));
  /** @type {number | undefined} */
  let limit;
  /** @param {string | undefined} quota @param {string | undefined} period */
  const consider = (quota, period) => {
    if (quota === undefined || period === undefined || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) return;
    const cores = Number(quota) / Number(period);
    if (Number.isFinite(cores) && cores > 0 && (limit === undefined || cores < limit)) limit = cores;
  };
  for (const m of cgroupMounts(mountinfo)) {
    if (m.version === 2 && v2Path !== undefined) {
      for (const dir of ancestors(m.mountPoint, m.root, v2Path)) {
        const [quota, period] = (read(posix.join(dir, 'cpu.max')) ?? '').trim().split(/\s+/);
        consider(quota, period);
      }
    } else if (m.version === 1 && m.controllers.includes('cpu') && v1Path !== undefined) {
      for (const dir of ancestors(m.mountPoint, m.root, v1Path)) {
        consider(read(posix.join(dir, 'cpu.cfs_quota_us'))?.trim(), read(posix.join(dir, 'cpu.cfs_period_us'))?.trim());
      }
    }
  }
  return limit;
}

/** mountinfo escapes space, tab, newline and backslash as octal. @param {string} s */
function unescapeMount(s) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * The cgroup path of the first /proc/self/cgroup line that `match` accepts ("id:controllers:path").
 * @param {string} membership
 * @param {(controllers: string, hierarchy: string) => boolean} match
 */
function cgroupPath(membership, match) {
  for (const line of membership.split('\n')) {
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    if (match(line.slice(a + 1, b), line.slice(0, a))) return line.slice(b + 1);
  }
  return undefined;
}

/**
 * The directories from the process's cgroup up to the mount's root, under the mount point. A
 * cgroup outside the mount's root (another namespace's view) yields only the mount point.
 * @param {string} mountPoint
 * @param {string} root
 * @param {string} path
 */
function ancestors(mountPoint, root, path) {
  const rel = posix.relative(root, path);
  const parts = rel === '' || rel.startsWith('..') ? [] : rel.split('/');
  return [...parts.map((_, i) => posix.join(mountPoint, ...parts.slice(0, parts.length - i))), mountPoint];
}

/**
 * The cores this process may use: the affinity mask, or a lower cgroup quota rounded down (at
 * least 1).
 * @param {{ parallelism: number; quota: number | undefined }} o
 */
function usableCores(o) {
  return o.quota === undefined ? o.parallelism : Math.max(1, Math.min(o.parallelism, Math.floor(o.quota)));
}

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

/**
 * The pool libuv starts for a UV_THREADPOOL_SIZE value: it reads the number with atoi() into an
 * unsigned int, so 0 or garbage is 1, and a negative number or one above 1024 is 1024.
 * @param {string | undefined} value
 */
function libuvPoolSize(value) {
  if (value === undefined) return 4;
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(value);
  const n = m ? Number(m[1]) : 0;
  if (n === 0) return 1;
  return n < 0 || n > 1024 ? 1024 : n;
}

/** The CPU quota this process was sized for, read once (the banner prints it). */
const cpuQuota = cgroupCpuLimit();
const size = poolSizeFor(process.env, { cores: usableCores({ parallelism: availableParallelism(), quota: cpuQuota }) });
// Cluster workers inherit the variable, and with it the primary's choice.
if (size !== undefined) process.env['UV_THREADPOOL_SIZE'] = String(size);

module.exports = { cgroupCpuLimit, cgroupMounts, cpuQuota, defaultPoolSize, libuvPoolSize, poolSizeFor, usableCores };
