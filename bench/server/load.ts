/**
 * The load generator: N lanes POST pre-built PKIOperation requests over keep-alive connections
 * (one per lane; raw-http.ts, or node:http's client with `client: 'node'`) to a loopback SCEP URL,
 * each request used once. A level runs a warm-up, then a measured window bounded in time (and by
 * the number of prepared requests). Only replies completed inside the window count. Replies are classified by a byte scan for the pkiStatus attribute; a
 * sample (or all) of the bodies is kept for full decoding after the window.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { RawHttpConnection } from './raw-http.js';
import type { PreparedRequest } from './requests.js';

/** DER: OID 2.16.840.1.113733.1.9.3 (pkiStatus), SET { PrintableString "<d>" }. */
const PKI_STATUS = Buffer.from([0x06, 0x0a, 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x45, 0x01, 0x09, 0x03, 0x31, 0x03, 0x13, 0x01]);

export type ReplyClass = 'success' | 'failure' | 'pending' | 'unreadable' | `http${number}` | 'error';

export function classify(status: number, body: Buffer): ReplyClass {
  if (status !== 200) return `http${status}`;
  const i = body.indexOf(PKI_STATUS);
  if (i < 0 || i + PKI_STATUS.length >= body.length) return 'unreadable';
  const d = body[i + PKI_STATUS.length];
  return d === 0x30 ? 'success' : d === 0x32 ? 'failure' : d === 0x33 ? 'pending' : 'unreadable';
}

export function assertLoopback(url: URL): void {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  if (!(h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h))) throw new Error(`refusing non-loopback target ${url.hostname}`);
}

export interface Reply {
  readonly request: PreparedRequest;
  readonly body: Buffer;
}

export interface LevelOptions {
  readonly url: string;
  readonly requests: readonly PreparedRequest[];
  /** Index of the first unused request; the level advances `cursor.next`. */
  readonly cursor: { next: number };
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Keep bodies of requests whose keyIndex % sampleEvery === 0 (1: every reply). */
  readonly sampleEvery: number;
  /** Called at the start and at the end of the measured window (CPU snapshots). */
  readonly onWindow?: (edge: 'start' | 'end') => void;
  /** The HTTP client: 'raw' (default, raw-http.ts) or 'node' (node:http's, as before proposal 15). */
  readonly client?: LoadClient;
}

export type LoadClient = 'raw' | 'node';

export interface LevelResult {
  readonly concurrency: number;
  readonly windowMs: number;
  /** Replies completed inside the window, by class. */
  readonly counts: Readonly<Record<string, number>>;
  readonly success: number;
  readonly failures: number;
  /** Latencies (ms) of replies completed inside the window, sorted. */
  readonly latencies: Float64Array;
  /** Counts over the whole level, warm-up included. */
  readonly totalCounts: Readonly<Record<string, number>>;
  readonly used: number;
  /** True when the prepared requests ran out before the window's time was up. */
  readonly exhausted: boolean;
  readonly replies: readonly Reply[];
  /** CPU seconds the load generator itself used during the window. */
  readonly clientCpu: number;
}

const CONTENT_TYPE = 'application/x-pki-message';

function post(agent: Agent, url: URL, body: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': CONTENT_TYPE, 'content-length': body.length }, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLevel(o: LevelOptions): Promise<LevelResult> {
  const url = new URL(o.url);
  url.searchParams.set('operation', 'PKIOperation');
  assertLoopback(url);
  const raw = (o.client ?? 'raw') === 'raw';
  const agent = raw ? undefined : new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const connections: RawHttpConnection[] = [];
  const counts: Record<string, number> = {};
  const totalCounts: Record<string, number> = {};
  const lat: number[] = [];
  const replies: Reply[] = [];
  const t0 = performance.now();
  const windowStart = t0 + o.warmupMs;
  let windowEnd = windowStart + o.durationMs;
  let stop = false;
  let exhausted = false;
  let windowOpen = false;
  let opened = false;
  let cpu0 = process.cpuUsage();
  let clientCpu = 0;
  const open = (): void => {
    windowOpen = true;
    opened = true;
    cpu0 = process.cpuUsage();
    o.onWindow?.('start');
  };
  const close = (): void => {
    if (!windowOpen) return;
    windowOpen = false;
    windowEnd = performance.now();
    const c = process.cpuUsage(cpu0);
    clientCpu = (c.user + c.system) / 1e6;
    o.onWindow?.('end');
  };
  const openTimer = setTimeout(open, o.warmupMs);
  const closeTimer = setTimeout(() => {
    stop = true;
    close();
  }, o.warmupMs + o.durationMs);
  const first = o.cursor.next;

  const lane = async (): Promise<void> => {
    const conn = raw ? new RawHttpConnection(url, CONTENT_TYPE) : undefined;
    if (conn) connections.push(conn);
    while (!stop) {
      const i = o.cursor.next;
      const r = o.requests[i];
      if (!r) {
        exhausted = true;
        stop = true;
        return;
      }
      o.cursor.next = i + 1;
      const t = performance.now();
      let cls: ReplyClass;
      let body: Buffer | undefined;
      try {
        const res = conn ? await conn.post(r.der) : await post(agent as Agent, url, r.der);
        body = res.body;
        cls = classify(res.status, res.body);
      } catch {
        cls = 'error';
      }
      const done = performance.now();
      totalCounts[cls] = (totalCounts[cls] ?? 0) + 1;
      if (windowOpen && done >= windowStart && done <= windowEnd) {
        counts[cls] = (counts[cls] ?? 0) + 1;
        lat.push(done - t);
      }
      // A copy: the raw client's body is a view of a buffer its next reply reuses.
      if (body && r.keyIndex % o.sampleEvery === 0) replies.push({ request: r, body: conn ? Buffer.from(body) : body });
      if (cls === 'error') await new Promise((res) => setTimeout(res, 10));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  clearTimeout(openTimer);
  clearTimeout(closeTimer);
  if (windowOpen) close(); // requests ran out before the time did: the window ends at the last reply
  agent?.destroy();
  for (const c of connections) c.close();
  const latencies = Float64Array.from(lat).sort();
  const success = counts['success'] ?? 0;
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    concurrency: o.concurrency,
    windowMs: opened ? Math.max(0, windowEnd - windowStart) : 0,
    counts,
    success,
    failures: all - success,
    latencies,
    totalCounts,
    used: o.cursor.next - first,
    exhausted,
    replies,
    clientCpu,
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
