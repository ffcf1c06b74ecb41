import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/settings.js';

const read = (env: Record<string, string>) => readSettings(env, { cwd: '/tmp', randomToken: () => 'generated-token-0123' });

describe('readSettings defaults', () => {
  it('unwraps on the event loop unless SCEP_UNWRAP_THREADS asks for threads', () => {
    expect(read({}).unwrapThreads).toBe(0);
    expect(read({ SCEP_UNWRAP_THREADS: '2' }).unwrapThreads).toBe(2);
  });
  it("places the CA's private-key operations adaptively unless SCEP_KEY_PLACEMENT says offload", () => {
    expect(read({}).keyPlacement).toBe('adaptive');
    expect(read({ SCEP_KEY_PLACEMENT: 'offload' }).keyPlacement).toBe('offload');
    expect(() => read({ SCEP_KEY_PLACEMENT: 'inline' })).toThrow(/SCEP_KEY_PLACEMENT must be adaptive or offload/);
  });
  it('puts the helper threads at nice 19 unless SCEP_HELPER_NICE says otherwise (0: leave them)', () => {
    expect(read({}).helperNice).toBe(19);
    expect(read({ SCEP_HELPER_NICE: '0' }).helperNice).toBe(0);
    expect(read({ SCEP_HELPER_NICE: '10' }).helperNice).toBe(10);
    for (const bad of ['20', '-1', 'high', '1.5']) expect(() => read({ SCEP_HELPER_NICE: bad })).toThrow(/SCEP_HELPER_NICE must be an integer from 0 to 19/);
  });
  it('the reply cache holds 10,000 replies unless SCEP_REPLY_CACHE says otherwise', () => {
    expect(read({}).replyCacheEntries).toBe(10_000);
    expect(read({ SCEP_REPLY_CACHE: '0' }).replyCacheEntries).toBe(0);
  });
});

describe('enrollmentAgents in SCEP_CONFIG', () => {
  const withProfile = (profile: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'scep-settings-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ profiles: { default: profile } }));
    return readSettings({ SCEP_CONFIG: file }, { cwd: dir, randomToken: () => 'generated-token-0123' }).profiles[0];
  };
  it("is 'any' unless set (as the library's default); 'none', or a trust file resolved against the working directory", () => {
    expect(read({}).profiles[0]?.enrollmentAgents).toBe('any');
    expect(withProfile({ enrollmentAgents: 'none' })?.enrollmentAgents).toBe('none');
    const p = withProfile({ enrollmentAgents: { trust: 'agents.pem' } });
    expect(p?.enrollmentAgents).toMatchObject({ trustFile: expect.stringMatching(/scep-settings-.*\/agents\.pem$/) });
  });
  it('anything else is one clear error', () => {
    for (const bad of ['some', true, { trust: 5 }, { trust: 'a.pem', extra: 1 }]) expect(() => withProfile({ enrollmentAgents: bad })).toThrow(/enrollmentAgents must be "none", "any" or \{"trust"/);
  });
});
