/**
 * Challenge policies (RFC 8894 §2.3, challengePassword). One interface; the server calls
 * `validate` before issuing, `onIssued` after issuing and before replying (an error there turns
 * the reply into a FAILURE: Intune's rule), `onFailed` when an enrollment is refused.
 */
import { nameAttributes, oids, timingSafeEqual, type CertificationRequest, type CryptoProvider, type FailInfo } from '@scep/wire';
import { OldestFirst } from './bounded-map.js';
import type { ChallengeInfo, RejectReason, RequestContext, ScepEvent } from './types.js';

export interface ChallengeInput {
  readonly challengePassword: string | undefined;
  readonly csr: CertificationRequest;
  readonly profile: string;
  readonly transactionId: string;
  readonly messageType: 'PKCSReq' | 'RenewalReq';
  readonly context: RequestContext;
  readonly crypto: CryptoProvider;
  readonly now: Date;
  /** Emits an event into the handler's stream (and counters), e.g. the Intune decision events. */
  readonly emit?: (event: ScepEvent) => void;
}

export type ChallengeVerdict =
  | { readonly ok: true; readonly info: ChallengeInfo }
  | { readonly ok: false; readonly reason: RejectReason; readonly failInfo?: FailInfo }
  /** Not this policy's kind of challenge (mixed mode): the next policy decides. */
  | { readonly ok: 'skip' };

export interface IssuedInfo {
  readonly profile: string;
  readonly transactionId: string;
  readonly csr: CertificationRequest;
  readonly certificate: Uint8Array;
  readonly challenge: ChallengeInfo;
}

export interface FailedInfo {
  readonly profile: string;
  readonly transactionId: string;
  readonly csr: CertificationRequest | undefined;
  readonly reason: RejectReason;
  readonly failInfo: FailInfo;
  readonly challenge: ChallengeInfo | undefined;
}

export interface ChallengeValidator {
  readonly name: string;
  /**
   * Renewals on a profile with this policy are validated too, unless the profile's
   * `renewal.requireChallenge` says otherwise (Intune sets it: it must see every request).
   */
  readonly renewalNeedsChallenge?: boolean;
  validate(input: ChallengeInput): Promise<ChallengeVerdict>;
  onIssued?(info: IssuedInfo, context: RequestContext): Promise<void>;
  onFailed?(info: FailedInfo, context: RequestContext): Promise<void>;
  /** Policy statistics for operators (e.g. Intune outcome counts, trust anchors). */
  stats?(): unknown;
  /** Reloads policy material (e.g. Intune trust anchors). */
  reload?(): Promise<unknown>;
}

const utf8 = new TextEncoder();

/**
 * The CSR subject's commonName when it has exactly one, for binding checks. With several, a
 * binding that looked at one of them (which?) would let the others through into the certificate
 * ("CN=Domain Admin, CN=device1" bound to device1): no CN to match then, so a bound check fails.
 */
export function soleCommonName(csr: Pick<CertificationRequest, 'subject'>): string | undefined {
  const cns = nameAttributes(csr.subject, oids.id_at_commonName);
  return cns.length === 1 ? cns[0] : undefined;
}

/**
 * A static shared password (or several, for rotation). Compared in constant time over SHA-256
 * digests, so neither content nor length leaks through timing. With `onMismatch: 'skip'` a wrong
 * password is left to the next policy of a firstMatchChallenge (cheap check first).
 */
export function staticChallenge(passwords: string | readonly string[], options: { readonly onMismatch?: 'refuse' | 'skip' } = {}): ChallengeValidator {
  const list = typeof passwords === 'string' ? [passwords] : [...passwords];
  if (list.length === 0 || list.some((p) => typeof p !== 'string' || p.length === 0)) throw new TypeError('staticChallenge needs non-empty passwords');
  let digests: Uint8Array[] | undefined;
  return {
    name: 'static',
    async validate(input) {
      if (input.challengePassword === undefined) return { ok: false, reason: 'challenge_missing' };
      digests ??= await Promise.all(list.map(async (p) => input.crypto.digest('SHA-256', utf8.encode(p))));
      const got = await input.crypto.digest('SHA-256', utf8.encode(input.challengePassword));
      let match = false;
      for (const d of digests) match = timingSafeEqual(d, got) || match; // no early exit
      if (match) return { ok: true, info: { policy: 'static' } };
      return options.onMismatch === 'skip' ? { ok: 'skip' } : { ok: false, reason: 'challenge_invalid' };
    },
  };
}

