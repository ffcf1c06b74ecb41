/**
 * Intune on an example-server profile. Offline signed challenges from `SCEP_INTUNE_TRUST_ANCHORS`
 * (default profile) or a profile's `"intune": {"model": "signed-challenge", ...}` in SCEP_CONFIG;
 * Microsoft's online validation with `"intune": {"model": "online", ...}`. See docs/intune.md.
 */
import {
  DEFAULT_ONLINE_RATE_LIMIT,
  DEFAULT_ONLINE_RATE_WINDOW_MS,
  IntuneDispatcher,
  OnlineIntuneValidator,
  RateLimiter,
  ReplayCache,
  SignedChallengeValidator,
  TrustAnchorError,
  type RateLimitStore,
  type ReplayStore,
} from '@scep/intune';
import { loadTrustAnchorFile, watchTrustAnchors } from '@scep/intune/node';
import { intuneChallenge, type ChallengeValidator, type ScepEvent } from '@scep/server-core';
import type { CryptoProvider } from '@scep/wire';
import { ExampleConfigError } from './errors.js';
import type { ProfileSettings, Settings } from './settings.js';

export interface IntuneWiring {
  challenge(fallback: ChallengeValidator): ChallengeValidator;
  onEvent(e: ScepEvent): void;
  stats(): unknown;
  prometheus(): string;
  reload(): Promise<unknown>;
  close(): void;
}

/**
 * Shared state the Intune models need (the signed-challenge model both, the online model its call
 * budget); with several workers it lives in the primary.
 */
export interface IntuneStores {
  readonly replay: ReplayStore;
  readonly rate: RateLimitStore;
}

type Raw = Readonly<Record<string, unknown>>;

const OFFLINE_KEYS = ['model', 'mode', 'trustAnchors', 'audience', 'maxValiditySeconds', 'clockSkewSeconds', 'rateLimit'];
const ONLINE_KEYS = ['model', 'mode', 'tenant', 'clientId', 'clientSecret', 'clientSecretEnv', 'graphBaseUrl', 'loginBaseUrl', 'allowedServiceHosts', 'rateLimit', 'maxConcurrentCalls', 'timeoutMs', 'issueOnNotificationFailure', 'callerInfo'];

function str(v: unknown, where: string, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') throw new ExampleConfigError(`${where} must be a non-empty string`);
  return v;
}
function num(v: unknown, where: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ExampleConfigError(`${where} must be an integer from ${min} to ${max}`);
  return v;
}

