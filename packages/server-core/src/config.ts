/** Validates a ScepServerConfig once and precomputes what every request needs. */
import {
  buildCaCaps,
  buildCaCertResponse,
  certificateFromConfig,
  equalBytes,
  isLegacyAllowed,
  namesMatch,
  type CaCertResponse,
  type Certificate,
  type EnvelopeRecipient,
  type LegacyPolicy,
  type PrivateKeyHandle,
} from '@scep/wire';
import { InMemoryPendingStore, type PendingStore } from './pending.js';
import { InMemoryReplyCache, type ReplyCache } from './reply-cache.js';
import type { KeyPair, ProfileConfig, ScepServerConfig } from './types.js';

/** A configuration mistake: thrown by createScepHandler, never at request time. */
export class ScepConfigError extends Error {
  readonly code = 'ERR_SCEP_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScepConfigError';
  }
}

export interface Signer {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
}

export interface PreparedProfile {
  readonly name: string;
  readonly config: ProfileConfig;
  readonly caChain: readonly Certificate[];
  readonly issuingCa: Certificate;
  /** CAs whose certificates may sign renewals: the issuing CA and, during a rollover, the next one. */
  readonly renewalIssuers: readonly Certificate[];
  readonly signer: Signer;
  readonly recipients: readonly EnvelopeRecipient[];
  readonly caCert: CaCertResponse;
  readonly nextCaChain: readonly Certificate[] | undefined;
  readonly capabilities: readonly string[];
  /** The GetCACaps body (UTF-8). */
  readonly capsBytes: Uint8Array;
  readonly legacy: LegacyPolicy | undefined;
  readonly pendingStore: PendingStore;
  readonly replyCache: ReplyCache | undefined;
  readonly replyCacheTtlMs: number;
  readonly mtlsTrust: readonly Certificate[] | undefined;
  readonly mtlsRequired: boolean;
  readonly renewalEnabled: boolean;
  readonly renewalGraceMs: number;
  readonly renewalSameSubject: boolean;
  readonly renewalSameAltNames: boolean;
  readonly renewalChallenge: boolean;
  /** Who may sign a first enrollment for another key: nobody, anybody, or chains to these anchors. */
  readonly enrollmentAgents: 'none' | 'any' | readonly Certificate[];
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function cert(c: Uint8Array | Certificate, what: string): Certificate {
  try {
    return certificateFromConfig(c, what);
  } catch (err) {
    throw new ScepConfigError(`${what} is not a DER X.509 certificate`, { cause: err });
  }
}

function pair(p: KeyPair, what: string): Signer {
  const certificate = cert(p.certificate, `${what} certificate`);
  if (!p.key || typeof p.key.sign !== 'function') throw new ScepConfigError(`${what} key is not a PrivateKeyHandle`);
  if (!equalBytes(p.key.publicKeyInfo, certificate.publicKey.der)) throw new ScepConfigError(`${what} key does not match its certificate`);
  return { certificate, key: p.key };
}

/** RFC 8894 §2.1.2 wants digitalSignature (to sign CertReps) and keyEncipherment (to receive keys). */
function usageWarnings(c: Certificate, what: string, needs: readonly ('digitalSignature' | 'keyEncipherment')[]): string[] {
  if (!c.keyUsage) return [];
  return needs.filter((u) => !c.keyUsage?.has(u)).map((u) => `${what} "${c.subject.rdns.flat().map((a) => a.value).join(', ')}" lacks keyUsage ${u} (RFC 8894 §2.1.2); some clients will refuse it`);
}

/** The GetCACaps list this profile really supports (RFC 8894 §3.5.2). */
export function deriveCapabilities(p: ProfileConfig, hasNextCa: boolean): string[] {
  const caps = ['AES', 'POSTPKIOperation', 'SCEPStandard', 'SHA-256', 'SHA-384', 'SHA-512'];
  // strongSwan 5.9.8 tests caps with bit indexes as masks: SHA-384 must be listed for --cipher aes
  // and --digest sha256 to be accepted (SCEP-NOTES §2). We support SHA-384 anyway.
  if (isLegacyAllowed(p.legacy, 'DES-EDE3-CBC')) caps.splice(1, 0, 'DES3');
  if (isLegacyAllowed(p.legacy, 'SHA-1')) caps.push('SHA-1');
  if (p.renewal?.enabled !== false) caps.push('Renewal');
  if (hasNextCa) caps.push('GetNextCACert');
  const remove = new Set((p.capabilities?.remove ?? []).map((c) => c.toLowerCase()));
  const out = caps.filter((c) => !remove.has(c.toLowerCase()));
  for (const c of p.capabilities?.add ?? []) if (!out.some((x) => x.toLowerCase() === c.toLowerCase())) out.push(c);
  return out;
}

export function prepareProfile(name: string, p: ProfileConfig, warnings: string[]): PreparedProfile {
  if (!NAME.test(name)) throw new ScepConfigError(`profile name ${JSON.stringify(name)} must match ${NAME}`);
  const what = `profile ${name}`;
  if (!p || typeof p !== 'object') throw new ScepConfigError(`${what}: not an object`);
  if (!p.ca?.certificates?.length) throw new ScepConfigError(`${what}: ca.certificates is empty`);
  const caChain = p.ca.certificates.map((c, i) => cert(c, `${what} ca.certificates[${i}]`));
  const issuingCa = caChain[0] as Certificate;
  if (typeof p.issue !== 'function') throw new ScepConfigError(`${what}: issue must be a function`);
  if (!p.challenge || typeof p.challenge.validate !== 'function') throw new ScepConfigError(`${what}: challenge must be a ChallengeValidator (use noChallenge() to go without)`);
  if (p.ca.key && !equalBytes(p.ca.key.publicKeyInfo, issuingCa.publicKey.der)) throw new ScepConfigError(`${what}: ca.key does not match the issuing CA certificate`);

  let signer: Signer;
  const recipients: EnvelopeRecipient[] = [];
  const raCerts: Certificate[] = [];
  if (p.ra) {
    signer = pair(p.ra.signer, `${what} ra.signer`);
    raCerts.push(signer.certificate);
    const dec = p.ra.decrypter ? pair(p.ra.decrypter, `${what} ra.decrypter`) : undefined;
    if (dec) {
      raCerts.push(dec.certificate);
      recipients.push(dec);
    }
    if (signer.key.unwrapKey) recipients.push(signer);
    warnings.push(...usageWarnings(signer.certificate, `${what}: RA signing certificate`, ['digitalSignature']));
    if (dec) warnings.push(...usageWarnings(dec.certificate, `${what}: RA decryption certificate`, ['keyEncipherment']));
    else warnings.push(...usageWarnings(signer.certificate, `${what}: RA certificate`, ['keyEncipherment']));
  } else {
    if (!p.ca.key) throw new ScepConfigError(`${what}: without an RA, ca.key is needed (the CA acts as RA)`);
    signer = { certificate: issuingCa, key: p.ca.key };
    recipients.push(signer);
    warnings.push(...usageWarnings(issuingCa, `${what}: CA certificate (acting as RA)`, ['digitalSignature', 'keyEncipherment']));
  }
  if (p.ca.key?.unwrapKey && p.ra) recipients.push({ certificate: issuingCa, key: p.ca.key });
  if (recipients.length === 0) throw new ScepConfigError(`${what}: no key can decrypt requests (needs unwrapKey)`);
  if (signer.key.keyType !== 'RSA' && signer.key.keyType !== 'EC') throw new ScepConfigError(`${what}: the CertRep signer must be RSA or EC`);

  const nextCaChain = p.nextCa?.certificates.map((c, i) => cert(c, `${what} nextCa.certificates[${i}]`));
  // GetCACert: RA certificates first, then the CA chain (certmonger and jscep pick the RA by usage).
  const getCaCert = [...raCerts, ...caChain].map((c) => c.der);
  const capabilities = deriveCapabilities(p, nextCaChain !== undefined);
  const mtlsTrust = p.mtls?.trust.map((c, i) => cert(c, `${what} mtls.trust[${i}]`));
  if (p.mtls && (!mtlsTrust || mtlsTrust.length === 0)) throw new ScepConfigError(`${what}: mtls.trust is empty`);
  const agents = p.enrollmentAgents ?? 'any';
  let enrollmentAgents: PreparedProfile['enrollmentAgents'];
  if (agents === 'none' || agents === 'any') enrollmentAgents = agents;
  else if (agents && typeof agents === 'object' && Array.isArray(agents.trust) && agents.trust.length > 0) {
    enrollmentAgents = agents.trust.map((c, i) => cert(c, `${what} enrollmentAgents.trust[${i}]`));
  } else throw new ScepConfigError(`${what}: enrollmentAgents must be 'none', 'any' or { trust: [certificates] } with at least one certificate`);
  return {
    name,
    config: p,
    caChain,
    issuingCa,
    renewalIssuers: nextCaChain?.[0] ? [issuingCa, nextCaChain[0]] : [issuingCa],
    signer,
    recipients,
    caCert: buildCaCertResponse(getCaCert, { forceChain: p.caCertAsChain ?? false }),
    nextCaChain,
    capabilities,
    capsBytes: new TextEncoder().encode(buildCaCaps(capabilities)),
    legacy: p.legacy,
    pendingStore: p.pendingStore ?? new InMemoryPendingStore(),
    replyCache: p.replyCache === false ? undefined : (p.replyCache ?? new InMemoryReplyCache()),
    replyCacheTtlMs: p.replyCacheTtlMs ?? 10 * 60_000,
    mtlsTrust,
    mtlsRequired: p.mtls ? p.mtls.required !== false : false,
    renewalEnabled: p.renewal?.enabled !== false,
    renewalGraceMs: p.renewal?.graceMs ?? 0,
    renewalSameSubject: p.renewal?.requireSameSubject !== false,
    renewalSameAltNames: p.renewal?.requireSameSubjectAltNames !== false,
    // prepareConfig may still turn it on when another profile shares the CA.
    renewalChallenge: p.renewal?.requireChallenge ?? p.challenge.renewalNeedsChallenge === true,
    enrollmentAgents,
  };
}

export function prepareConfig(config: ScepServerConfig): { profiles: Map<string, PreparedProfile>; defaultProfile: string | undefined; base: string; warnings: string[] } {
  if (!config || typeof config !== 'object') throw new ScepConfigError('config must be an object');
  if (!config.crypto) throw new ScepConfigError('config.crypto is required (e.g. nodeCrypto() from @scep/wire/node)');
  const names = Object.keys(config.profiles ?? {});
  if (names.length === 0) throw new ScepConfigError('config.profiles is empty');
  const warnings: string[] = [];
  const profiles = new Map<string, PreparedProfile>();
  for (const n of names) profiles.set(n, prepareProfile(n, config.profiles[n] as ProfileConfig, warnings));
  // A certificate from one profile would renew on another that issues from the same CA, without
  // that profile's challenge: unless the profile decided, ask renewals there for a challenge too.
  for (const [n, prof] of profiles) {
    if (prof.renewalChallenge || !prof.renewalEnabled || prof.config.renewal?.requireChallenge !== undefined) continue;
    // The same CA for renewal is a name and a key (isIssuedBy checks no more), not the same bytes:
    // a re-issued CA certificate counts too.
    const sameCa = (a: Certificate, b: Certificate): boolean => equalBytes(a.publicKey.der, b.publicKey.der) && namesMatch(a.subject, b.subject);
    const shared = [...profiles].filter(([o, q]) => o !== n && q.renewalIssuers.some((a) => prof.renewalIssuers.some((b) => sameCa(a, b)))).map(([o]) => o);
    if (shared.length === 0) continue;
    profiles.set(n, { ...prof, renewalChallenge: true });
    warnings.push(`profile ${n}: shares its CA with ${shared.join(', ')}, so renewals need a challenge too (set renewal.requireChallenge to decide)`);
  }
  const defaultProfile = config.defaultProfile ?? (profiles.has('default') ? 'default' : names.length === 1 ? names[0] : undefined);
  if (defaultProfile !== undefined && !profiles.has(defaultProfile)) throw new ScepConfigError(`defaultProfile ${defaultProfile} is not a profile`);
  const base = (config.path ?? '/scep').replace(/\/+$/, '');
  if (!base.startsWith('/')) throw new ScepConfigError('path must start with /');
  for (const [k, v] of [['maxBodySize', config.maxBodySize], ['maxMessageSize', config.maxMessageSize]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new ScepConfigError(`${k} must be a positive integer`);
  }
  return { profiles, defaultProfile, base, warnings };
}
