/**
 * The one validator interface both Intune models implement (and operators can implement a third).
 * A server calls `validate` with the challengePassword and the CSR, issues only on `ok: true`,
 * then calls `notifySuccess` (and issues only if that says so) or `notifyFailure`.
 */
import type { IntuneError } from './errors.js';
import type { IntuneFailureLabel, ScepFailInfo } from './outcome.js';
import type { SignedChallengeClaims } from './signed-challenge/claims.js';

/**
 * The CSR as the server's parser sees it. Structural, so this package does not depend on a CSR
 * parser. Names are as they appear in the CSR (subject CN, subjectAltName extension request).
 */
export interface IntuneCsr {
  /** DER of the PKCS#10 CertificationRequest. */
  readonly der: Uint8Array;
  /** The subject's commonName, if it has exactly one. */
  readonly commonName: string | undefined;
  /**
   * How many commonName attributes the subject has, if the parser reports it. More than one is
   * refused (claim mismatch on commonName): a binding can only check one, and the rest would
   * reach the certificate unchecked. Absent means at most one.
   */
  readonly commonNameCount?: number;
  /** dNSName SANs. */
  readonly dnsNames: readonly string[];
  /** rfc822Name SANs. */
  readonly emails: readonly string[];
  /** otherName SANs of type UPN (1.3.6.1.4.1.311.20.2.3). */
  readonly upns: readonly string[];
  /** iPAddress SANs, if the parser reports them: a signed challenge grants none, so any refuses. */
  readonly ipAddresses?: readonly string[];
  /** uniformResourceIdentifier SANs, if the parser reports them: likewise refused. */
  readonly uris?: readonly string[];
}

/** Per-request facts from the SCEP layer. */
export interface IntuneRequestContext {
  /** The SCEP transactionID (RFC 8894 §3.2.1.1). */
  readonly transactionId: string;
  /** The server profile (endpoint) the request arrived on. */
  readonly profile: string;
  /** Product name and version sent to Intune as `callerInfo`; overrides the validator's default. */
  readonly callerInfo?: string;
  /** Aborts outbound calls when the client goes away. */
  readonly signal?: AbortSignal;
}

export interface IntuneSuccess {
  readonly ok: true;
  readonly label: 'success';
  /** The verified token claims (signed-challenge model); undefined for the online model. */
  readonly claims: SignedChallengeClaims | undefined;
}

export interface IntuneRefusal {
  readonly ok: false;
  readonly label: IntuneFailureLabel;
  /** The stable error code (finer than the label). */
  readonly reason: IntuneError['code'];
  readonly failInfo: ScepFailInfo;
  /** For logs and hooks only; never send its message to the client. */
  readonly error: IntuneError;
}

export type IntuneOutcome = IntuneSuccess | IntuneRefusal;

/** Builds the refusal outcome for an error. */
export function refusal(error: IntuneError): IntuneRefusal {
  return { ok: false, label: error.label, reason: error.code, failInfo: error.failInfo, error };
}

/** What the server issued, for the success notification. */
export interface IssuedCertificateInfo {
  /** DER of the issued certificate; thumbprint, serial and expiry are derived from it. */
  readonly certificate: Uint8Array;
  /** DER of the CSR it was issued for. */
  readonly certificateRequest: Uint8Array;
  /** Issuer shown in Intune; defaults to the certificate's issuer DN. */
  readonly issuingCertificateAuthority?: string;
  /** Free text shown in Intune (CA configuration). */
  readonly caConfiguration?: string;
  /** Free text shown in Intune (CA name). */
  readonly certificateAuthority?: string;
}

/** Why the server did not issue, for the failure notification. */
export interface IntuneFailureReport {
  /** DER of the CSR. */
  readonly certificateRequest: Uint8Array;
  /** A Windows HRESULT shown to the Intune administrator; default 0x80004005 (E_FAIL). */
  readonly hResult?: number;
  /** Shown to the Intune administrator; truncated to 255 characters. */
  readonly description: string;
}

export type IntuneNotifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: IntuneError;
      /** For success notifications: whether the certificate may still be handed out. */
      readonly issue: boolean;
    };

export interface IntuneValidator {
  /** A short name for logs (`signed-challenge`, `online`, …). */
  readonly kind: string;
  /** Decides whether the challenge authorises this CSR. Never throws for bad input. */
  validate(challenge: string, csr: IntuneCsr, context: IntuneRequestContext): Promise<IntuneOutcome>;
  /** Reports an issued certificate. Issue only if the result is ok or says `issue: true`. */
  notifySuccess(issued: IssuedCertificateInfo, context: IntuneRequestContext): Promise<IntuneNotifyResult>;
  /** Reports a refused or failed request. */
  notifyFailure(report: IntuneFailureReport, context: IntuneRequestContext): Promise<IntuneNotifyResult>;
  /** For mixed mode: does this challenge look like one of ours? */
  looksLikeChallenge?(challenge: string): boolean;
}
