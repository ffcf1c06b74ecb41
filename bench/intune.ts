/**
 * @scep/intune hot paths:
 *  - signed-challenge validation, full validator path (parse, verify, claims, binding, replay,
 *    rate limit), RS256 (RSA-2048) and ES256 (P-256), sequential and 32 in flight
 *  - ReplayCache and RateLimiter operations per second (async interface and sync core), steady
 *    state at 100,000 entries
 *  - heap held by each at 100,000 entries
 * Goals (Intune issue): each store < 40 MB at 100k entries; > 1 million operations/s.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  parseTrustAnchors,
  RateLimiter,
  ReplayCache,
  SignedChallengeValidator,
  StaticTrustAnchors,
  type IntuneCsr,
} from '@scep/intune';
import { buildSelfSignedCertificate, toPem } from '../fixtures/intune/certificate.js';
import { b64url } from '../fixtures/intune/token.js';
import { fmt, table } from './lib.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const ISS = 'https://connector.example.test';
const GOAL_OPS = 1_000_000;
const GOAL_MB = 40;
const ENTRIES = 100_000;

interface Signer {
  readonly pem: string;
  readonly sign: (data: Uint8Array) => Uint8Array;
  readonly alg: 'RS256' | 'ES256';
}

function signer(kind: 'rsa' | 'ec'): Signer {
  const { privateKey, publicKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key: KeyObject = privateKey;
  const cert = buildSelfSignedCertificate({
    name: [['2.5.4.3', `bench ${kind}`]],
    serial: Uint8Array.of(1),
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    signatureAlgorithm: kind === 'rsa' ? 'sha256WithRSAEncryption' : 'ecdsa-with-SHA256',
    sign: (tbs) => new Uint8Array(sign('sha256', tbs, key)),
  });
  return {
    pem: toPem('CERTIFICATE', cert),
    alg: kind === 'rsa' ? 'RS256' : 'ES256',
    sign: (data) => new Uint8Array(sign('sha256', data, kind === 'rsa' ? key : { key, dsaEncoding: 'ieee-p1363' })),
  };
}

function token(s: Signer, i: number): string {
  const header = b64url(JSON.stringify({ alg: s.alg, typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      iss: ISS,
      sub: `device-${i}`,
      aud: 'scep.example.test',
      iat: NOW_S - 30,
      exp: NOW_S + 1800,
      nonce: `bench-nonce-${s.alg}-${i.toString(36).padStart(8, '0')}`,
      device_name: `DEVICE-${i}`,
      san_dns: [`device-${i}.corp.example.test`],
      san_rfc822: [],
      san_upn: [`user${i}@corp.example.test`],
      version: 'v1',
    }),
  );
  const input = `${header}.${payload}`;
  return `${input}.${b64url(s.sign(new TextEncoder().encode(input)))}`;
}

function csr(i: number): IntuneCsr {
  return { der: new Uint8Array(0), commonName: `DEVICE-${i}`, dnsNames: [`device-${i}.corp.example.test`], emails: [], upns: [`user${i}@corp.example.test`] };
}

async function validatorThroughput(s: Signer, n: number, concurrency: number): Promise<number> {
  const anchors = new StaticTrustAnchors(await parseTrustAnchors(s.pem));
  const v = new SignedChallengeValidator({ anchors, audience: 'scep.example.test', now: () => NOW });
  const tokens = Array.from({ length: n }, (_, i) => token(s, i));
  const csrs = Array.from({ length: n }, (_, i) => csr(i));
  // Warm-up on a separate validator so nonces stay fresh for the timed run.
  const warm = new SignedChallengeValidator({ anchors, audience: 'scep.example.test', now: () => NOW });
  for (let i = 0; i < Math.min(200, n); i++) await warm.validate(tokens[i]!, csrs[i]!, { transactionId: 'w', profile: 'bench' });

  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const outcome = await v.validate(tokens[i]!, csrs[i]!, { transactionId: `t${i}`, profile: 'bench' });
        if (!outcome.ok) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (failures > 0) throw new Error(`bench: ${failures} validations failed`);
  return n / seconds;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

/** Heap growth from building a structure with `ENTRIES` live entries (needs --expose-gc to be exact). */
function heapOf(build: () => unknown): { mb: number; exact: boolean } {
  gc();
  const before = heapMb();
  const kept = build();
  gc();
  const after = heapMb();
  if (kept === undefined) throw new Error('unreachable');
  return { mb: after - before, exact: (globalThis as { gc?: unknown }).gc !== undefined };
}

const replayKey = (i: number): string => `${ISS}\u0000bench-nonce-${i.toString(36).padStart(10, '0')}`;
const rateKey = (i: number): string => `${ISS}\u0000device-${i.toString(36).padStart(10, '0')}`;

/**
 * Steady state: 100k live entries; each op inserts one fresh key and expires one. Keys cycle
 * through a pool of 2 × 100k strings (a key comes back only after it has expired), so the bench
 * measures the cache and not the garbage collector marking millions of pre-built strings.
 */
