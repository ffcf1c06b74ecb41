/**
 * PKIOperation after the message verified: open the envelope, then per messageType —
 * PKCSReq / RenewalReq: renewal check or challenge, CSR policy, issue hook, reply (RFC 8894 §3.3.1);
 * CertPoll: the pending transaction (§3.3.3); GetCert / GetCRL: the optional hooks (§3.3.4-5).
 */
import {
  canEncryptTo,
  formatName,
  isScepError,
  isSelfIssued,
  isWithinValidity,
  namesMatch,
  openPkiRequest,
  parseCertificate,
  parseCsr,
  equalBytes,
  toHex,
  type CertRepResult,
  type Certificate,
  type CertificationRequest,
  type CipherName,
  type CryptoProvider,
  type FailInfo,
  type GeneralName,
  type PkiMessage,
  type PublicKeyInfo,
  type ScepRequest,
  copyBytes,
} from '@scep/wire';
import { isIssuedBy, verifyChain } from './chain.js';
import type { ChallengeVerdict } from './challenge.js';
import type { PreparedProfile } from './config.js';
import { evaluateCsrPolicy } from './csr-policy.js';
import type { ChallengeInfo, EnrollmentKind, IssueResult, RejectReason, RequestContext, ScepEvent, ScepServerConfig } from './types.js';

export interface Outcome {
  readonly result: CertRepResult;
  /** The request's content cipher, for replying in kind. */
  readonly requestCipher: CipherName | undefined;
}

export interface Env {
  readonly config: ScepServerConfig;
  readonly crypto: CryptoProvider;
  readonly now: () => Date;
  readonly emit: (e: ScepEvent) => void;
  readonly internal: (err: unknown, profile: string | undefined, operation: string | undefined) => void;
}

/** Pending transactions live 7 days unless the store says otherwise. */
const PENDING_TTL_MS = 7 * 24 * 3600 * 1000;

class Rejection {
  constructor(
    readonly reason: RejectReason,
    readonly failInfo: FailInfo,
  ) {}
}

const failure = (failInfo: FailInfo): CertRepResult => ({ status: 'FAILURE', failInfo });

export async function processPkiMessage(p: PreparedProfile, m: PkiMessage, ctx: RequestContext, env: Env): Promise<Outcome> {
  let requestCipher: CipherName | undefined;
  const reject = (r: Rejection): Outcome => {
    env.emit({ type: 'rejected', profile: p.name, transactionId: m.transactionId, messageType: m.messageType, reason: r.reason, failInfo: r.failInfo, remoteAddress: ctx.remoteAddress });
    return { result: failure(r.failInfo), requestCipher };
  };
  try {
    if (m.messageType === 'CertRep') throw new Rejection('unsupported_message_type', 'badRequest');
    // A SUCCESS reply is key-transported to the requester's signer key: refuse up front, before
    // consuming a challenge or issuing anything, when that cannot be done (RSA only).
    if (!canEncryptTo(m.signer)) throw new Rejection('cannot_encrypt_reply', 'badAlg');
    // Decided by the messageType alone, so before anything is decrypted (see below).
    if ((m.messageType === 'GetCert' && !p.config.getCert) || (m.messageType === 'GetCRL' && !p.config.getCrl)) throw new Rejection('not_supported', 'badRequest');
    let opened: Awaited<ReturnType<typeof openPkiRequest>>;
    try {
      opened = await openPkiRequest(m, { recipients: p.recipients, crypto: env.crypto, legacy: p.legacy });
    } catch (err) {
      if (!isScepError(err)) throw err;
      env.internal(err, p.name, m.messageType);
      // Past the unwrap the codec reports one DecryptionError whatever went wrong (a padding
      // oracle otherwise): the reply says badMessageCheck, only the event names the cause.
      const cause = err.code === 'ERR_DECRYPTION_FAILED' && isScepError(err.cause) ? err.cause : undefined;
      const what = cause ?? err;
      const reason: RejectReason =
        what.code === 'ERR_RECIPIENT_NOT_FOUND' ? 'wrong_recipient' : what.code === 'ERR_DECRYPTION_FAILED' ? 'decrypt_failed' : what.code === 'ERR_CSR_SIGNATURE_INVALID' ? 'csr_signature' : what.failInfo === 'badAlg' ? 'unsupported_algorithm' : 'malformed';
      // CertPoll, GetCert and GetCRL answer badCertId when their (decodable) content names nothing
      // known: content that does not decode must get the same answer, or the reply would tell
      // decodable from not, a weaker oracle of the same kind.
      const lookup = m.messageType === 'CertPoll' || m.messageType === 'GetCert' || m.messageType === 'GetCRL';
      throw new Rejection(reason, err.code === 'ERR_DECRYPTION_FAILED' && lookup ? 'badCertId' : err.failInfo);
    }
    requestCipher = opened.envelope.cipher;
    const result = await handleRequest(p, m, opened.request, ctx, env, requestCipher);
    return { result, requestCipher };
  } catch (err) {
    if (err instanceof Rejection) return reject(err);
    env.internal(err, p.name, m.messageType);
    return reject(new Rejection('internal_error', 'badRequest'));
  }
}