/** No challenge at all. Only ever used when chosen explicitly. */
export function noChallenge(): ChallengeValidator {
  return { name: 'none', validate: async () => ({ ok: true, info: { policy: 'none' } }) };
}

/** A webhook-style custom validator: your function decides. */
export function customChallenge(
  validate: (input: ChallengeInput) => Promise<boolean | ChallengeVerdict>,
  options: { readonly name?: string } = {},
): ChallengeValidator {
  const name = options.name ?? 'custom';
  return {
    name,
    async validate(input) {
      const v = await validate(input);
      if (v === true) return { ok: true, info: { policy: name } };
      if (v === false) return { ok: false, reason: input.challengePassword === undefined ? 'challenge_missing' : 'challenge_invalid' };
      return v;
    },
  };
}

/**
 * Mixed mode: the first validator that does not skip decides (e.g. Intune, then a static fallback).
 * Which one decided travels in the ChallengeInfo itself (`details.firstMatch`, a path of indexes
 * through nested firstMatchChallenges), not in memory: a PENDING entry may come back from a store
 * as a copy (another process, JSON), and its onIssued must still reach the validator that
 * accepted it (Intune: no certificate without the success notification).
 */
export function firstMatchChallenge(...validators: ChallengeValidator[]): ChallengeValidator {
  if (validators.length === 0) throw new TypeError('firstMatchChallenge needs validators');
  const VIA = 'firstMatch';
  const route = (info: ChallengeInfo | undefined): { v: ChallengeValidator; info: ChallengeInfo } | undefined => {
    const path = info?.details?.[VIA];
    if (!info || !Array.isArray(path) || path.length === 0) return undefined;
    const [i, ...rest] = path as unknown[];
    const v = typeof i === 'number' ? validators[i] : undefined;
    if (!v) return undefined;
    const { [VIA]: _drop, ...details } = info.details ?? {};
    return { v, info: { ...info, details: rest.length > 0 ? { ...details, [VIA]: rest } : details } };
  };
  return {
    name: validators.map((v) => v.name).join('|'),
    renewalNeedsChallenge: validators.some((v) => v.renewalNeedsChallenge === true),
    async validate(input) {
      for (const [i, v] of validators.entries()) {
        const verdict = await v.validate(input);
        if (verdict.ok === 'skip') continue;
        if (verdict.ok !== true) return verdict;
        const inner = verdict.info.details?.[VIA];
        const path = Array.isArray(inner) ? [i, ...(inner as unknown[])] : [i];
        return { ok: true, info: { ...verdict.info, details: { ...verdict.info.details, [VIA]: path } } };
      }
      return { ok: false, reason: input.challengePassword === undefined ? 'challenge_missing' : 'challenge_invalid' };
    },
    async onIssued(info, ctx) {
      const r = route(info.challenge);
      if (r) await r.v.onIssued?.({ ...info, challenge: r.info }, ctx);
    },
    async onFailed(info, ctx) {
      const r = route(info.challenge);
      if (r) await r.v.onFailed?.({ ...info, challenge: r.info }, ctx);
    },
  };
}

// --- One-time dynamic challenges ------------------------------------------------------------------

/** Optional binding of a one-time challenge to what the CSR may ask for. */
export interface ChallengeBinding {
  /** The CSR's subject commonName must equal this. */
  readonly commonName?: string;
  /** An opaque device identifier, returned in the challenge info for the issue hook. */
  readonly device?: string;
}

export interface ChallengeRecord {
  readonly profile: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly binding: ChallengeBinding | undefined;
}

/** What a request offers a one-time challenge: plain data, so a store can live in another process. */
export interface ChallengeMatch {
  readonly profile: string;
  /** The CSR's subject commonName. */
  readonly commonName: string | undefined;
}

