/**
 * Server-side cost from /proc: CPU time (utime + stime) and RSS of a process and all its
 * descendants (cluster workers), and finding micromdm's scepserver inside our network namespace.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TICKS = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const PAGE = ((): number => {
  try {
    return Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
  } catch {
    return 4096;
  }
})();

interface Stat {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** utime + stime, seconds. */
  readonly cpu: number;
  /** stime alone (kernel: here mostly loopback TCP), seconds. */
  readonly sys: number;
  readonly rssBytes: number;
}

function readStat(pid: number, path = `/proc/${pid}/stat`): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may hold spaces: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3].
  return { pid, ppid: Number(f[1]), comm, cpu: (Number(f[11]) + Number(f[12])) / TICKS, sys: Number(f[12]) / TICKS, rssBytes: Number(f[21]) * PAGE };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The process and its descendants. */
export function processTree(root: number): Stat[] {
  const stats = allPids()
    .map((pid) => readStat(pid))
    .filter((s): s is Stat => s !== undefined);
  const kids = new Map<number, Stat[]>();
  for (const s of stats) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), s]);
  const self = stats.find((s) => s.pid === root);
  if (!self) return [];
  const out: Stat[] = [];
  const walk = (s: Stat): void => {
    out.push(s);
    for (const k of kids.get(s.pid) ?? []) walk(k);
  };
  walk(self);
  return out;
}

export interface Usage {
  /** CPU seconds of the whole tree. */
  readonly cpu: number;
  /** Of which kernel time. */
  readonly sys: number;
  readonly rssBytes: number;
  readonly processes: number;
  /** Node processes in the tree (tsx also runs an esbuild service process). */
  readonly nodeProcesses: number;
  /** CPU seconds of the root process alone (the cluster primary when there are workers). */
  readonly rootCpu: number;
  /** CPU seconds of the root process's main thread (its JavaScript event loop). */
  readonly rootMainThreadCpu: number;
}

/** CPU seconds of a process's main thread: for node, its JavaScript event loop. */
export function mainThreadCpu(pid: number): number {
  // The thread whose id is the pid is the process's first thread.
  return readStat(pid, `/proc/${pid}/task/${pid}/stat`)?.cpu ?? 0;
}

export function treeUsage(root: number): Usage {
  const t = processTree(root);
  return {
    cpu: t.reduce((a, s) => a + s.cpu, 0),
    sys: t.reduce((a, s) => a + s.sys, 0),
    rssBytes: t.reduce((a, s) => a + s.rssBytes, 0),
    processes: t.length,
    nodeProcesses: t.filter((s) => s.comm.startsWith('node')).length,
    rootCpu: t[0]?.cpu ?? 0,
    rootMainThreadCpu: mainThreadCpu(root),
  };
}

/** The pid of the `scepserver` process in this network namespace (with-scepserver.sh starts one). */
export function findScepserverPid(): number | undefined {
  const ns = readlinkSync('/proc/self/ns/net');
  for (const pid of allPids()) {
    const s = readStat(pid);
    if (s?.comm !== 'scepserver') continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) === ns) return pid;
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

/** Busy CPU seconds of the whole machine since boot (all CPUs; /proc/stat). */
export function machineBusy(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy / TICKS;
}

/**
 * Waits until the machine is quiet: other work on this shared box (test runs of other sessions)
 * would take cores from the server under test. Quiet = at most `maxCores` busy over 1 s.
 * Returns the seconds waited (capped by `timeoutMs`) and whether it became quiet.
 */
export async function waitQuiet(o: { readonly maxCores?: number; readonly timeoutMs?: number; readonly exclude?: () => number } = {}): Promise<{ waitedS: number; quiet: boolean }> {
  const t0 = Date.now();
  const max = o.maxCores ?? 0.1;
  for (;;) {
    const b0 = machineBusy();
    const e0 = o.exclude?.() ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    const busy = machineBusy() - b0 - ((o.exclude?.() ?? 0) - e0);
    if (busy <= max) return { waitedS: (Date.now() - t0) / 1000, quiet: true };
    if (Date.now() - t0 > (o.timeoutMs ?? 180_000)) return { waitedS: (Date.now() - t0) / 1000, quiet: false };
  }
}
