import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startArgs, THREADPOOL as PRELOAD, threadpool } from './process.js';

const { defaultPoolSize, poolSizeFor } = threadpool;

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
    }
    expect(startArgs()).toContain(PRELOAD);
  });

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

  it.skipIf(!existsSync('/proc/self/task'))('takes effect: the process starts exactly that many pool threads', () => {
    const expected = defaultPoolSize({ cores: availableParallelism(), workers: 1 });
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
