/**
 * The servers under test: our example server started as `pnpm start` starts it (a child node
 * process with the @scep/source condition and tsx), and micromdm's scepserver, which
 * with-scepserver.sh has already started in this network namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { closeSync, copyFileSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCaCertResponse, type Certificate } from '@scep/wire';
import { findScepserverPid } from './proc.js';
import { assertLoopback } from './load.js';
import { startArgs } from '../../examples/server/test/process.js';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The name of our one-process server confined to one CPU (`bench:server --one-core`). */
export const ONE_CORE = 'ours (1 process, 1 core)';

export interface ServerUnderTest {
  readonly name: string;
  /** Root process: its tree's CPU time and RSS are the server's. */
  readonly pid: number;
  readonly url: string;
  readonly caCertificates: readonly Certificate[];
  /** micromdm's CertRep uses DES-CBC and SHA-1 whatever the request used: decode with legacy on. */
  readonly legacyReplies: boolean;
  /** micromdm's file depot (index.txt grows by one line per certificate). */
  readonly depotDir?: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export async function getCaCertificates(url: string): Promise<Certificate[]> {
  assertLoopback(new URL(url));
  const res = await fetch(`${url}?operation=GetCACert`);
  if (res.status !== 200) throw new Error(`GetCACert: HTTP ${res.status}`);
  return parseCaCertResponse(new Uint8Array(await res.arrayBuffer()), res.headers.get('content-type') ?? undefined);
}

async function waitReady(url: string, child: ChildProcess | undefined, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}?operation=GetCACaps`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface OursOptions {
  readonly dataDir: string;
  readonly challenge: string;
  readonly workers: number;
  /** Extra node flags for the server process, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  /** Repository whose examples/server to start (default: this one; a scratch copy to try a change). */
  readonly root?: string;
  /** More environment for the server process. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * CPUs to confine the server to, as `taskset -c` takes them (e.g. '0'). Its threads inherit the
   * mask, and the example server sizes libuv's pool from it (threadpool.cjs).
   */
  readonly cpus?: string;
  /** Appended to the name, e.g. 'ours (1 process, no-cache)' (bench:server --variant). */
  readonly label?: string;
}

/**
 * Starts examples/server with the node arguments of that root's `start` script, as `pnpm start` does
 * (today --conditions=@scep/source, tsx, main.ts); `nodeFlags` go after its flags.
 */
export async function startOurs(o: OursOptions): Promise<ServerUnderTest & { readonly child: ChildProcess; readonly stderr: () => string }> {
  const port = await freePort();
  const root = o.root ?? ROOT;
  // nodeFlags go after the start script's own flags, just before main.ts: V8 takes the last of a
  // repeated flag, so --server-node-flag=--min-semi-space-size=0 turns proposal 12 off.
  const args = startArgs(root);
  const argv = [process.execPath, ...args.slice(0, -1), ...(o.nodeFlags ?? []), ...args.slice(-1)];
  // taskset execs node in place: the pid stays the server's, so its CPU time and RSS are read as before.
  const [cmd, ...rest] = o.cpus === undefined ? argv : ['taskset', '-c', o.cpus, ...argv];
  const child = spawn(cmd as string, rest, {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      SCEP_DATA_DIR: o.dataDir,
      SCEP_CHALLENGE: o.challenge,
      SCEP_ADMIN_TOKEN: randomBytes(18).toString('hex'),
      SCEP_WORKERS: String(o.workers),
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stdout?.resume();
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 64_000) err = err.slice(-32_000);
  });
  const url = `http://127.0.0.1:${port}/scep`;
  try {
    await waitReady(url, child, 60_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`our server did not start: ${(e as Error).message}\n${err}`, { cause: e });
  }
  const pid = child.pid as number;
  return {
    name: o.label !== undefined ? `ours (${o.workers > 1 ? `${o.workers} workers` : '1 process'}, ${o.label})` : o.workers > 1 ? `ours (${o.workers} workers)` : o.cpus === undefined ? 'ours (1 process)' : ONE_CORE,
    pid,
    url,
    child,
    stderr: () => err,
    caCertificates: await getCaCertificates(url),
    legacyReplies: false,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A fresh micromdm scepserver in this network namespace: the CA that with-scepserver.sh created
 * (ca.pem, ca.key) copied into a new, empty depot, so every level starts from the same depot size
 * (its file depot re-reads index.txt twice per enrollment, so it slows down as the depot grows).
 */
export async function startMicromdm(o: { readonly caDepot: string; readonly challenge: string; readonly dir: string }): Promise<ServerUnderTest> {
  mkdirSync(o.dir, { recursive: true });
  for (const f of ['ca.pem', 'ca.key']) copyFileSync(join(o.caDepot, f), join(o.dir, f));
  const port = await freePort();
  const logFd = openSync(join(o.dir, 'scepserver.log'), 'a');
  const child = spawn('scepserver', ['-depot', o.dir, '-port', String(port), '-challenge', o.challenge, '-allowrenew', '0'], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const url = `http://127.0.0.1:${port}/scep`;
  try {
    await waitReady(url, child, 10_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`scepserver did not start: ${(e as Error).message}`, { cause: e });
  }
  return {
    name: 'micromdm scepserver 2.1.0',
    pid: child.pid as number,
    url,
    caCertificates: await getCaCertificates(url),
    legacyReplies: true,
    depotDir: o.dir,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** micromdm scepserver, already running here (with-scepserver.sh exported SCEP_URL). */
export async function attachMicromdm(url: string): Promise<ServerUnderTest> {
  await waitReady(url, undefined, 10_000);
  const pid = findScepserverPid();
  if (pid === undefined) throw new Error('no scepserver process in this network namespace');
  return { name: 'micromdm scepserver 2.1.0', pid, url, caCertificates: await getCaCertificates(url), legacyReplies: true, stop: async () => undefined };
}
