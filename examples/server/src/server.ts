/**
 * The example server: the SCEP handler on node:http, plus /healthz and a bearer-token admin API
 * (one-time challenges, counters, pending approvals).
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createLocalCa,
  createScepHandler,
  dynamicChallenge,
  firstMatchChallenge,
  InMemoryChallengeStore,
  InMemoryReplyCache,
  noChallenge,
  PROMETHEUS_CONTENT_TYPE,
  staticChallenge,
  type ChallengeStore,
  type ChallengeValidator,
  type PendingStore,
  type ProfileConfig,
  type ReplyCache,
  type ScepEvent,
  type ScepHandler,
  type ScepMetrics,
} from '@scep/server-core';
import { toNodeListener } from '@scep/server-core/node';
import { formatName, parseCsr, type Certificate, type CryptoProvider, type GeneralName } from '@scep/wire';
import { nodeCrypto, placementStats, RsaThreadPool } from '@scep/wire/node';
import { loadOrCreatePki, readCertificates, type Pki } from './pki.js';
import type { ProfileSettings, Settings } from './settings.js';
import { ExampleConfigError } from './errors.js';
import { ReplayCache } from '@scep/intune';
import { intuneFor, type IntuneStores, type IntuneWiring } from './intune.js';

export interface ProfileRuntime {
  readonly settings: ProfileSettings;
  readonly pki: Pki;
  readonly store: ChallengeStore;
  readonly intune: IntuneWiring | undefined;
}

/** State shared by workers (SCEP_WORKERS > 1): provided by cluster.ts, kept in the primary. */
export interface SharedStateAccess {
  challengeStore(profile: string): ChallengeStore;
  pendingStore(profile: string): PendingStore;
  replyCache(profile: string, maxEntries: number): ReplyCache;
  intuneStores(profile: string): IntuneStores;
  /** Counters of all workers (each keeps its own; the primary gathers them when asked). */
  prometheus(): Promise<string>;
  snapshot(): Promise<unknown>;
}

export interface ExampleServer {
  readonly server: Server;
  readonly handler: ScepHandler;
  readonly profiles: readonly ProfileRuntime[];
  readonly settings: Settings;
  listen(): Promise<{ readonly url: string; readonly port: number }>;
  close(): Promise<void>;
  /** Reloads Intune trust anchors on every profile that has them (SIGHUP). */
  reload(): Promise<string[]>;
}

const DEFAULT_CA_SUBJECT = 'CN=SCEP Example Dev CA, O=@scep example server';

/** A profile's enrollment-agent anchors (a PEM file); errors name the profile and the setting. */
function agentAnchors(profile: string, file: string): Certificate[] {
  try {
    return readCertificates(file, `enrollmentAgents.trust ${file}`);
  } catch (err) {
    throw err instanceof ExampleConfigError ? new ExampleConfigError(`profile ${profile}: ${err.message}`) : err;
  }
}

function challengeFor(s: ProfileSettings, store: ChallengeStore, intune: IntuneWiring | undefined): ChallengeValidator {
  // Minted one-time challenges (admin API) work alongside the profile's own policy. The static
  // password is checked first: it is local, while the store may be in another process.
  const oneTime = dynamicChallenge(store);
  const base = s.challenge.type === 'static' ? firstMatchChallenge(staticChallenge(s.challenge.password, { onMismatch: 'skip' }), oneTime) : s.challenge.type === 'dynamic' ? oneTime : noChallenge();
  return intune ? intune.challenge(base) : base;
}

