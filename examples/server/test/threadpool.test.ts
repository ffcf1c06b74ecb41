import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startArgs, THREADPOOL as PRELOAD, threadpool, usableCores as machineCores } from './process.js';

const { defaultPoolSize, poolSizeFor } = threadpool;
/** V8's new space in bytes, as an expression over `v8` (node:v8) for the child processes below. */
const NEW_SPACE = "v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size";

// Counts the process's threads after enough asynchronous signatures to start every pool thread.
const threadsAfterSigning = (env: Record<string, string>, preload = true): { threads: number; size: string | undefined } => {
  const script = `
    const c = require('node:crypto');
    const { privateKey } = c.generateKeyPairSync('rsa', { modulusLength: 1024 });
    Promise.all(Array.from({ length: 32 }, () => new Promise((r) => c.sign('sha256', Buffer.alloc(8), privateKey, r)))).then(() =>
      console.log(JSON.stringify({ threads: require('node:fs').readdirSync('/proc/self/task').length, size: process.env.UV_THREADPOOL_SIZE })));`;
  const out = execFileSync(process.execPath, [...(preload ? ['--require', PRELOAD] : []), '-e', script], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return JSON.parse(out) as { threads: number; size: string | undefined };
};

describe('the example server sizes libuv’s pool before Node starts it', () => {
  it('one thread per core the event loops leave free, at least 2, at most Node’s 4', () => {
    expect(defaultPoolSize({ cores: 1, workers: 1 })).toBe(2);
    expect(defaultPoolSize({ cores: 2, workers: 1 })).toBe(2);
    expect(defaultPoolSize({ cores: 4, workers: 1 })).toBe(3);
    expect(defaultPoolSize({ cores: 5, workers: 1 })).toBe(4);
    expect(defaultPoolSize({ cores: 8, workers: 1 })).toBe(4);
    expect(defaultPoolSize({ cores: 64, workers: 1 })).toBe(4);
    expect(defaultPoolSize({ cores: 2, workers: 2 })).toBe(2);
    expect(defaultPoolSize({ cores: 8, workers: 2 })).toBe(3);
    expect(defaultPoolSize({ cores: 16, workers: 4 })).toBe(3);
  });

  it('leaves an operator’s UV_THREADPOOL_SIZE alone and reads SCEP_WORKERS as settings.ts does', () => {
    expect(poolSizeFor({ UV_THREADPOOL_SIZE: '6' }, { cores: 2 })).toBeUndefined();
    expect(poolSizeFor({ UV_THREADPOOL_SIZE: '1' }, { cores: 8 })).toBeUndefined();
    expect(poolSizeFor({ UV_THREADPOOL_SIZE: '' }, { cores: 4 })).toBe(3);
    expect(poolSizeFor({ SCEP_WORKERS: '2' }, { cores: 8 })).toBe(3);
    expect(poolSizeFor({ SCEP_WORKERS: ' 4 ' }, { cores: 16 })).toBe(3);
    // Values settings.ts refuses count as one worker; the server then exits with its own error.
    expect(poolSizeFor({ SCEP_WORKERS: 'two' }, { cores: 4 })).toBe(3);
    expect(poolSizeFor({ SCEP_WORKERS: '0' }, { cores: 4 })).toBe(3);
    expect(poolSizeFor({ SCEP_WORKERS: '65' }, { cores: 4 })).toBe(3);
  });

  it('is preloaded by both start scripts, and the tests start the server the same way', () => {
    for (const pkg of ['package.json', 'examples/server/package.json']) {
      const start = (JSON.parse(readFileSync(resolve(ROOT, pkg), 'utf8')) as { scripts: { start: string } }).scripts.start;
      expect(start, pkg).toMatch(/^node --require \S*threadpool\.cjs /);
      expect(start, pkg).toContain(' --min-semi-space-size=16 ');
    }
    expect(startArgs()).toContain(PRELOAD);
  });

  it('starts V8’s young generation at 16 MB semi-spaces, not 1 MB (docs/benchmarks.md, proposal 12)', () => {
    const newSpace = (flags: string[]): number =>
      Number(execFileSync(process.execPath, [...flags, '-e', `const v8 = require('node:v8'); console.log(${NEW_SPACE})`], { encoding: 'utf8' }));
    const flags = startArgs().filter((a) => a.startsWith('--') && !a.startsWith('--import') && !a.startsWith('--conditions') && !a.startsWith('--require'));
    expect(flags).toEqual(['--min-semi-space-size=16']);
    // V8's own start is 1 MB, grown under load and shrunk again after full GCs.
    expect(newSpace(flags)).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(newSpace([])).toBeLessThan(16 * 1024 * 1024);
  });

  it('leaves an unwrap thread’s young generation at RsaThreadPool’s 2 MB cap under that flag', () => {
    // Run as the server runs (the start script's flags, main.ts left out), catch the resource
    // limits the pool gives its Worker, then read a new space under those limits and without any.
    const probe = `
      import { createRequire, syncBuiltinESMExports } from 'node:module';
      import { generateKeyPairSync } from 'node:crypto';
      const wt = createRequire(import.meta.url)('node:worker_threads');
      const Base = wt.Worker;
      let limits;
      wt.Worker = class extends Base { constructor(code, o) { super(code, o); limits = o?.resourceLimits; } };
      syncBuiltinESMExports();
      const { RsaThreadPool } = await import('@scep/wire/node');
      const pool = new RsaThreadPool({ threads: 1 });
      await pool.decryptRaw(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, new Uint8Array(256).fill(1));
      await pool.close();
      const newSpace = (resourceLimits) => new Promise((res, rej) => {
        const w = new Base(${JSON.stringify(`Promise.all([import('node:v8'), import('node:worker_threads')]).then(([v8, wt]) => wt.parentPort.postMessage(${NEW_SPACE}))`)}, { eval: true, resourceLimits });
        w.once('message', (m) => { void w.terminate(); res(m); });
        w.once('error', rej);
      });
      console.log(JSON.stringify({ limits, capped: await newSpace(limits), uncapped: await newSpace(undefined) }));
    `;
    const args = startArgs();
    expect(args.at(-1)).toMatch(/main\.ts$/);
    const out = JSON.parse(execFileSync(process.execPath, [...args.slice(0, -1), '--input-type=module', '-e', probe], { cwd: resolve(ROOT, 'examples/server'), encoding: 'utf8' })) as {
      limits: { maxYoungGenerationSizeMb: number } | undefined;
      capped: number;
      uncapped: number;
    };
    expect(out.limits?.maxYoungGenerationSizeMb).toBe(2);
    expect(out.capped).toBeLessThanOrEqual(2 * 1024 * 1024);
    // Without the cap a worker does take the flag's 16 MB: the cap is what keeps the thread small.
    expect(out.uncapped).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  });

  it.skipIf(!existsSync('/proc/self/task'))('takes effect: the process starts exactly that many pool threads', () => {
    const expected = defaultPoolSize({ cores: machineCores(), workers: 1 });
    const preloaded = threadsAfterSigning({});
    expect(preloaded.size).toBe(String(expected));
    // Without the preload Node starts its default of 4.
    const plain = threadsAfterSigning({}, false);
    expect(plain.size).toBeUndefined();
    // (On 5 or more cores both are 4: then only `size` tells them apart.)
    expect(plain.threads - preloaded.threads).toBe(4 - expected);
    // The same process with the size given outright has as many threads; two more pool threads, two more.
    expect(threadsAfterSigning({ UV_THREADPOOL_SIZE: String(expected) }).threads).toBe(preloaded.threads);
    const more = threadsAfterSigning({ UV_THREADPOOL_SIZE: String(expected + 2) });
    expect(more.size).toBe(String(expected + 2));
    expect(more.threads).toBe(preloaded.threads + 2);
  });
});

describe('the cores it sizes for: the affinity mask, or a lower cgroup CPU quota', () => {
  const { cgroupCpuLimit, usableCores, libuvPoolSize } = threadpool;
  const files = (map: Record<string, string>) => (path: string): string | undefined => map[path];
  const V2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';
  const V1_CPU = '35 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n';

  it('reads cgroup v2 cpu.max and keeps the smallest quota up the tree', () => {
    expect(cgroupCpuLimit(files({ '/proc/self/mountinfo': V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    const nested = {
      '/proc/self/mountinfo': V2,
      '/proc/self/cgroup': '0::/kubepods/pod1/c1\n',
      '/sys/fs/cgroup/kubepods/pod1/c1/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/kubepods/pod1/cpu.max': '200000 100000\n',
      '/sys/fs/cgroup/kubepods/cpu.max': '400000 100000\n',
    };
    expect(cgroupCpuLimit(files(nested))).toBe(2);
    expect(cgroupCpuLimit(files({ ...nested, '/sys/fs/cgroup/kubepods/pod1/cpu.max': 'max 100000' }))).toBe(4);
    expect(cgroupCpuLimit(files({ '/proc/self/mountinfo': V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeUndefined();
  });

  it('reads cgroup v1 cfs quota over period, including a container whose cgroup is the mount root', () => {
    const host = { '/proc/self/mountinfo': V1_CPU, '/proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n' };
    expect(cgroupCpuLimit(files({ ...host, '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000\n', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n' }))).toBe(0.5);
    expect(cgroupCpuLimit(files({ ...host, '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n' }))).toBeUndefined();
    const container = {
      '/proc/self/mountinfo': '35 30 0:30 /docker/abc /sys/fs/cgroup/cpu\\040acct rw - cgroup cgroup rw,cpu\n',
      '/proc/self/cgroup': '4:cpu:/docker/abc\n',
      '/sys/fs/cgroup/cpu acct/cpu.cfs_quota_us': '300000',
      '/sys/fs/cgroup/cpu acct/cpu.cfs_period_us': '100000',
    };
    expect(cgroupCpuLimit(files(container))).toBe(3);
  });

  it('takes the v1 cpu controller on a hybrid host whose unified hierarchy has no cpu.max', () => {
    const hybrid = {
      '/proc/self/mountinfo': V1_CPU + '40 30 0:35 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n',
      '/proc/self/cgroup': '4:cpu,cpuacct:/\n0::/\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '250000',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000',
    };
    expect(cgroupCpuLimit(files(hybrid))).toBe(2.5);
  });

  it('finds no quota without cgroup files, or in files it cannot read', () => {
    expect(cgroupCpuLimit(files({}))).toBeUndefined();
    expect(cgroupCpuLimit(files({ '/proc/self/mountinfo': V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'lots\n' }))).toBeUndefined();
    expect(cgroupCpuLimit(files({ '/proc/self/mountinfo': V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '0 100000\n' }))).toBeUndefined();
    expect(cgroupCpuLimit(files({ '/proc/self/mountinfo': 'garbage\n\n', '/proc/self/cgroup': 'nonsense' }))).toBeUndefined();
  });

  it('rounds a quota down, to at least one core, and never above the affinity mask', () => {
    expect(usableCores({ parallelism: 16, quota: undefined })).toBe(16);
    expect(usableCores({ parallelism: 16, quota: 2 })).toBe(2);
    expect(usableCores({ parallelism: 16, quota: 2.9 })).toBe(2);
    expect(usableCores({ parallelism: 16, quota: 0.5 })).toBe(1);
    expect(usableCores({ parallelism: 4, quota: 64 })).toBe(4);
    // A 2-CPU container on a 16-core host: 1 pool thread spare, so the floor of 2, not Node's 4.
    expect(defaultPoolSize({ cores: usableCores({ parallelism: 16, quota: 2 }), workers: 1 })).toBe(2);
  });

  it('reads UV_THREADPOOL_SIZE as libuv does (atoi into an unsigned int, 1 to 1024)', () => {
    expect(libuvPoolSize(undefined)).toBe(4);
    expect(libuvPoolSize('3')).toBe(3);
    expect(libuvPoolSize(' 3x')).toBe(3);
    expect(libuvPoolSize('+5')).toBe(5);
    expect(libuvPoolSize('0')).toBe(1);
    expect(libuvPoolSize('abc')).toBe(1);
    expect(libuvPoolSize('')).toBe(1);
    expect(libuvPoolSize('2000')).toBe(1024);
    expect(libuvPoolSize('-1')).toBe(1024);
  });

  it.skipIf(!existsSync('/proc/self/task'))('matches the threads libuv starts for odd values', () => {
    // Without the preload, which would replace an empty value.
    const base = threadsAfterSigning({ UV_THREADPOOL_SIZE: '4' }, false).threads;
    for (const v of ['0', '', 'abc', ' 3x', '+5']) expect(threadsAfterSigning({ UV_THREADPOOL_SIZE: v }, false).threads - base, JSON.stringify(v)).toBe(libuvPoolSize(v) - 4);
  });
});

/**
 * A real cgroup v1 cpu controller this process may write to (root on a v1 or hybrid host, as the
 * CI machines are), or undefined. A child cgroup gets a quota and a node process is moved into it.
 */
function cgroupV1Cpu(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  let mountinfo: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  const m = threadpool.cgroupMounts(mountinfo).find((c) => c.version === 1 && c.controllers.includes('cpu') && c.root === '/' && existsSync(join(c.mountPoint, 'cpu.cfs_quota_us')));
  return m?.mountPoint;
}

const V1_MOUNT = cgroupV1Cpu();

describe.skipIf(V1_MOUNT === undefined)('under a real cgroup v1 CPU quota (root, Linux)', () => {
  it('the preload reads the quota of the cgroup the process runs in', () => {
    const dir = join(V1_MOUNT as string, `scep-threadpool-test-${process.pid}`);
    mkdirSync(dir);
    try {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), '100000');
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), '50000');
      const script = `const t = require(${JSON.stringify(PRELOAD)}); console.log(JSON.stringify({ limit: t.cgroupCpuLimit(), size: process.env.UV_THREADPOOL_SIZE }))`;
      // The shell joins the cgroup, then becomes node: node starts (and the preload runs) inside it.
      const out = execFileSync('sh', ['-c', `echo $$ > "$1/cgroup.procs" && exec "$2" --require "$3" -e "$4"`, 'sh', dir, process.execPath, PRELOAD, script], {
        env: { PATH: process.env['PATH'] ?? '' },
        encoding: 'utf8',
      });
      const got = JSON.parse(out) as { limit: number; size: string };
      expect(got.limit).toBe(0.5);
      expect(got.size).toBe(String(defaultPoolSize({ cores: 1, workers: 1 })));
      // This test process itself is outside that cgroup.
      expect(threadpool.cgroupCpuLimit()).not.toBe(0.5);
    } finally {
      rmdirSync(dir);
    }
  });
});
