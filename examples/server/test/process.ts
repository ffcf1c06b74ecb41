/** Starts the example server exactly as `pnpm start` does (a child process) and reads its banner. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, getPriority } from 'node:os';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** The preload of the start scripts (examples/server/src/threadpool.cjs), and what it exports. */
export const THREADPOOL = resolve(ROOT, 'examples/server/src/threadpool.cjs');
export const threadpool = createRequire(import.meta.url)(THREADPOOL) as {
  cgroupCpuLimit(read?: (path: string) => string | undefined): number | undefined;
  cgroupMounts(mountinfo: string): { version: 1 | 2; root: string; mountPoint: string; controllers: string[] }[];
  readonly cpuQuota: number | undefined;
  defaultPoolSize(o: { cores: number; workers: number }): number;
  libuvPoolSize(value: string | undefined): number;
  poolSizeFor(env: Record<string, string | undefined>, o: { cores: number }): number | undefined;
  usableCores(o: { parallelism: number; quota: number | undefined }): number;
};

/** The cores threadpool.cjs sizes the pool for on this machine (affinity mask, cgroup quota). */
export const usableCores = (): number => threadpool.usableCores({ parallelism: availableParallelism(), quota: threadpool.cpuQuota });

/**
 * The node arguments of the root `start` script (`node …`), paths made absolute against `root`:
 * the tests and the server benchmark start the server with exactly these.
 */
export function startArgs(root = ROOT): string[] {
  const script = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts?: { start?: string } }).scripts?.start ?? '';
  const [cmd, ...args] = script.trim().split(/\s+/);
  if (cmd !== 'node') throw new Error(`the start script of ${root} does not run node: ${script}`);
  return args.map((a) => (!a.startsWith('-') && a.includes('/') ? resolve(root, a) : a));
}

export interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly origin: string;
  readonly challenge: string | undefined;
  readonly adminToken: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

export function runMain(env: Record<string, string>, cwd = ROOT): ChildProcess {
  return spawn(process.execPath, startArgs(), {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs main with a configuration that must fail: resolves with the exit code and stderr. */
export function expectExit(env: Record<string, string>, cwd?: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((res) => {
    const child = runMain(env, cwd);
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      res({ code, stderr, stdout });
    });
  });
}

export function start(env: Record<string, string>, cwd?: string): Promise<Started> {
  return new Promise((res, rej) => {
    const child = runMain(env, cwd);
    let out = '';
    let err = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`example server did not start:\n${out}\n${err}`));
    }, 30_000);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      // The banner ends with the docs pointer line.
      if (!out.includes('docs/clients.md')) return;
      clearTimeout(t);
      const url = /SCEP server listening on (\S+)/.exec(out)?.[1] ?? '';
      res({
        child,
        url,
        origin: new URL(url).origin,
        challenge: /challenge: (\S+)/.exec(out)?.[1],
        adminToken: /Authorization: Bearer ([^,)\s]+)/.exec(out)?.[1] ?? '',
        stdout: () => out,
        stderr: () => err,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      });
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`example server exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/**
 * Linux: the nice value of each thread of process `pid` (getpriority(2) takes a thread id there),
 * and the process's child processes.
 */
export function threadNice(pid: number): { readonly main: number; readonly helpers: readonly number[]; readonly children: readonly number[] } {
  // A thread can exit between the listing and the read: skip it.
  // readFileSync says ENOENT; os.getPriority throws ERR_SYSTEM_ERROR with info.code ESRCH.
  const gone = (err: unknown): boolean => {
    const e = err as NodeJS.ErrnoException & { info?: { code?: string } };
    return e.code === 'ENOENT' || e.info?.code === 'ESRCH';
  };
  const nice = (id: number): number[] => {
    try {
      return [getPriority(id)];
    } catch (err) {
      if (gone(err)) return [];
      throw err;
    }
  };
  const children = (id: string): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${id}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch (err) {
      if (gone(err)) return [];
      throw err;
    }
  };
  const ids = readdirSync(`/proc/${pid}/task`);
  return {
    main: getPriority(pid),
    helpers: ids.filter((id) => id !== String(pid)).flatMap((id) => nice(Number(id))),
    children: ids.flatMap(children),
  };
}

/** A POST on a connection of its own (fetch would keep one socket, and so reach one worker). */
export function postOwnConnection(url: string, der: Uint8Array): Promise<{ worker: string; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const q = request(`${url}?operation=PKIOperation`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-pki-message', 'content-length': der.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ worker: String(res.headers['x-scep-worker'] ?? ''), body: new Uint8Array(Buffer.concat(chunks)) }));
    });
    q.on('error', reject);
    q.end(der);
  });
}