export async function intuneFor(
  s: ProfileSettings,
  settings: Settings,
  o: {
    readonly crypto: CryptoProvider;
    readonly now: () => Date;
    readonly log: (line: string) => void;
    readonly stores?: IntuneStores;
    /** The replay store every profile shares (single process; with workers `stores` has it). */
    readonly replay?: ReplayStore;
  },
): Promise<IntuneWiring> {
  const cfg = s.intune as Raw;
  const where = `profile ${s.name}: intune`;
  const model = cfg['model'] ?? 'signed-challenge';
  const mode = cfg['mode'] ?? (s.challenge.type === 'none' ? 'intune-only' : 'mixed');
  if (mode !== 'mixed' && mode !== 'intune-only') throw new ExampleConfigError(`${where}.mode must be "mixed" or "intune-only"`);
  // Mixed falls back to the profile's challenge for requests without a token: with none, anyone enrolls.
  if (mode === 'mixed' && s.challenge.type === 'none') throw new ExampleConfigError(`${where}: "mode": "mixed" with "challenge": {"type": "none"} lets requests without a token enroll; use "intune-only"`);
  let dispatcher: IntuneDispatcher;
  let stop: () => void = () => undefined;
  if (model === 'signed-challenge') {
    for (const k of Object.keys(cfg)) if (!OFFLINE_KEYS.includes(k)) throw new ExampleConfigError(`${where}: unknown setting "${k}" for the signed-challenge model`);
    const path = str(cfg['trustAnchors'], `${where}.trustAnchors`) as string;
    let anchors;
    try {
      anchors = await loadTrustAnchorFile({ path, now: o.now });
    } catch (err) {
      throw new ExampleConfigError(`${where}: trust anchors ${path}: ${err instanceof TrustAnchorError || err instanceof Error ? err.message : String(err)}`);
    }
    stop = watchTrustAnchors({
      holder: anchors,
      path,
      signal: false, // main.ts reloads every profile on SIGHUP
      onReload: (r) => o.log(`intune: ${s.name}: trust anchors reloaded (${r.anchors.length})`),
      onError: (e) => o.log(`intune: ${s.name}: trust anchor reload failed, keeping the previous set: ${e instanceof Error ? e.message : String(e)}`),
    });
    const audience = cfg['audience'] === undefined ? undefined : (str(cfg['audience'], `${where}.audience`) as string);
    const rateLimit = num(cfg['rateLimit'], `${where}.rateLimit`, 0, 1000);
    const validator = new SignedChallengeValidator({
      anchors,
      now: o.now,
      ...(audience ? { audience } : {}),
      ...(cfg['maxValiditySeconds'] !== undefined ? { maxValiditySeconds: num(cfg['maxValiditySeconds'], `${where}.maxValiditySeconds`, 60, 30 * 86400) as number } : {}),
      ...(cfg['clockSkewSeconds'] !== undefined ? { clockSkewSeconds: num(cfg['clockSkewSeconds'], `${where}.clockSkewSeconds`, 0, 600) as number } : {}),
      replayStore: o.stores?.replay ?? o.replay ?? new ReplayCache(),
      rateLimitStore: o.stores?.rate ?? new RateLimiter(rateLimit === undefined ? {} : { limit: rateLimit }),
    });
    dispatcher = new IntuneDispatcher({ validator, mode, anchors });
  } else if (model === 'online') {
    for (const k of Object.keys(cfg)) if (!ONLINE_KEYS.includes(k)) throw new ExampleConfigError(`${where}: unknown setting "${k}" for the online model`);
    const secretEnv = str(cfg['clientSecretEnv'], `${where}.clientSecretEnv`, true);
    const clientSecret = secretEnv ? settings.env[secretEnv] : (str(cfg['clientSecret'], `${where}.clientSecret`, true) as string | undefined);
    if (!clientSecret) throw new ExampleConfigError(`${where}: set clientSecretEnv (the name of an environment variable holding the secret) or clientSecret`);
    // Host suffixes outside Microsoft's clouds (a test fake, a cloud not listed): named, never guessed.
    const hosts = cfg['allowedServiceHosts'];
    if (hosts !== undefined && !(Array.isArray(hosts) && hosts.length > 0 && hosts.every((h) => typeof h === 'string' && h !== ''))) {
      throw new ExampleConfigError(`${where}.allowedServiceHosts must be a non-empty list of host names (host or host:port)`);
    }
    const rateLimit = num(cfg['rateLimit'], `${where}.rateLimit`, 1, 100_000);
    const maxConcurrentCalls = num(cfg['maxConcurrentCalls'], `${where}.maxConcurrentCalls`, 1, 1000);
    let validator: OnlineIntuneValidator;
    try {
      validator = new OnlineIntuneValidator({
        tenant: str(cfg['tenant'], `${where}.tenant`) as string,
        clientId: str(cfg['clientId'], `${where}.clientId`) as string,
        clientSecret,
        now: o.now,
        ...(cfg['graphBaseUrl'] ? { graphBaseUrl: str(cfg['graphBaseUrl'], `${where}.graphBaseUrl`) as string } : {}),
        ...(cfg['loginBaseUrl'] ? { loginBaseUrl: str(cfg['loginBaseUrl'], `${where}.loginBaseUrl`) as string } : {}),
        ...(hosts !== undefined ? { allowedServiceHosts: hosts as string[] } : {}), // checked just above
        ...(cfg['timeoutMs'] !== undefined ? { timeoutMs: num(cfg['timeoutMs'], `${where}.timeoutMs`, 100, 120_000) as number } : {}),
        ...(cfg['issueOnNotificationFailure'] === true ? { issueOnNotificationFailure: true } : {}),
        ...(cfg['callerInfo'] ? { callerInfo: str(cfg['callerInfo'], `${where}.callerInfo`) as string } : {}),
        // The budget of calls to Microsoft is the profile's, across workers (the primary keeps it);
        // the bound of calls in flight is each process's own.
        rateLimitStore: o.stores?.rate ?? onlineRateLimiter(rateLimit),
        ...(maxConcurrentCalls === undefined ? {} : { maxConcurrentCalls }),
        // A test fake of Microsoft's services runs on plain http on loopback.
        ...(isLoopbackHttp(cfg['graphBaseUrl']) ? { requireHttps: false } : {}),
      });
    } catch (err) {
      // The validator refuses base URLs that are not https or not under allowedServiceHosts.
      if (err instanceof TypeError) throw new ExampleConfigError(`${where}: ${err.message}`);
      throw err;
    }
    dispatcher = new IntuneDispatcher({ validator, mode });
  } else {
    throw new ExampleConfigError(`${where}.model must be "signed-challenge" or "online"`);
  }
  return {
    challenge: (fallback) => intuneChallenge(dispatcher, mode === 'mixed' ? { fallback } : {}),
    onEvent: () => undefined, // the handler already counts scep_pkcsreq_intune / scep_renewalreq_intune
    stats: () => dispatcher.stats(),
    prometheus: () => '',
    reload: () => (model === 'signed-challenge' ? dispatcher.reload() : Promise.resolve({ reloaded: false, reason: 'the online model has no trust anchors' })),
    close: stop,
  };
}

/** The online model's budget of calls to Microsoft: `limit` a minute (default the library's). */
export function onlineRateLimiter(limit: number | undefined): RateLimiter {
  return new RateLimiter({ limit: limit ?? DEFAULT_ONLINE_RATE_LIMIT, windowMs: DEFAULT_ONLINE_RATE_WINDOW_MS });
}

/** A plain-http URL whose host is this machine (127.0.0.0/8, ::1, localhost), as a test fake's is. */
export function isLoopbackHttp(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname));
}
