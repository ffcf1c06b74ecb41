/**
 * What our server keeps alive: the example server in this process (no HTTP), N PKCSReq enrollments
 * at 8 at a time straight into its handler, then the live heap after full GCs, against the same
 * figure before the first enrollment, and the heap snapshot's biggest kinds of object.
 *
 *   node --expose-gc --conditions=@scep/source --import tsx bench/server/live-heap.ts [N=14000]
 *
 * Steady state is what matters: with N above the reply cache's 10,000 entries the cache is full.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSnapshot } from 'node:v8';
import { parseCaCertResponse } from '@scep/wire';
import { nodeCrypto } from '@scep/wire/node';
import { createExampleServer } from '../../examples/server/src/server.js';
import { readSettings } from '../../examples/server/src/settings.js';
import { fmt, table } from '../lib.js';
import { ClientKeyPool } from './keys.js';
import { RequestPool } from './requests.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 14_000);
if (!Number.isInteger(n) || n < 1) throw new Error('N must be a positive integer');

const dir = mkdtempSync(join(tmpdir(), 'scep-live-heap-'));
const challenge = 'live-heap';
const app = await createExampleServer(readSettings({ SCEP_DATA_DIR: dir, SCEP_CHALLENGE: challenge, PORT: '0' }, { cwd: dir, randomToken: () => 'unused' }), {});
const caReply = await app.handler(new Request('http://127.0.0.1/scep?operation=GetCACert'));
const recipients = parseCaCertResponse(new Uint8Array(await caReply.arrayBuffer()), caReply.headers.get('content-type') ?? undefined);

const live = (): { heap: number; buffers: number } => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 1e6, buffers: m.arrayBuffers / 1e6 };
};

// The requests are built first and dropped before the last measurement; the baseline is taken
// before they exist, so both figures hold the same code and modules.
const base = live();
const keys = await ClientKeyPool.create(n);
const pool = new RequestPool({ keys, recipients, challenge, cipher: 'AES-128-CBC', crypto: nodeCrypto(), tag: 'lh' });
await pool.ensure(n);
let next = 0;
let ok = 0;
const lane = async (): Promise<void> => {
  for (;;) {
    const i = next++;
    const r = pool.items[i];
    if (r === undefined) return;
    const res = await app.handler(new Request('http://127.0.0.1/scep?operation=PKIOperation', { method: 'POST', body: r.der, headers: { 'content-type': 'application/x-pki-message' } }));
    if (res.status === 200) ok++;
    await res.arrayBuffer();
  }
};
await Promise.all(Array.from({ length: 8 }, lane));
pool.items.length = 0;
const after = live();

// Biggest kinds of object in a heap snapshot (self sizes, by constructor or V8 node type).
const chunks: string[] = [];
for await (const c of getHeapSnapshot()) chunks.push(String(c));
const snap = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
const f = snap.snapshot.meta.node_fields;
const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
const kinds = new Map<string, { count: number; bytes: number }>();
for (let i = 0; i < snap.nodes.length; i += f.length) {
  const type = snap.snapshot.meta.node_types[0][snap.nodes[i + iType] as number] ?? '?';
  const name = type === 'object' ? (snap.strings[snap.nodes[i + iName] as number] ?? '?') : `(${type})`;
  const k = kinds.get(name) ?? { count: 0, bytes: 0 };
  k.count++;
  k.bytes += snap.nodes[i + iSize] as number;
  kinds.set(name, k);
}
await app.close();
rmSync(dir, { recursive: true, force: true });

console.log(`live-heap: ${ok}/${n} enrollments SUCCESS`);
console.log(`live heap after full GC: ${fmt(base.heap)} MB before, ${fmt(after.heap)} MB after (+${fmt(after.heap - base.heap)} MB); array buffers ${fmt(base.buffers)} -> ${fmt(after.buffers)} MB`);
console.log(`per enrollment kept (up to the cache's 10,000): ${fmt(((after.heap - base.heap) * 1e6) / Math.min(n, 10_000), 0)} B of heap, ${fmt(((after.buffers - base.buffers) * 1e6) / Math.min(n, 10_000), 0)} B of buffers`);
const top = [...kinds].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10);
console.log(table([['kind (heap snapshot)', 'count', 'MB'], ...top.map(([k, v]) => [k.slice(0, 48), String(v.count), fmt(v.bytes / 1e6, 2)])]));
