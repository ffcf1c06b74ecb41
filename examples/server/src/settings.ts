/**
 * Settings from the environment and an optional JSON file (SCEP_CONFIG). Every mistake is an
 * ExampleConfigError with one clear line; unknown JSON keys are errors too (they are usually typos).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CIPHERS, DIGESTS, type CipherName, type DigestName, type LegacyAlgorithm, type LegacyPolicy } from '@scep/wire';
import { isPlacement, type Placement } from '@scep/wire/node';
import { ExampleConfigError } from './errors.js';

export type ChallengeSetting = { readonly type: 'static'; readonly password: string; readonly generated: boolean } | { readonly type: 'dynamic' } | { readonly type: 'none' };

export interface ProfileSettings {
  readonly name: string;
  readonly dataDir: string;
  readonly challenge: ChallengeSetting;
  readonly legacy: LegacyPolicy;
  readonly approval: 'auto' | 'manual';
  readonly validityDays: number;
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly mustStaple: boolean;
  readonly renewal: { readonly enabled: boolean; readonly graceDays: number; readonly requireSameSubject: boolean; readonly requireSameSubjectAltNames: boolean; readonly requireChallenge: boolean | undefined };
  readonly response: { readonly cipher: 'match-request' | CipherName; readonly digest: 'match-request' | DigestName };
  readonly csrPolicy: { readonly minRsaBits: number | undefined };
  readonly capabilities: { readonly add: readonly string[]; readonly remove: readonly string[] };
  /** Who may sign a first enrollment for another key: 'any' (default), 'none', or a PEM file of anchors. */
  readonly enrollmentAgents: 'none' | 'any' | { readonly trustFile: string };
  /** Intune settings, passed through to the Intune wiring (see intune.ts). */
  readonly intune: Readonly<Record<string, unknown>> | undefined;
}

export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly dataDir: string;
  readonly adminToken: string;
  readonly adminTokenGenerated: boolean;
  readonly profiles: readonly ProfileSettings[];
  readonly defaultProfile: string | undefined;
  readonly workers: number;
  /** SUCCESS replies kept per profile for retransmissions; 0: none. */
  readonly replyCacheEntries: number;
  /** Worker threads for RSA unwraps (0: on the event loop). */
  readonly unwrapThreads: number;
  /** Where the CA's private-key operations run (@scep/wire/node `placement`). */
  readonly keyPlacement: Placement;
  /** Nice value for every thread but the event loop (Linux); 0 leaves them as they are. */
  readonly helperNice: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const LEGACY_NAMES: readonly LegacyAlgorithm[] = ['MD5', 'SHA-1', 'DES-CBC', 'DES-EDE3-CBC'];

function bool(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '') return false;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ExampleConfigError(`${name} must be 1 or 0, got ${JSON.stringify(v)}`);
}

function int(v: unknown, name: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ExampleConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

function only(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw new ExampleConfigError(`${where}: unknown setting "${k}" (allowed: ${allowed.join(', ')})`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function legacyFrom(v: unknown, where: string): LegacyPolicy {
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x): x is LegacyAlgorithm => LEGACY_NAMES.includes(x as LegacyAlgorithm))) return v;
  throw new ExampleConfigError(`${where}.legacy must be true, false or a list of ${LEGACY_NAMES.join(', ')}`);
}

function challengeFrom(v: unknown, fallback: ChallengeSetting, where: string): ChallengeSetting {
  if (v === undefined) return fallback;
  if (typeof v === 'string') {
    if (v === '') throw new ExampleConfigError(`${where}.challenge must not be empty`);
    return { type: 'static', password: v, generated: false };
  }
  if (isObject(v)) {
    only(v, ['type', 'password'], `${where}.challenge`);
    if (v['type'] === 'static') {
      if (typeof v['password'] === 'string' && v['password'] !== '') return { type: 'static', password: v['password'], generated: false };
      if (v['password'] === undefined) return fallback.type === 'static' ? fallback : { type: 'static', password: '', generated: true };
      throw new ExampleConfigError(`${where}.challenge.password must be a non-empty string`);
    }
    if (v['type'] === 'dynamic') return { type: 'dynamic' };
    if (v['type'] === 'none') return { type: 'none' };
  }
  throw new ExampleConfigError(`${where}.challenge must be a password string or {"type": "static"|"dynamic"|"none"}`);
}

