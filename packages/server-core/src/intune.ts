/**
 * Intune on a profile: an IntuneDispatcher (from @scep/intune) as a ChallengeValidator. Mixed mode
 * hands challenges that are not Intune's to a fallback (e.g. the static challenge). Each decision is
 * emitted as a `scep_pkcsreq_intune` / `scep_renewalreq_intune` event with its label, and success and
 * failure notifications go back to Intune (no certificate when the success notification fails,
 * unless the validator says it may still be issued).
 */
import type { IntuneCsr, IntuneDispatcher, IntuneFailureReport } from '@scep/intune';
import { nameAttributes, oids, type CertificationRequest } from '@scep/wire';
import type { ChallengeValidator } from './challenge.js';

/** The CSR as @scep/intune's binding sees it. */
export function intuneCsr(csr: CertificationRequest): IntuneCsr {
  const cns = nameAttributes(csr.subject, oids.id_at_commonName);
  const commonName = cns.length === 1 ? cns[0] : undefined; // as soleCommonName
  const commonNameCount = cns.length;
  const pick = <T extends CertificationRequest['subjectAltNames'][number]['type']>(t: T): string[] =>
    csr.subjectAltNames.flatMap((n) => (n.type === t && typeof n.value === 'string' ? [n.value] : []));
  return { der: csr.der, commonName, commonNameCount, dnsNames: pick('dns'), emails: pick('email'), upns: pick('upn'), ipAddresses: pick('ip'), uris: pick('uri') };
}

export interface IntuneChallengeOptions {
  /** Mixed mode: who decides challenges the dispatcher says are not Intune's (e.g. staticChallenge). */
  readonly fallback?: ChallengeValidator;
  /** Sent to Intune as callerInfo (online model). */
  readonly callerInfo?: string;
  /** Text for failure notifications (shown to the Intune administrator). */
  readonly failureDescription?: (reason: string) => string;
}

export interface IntuneChallengeValidator extends ChallengeValidator {
  readonly dispatcher: IntuneDispatcher;
}

export function intuneChallenge(dispatcher: IntuneDispatcher, options: IntuneChallengeOptions = {}): IntuneChallengeValidator {
  const fallback = options.fallback;
  const ctxOf = (profile: string, transactionId: string): { profile: string; transactionId: string; callerInfo?: string } => ({
    profile,
    transactionId,
    ...(options.callerInfo ? { callerInfo: options.callerInfo } : {}),
  });
  return {
    name: fallback ? `intune|${fallback.name}` : 'intune',
    renewalNeedsChallenge: true,
    dispatcher,
    async validate(input) {
      const pw = input.challengePassword;
      if (pw === undefined) return fallback ? fallback.validate(input) : { ok: false, reason: 'challenge_missing' };
      const r = await dispatcher.dispatch(pw, intuneCsr(input.csr), ctxOf(input.profile, input.transactionId));
      if (!r.ok && r.label === 'not_intune') return fallback ? fallback.validate(input) : { ok: false, reason: 'challenge_invalid' };
      input.emit?.({
        type: input.messageType === 'RenewalReq' ? 'scep_renewalreq_intune' : 'scep_pkcsreq_intune',
        profile: input.profile,
        transactionId: input.transactionId,
        label: r.label,
        failInfo: r.ok ? undefined : r.failInfo,
      });
      if (r.ok) return { ok: true, info: { policy: 'intune', details: { validator: dispatcher.mode, ...(r.claims ? { claims: r.claims } : {}) } } };
      return { ok: false, reason: `intune_${r.label}`, failInfo: r.failInfo };
    },
    async onIssued(info, ctx) {
      if (info.challenge.policy !== 'intune') return fallback?.onIssued?.(info, ctx);
      const r = await dispatcher.notifySuccess({ certificate: info.certificate, certificateRequest: info.csr.der }, ctxOf(info.profile, info.transactionId));
      if (!r.ok && !r.issue) throw r.error; // withhold the certificate (Microsoft's test matrix)
    },
    async onFailed(info, ctx) {
      if (info.challenge?.policy !== 'intune') return fallback?.onFailed?.(info, ctx);
      if (!info.csr) return;
      const report: IntuneFailureReport = {
        certificateRequest: info.csr.der,
        description: options.failureDescription?.(info.reason) ?? `SCEP enrollment refused: ${info.reason}`,
      };
      await dispatcher.notifyFailure(report, ctxOf(info.profile, info.transactionId));
    },
    stats: () => dispatcher.stats(),
    reload: () => dispatcher.reload(),
  };
}
