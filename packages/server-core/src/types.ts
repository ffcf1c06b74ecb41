/** Public types of the SCEP server core. Web-standard globals only; nothing from node:. */
import type {
  Certificate,
  CertificationRequest,
  CipherName,
  CryptoProvider,
  DigestName,
  FailInfo,
  LegacyPolicy,
  MessageType,
  Name,
  PrivateKeyHandle,
} from '@scep/wire';
import type { ChallengeValidator } from './challenge.js';
import type { CsrPolicy } from './csr-policy.js';
import type { PendingStore } from './pending.js';
import type { ReplyCache } from './reply-cache.js';

/** What an adapter knows about the connection, beyond the Request itself. */
/** A request for `ScepHandler.serve`: the parts of HTTP the handler reads, body already in memory. */
export interface ScepHttpRequest {
  readonly method: string;
  /** The request target: an absolute URL, or path and query (`/scep?operation=GetCACaps`). */
  readonly url: string;
  /** The Content-Type header, if there was one. */
  readonly contentType?: string | null;
  /**
   * The body, read by the adapter. Read at most `maxBodySize + 1` bytes: a longer body is answered
   * with 413 without being looked at.
   */
  readonly body?: Uint8Array;
  /**
   * The declared Content-Length, when the adapter did not read a body that long: above
   * `maxBodySize` the handler answers 413 without a body.
   */
  readonly contentLength?: number;
}

/**
 * The reply of `ScepHandler.serve`; write `body` as it is (set Content-Length to its length). The
 * bytes are the caller's own: the handler keeps no reference to them.
 */
export interface ScepHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface RequestContext {
  /** The TLS client certificate chain (DER, leaf first), when the adapter terminates mTLS. */
  readonly clientCertificates?: readonly Uint8Array[];
  /** The peer address, for logs and events. */
  readonly remoteAddress?: string;
}

export interface KeyPair {
  readonly certificate: Uint8Array | Certificate;
  readonly key: PrivateKeyHandle;
}

/** Result of the issuance hook. */
export type IssueResult =
  | {
      readonly status: 'issued';
      /** The issued certificate (DER). */
      readonly certificate: Uint8Array;
      /** Chain to send after it (default: the profile's CA chain). */
      readonly chain?: readonly Uint8Array[];
    }
  /** Keep the transaction; the client polls with CertPoll (RFC 8894 §3.3.3). */
  | { readonly status: 'pending' }
  | { readonly status: 'rejected'; readonly failInfo?: FailInfo; readonly reason?: string };

export type EnrollmentKind = 'enroll' | 'renew';

export interface IssueRequest {
  readonly profile: string;
  readonly transactionId: string;
  readonly messageType: 'PKCSReq' | 'RenewalReq';
  /** 'renew' when the request is signed by a certificate this profile's CA issued. */
  readonly kind: EnrollmentKind;
  readonly csr: CertificationRequest;
  /** The certificate being renewed (the request's signer), for kind 'renew'. */
  readonly previous: Certificate | undefined;
  /** What the challenge policy returned (e.g. Intune claims, a dynamic challenge's binding). */
  readonly challenge: ChallengeInfo | undefined;
  /** 'initial' on the PKCSReq/RenewalReq, 'poll' on each CertPoll, 'approval' when an operator approves. */
  readonly attempt: 'initial' | 'poll' | 'approval';
}

export type IssueHook = (request: IssueRequest, context: RequestContext) => Promise<IssueResult>;