/** The rule every ChallengeStore applies: same profile, and the binding (if any) satisfied. */
export function challengeMatches(record: ChallengeRecord, match: ChallengeMatch): boolean {
  return record.profile === match.profile && (record.binding?.commonName === undefined || record.binding.commonName === match.commonName);
}

export interface ChallengeStore {
  /** Stores a new challenge and returns it. */
  mint(options: { readonly profile: string; readonly ttlMs: number; readonly binding?: ChallengeBinding; readonly now: Date }): Promise<{ readonly challenge: string; readonly record: ChallengeRecord }>;
  /**
   * Atomically takes the record for `challenge` if it exists, has not expired and
   * `challengeMatches(record, match)`; it can never be taken twice. Returns undefined otherwise
   * (and leaves a record that did not match in place).
   */
  consume(challenge: string, match: ChallengeMatch, now: Date): Promise<ChallengeRecord | undefined>;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The in-memory ChallengeStore: bounded (oldest evicted first), expired entries swept as it goes. */
export class InMemoryChallengeStore implements ChallengeStore {
  private readonly entries = new Map<string, ChallengeRecord>();
  private readonly oldest = new OldestFirst(this.entries);
  private readonly maxEntries: number;
  private readonly random: (n: number) => Uint8Array;

  constructor(options: { readonly maxEntries?: number; readonly random?: (n: number) => Uint8Array } = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.random = options.random ?? ((n): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n)));
  }

  get size(): number {
    return this.entries.size;
  }

  async mint(o: { readonly profile: string; readonly ttlMs: number; readonly binding?: ChallengeBinding; readonly now: Date }): Promise<{ challenge: string; record: ChallengeRecord }> {
    if (!(o.ttlMs > 0)) throw new TypeError('ttlMs must be positive');
    this.sweep(o.now);
    // 32 characters from A-Z a-z 0-9 (~190 bits): PrintableString-safe, so every client can carry it.
    let challenge = '';
    while (challenge.length < 32) for (const b of this.random(32)) if ((b & 0x3f) < 62 && challenge.length < 32) challenge += B64URL[b & 0x3f];
    const record: ChallengeRecord = { profile: o.profile, createdAt: o.now, expiresAt: new Date(o.now.getTime() + o.ttlMs), binding: o.binding };
    if (this.entries.size < this.maxEntries) this.oldest.reset();
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.oldest.key() as string);
    this.entries.set(challenge, record);
    return { challenge, record };
  }

  async consume(challenge: string, match: ChallengeMatch, now: Date): Promise<ChallengeRecord | undefined> {
    const r = this.entries.get(challenge);
    if (!r) return undefined;
    if (r.expiresAt.getTime() <= now.getTime()) {
      this.entries.delete(challenge);
      return undefined;
    }
    if (!challengeMatches(r, match)) return undefined;
    this.entries.delete(challenge); // same tick as the check: no second caller can see it
    return r;
  }

  private sweep(now: Date): void {
    let n = 0;
    for (const [k, r] of this.entries) {
      if (++n > 64) break; // bounded work per call; insertion order ~ expiry order for equal TTLs
      if (r.expiresAt.getTime() <= now.getTime()) this.entries.delete(k);
    }
  }
}

/**
 * One-time challenges from a ChallengeStore, checked against the profile and the optional binding.
 * With `skipUnknown`, a password the store does not know is left to the next policy of a
 * firstMatchChallenge (e.g. one-time challenges alongside a static one).
 */
export function dynamicChallenge(store: ChallengeStore, options: { readonly skipUnknown?: boolean } = {}): ChallengeValidator {
  return {
    name: 'dynamic',
    async validate(input) {
      const pw = input.challengePassword;
      if (pw === undefined) return { ok: false, reason: 'challenge_missing' };
      const record = await store.consume(pw, { profile: input.profile, commonName: soleCommonName(input.csr) }, input.now);
      if (!record) return options.skipUnknown ? { ok: 'skip' } : { ok: false, reason: 'challenge_invalid' };
      return { ok: true, info: { policy: 'dynamic', details: { device: record.binding?.device, expiresAt: record.expiresAt.toISOString() } } };
    },
  };
}