async function handleRequest(p: PreparedProfile, m: PkiMessage, req: ScepRequest, ctx: RequestContext, env: Env, cipher: CipherName): Promise<CertRepResult> {
  switch (req.type) {
    case 'PKCSReq':
    case 'RenewalReq':
      return enroll(p, m, req.type, req.csr, ctx, env, cipher);
    case 'CertPoll':
      return poll(p, m, req.subject, ctx, env, cipher);
    case 'GetCert':
    case 'GetCRL': {
      const hook = req.type === 'GetCert' ? p.config.getCert : p.config.getCrl;
      if (!hook) throw new Rejection('not_supported', 'badRequest');
      const der = await hook({ issuer: req.issuer, serialNumber: req.serialNumber, profile: p.name }, ctx);
      if (!der) throw new Rejection('unknown_transaction', 'badCertId');
      env.emit({ type: 'served', profile: p.name, operation: req.type });
      return req.type === 'GetCert' ? { status: 'SUCCESS', certificates: [der] } : { status: 'SUCCESS', crls: [der] };
    }
  }
}

/** Decides whether the request is a renewal: signed by a valid certificate this profile's CA issued. */
async function renewalSigner(p: PreparedProfile, m: PkiMessage, env: Env): Promise<Certificate | undefined> {
  const signer = m.signer;
  if (isSelfIssued(signer)) return undefined;
  for (const ca of p.renewalIssuers) if (await isIssuedBy(signer, ca, env.crypto, p.legacy)) return signer;
  return undefined;
}

/** The same key, however each SubjectPublicKeyInfo spells its algorithm (RSA with or without NULL parameters). */
function sameKey(a: PublicKeyInfo, b: PublicKeyInfo): boolean {
  return equalBytes(a.der, b.der) || (a.type === 'RSA' && b.type === 'RSA' && equalBytes(a.keyBits, b.keyBits));
}

/** Whether this message's signer may ask for a certificate for the CSR's key, under enrollmentAgents 'none' or { trust }. */
async function mayEnrollFor(p: PreparedProfile, agents: 'none' | readonly Certificate[], m: PkiMessage, csr: CertificationRequest, now: Date, env: Env): Promise<boolean> {
  if (sameKey(m.signer.publicKey, csr.publicKey)) return true;
  if (agents === 'none') return false;
  // At most a few intermediates from the message: each costs signature checks.
  const intermediates = m.certificates.filter((c) => c !== m.signer).slice(0, 4);
  const v = await verifyChain(m.signer, intermediates, agents, { crypto: env.crypto, now, legacy: p.legacy, keyUsage: 'digitalSignature' });
  if (!v.ok) env.internal(new Error(`enrollment agent: ${v.reason}`), p.name, m.messageType);
  return v.ok;
}

