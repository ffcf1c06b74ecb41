import { describe, expect, it } from 'vitest';
import { getPriority } from 'node:os';
import { lowerHelperThreadPriority } from '../src/node/index.js';
import { lowerHelperThreadPriorityOn, type ThreadPriorityHost } from '../src/node/thread-priority.js';
import { runScript } from './tools.js';

/** A process with threads 100 (main), 101, 102, 103 and the given nice values. */
function fakeHost(over: Partial<ThreadPriorityHost> & { nice?: Record<number, number>; gone?: number[] } = {}) {
  const nice: Record<number, number> = { 100: 0, 101: 0, 102: 0, 103: 0, ...over.nice };
  const calls: string[] = [];
  const host: ThreadPriorityHost = {
    platform: 'linux',
    isMainThread: true,
    pid: 100,
    threads: () => {
      calls.push('threads');
      return Object.keys(nice).map(Number);
    },
    getPriority: (id) => {
      if (over.gone?.includes(id)) throw new Error('ESRCH');
      return nice[id] as number;
    },
    setPriority: (id, n) => {
      calls.push(`set ${id} ${n}`);
      nice[id] = n;
    },
    poolStarted: async () => {
      calls.push('pool');
    },
    ...over,
  };
  return { host, nice, calls };
}

describe('lowerHelperThreadPriority', () => {
  it('sets every thread but the main one, after the pool has started', async () => {
    const { host, nice, calls } = fakeHost();
    expect(await lowerHelperThreadPriorityOn(host, 19)).toEqual({ nice: 19, eventLoopNice: 0, helpers: 3, failed: 0 });
    expect(nice).toEqual({ 100: 0, 101: 19, 102: 19, 103: 19 });
    expect(calls[0]).toBe('pool');
    expect(calls[1]).toBe('threads');
  });

  it('never raises a priority: a thread already above the value keeps its own, and the value is at least the event loop’s', async () => {
    const a = fakeHost({ nice: { 102: 15 } });
    expect(await lowerHelperThreadPriorityOn(a.host, 10)).toMatchObject({ nice: 10, helpers: 3 });
    expect(a.nice).toEqual({ 100: 0, 101: 10, 102: 15, 103: 10 });
    expect(a.calls).not.toContain('set 102 10');

    const b = fakeHost({ nice: { 100: 12, 101: 12, 102: 12, 103: 12 } });
    expect(await lowerHelperThreadPriorityOn(b.host, 5)).toEqual({ nice: 12, eventLoopNice: 12, helpers: 3, failed: 0 });
    expect(b.calls.filter((c) => c.startsWith('set'))).toEqual([]);
  });

  it('counts threads it could not change and goes on', async () => {
    const { host, nice } = fakeHost({ gone: [102] });
    expect(await lowerHelperThreadPriorityOn(host, 19)).toEqual({ nice: 19, eventLoopNice: 0, helpers: 2, failed: 1 });
    expect(nice[103]).toBe(19);
  });

  it('does nothing off Linux or off the main thread', async () => {
    const untouched = (): never => {
      throw new Error('must not be called');
    };
    const trap = { threads: untouched, setPriority: untouched, poolStarted: untouched };
    expect(await lowerHelperThreadPriorityOn(fakeHost({ platform: 'darwin', ...trap }).host, 19)).toBeUndefined();
    expect(await lowerHelperThreadPriorityOn(fakeHost({ platform: 'win32', ...trap }).host, 19)).toBeUndefined();
    expect(await lowerHelperThreadPriorityOn(fakeHost({ isMainThread: false, ...trap }).host, 19)).toBeUndefined();
  });

  it('does nothing when the threads cannot be listed (no /proc)', async () => {
    const { host, calls } = fakeHost({ threads: () => undefined });
    expect(await lowerHelperThreadPriorityOn(host, 19)).toBeUndefined();
    expect(calls.filter((c) => c.startsWith('set'))).toEqual([]);
  });

  it('takes nice values from 1 to 19 only', async () => {
    for (const bad of [0, 20]) await expect(lowerHelperThreadPriority({ nice: bad })).rejects.toThrow(TypeError);
    for (const bad of [0, -5, 20, 1.5, Number.NaN]) {
      await expect(lowerHelperThreadPriorityOn(fakeHost().host, bad)).rejects.toThrow(TypeError);
      await expect(lowerHelperThreadPriorityOn(fakeHost().host, bad)).rejects.toThrow(`nice must be an integer from 1 to 19, got ${bad}`);
    }
  });

  describe.runIf(process.platform === 'linux')('in a real process', () => {
    // It prints each thread's nice value (getpriority(2) takes a thread id on Linux).
    const run = (prefix: readonly string[], nice: number): { result: unknown; threads: Record<string, number>; pid: number } => {
      const r = runScript(
        'thread-priority',
        `import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowerHelperThreadPriority } from '@scep/wire/node';
// A worker thread that exists before the call is a helper too.
const w = new Worker("require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1000);", { eval: true });
await new Promise((r) => w.once('message', r));
const result = await lowerHelperThreadPriority({ nice: ${nice} });
const threads = {};
for (const id of readdirSync('/proc/self/task')) threads[id] = getPriority(Number(id));
console.log(JSON.stringify({ result, threads, pid: process.pid }));
await w.terminate();
`,
        prefix,
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as { result: unknown; threads: Record<string, number>; pid: number };
    };

    // The runner may itself run at a nice value above 0; the child starts at the same.
    const own = getPriority();

    it('leaves the event loop at its nice value and puts every other thread (libuv pool, V8, a worker) at the one asked for', () => {
      const { result, threads, pid } = run([], 19);
      const helpers = Object.entries(threads).filter(([id]) => Number(id) !== pid);
      // At least libuv's 4 pool threads, V8's platform threads and the worker.
      expect(helpers.length).toBeGreaterThanOrEqual(6);
      expect(threads[String(pid)]).toBe(own);
      expect(helpers.every(([, n]) => n === Math.max(19, own))).toBe(true);
      expect(result).toEqual({ nice: Math.max(19, own), eventLoopNice: own, helpers: helpers.length, failed: 0 });
    });

    it('under `nice -n 12`, asked for 5: nothing is raised, the helpers stay where the event loop is', () => {
      const started = Math.min(19, own + 12);
      const { result, threads, pid } = run(['nice', '-n', '12'], 5);
      expect(Object.values(threads).every((n) => n === started)).toBe(true);
      expect(threads[String(pid)]).toBe(started);
      expect(result).toMatchObject({ nice: started, eventLoopNice: started, failed: 0 });
    });
  });
});