function profileFrom(name: string, raw: unknown, base: { dataDir: string; challenge: ChallengeSetting; legacy: LegacyPolicy; approval: 'auto' | 'manual'; validityDays: number }, cwd: string): ProfileSettings {
  const where = `SCEP_CONFIG profiles.${name}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new ExampleConfigError(`${where}: profile names use A-Z a-z 0-9 . _ - (at most 64)`);
  const p = raw === undefined ? {} : raw;
  if (!isObject(p)) throw new ExampleConfigError(`${where} must be an object`);
  only(p, ['dataDir', 'challenge', 'legacy', 'approval', 'validityDays', 'extendedKeyUsage', 'mustStaple', 'renewal', 'response', 'csrPolicy', 'capabilities', 'enrollmentAgents', 'intune'], where);
  const caps = p['capabilities'] ?? {};
  if (!isObject(caps)) throw new ExampleConfigError(`${where}.capabilities must be an object`);
  only(caps, ['add', 'remove'], `${where}.capabilities`);
  const words = (v: unknown, n: string): string[] => {
    if (v === undefined) return [];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(x))) return v as string[];
    throw new ExampleConfigError(`${where}.capabilities.${n} must be a list of GetCACaps keywords`);
  };
  const renewal = p['renewal'] ?? {};
  if (!isObject(renewal)) throw new ExampleConfigError(`${where}.renewal must be an object`);
  only(renewal, ['enabled', 'graceDays', 'requireSameSubject', 'requireSameSubjectAltNames', 'requireChallenge'], `${where}.renewal`);
  const response = p['response'] ?? {};
  if (!isObject(response)) throw new ExampleConfigError(`${where}.response must be an object`);
  only(response, ['cipher', 'digest'], `${where}.response`);
  const cipher = response['cipher'] ?? 'match-request';
  if (cipher !== 'match-request' && !(typeof cipher === 'string' && cipher in CIPHERS)) throw new ExampleConfigError(`${where}.response.cipher must be match-request or one of ${Object.keys(CIPHERS).join(', ')}`);
  const digest = response['digest'] ?? 'match-request';
  if (digest !== 'match-request' && !(typeof digest === 'string' && digest in DIGESTS)) throw new ExampleConfigError(`${where}.response.digest must be match-request or one of ${Object.keys(DIGESTS).join(', ')}`);
  const csrPolicy = p['csrPolicy'] ?? {};
  if (!isObject(csrPolicy)) throw new ExampleConfigError(`${where}.csrPolicy must be an object`);
  only(csrPolicy, ['minRsaBits'], `${where}.csrPolicy`);
  const eku = p['extendedKeyUsage'];
  if (eku !== undefined && !(Array.isArray(eku) && eku.every((o) => typeof o === 'string' && /^\d+(\.\d+)+$/.test(o)))) throw new ExampleConfigError(`${where}.extendedKeyUsage must be a list of dotted OIDs`);
  const approval = p['approval'] ?? base.approval;
  if (approval !== 'auto' && approval !== 'manual') throw new ExampleConfigError(`${where}.approval must be "auto" or "manual"`);
  const flag = (v: unknown, def: boolean, n: string): boolean => {
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw new ExampleConfigError(`${where}.${n} must be true or false`);
    return v;
  };
  const agents = p['enrollmentAgents'] ?? 'any';
  let enrollmentAgents: ProfileSettings['enrollmentAgents'];
  if (agents === 'none' || agents === 'any') enrollmentAgents = agents;
  else if (isObject(agents) && typeof agents['trust'] === 'string' && Object.keys(agents).length === 1) enrollmentAgents = { trustFile: resolve(cwd, agents['trust']) };
  else throw new ExampleConfigError(`${where}.enrollmentAgents must be "none", "any" or {"trust": "<PEM file of CA certificates>"}`);
  const intune = p['intune'];
  if (intune !== undefined && !isObject(intune)) throw new ExampleConfigError(`${where}.intune must be an object`);
  return {
    name,
    dataDir: typeof p['dataDir'] === 'string' ? resolve(cwd, p['dataDir']) : base.dataDir,
    challenge: challengeFrom(p['challenge'], base.challenge, where),
    legacy: p['legacy'] === undefined ? base.legacy : legacyFrom(p['legacy'], where),
    approval,
    validityDays: p['validityDays'] === undefined ? base.validityDays : int(p['validityDays'], `${where}.validityDays`, 1, 3650),
    extendedKeyUsage: eku as string[] | undefined,
    mustStaple: flag(p['mustStaple'], false, 'mustStaple'),
    renewal: {
      enabled: flag(renewal['enabled'], true, 'renewal.enabled'),
      graceDays: renewal['graceDays'] === undefined ? 0 : int(renewal['graceDays'], `${where}.renewal.graceDays`, 0, 365),
      requireSameSubject: flag(renewal['requireSameSubject'], true, 'renewal.requireSameSubject'),
      requireSameSubjectAltNames: flag(renewal['requireSameSubjectAltNames'], true, 'renewal.requireSameSubjectAltNames'),
      // Unset: the library decides (yes for Intune profiles and for profiles sharing a CA).
      requireChallenge: renewal['requireChallenge'] === undefined ? undefined : flag(renewal['requireChallenge'], false, 'renewal.requireChallenge'),
    },
    response: { cipher: cipher as ProfileSettings['response']['cipher'], digest: digest as ProfileSettings['response']['digest'] },
    csrPolicy: { minRsaBits: csrPolicy['minRsaBits'] === undefined ? undefined : int(csrPolicy['minRsaBits'], `${where}.csrPolicy.minRsaBits`, 1024, 16384) },
    capabilities: { add: words(caps['add'], 'add'), remove: words(caps['remove'], 'remove') },
    enrollmentAgents,
    intune,
  };
}

export function readSettings(env: Readonly<Record<string, string | undefined>>, o: { readonly cwd: string; readonly randomToken: () => string }): Settings {
  const host = env['HOST'] || '127.0.0.1';
  const port = env['PORT'] === undefined || env['PORT'] === '' ? 8080 : int(env['PORT'], 'PORT', 0, 65535);
  const path = env['SCEP_PATH'] || '/scep';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(path) || path.startsWith('/admin')) throw new ExampleConfigError(`SCEP_PATH must be an absolute URL path (not under /admin), got ${JSON.stringify(path)}`);
  const dataDir = resolve(o.cwd, env['SCEP_DATA_DIR'] || './.scep-data');
  const staticPw = env['SCEP_CHALLENGE'];
  if (staticPw !== undefined && staticPw.trim() === '') throw new ExampleConfigError('SCEP_CHALLENGE is set but empty');
  const challenge: ChallengeSetting = staticPw ? { type: 'static', password: staticPw, generated: false } : { type: 'static', password: o.randomToken(), generated: true };
  const approval = env['SCEP_APPROVAL'] ?? 'auto';
  if (approval !== 'auto' && approval !== 'manual') throw new ExampleConfigError(`SCEP_APPROVAL must be auto or manual, got ${JSON.stringify(approval)}`);
  const base = {
    dataDir,
    challenge,
    legacy: bool(env['SCEP_LEGACY'], 'SCEP_LEGACY'),
    approval: approval as 'auto' | 'manual',
    validityDays: env['SCEP_VALIDITY_DAYS'] ? int(env['SCEP_VALIDITY_DAYS'], 'SCEP_VALIDITY_DAYS', 1, 3650) : 365,
  };
  const adminToken = env['SCEP_ADMIN_TOKEN'];
  if (adminToken !== undefined && adminToken.length < 16) throw new ExampleConfigError('SCEP_ADMIN_TOKEN must be at least 16 characters');
  const workers = env['SCEP_WORKERS'] ? int(env['SCEP_WORKERS'], 'SCEP_WORKERS', 1, 64) : 1;
  const replyCacheEntries = env['SCEP_REPLY_CACHE'] ? int(env['SCEP_REPLY_CACHE'], 'SCEP_REPLY_CACHE', 0, 1_000_000) : 10_000;
  // Off by default: on the 2-core benchmark machine a thread helped at concurrency 8 (throughput,
  // p99) but cost latency at 1-2 and grew RSS (docs/benchmarks.md, proposal 2).
  const unwrapThreads = env['SCEP_UNWRAP_THREADS'] ? int(env['SCEP_UNWRAP_THREADS'], 'SCEP_UNWRAP_THREADS', 0, 16) : 0;
  // 19: the event loop before libuv's signing threads when cores are short (docs/benchmarks.md,
  // proposal 10). 0 turns it off.
  const helperNice = env['SCEP_HELPER_NICE'] ? int(env['SCEP_HELPER_NICE'], 'SCEP_HELPER_NICE', 0, 19) : 19;
  const placement = env['SCEP_KEY_PLACEMENT'] || 'adaptive';
  if (!isPlacement(placement)) throw new ExampleConfigError(`SCEP_KEY_PLACEMENT must be adaptive or offload, got ${JSON.stringify(placement)}`);

  let profiles: ProfileSettings[];
  let defaultProfile: string | undefined = 'default';
  const file = env['SCEP_CONFIG'];
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(resolve(o.cwd, file), 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ExampleConfigError(code ? `SCEP_CONFIG: cannot read ${file}: ${code}` : `SCEP_CONFIG: ${file} is not valid JSON`);
    }
    if (!isObject(json)) throw new ExampleConfigError('SCEP_CONFIG must hold a JSON object');
    only(json, ['profiles', 'defaultProfile'], 'SCEP_CONFIG');
    const ps = json['profiles'];
    if (!isObject(ps) || Object.keys(ps).length === 0) throw new ExampleConfigError('SCEP_CONFIG: "profiles" must be a non-empty object');
    profiles = Object.entries(ps).map(([n, p]) => profileFrom(n, p, base, o.cwd));
    const d = json['defaultProfile'];
    if (d !== undefined && (typeof d !== 'string' || !profiles.some((p) => p.name === d))) throw new ExampleConfigError('SCEP_CONFIG: "defaultProfile" must name one of the profiles');
    defaultProfile = typeof d === 'string' ? d : profiles.some((p) => p.name === 'default') ? 'default' : profiles.length === 1 ? profiles[0]?.name : undefined;
  } else {
    profiles = [profileFrom('default', {}, base, o.cwd)];
  }
  // SCEP_INTUNE_TRUST_ANCHORS turns on offline (signed-challenge) Intune on the default profile.
  const anchors = env['SCEP_INTUNE_TRUST_ANCHORS'];
  const intuneEnv = ['SCEP_INTUNE_AUDIENCE', 'SCEP_INTUNE_MAX_VALIDITY', 'SCEP_INTUNE_RATE_LIMIT'].filter((k) => env[k] !== undefined && env[k] !== '');
  if (!anchors && intuneEnv.length > 0) throw new ExampleConfigError(`${intuneEnv.join(', ')} need SCEP_INTUNE_TRUST_ANCHORS`);
  if (anchors) {
    const target = defaultProfile ?? profiles[0]?.name;
    const intune = {
      model: 'signed-challenge',
      trustAnchors: resolve(o.cwd, anchors),
      ...(env['SCEP_INTUNE_AUDIENCE'] ? { audience: env['SCEP_INTUNE_AUDIENCE'] } : {}),
      ...(env['SCEP_INTUNE_MAX_VALIDITY'] ? { maxValiditySeconds: int(env['SCEP_INTUNE_MAX_VALIDITY'], 'SCEP_INTUNE_MAX_VALIDITY', 60, 30 * 86400) } : {}),
      ...(env['SCEP_INTUNE_RATE_LIMIT'] !== undefined && env['SCEP_INTUNE_RATE_LIMIT'] !== '' ? { rateLimit: int(env['SCEP_INTUNE_RATE_LIMIT'], 'SCEP_INTUNE_RATE_LIMIT', 0, 1000) } : {}),
    };
    profiles = profiles.map((p) => (p.name === target && !p.intune ? { ...p, intune } : p));
  }
  // A generated static challenge is shared by the profiles that did not set one.
  return {
    host,
    port,
    path: path.replace(/\/+$/, '') || '/scep',
    dataDir,
    adminToken: adminToken ?? o.randomToken(),
    adminTokenGenerated: adminToken === undefined,
    profiles: profiles.map((p) => (p.challenge.type === 'static' && p.challenge.generated ? { ...p, challenge } : p)),
    defaultProfile,
    workers,
    replyCacheEntries,
    unwrapThreads,
    keyPlacement: placement,
    helperNice,
    env,
  };
}