async function replayOps(useAsync: boolean, ops: number): Promise<number> {
  const cache = new ReplayCache({ maxEntries: ENTRIES * 2 });
  const pool = 2 * ENTRIES;
  const keys = Array.from({ length: pool }, (_, i) => replayKey(i));
  const ttl = ENTRIES; // the clock advances 1 per op, so ~100k entries stay live
  for (let i = 0; i < ENTRIES; i++) cache.checkAndInsertSync(keys[i]!, i + ttl, i);
  let fresh = 0;
  const t0 = performance.now();
  if (useAsync) {
    for (let i = ENTRIES; i < ENTRIES + ops; i++) if (await cache.checkAndInsert(keys[i % pool]!, i + ttl, i)) fresh++;
  } else {
    for (let i = ENTRIES; i < ENTRIES + ops; i++) if (cache.checkAndInsertSync(keys[i % pool]!, i + ttl, i)) fresh++;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (fresh !== ops || Math.abs(cache.size - ENTRIES) > 1) throw new Error(`bench: replay cache drifted (${fresh}, ${cache.size})`);
  return ops / seconds;
}

/** Steady state over 100k keys: each op touches an existing key (limit 3 per window). */
async function limiterOps(useAsync: boolean, ops: number): Promise<number> {
  const limiter = new RateLimiter({ limit: 3, windowMs: 1_000_000, maxKeys: ENTRIES });
  const keys = Array.from({ length: ENTRIES }, (_, i) => rateKey(i));
  for (let i = 0; i < ENTRIES; i++) limiter.consumeSync(keys[i]!, i);
  let t = ENTRIES;
  const t0 = performance.now();
  if (useAsync) {
    for (let i = 0; i < ops; i++) await limiter.consume(keys[(i * 7919) % ENTRIES]!, t++);
  } else {
    for (let i = 0; i < ops; i++) limiter.consumeSync(keys[(i * 7919) % ENTRIES]!, t++);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (limiter.stats().keys !== ENTRIES) throw new Error('bench: limiter key count drifted');
  return ops / seconds;
}

const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');

export async function runIntuneBench(): Promise<void> {
  console.log('\n@scep/intune');
  const rsa = signer('rsa');
  const ec = signer('ec');

  const rows: string[][] = [['signed-challenge validation (full path)', 'tokens/s', 'goal']];
  for (const [name, s] of [['RS256 (RSA-2048)', rsa], ['ES256 (P-256)', ec]] as const) {
    rows.push([`${name}, sequential`, fmt(await validatorThroughput(s, 4000, 1), 0), '—']);
    rows.push([`${name}, 32 in flight`, fmt(await validatorThroughput(s, 8000, 32), 0), '—']);
  }
  console.log(table(rows));

  const ops = 2_000_000;
  // Warm the JIT on both paths before timing anything.
  await replayOps(true, 300_000);
  await replayOps(false, 300_000);
  await limiterOps(true, 300_000);
  await limiterOps(false, 300_000);
  const opRows: string[][] = [['state operations (100k live entries)', 'ops/s', `goal > ${GOAL_OPS.toLocaleString('en')}`]];
  for (const [name, fn] of [
    ['ReplayCache.checkAndInsert (async)', () => replayOps(true, ops)],
    ['ReplayCache.checkAndInsertSync', () => replayOps(false, ops)],
    ['RateLimiter.consume (async)', () => limiterOps(true, ops)],
    ['RateLimiter.consumeSync', () => limiterOps(false, ops)],
  ] as const) {
    const r = await fn();
    opRows.push([name, fmt(r, 0), mark(r > GOAL_OPS)]);
  }
  console.log(table(opRows));

  const replayHeap = heapOf(() => {
    const c = new ReplayCache();
    for (let i = 0; i < ENTRIES; i++) c.checkAndInsertSync(replayKey(i), 1e12 + i, 0);
    return c;
  });
  const limiterHeap = heapOf(() => {
    const l = new RateLimiter();
    for (let i = 0; i < ENTRIES; i++) {
      l.consumeSync(rateKey(i), i);
      l.consumeSync(rateKey(i), i + 1); // two slots used per device
    }
    return l;
  });
  const memRows: string[][] = [[`heap at ${ENTRIES.toLocaleString('en')} entries`, 'MB', `goal < ${GOAL_MB} MB`]];
  memRows.push(['ReplayCache (60-char keys)', fmt(replayHeap.mb), mark(replayHeap.mb < GOAL_MB)]);
  memRows.push(['RateLimiter (46-char keys, 2 slots each)', fmt(limiterHeap.mb), mark(limiterHeap.mb < GOAL_MB)]);
  console.log(table(memRows));
  if (!replayHeap.exact) console.log('(heap figures are approximate: run node with --expose-gc)');
}