async function enroll(p: PreparedProfile, m: PkiMessage, type: 'PKCSReq' | 'RenewalReq', csr: CertificationRequest, ctx: RequestContext, env: Env, cipher: CipherName): Promise<CertRepResult> {
  const now = env.now();
  const previous = await renewalSigner(p, m, env);
  let kind: EnrollmentKind = 'enroll';
  if (type === 'RenewalReq') {
    if (!p.renewalEnabled) throw new Rejection('renewal_disabled', 'badRequest');
    if (!previous) throw new Rejection('renewal_invalid_signer', 'badMessageCheck');
    kind = 'renew';
  } else if (previous && p.renewalEnabled) {
    kind = 'renew'; // certmonger and Apple renew with a PKCSReq signed by the current certificate
  }
  if (kind === 'renew' && previous) {
    if (!isWithinValidity(previous, now, p.renewalGraceMs)) throw new Rejection('renewal_invalid_signer', 'badMessageCheck');
    if (p.renewalSameSubject && !namesMatch(csr.subject, previous.subject)) throw new Rejection('renewal_subject_mismatch', 'badRequest');
    if (p.renewalSameAltNames && !csr.subjectAltNames.every((n) => previous.subjectAltNames.some((o) => sameGeneralName(n, o)))) {
      throw new Rejection('renewal_san_mismatch', 'badRequest');
    }
  }

  // Before the challenge, so that a re-signed recording cannot use it up.
  // With the default 'any' there is nothing to check, and no await on the way.
  if (kind === 'enroll' && !previous && p.enrollmentAgents !== 'any' && !(await mayEnrollFor(p, p.enrollmentAgents, m, csr, now, env))) {
    throw new Rejection('signer_key_mismatch', 'badMessageCheck');
  }

  let challenge: ChallengeInfo | undefined;
  if (kind === 'enroll' || p.renewalChallenge) {
    let verdict: ChallengeVerdict;
    try {
      verdict = await p.config.challenge.validate({ challengePassword: csr.challengePassword, csr, profile: p.name, transactionId: m.transactionId, messageType: type, context: ctx, crypto: env.crypto, now, emit: env.emit });
    } catch (err) {
      env.internal(err, p.name, 'challenge');
      throw new Rejection('challenge_invalid', 'badRequest');
    }
    if (verdict.ok !== true) {
      const reason = verdict.ok === 'skip' ? (csr.challengePassword === undefined ? 'challenge_missing' : 'challenge_invalid') : verdict.reason;
      const failInfo = verdict.ok === 'skip' ? 'badRequest' : (verdict.failInfo ?? 'badRequest');
      await notifyFailed(p, m, csr, reason, failInfo, undefined, ctx, env);
      throw new Rejection(reason, failInfo);
    }
    challenge = verdict.info;
  }

  const policy = await evaluateCsrPolicy(csr, p.config.csrPolicy, { profile: p.name, kind, challenge, context: ctx });
  if (!policy.ok) {
    env.internal(new Error(`CSR policy: ${policy.reason}`), p.name, type);
    await notifyFailed(p, m, csr, 'csr_policy', 'badRequest', challenge, ctx, env);
    throw new Rejection('csr_policy', 'badRequest');
  }

  const result = await p.config.issue({ profile: p.name, transactionId: m.transactionId, messageType: type, kind, csr, previous, challenge, attempt: 'initial' }, ctx);
  if (result.status === 'pending') {
    const stored = await p.pendingStore.put({
      profile: p.name,
      transactionId: m.transactionId,
      kind,
      messageType: type,
      // Copies: the parsed message holds views into the request buffer, which must not be kept alive.
      csr: copyBytes(csr.der),
      previous: previous ? copyBytes(previous.der) : undefined,
      challenge,
      createdAt: now,
      expiresAt: new Date(now.getTime() + PENDING_TTL_MS),
      result: undefined,
      signerKey: copyBytes(m.signer.publicKey.der),
    }, now);
    // A transactionID PENDING for another signer key is theirs (it travels in the clear). The store
    // decides, atomically; no lookup before (with a shared store it is an IPC round trip per request).
    // The issue hook has seen this request by now: the challenge policy hears of the refusal.
    if (stored === false) {
      await notifyFailed(p, m, csr, 'transaction_conflict', 'badRequest', challenge, ctx, env);
      throw new Rejection('transaction_conflict', 'badRequest');
    }
    env.emit({ type: 'pending', profile: p.name, transactionId: m.transactionId, subject: formatName(csr.subject) });
    return { status: 'PENDING' };
  }
  return deliver(p, m, type, kind, csr, challenge, result, ctx, env, cipher);
}

async function notifyFailed(p: PreparedProfile, m: PkiMessage, csr: CertificationRequest | undefined, reason: RejectReason, failInfo: FailInfo, challenge: ChallengeInfo | undefined, ctx: RequestContext, env: Env): Promise<void> {
  try {
    await p.config.challenge.onFailed?.({ profile: p.name, transactionId: m.transactionId, csr, reason, failInfo, challenge }, ctx);
  } catch (err) {
    env.internal(err, p.name, 'challenge.onFailed');
  }
}

