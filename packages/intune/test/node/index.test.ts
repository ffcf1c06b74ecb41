import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFileTrustAnchorHolder, fileTrustAnchorLoader, loadTrustAnchorFile, watchTrustAnchors } from '../../src/node/index.js';
import type { TrustAnchorReport } from '../../src/index.js';
import { makeSigner, TEST_NOW, type TestSigner } from '../support/keys.js';

let a: TestSigner;
let b: TestSigner;
let dir: string;
let file: string;
const disposers: (() => void)[] = [];

beforeAll(() => {
  a = makeSigner('rsa', { cn: 'File A' });
  b = makeSigner('ec-p256', { cn: 'File B', serial: 2 });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'intune-anchors-'));
  file = join(dir, 'anchors.pem');
  await writeFile(file, a.pem);
});
afterEach(async () => {
  for (const d of disposers.splice(0)) d();
  await rm(dir, { recursive: true, force: true });
});

/** Replaces the file atomically, as config managers do. */
let replacements = 0;
async function replace(content: string): Promise<void> {
  replacements++;
  const tmp = join(dir, `.anchors.${replacements}.tmp`);
  await writeFile(tmp, content);
  await rename(tmp, file);
}

function nextReload(): { promise: Promise<TrustAnchorReport>; onReload: (r: TrustAnchorReport) => void } {
  let onReload!: (r: TrustAnchorReport) => void;
  const promise = new Promise<TrustAnchorReport>((resolve) => (onReload = resolve));
  return { promise, onReload };
}

describe('@scep/intune/node', () => {
  it('loads anchors from a file', async () => {
    const holder = await loadTrustAnchorFile({ path: file, now: () => TEST_NOW });
    expect(holder.report().anchors.map((x) => x.subject)).toEqual(['CN=File A']);
  });

  it('refuses a missing file, a directory and an oversized file (old anchors kept)', async () => {
    const holder = createFileTrustAnchorHolder({ path: file, now: () => TEST_NOW, maxBundleBytes: 4096 });
    await holder.reload();
    await rm(file);
    await expect(holder.reload()).rejects.toMatchObject({ code: 'ERR_INTUNE_ANCHORS_UNREADABLE' });
    await expect(createFileTrustAnchorHolder({ path: dir }).reload()).rejects.toMatchObject({ code: 'ERR_INTUNE_ANCHORS_UNREADABLE' });
    await writeFile(file, a.pem + a.pem + a.pem + a.pem);
    await expect(fileTrustAnchorLoader(file, 4096)()).rejects.toMatchObject({ code: 'ERR_INTUNE_ANCHORS_TOO_LARGE' });
    expect(holder.current()).toHaveLength(1);
  });

  it('reloads on SIGHUP', async () => {
    const holder = await loadTrustAnchorFile({ path: file, now: () => TEST_NOW });
    const { promise, onReload } = nextReload();
    disposers.push(watchTrustAnchors({ holder, path: file, watch: false, onReload }));
    await writeFile(file, b.pem);
    process.emit('SIGHUP', 'SIGHUP');
    const report = await promise;
    expect(report.anchors.map((x) => x.subject)).toEqual(['CN=File B']);
  });

  it('reloads when the file is replaced (fs.watch on the directory, debounced)', async () => {
    const holder = await loadTrustAnchorFile({ path: file, now: () => TEST_NOW });
    const { promise, onReload } = nextReload();
    disposers.push(watchTrustAnchors({ holder, path: file, signal: false, debounceMs: 20, onReload }));
    await replace(a.pem + b.pem);
    const report = await promise;
    expect(report.anchors).toHaveLength(2);
    expect(report.reloads).toBe(2);
  });

  it('reloads on change in poll mode', async () => {
    const holder = await loadTrustAnchorFile({ path: file, now: () => TEST_NOW });
    const { promise, onReload } = nextReload();
    disposers.push(watchTrustAnchors({ holder, path: file, signal: false, watch: 'poll', pollIntervalMs: 20, debounceMs: 5, onReload }));
    await writeFile(file, b.pem + a.pem);
    expect((await promise).anchors).toHaveLength(2);
  });

  it('reports failed reloads to onError and keeps the old anchors', async () => {
    const holder = await loadTrustAnchorFile({ path: file, now: () => TEST_NOW });
    let onError!: (e: unknown) => void;
    const failed = new Promise<unknown>((resolve) => (onError = resolve));
    disposers.push(watchTrustAnchors({ holder, path: file, watch: false, onError }));
    await writeFile(file, 'not a certificate');
    process.emit('SIGHUP', 'SIGHUP');
    expect(await failed).toMatchObject({ code: 'ERR_INTUNE_ANCHORS_EMPTY' });
    expect(holder.current().map((x) => x.subject)).toEqual(['CN=File A']);
  });

  it('the disposer removes the signal listener', async () => {
    const holder = await loadTrustAnchorFile({ path: file, now: () => TEST_NOW });
    const before = process.listenerCount('SIGHUP');
    const dispose = watchTrustAnchors({ holder, path: file, watch: 'fs' });
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    dispose();
    dispose(); // idempotent
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});