export interface ChallengeInfo {
  /** Which policy accepted it (e.g. 'static', 'dynamic', 'intune'). */
  readonly policy: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface RenewalOptions {
  /** Accept RenewalReq and PKCSReq signed by a certificate this CA issued (default true). */
  readonly enabled?: boolean;
  /** Accept the old certificate this long after it expired (default 0). */
  readonly graceMs?: number;
  /** The new CSR must carry the old certificate's subject (default true). */
  readonly requireSameSubject?: boolean;
  /**
   * Every subjectAltName the new CSR asks for must be in the old certificate (default true).
   * Without it, holding any certificate of this CA lets a device ask for any other name.
   */
  readonly requireSameSubjectAltNames?: boolean;
  /**
   * Ask for a challenge on renewal too. Default: yes when the profile's challenge policy says
   * renewals need one (Intune: every certificate is validated by Intune), or when another profile
   * issues from the same CA certificate (a certificate from one profile would otherwise renew on
   * the other, under its policy and templates); no otherwise.
   */
  readonly requireChallenge?: boolean;
}

export type ResponseCipherPolicy = 'match-request' | CipherName;
export type ResponseDigestPolicy = 'match-request' | DigestName;

export interface MtlsOptions {
  /** Refuse PKIOperation without a client certificate that chains to `trust` (default true when set). */
  readonly required?: boolean;
  /** Trust anchors for client certificates on this profile (DER). */
  readonly trust: readonly (Uint8Array | Certificate)[];
}

export interface ProfileConfig {
  /** CA chain, issuing CA first. The issuing CA's key is only needed if the CA also acts as RA. */
  readonly ca: { readonly certificates: readonly (Uint8Array | Certificate)[]; readonly key?: PrivateKeyHandle };
  /**
   * RA certificates and keys. `signer` signs CertReps; `decrypter` opens envelopes (NDES-style
   * split). With no RA, the CA certificate and key act as RA.
   */
  readonly ra?: { readonly signer: KeyPair; readonly decrypter?: KeyPair };
  /** Next CA chain during a rollover: enables GetNextCACert. */
  readonly nextCa?: { readonly certificates: readonly (Uint8Array | Certificate)[] };
  readonly challenge: ChallengeValidator;
  readonly issue: IssueHook;
  readonly csrPolicy?: CsrPolicy;
  readonly renewal?: RenewalOptions;
  /**
   * Who may sign a first enrollment (a PKCSReq that is not a renewal) for a key other than its own.
   * Default `'any'`: Google's Cloud Certificate Connector (ChromeOS, whose keys stay on the device)
   * and MDMs that proxy SCEP sign their devices' requests with a key of their own (the connector is
   * built for NDES).
   * `'none'`: the signer's key must be the CSR's (RFC 8894 §2.3: SHOULD), or the signer a
   * certificate this profile's CA issued (a rekey); then a recorded request re-signed by someone
   * else is refused before its one-time challenge is used. micromdm, certmonger and strongSwan sign
   * with the CSR's key. `{ trust }`: as `'none'`, plus signers whose certificates chain to these
   * anchors (enrollment agents you know).
   */
  readonly enrollmentAgents?: 'none' | 'any' | { readonly trust: readonly (Uint8Array | Certificate)[] };
  /** Legacy algorithms accepted by name (DES, 3DES, SHA-1, MD5); default none. */
  readonly legacy?: LegacyPolicy;
  readonly response?: { readonly cipher?: ResponseCipherPolicy; readonly digest?: ResponseDigestPolicy };
  /** Capabilities to add to or remove from the derived GetCACaps list. */
  readonly capabilities?: { readonly add?: readonly string[]; readonly remove?: readonly string[] };
  readonly pendingStore?: PendingStore;
  /**
   * SUCCESS replies kept for retransmitted requests (same bytes → same reply), default in memory
   * for 10 minutes; `false` turns it off.
   */
  readonly replyCache?: ReplyCache | false;
  readonly replyCacheTtlMs?: number;
  readonly mtls?: MtlsOptions;
  /** GetCert (RFC 8894 §3.3.4): look up an issued certificate. */
  readonly getCert?: (query: { readonly issuer: Name; readonly serialNumber: Uint8Array; readonly profile: string }, context: RequestContext) => Promise<Uint8Array | undefined>;
  /** GetCRL (RFC 8894 §3.3.5): the CRL for the certificate's issuer. */
  readonly getCrl?: (query: { readonly issuer: Name; readonly serialNumber: Uint8Array; readonly profile: string }, context: RequestContext) => Promise<Uint8Array | undefined>;
  /** Send GetCACert as a chain (x-x509-ca-ra-cert) even when it is a single CA certificate. */
  readonly caCertAsChain?: boolean;
}

export interface ScepServerConfig {
  /** Profiles by name. `default` (or `defaultProfile`) answers on the base path itself. */
  readonly profiles: Readonly<Record<string, ProfileConfig>>;
  readonly defaultProfile?: string;
  /** Base path, matched as a prefix (default '/scep'). */
  readonly path?: string;
  readonly crypto: CryptoProvider;
  /** Clock (default: the system clock). */
  readonly now?: () => Date;
  /** Largest request body accepted (default 1 MiB; more answers 413). */
  readonly maxBodySize?: number;
  /** Largest PKIMessage accepted after decoding (default 256 KiB). */
  readonly maxMessageSize?: number;
  readonly onEvent?: (event: ScepEvent) => void;
  /** Internal errors go here, never to the client. */
  readonly onError?: (error: unknown, info: { readonly profile: string | undefined; readonly operation: string | undefined }) => void;
}

/** Stable reason codes for rejections (event labels and counters). */
export type RejectReason =
  | 'malformed'
  | 'bad_signature'
  | 'unsupported_algorithm'
  | 'decrypt_failed'
  | 'wrong_recipient'
  | 'challenge_missing'
  | 'challenge_invalid'
  | 'csr_policy'
  | 'csr_signature'
  | 'renewal_disabled'
  | 'renewal_invalid_signer'
  | 'renewal_subject_mismatch'
  | 'renewal_san_mismatch'
  | 'signer_key_mismatch'
  | 'transaction_conflict'
  | 'issuer_rejected'
  | 'unknown_transaction'
  | 'cannot_encrypt_reply'
  | 'unsupported_message_type'
  | 'not_supported'
  | 'mtls_required'
  | 'mtls_invalid'
  | 'internal_error'
  | (string & { readonly __custom?: never });

export type ScepEvent =
  | {
      readonly type: 'enrolled' | 'renewed';
      readonly profile: string;
      readonly transactionId: string;
      readonly messageType: MessageType;
      readonly subject: string;
      readonly serialNumber: string;
      readonly challenge: string | undefined;
      /** The request's content cipher and digest (to see which devices still use legacy algorithms). */
      readonly cipher: CipherName | undefined;
      readonly digest: DigestName;
      readonly remoteAddress: string | undefined;
    }
  | { readonly type: 'pending'; readonly profile: string; readonly transactionId: string; readonly subject: string }
  | {
      readonly type: 'rejected';
      readonly profile: string;
      readonly transactionId: string | undefined;
      readonly messageType: MessageType | undefined;
      readonly reason: RejectReason;
      readonly failInfo: FailInfo;
      readonly remoteAddress: string | undefined;
    }
  /** An Intune decision on a PKCSReq / RenewalReq (`label`: success or the refusal label). */
  | {
      readonly type: 'scep_pkcsreq_intune' | 'scep_renewalreq_intune';
      readonly profile: string;
      readonly transactionId: string;
      readonly label: string;
      readonly failInfo: FailInfo | undefined;
    }
  | { readonly type: 'transport_error'; readonly profile: string | undefined; readonly status: number; readonly reason: string }
  | { readonly type: 'served'; readonly profile: string; readonly operation: 'GetCACaps' | 'GetCACert' | 'GetNextCACert' | 'GetCert' | 'GetCRL' | 'CertPoll' | 'Retransmission' };
