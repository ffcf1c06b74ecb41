/** SCEP_WORKERS > 1: the Intune stores the primary keeps, reached by workers over IPC. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ONLINE_RATE_LIMIT, ReplayCache, StoreFullError } from '@scep/intune';
import { SharedState } from '../src/cluster.js';
import { readSettings } from '../src/settings.js';
import { linkWorker } from './ports.js';

const tmp = mkdtempSync(join(tmpdir(), 'scep-shared-intune-'));

const client = (shared: SharedState) => linkWorker(shared).client;

function settingsWith(intune: Record<string, unknown>) {
  const file = join(tmp, `cfg-${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ profiles: { default: { challenge: 'static-pass', intune } } }));
  return readSettings({ SCEP_CONFIG: file, SCEP_DATA_DIR: join(tmp, 'data'), SCEP_WORKERS: '2', INTUNE_CLIENT_SECRET: 's' }, { cwd: tmp, randomToken: () => 'generated-token-0123' });
}
const online = { model: 'online', tenant: 'contoso.example', clientId: 'app', clientSecretEnv: 'INTUNE_CLIENT_SECRET' };

describe('Intune stores across workers', () => {
  it("a full replay store refuses with its own error (StoreFullError), not a generic one", async () => {
    const shared = new SharedState(settingsWith({ ...online }), { replay: new ReplayCache({ maxEntries: 1 }) });
    const { replay } = client(shared).intuneStores('default');
    const now = Date.now();
    const exp = now + 60_000;
    expect(await replay.checkAndInsert('nonce-1', exp, now)).toBe(true);
    expect(await replay.checkAndInsert('nonce-1', exp, now)).toBe(false);
    const err = await replay.checkAndInsert('nonce-2', exp, now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFullError);
    expect((err as StoreFullError).code).toBe('ERR_INTUNE_STORE_FULL');
  });

  it("an online profile's budget is its rateLimit a minute (default the library's), one for all workers", async () => {
    for (const [intune, limit] of [
      [{ ...online, rateLimit: 3 }, 3],
      [online, DEFAULT_ONLINE_RATE_LIMIT],
    ] as const) {
      const shared = new SharedState(settingsWith(intune));
      const a = client(shared).intuneStores('default').rate;
      const b = client(shared).intuneStores('default').rate;
      const now = Date.now();
      let allowed = 0;
      for (let i = 0; i < limit + 2; i++) if ((await (i % 2 ? a : b).consume('default', now)).allowed) allowed++;
      expect(allowed).toBe(limit);
      // A minute later the window has moved on.
      expect((await a.consume('default', now + 61_000)).allowed).toBe(true);
    }
  });
});