export async function createExampleServer(
  settings: Settings,
  o: { readonly crypto?: CryptoProvider; readonly now?: () => Date; readonly onEvent?: (e: ScepEvent) => void; readonly log?: (line: string) => void; readonly shared?: SharedStateAccess } = {},
): Promise<ExampleServer> {
  const crypto = o.crypto ?? nodeCrypto();
  const now = o.now ?? ((): Date => new Date());
  const log = o.log ?? ((): void => undefined);
  const pkis = new Map<string, Pki>();
  // One replay store for all Intune profiles: a signed challenge enrolls once, on one profile.
  const replay = new ReplayCache();
  // One pool for every profile's keys; its idle threads do not keep the process alive.
  // They start on the first unwrap, after main.ts has lowered the other helpers: they lower themselves.
  const threads = settings.unwrapThreads > 0 ? new RsaThreadPool({ threads: settings.unwrapThreads, ...(settings.helperNice > 0 ? { nice: settings.helperNice } : {}) }) : undefined;
  const runtimes: ProfileRuntime[] = [];
  const profiles: Record<string, ProfileConfig> = {};
  for (const s of settings.profiles) {
    let pki = pkis.get(s.dataDir);
    if (!pki) {
      pki = await loadOrCreatePki(s.dataDir, { subject: DEFAULT_CA_SUBJECT, now: now(), keys: { placement: settings.keyPlacement, ...(threads ? { threads } : {}) } });
      pkis.set(s.dataDir, pki);
    }
    const store = o.shared?.challengeStore(s.name) ?? new InMemoryChallengeStore();
    const intune = s.intune ? await intuneFor(s, settings, { crypto, now, log, replay, ...(o.shared ? { stores: o.shared.intuneStores(s.name) } : {}) }) : undefined;
    const ca = createLocalCa({
      ca: { certificate: pki.ca.certificate, key: pki.ca.key, chain: pki.ca.chain.slice(1) },
      crypto,
      now,
      validityDays: s.validityDays,
      mustStaple: s.mustStaple,
      ...(s.extendedKeyUsage ? { extendedKeyUsage: s.extendedKeyUsage } : {}),
      ...(s.approval === 'manual' ? { pendingWhen: (r) => r.attempt !== 'approval' } : {}),
    });
    profiles[s.name] = {
      ca: { certificates: pki.ca.chain.map((c) => c.der), key: pki.ca.key },
      ...(pki.ra ? { ra: { signer: { certificate: pki.ra.certificate, key: pki.ra.key } } } : {}),
      challenge: challengeFor(s, store, intune),
      issue: ca.issue,
      ...(o.shared ? { pendingStore: o.shared.pendingStore(s.name) } : {}),
      replyCache: settings.replyCacheEntries === 0 ? false : (o.shared?.replyCache(s.name, settings.replyCacheEntries) ?? new InMemoryReplyCache({ maxEntries: settings.replyCacheEntries })),
      legacy: s.legacy,
      renewal: { enabled: s.renewal.enabled, graceMs: s.renewal.graceDays * 86_400_000, requireSameSubject: s.renewal.requireSameSubject, requireSameSubjectAltNames: s.renewal.requireSameSubjectAltNames, ...(s.renewal.requireChallenge === undefined ? {} : { requireChallenge: s.renewal.requireChallenge }) },
      response: { cipher: s.response.cipher, digest: s.response.digest },
      capabilities: s.capabilities,
      ...(s.csrPolicy.minRsaBits ? { csrPolicy: { minRsaBits: s.csrPolicy.minRsaBits } } : {}),
      enrollmentAgents: typeof s.enrollmentAgents === 'string' ? s.enrollmentAgents : { trust: agentAnchors(s.name, s.enrollmentAgents.trustFile) },
    };
    runtimes.push({ settings: s, pki, store, intune });
  }
  let handler: ScepHandler;
  try {
    handler = createScepHandler({
      profiles,
      ...(settings.defaultProfile ? { defaultProfile: settings.defaultProfile } : {}),
      path: settings.path,
      crypto,
      now,
      onEvent: (e) => {
        for (const r of runtimes) r.intune?.onEvent(e);
        o.onEvent?.(e);
      },
      onError: (err, info) => log(`scep: ${info.profile ?? '-'} ${info.operation ?? '-'}: ${err instanceof Error ? err.message : String(err)}`),
    });
  } catch (err) {
    throw new ExampleConfigError(err instanceof Error ? err.message : String(err));
  }

  countPlacements(handler.metrics);

  const scep = toNodeListener(handler);
  const tokenDigest = createHash('sha256').update(settings.adminToken).digest();
  const authorized = (req: IncomingMessage): boolean => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const got = createHash('sha256').update(m?.[1] ?? '').digest();
    return m !== null && timingSafeEqual(got, tokenDigest);
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    const text = `${JSON.stringify(body, null, 2)}\n`;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown> | undefined> => {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 16_384) return undefined;
      chunks.push(c);
    }
    if (size === 0) return {};
    try {
      const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!authorized(req)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' }).end('Unauthorized\n');
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const runtime = (name: unknown): ProfileRuntime | undefined => runtimes.find((r) => r.settings.name === (typeof name === 'string' ? name : (settings.defaultProfile ?? runtimes[0]?.settings.name)));
    if (parts[0] === 'metrics' && method === 'GET') {
      // With several workers, the counters of all of them, from the primary.
      const text = o.shared ? await o.shared.prometheus() : handler.metrics.toPrometheus();
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text + runtimes.map((r) => r.intune?.prometheus() ?? '').join(''));
      return;
    }
    if (parts[1] === 'metrics' && method === 'GET') return json(res, 200, { scep: o.shared ? await o.shared.snapshot() : handler.metrics.snapshot(), intune: Object.fromEntries(runtimes.filter((r) => r.intune).map((r) => [r.settings.name, r.intune?.stats()])) });
    if (parts[1] === 'challenges' && method === 'POST') {
      const body = await readJson(req);
      if (!body) return json(res, 400, { error: 'body must be a JSON object' });
      const r = runtime(body['profile']);
      if (!r) return json(res, 404, { error: 'no such profile' });
      const ttl = body['ttlSeconds'] === undefined ? 3600 : Number(body['ttlSeconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 86400) return json(res, 400, { error: 'ttlSeconds must be an integer from 1 to 2592000' });
      const cn = body['commonName'];
      const device = body['device'];
      if ((cn !== undefined && typeof cn !== 'string') || (device !== undefined && typeof device !== 'string')) return json(res, 400, { error: 'commonName and device must be strings' });
      const minted = await r.store.mint({ profile: r.settings.name, ttlMs: ttl * 1000, now: now(), ...(cn || device ? { binding: { ...(cn ? { commonName: cn } : {}), ...(device ? { device } : {}) } } : {}) });
      return json(res, 201, { profile: r.settings.name, challenge: minted.challenge, expiresAt: minted.record.expiresAt.toISOString() });
    }
    if (parts[1] === 'pending' && method === 'GET') {
      const list = await handler.listPending();
      // What the approval would issue: the subject and names asked for, not only a transactionID.
      const names = (csr: Uint8Array): { subject: string; subjectAltNames: string[] } => {
        const c = parseCsr(csr);
        const san = (n: GeneralName): string => (typeof n.value === 'string' ? `${n.type}:${n.value}` : n.type);
        return { subject: formatName(c.subject), subjectAltNames: c.subjectAltNames.map(san) };
      };
      return json(res, 200, list.map((e) => ({ profile: e.profile, transactionId: e.transactionId, kind: e.kind, ...names(e.csr), createdAt: e.createdAt.toISOString(), decided: e.result?.status ?? null })));
    }
    if (parts[1] === 'pending' && parts.length === 5 && method === 'POST' && (parts[4] === 'approve' || parts[4] === 'reject')) {
      const [, , profile, tx, action] = parts as [string, string, string, string, string];
      if (action === 'approve') {
        const r = await handler.approvePending(profile, tx);
        return r ? json(res, 200, { status: r.status }) : json(res, 404, { error: 'no such pending transaction' });
      }
      return (await handler.rejectPending(profile, tx)) ? json(res, 200, { status: 'rejected' }) : json(res, 404, { error: 'no such pending transaction' });
    }
    if (parts[1] === 'intune') {
      const r = runtime(url.searchParams.get('profile') ?? undefined);
      if (!r?.intune) return json(res, 404, { error: 'Intune is not enabled on this profile' });
      if (parts[2] === 'reload' && method === 'POST') {
        try {
          return json(res, 200, await r.intune.reload());
        } catch (err) {
          // The previous anchors stay in place (TrustAnchorHolder keeps them on any failure).
          return json(res, 409, { error: 'reload failed; the previous trust anchors are still in use', detail: err instanceof Error ? err.message : String(err) });
        }
      }
      if (parts.length === 2 && method === 'GET') return json(res, 200, r.intune.stats());
    }
    return json(res, 404, { error: 'not found' });
  }

  // Under SCEP_WORKERS, every response says which worker answered (diagnostics).
  const workerId = cluster.worker ? String(cluster.worker.id) : undefined;
  const server = createServer((req, res) => {
    if (workerId) res.setHeader('x-scep-worker', workerId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (url.pathname === '/metrics' || url.pathname === '/admin' || url.pathname.startsWith('/admin/')) {
      admin(req, res, url).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error\n');
      });
      return;
    }
    scep(req, res);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  return {
    server,
    handler,
    profiles: runtimes,
    settings,
    listen: () =>
      new Promise((resolveListen, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(new ExampleConfigError(`cannot listen on ${settings.host}:${settings.port}: ${err.code ?? err.message}`)));
        server.listen(settings.port, settings.host, () => {
          const addr = server.address();
          const port = typeof addr === 'object' && addr ? addr.port : settings.port;
          const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
          resolveListen({ url: `http://${host}:${port}${settings.path}`, port });
        });
      }),
    close: async () => {
      for (const r of runtimes) r.intune?.close();
      await new Promise<void>((r) => server.close(() => r()));
      await threads?.close();
    },
    reload: async () => {
      const out: string[] = [];
      for (const r of runtimes) if (r.intune) out.push(`${r.settings.name}: ${JSON.stringify(await r.intune.reload())}`);
      return out;
    },
  };
}

/**
 * Where this process's private-key operations ran (SCEP_KEY_PLACEMENT), as a counter beside the
 * handler's, brought in whenever the counters are read. Cluster workers report it with the rest.
 */
function countPlacements(metrics: ScepMetrics): void {
  let seen = placementStats();
  const help = 'Private-key operations of this process by where they ran (inline: on the event loop)';
  metrics.onCollect((m) => {
    const now = placementStats();
    m.inc('scep_private_key_operations_total', help, { placement: 'inline' }, now.inline - seen.inline);
    m.inc('scep_private_key_operations_total', help, { placement: 'offloaded' }, now.offloaded - seen.offloaded);
    seen = now;
  });
}
