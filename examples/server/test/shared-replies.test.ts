/**
 * SCEP_WORKERS > 1, the reply cache: each worker keeps the replies it made, the primary knows who
 * holds which, and a retransmission that reaches another worker is fetched from the holder. Here
 * the primary and its workers talk through in-process ports that clone every message, as the
 * cluster's IPC channel (serialization: 'advanced') does.
 */
import { describe, expect, it } from 'vitest';
import type { ReplyCache } from '@scep/server-core';
import { REPLY_FETCH_TIMEOUT_MS, SharedState } from '../src/cluster.js';
import { readSettings } from '../src/settings.js';
import { linkWorker, type LinkedWorker } from './ports.js';

const settings = (entries: number) => readSettings({ SCEP_WORKERS: '2', SCEP_REPLY_CACHE: String(entries), SCEP_CHALLENGE: 'shared-pass' }, { cwd: '/tmp', randomToken: () => 'generated-token-0123' });

interface Linked extends LinkedWorker {
  readonly cache: ReplyCache;
}

function link(shared: SharedState, entries: number): Linked {
  const w = linkWorker(shared, { batchMs: 1 });
  return { ...w, cache: w.client.replyCache('default', entries) };
}

/** Both workers, with the reply cache bounded to `entries` in all. */
function pair(entries = 100): { a: Linked; b: Linked; shared: SharedState } {
  const shared = new SharedState(settings(entries));
  return { a: link(shared, entries), b: link(shared, entries), shared };
}

const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const bytes = (n: number) => new Uint8Array([n, n + 1, n + 2]);
const now = () => new Date();
const later = (s: number) => new Date(Date.now() + s * 1000);

describe('the reply cache across workers', () => {
  it('a reply cached by one worker reaches a retransmission on the other, and only keys travel on a put', async () => {
    const { a, b } = pair();
    await settle();
    await a.cache.put('k1', bytes(1), later(60));
    expect(await a.cache.get('k1', now())).toEqual(bytes(1));
    await settle();
    // A put sends one batch of keys, no reply bytes and no call awaiting an answer.
    expect(a.sent.filter((t) => t !== 'rpc reply.liveKeys')).toEqual(['scep-reply-keys']);
    expect(await b.cache.get('k1', now())).toEqual(bytes(1));
    expect(b.sent).toContain('rpc reply.get');
  });

  it('a request that is no retransmission costs no round trip once the primary sent its keys', async () => {
    const { b } = pair();
    await settle();
    const before = b.sent.length;
    expect(await b.cache.get('never-cached', now())).toBeUndefined();
    expect(b.sent.length).toBe(before);
  });

  it('a worker that starts later learns the keys cached before it, and fetches their replies', async () => {
    const { a, shared } = pair();
    await a.cache.put('old', bytes(7), later(60));
    await settle();
    const c = link(shared, 100);
    await settle();
    expect(await c.cache.get('old', now())).toEqual(bytes(7));
    const before = c.sent.length;
    expect(await c.cache.get('unknown', now())).toBeUndefined();
    expect(c.sent.length).toBe(before);
  });

  it('an expired reply is not served, by its holder or through the primary', async () => {
    const { a, b } = pair();
    await a.cache.put('short', bytes(3), later(1));
    await settle();
    const after = new Date(Date.now() + 2000);
    expect(await a.cache.get('short', after)).toBeUndefined();
    expect(await b.cache.get('short', after)).toBeUndefined();
  });

  it('a holder that is gone answers nothing at once; one that is stuck, nothing after the timeout', async () => {
    const gone = pair();
    await gone.a.cache.put('k', bytes(4), later(60));
    await settle();
    gone.a.disconnect();
    const t0 = Date.now();
    expect(await gone.b.cache.get('k', now())).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(REPLY_FETCH_TIMEOUT_MS / 2);

    const stuck = pair();
    await stuck.a.cache.put('k', bytes(5), later(60));
    await settle();
    stuck.a.mute();
    const t1 = Date.now();
    expect(await stuck.b.cache.get('k', now())).toBeUndefined();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(REPLY_FETCH_TIMEOUT_MS - 50);
  });

  it('a fetch in flight from a holder that exits answers nothing at once, not after the timeout', async () => {
    const { a, b, shared } = pair();
    await a.cache.put('k', bytes(6), later(60));
    await settle();
    a.mute();
    const t0 = Date.now();
    const got = b.cache.get('k', now());
    await settle();
    a.disconnect();
    shared.detach(a.port);
    expect(await got).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(REPLY_FETCH_TIMEOUT_MS / 2);
  });

  it('SCEP_REPLY_CACHE bounds all workers together: each keeps its share, oldest out first', async () => {
    const { a, b } = pair(4);
    for (let i = 0; i < 3; i++) await a.cache.put(`a${i}`, bytes(i), later(60));
    await settle();
    // a's share is 2: a0 went; neither a nor b can serve it any more.
    expect(await a.cache.get('a0', now())).toBeUndefined();
    expect(await b.cache.get('a0', now())).toBeUndefined();
    expect(await b.cache.get('a1', now())).toEqual(bytes(1));
    expect(await b.cache.get('a2', now())).toEqual(bytes(2));
  });
});
