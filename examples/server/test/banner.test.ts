import { describe, expect, it } from 'vitest';
import { poolLine } from '../src/banner.js';

describe('the banner’s signing-threads line', () => {
  it('prints the size libuv starts, and the value when libuv reads it differently', () => {
    expect(poolLine('2', undefined)).toBe('2 (UV_THREADPOOL_SIZE)');
    expect(poolLine(undefined, undefined)).toBe("4 (Node's default; `pnpm start` sizes it to the machine)");
    expect(poolLine('0', undefined)).toBe('1 (libuv\'s reading of UV_THREADPOOL_SIZE="0")');
    expect(poolLine('2000', undefined)).toBe('1024 (libuv\'s reading of UV_THREADPOOL_SIZE="2000")');
    expect(poolLine('', undefined)).toBe('1 (libuv\'s reading of UV_THREADPOOL_SIZE="")');
    expect(poolLine(' 3x', undefined)).toBe('3 (libuv\'s reading of UV_THREADPOOL_SIZE=" 3x")');
  });
  it('names a cgroup CPU quota', () => {
    expect(poolLine('2', 1.5)).toBe('2 (UV_THREADPOOL_SIZE; cgroup CPU quota 1.5 cores)');
    expect(poolLine(undefined, 2 / 3)).toBe("4 (Node's default; `pnpm start` sizes it to the machine; cgroup CPU quota 0.67 cores)");
  });
});
