import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/settings.js';

const read = (env: Record<string, string>, cores: number) => readSettings(env, { cwd: '/tmp', randomToken: () => 'generated-token-0123', cores });

describe('readSettings defaults', () => {
  it('one unwrap thread while a core is left over beside the workers, none with a worker per core; SCEP_UNWRAP_THREADS wins', () => {
    expect(read({}, 2).unwrapThreads).toBe(1);
    expect(read({}, 1).unwrapThreads).toBe(0);
    expect(read({ SCEP_WORKERS: '2' }, 2).unwrapThreads).toBe(0);
    expect(read({ SCEP_WORKERS: '2' }, 8).unwrapThreads).toBe(1);
    expect(read({ SCEP_WORKERS: '2', SCEP_UNWRAP_THREADS: '3' }, 2).unwrapThreads).toBe(3);
    expect(read({ SCEP_UNWRAP_THREADS: '0' }, 8).unwrapThreads).toBe(0);
  });
  it('the reply cache holds 10,000 replies unless SCEP_REPLY_CACHE says otherwise', () => {
    expect(read({}, 2).replyCacheEntries).toBe(10_000);
    expect(read({ SCEP_REPLY_CACHE: '0' }, 2).replyCacheEntries).toBe(0);
  });
});