/** Turns an issued/rejected result into the reply, after the challenge's onIssued hook agreed. */
async function deliver(
  p: PreparedProfile,
  m: PkiMessage,
  type: 'PKCSReq' | 'RenewalReq',
  kind: EnrollmentKind,
  csr: CertificationRequest,
  challenge: ChallengeInfo | undefined,
  result: Exclude<IssueResult, { status: 'pending' }>,
  ctx: RequestContext,
  env: Env,
  cipher: CipherName,
): Promise<CertRepResult> {
  if (result.status === 'rejected') {
    env.internal(new Error(`issue hook rejected: ${result.reason ?? 'no reason given'}`), p.name, type);
    await notifyFailed(p, m, csr, 'issuer_rejected', result.failInfo ?? 'badRequest', challenge, ctx, env);
    throw new Rejection('issuer_rejected', result.failInfo ?? 'badRequest');
  }
  let issued: Certificate;
  try {
    issued = parseCertificate(result.certificate);
  } catch (err) {
    env.internal(err, p.name, 'issue');
    throw new Rejection('internal_error', 'badRequest');
  }
  if (!equalBytes(issued.publicKey.der, csr.publicKey.der)) {
    env.internal(new Error('the issue hook returned a certificate for another key'), p.name, 'issue');
    throw new Rejection('internal_error', 'badRequest');
  }
  if (challenge) {
    try {
      await p.config.challenge.onIssued?.({ profile: p.name, transactionId: m.transactionId, csr, certificate: result.certificate, challenge }, ctx);
    } catch (err) {
      // Intune's rule: no certificate when the success notification fails.
      env.internal(err, p.name, 'challenge.onIssued');
      throw new Rejection('issuer_rejected', 'badRequest');
    }
  }
  env.emit({
    type: kind === 'renew' ? 'renewed' : 'enrolled',
    profile: p.name,
    transactionId: m.transactionId,
    messageType: type,
    subject: formatName(issued.subject),
    serialNumber: toHex(issued.serialNumber),
    challenge: challenge?.policy,
    cipher,
    digest: m.digest,
    remoteAddress: ctx.remoteAddress,
  });
  return { status: 'SUCCESS', certificates: [result.certificate, ...(result.chain ?? p.caChain.map((c) => c.der))] };
}

async function poll(p: PreparedProfile, m: PkiMessage, subject: CertificationRequest['subject'], ctx: RequestContext, env: Env, cipher: CipherName): Promise<CertRepResult> {
  const entry = await p.pendingStore.get(p.name, m.transactionId, env.now());
  if (!entry) throw new Rejection('unknown_transaction', 'badCertId');
  // Only the requester may poll its transaction out (same signing key as the original request).
  if (!equalBytes(entry.signerKey, m.signer.publicKey.der)) throw new Rejection('unknown_transaction', 'badCertId');
  const csr = parseCsr(entry.csr);
  if (!namesMatch(subject, csr.subject)) throw new Rejection('unknown_transaction', 'badCertId');
  env.emit({ type: 'served', profile: p.name, operation: 'CertPoll' });
  let result = entry.result;
  if (!result) {
    const r = await p.config.issue(
      { profile: p.name, transactionId: m.transactionId, messageType: entry.messageType, kind: entry.kind, csr, previous: entry.previous ? parseCertificate(entry.previous) : undefined, challenge: entry.challenge, attempt: 'poll' },
      ctx,
    );
    if (r.status === 'pending') return { status: 'PENDING' };
    result = r;
  }
  await p.pendingStore.delete(p.name, m.transactionId);
  return deliver(p, m, entry.messageType, entry.kind, csr, entry.challenge, result, ctx, env, cipher);
}

/** One subjectAltName equal to another: DNS names and e-mail domains without regard to case, the rest exactly. */
function sameGeneralName(a: GeneralName, b: GeneralName): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'dns':
      return a.value.toLowerCase() === (b.value as string).toLowerCase();
    case 'email': {
      // RFC 5280 §7.5: the local part is case-sensitive, the domain is not.
      const [al, ad] = splitMailbox(a.value);
      const [bl, bd] = splitMailbox(b.value as string);
      return al === bl && ad === bd;
    }
    case 'uri':
    case 'ip':
    case 'upn':
    case 'registeredId':
      return a.value === b.value;
    case 'otherName':
      return b.type === 'otherName' && a.oid === b.oid && equalBytes(a.value, b.value);
    case 'directoryName':
      return b.type === 'directoryName' && equalBytes(a.value.der, b.value.der);
    default:
      return equalBytes(a.value, b.value as Uint8Array);
  }
}

function splitMailbox(m: string): [string, string] {
  const at = m.lastIndexOf('@');
  return at < 0 ? [m, ''] : [m.slice(0, at), m.slice(at + 1).toLowerCase()];
}
