/**
 * A reference local CA issuer for development, tests and examples: signs CSRs with a CA key held by
 * a PrivateKeyHandle. Random 127-bit serial numbers (unique across processes without coordination,
 * RFC 5280 §4.1.2.2 allows up to 20 octets), validity capped by policy and by the CA's own notAfter,
 * KU/EKU by policy, optional OCSP must-staple (RFC 7633), SANs copied from the CSR under a policy.
 *
 * Certificates are assembled with @scep/wire's DER writer: measured (pnpm bench), that costs tens of
 * microseconds where @peculiar/x509's certificate generator costs ~1.5 ms, which alone would cap a
 * core at a few hundred enrollments per second. Tests check its output with @peculiar/x509 and openssl.
 */
import {
  buildCertificate,
  certificateFromConfig,
  defaultSignatureAlgorithm,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeSubjectAltName,
  encodeSubjectKeyIdentifier,
  encodeTlsFeature,
  oids,
  type Certificate,
  type CertificationRequest,
  type CryptoProvider,
  type DigestName,
  type Extension,
  type GeneralName,
  type KeyUsageName,
  type NameInput,
  type PrivateKeyHandle,
} from '@scep/wire';
import type { IssueHook, IssueRequest, IssueResult } from '../types.js';

const DAY = 86_400_000;

export type SanPolicy = 'copy' | 'none' | ((names: readonly GeneralName[], request: IssueRequest) => readonly GeneralName[] | Promise<readonly GeneralName[]>);

export interface LocalCaOptions {
  readonly ca: { readonly certificate: Uint8Array | Certificate; readonly key: PrivateKeyHandle; readonly chain?: readonly (Uint8Array | Certificate)[] };
  readonly crypto: CryptoProvider;
  readonly now?: () => Date;
  /** Validity of issued certificates (default 365 days), never past the CA's notAfter. */
  readonly validityDays?: number;
  /** Hard cap whatever the hook asks (default 825 days). */
  readonly maxValidityDays?: number;
  /** notBefore this far in the past, for client clock skew (default 5 minutes). */
  readonly backdateMs?: number;
  /** Key usage (default: RSA digitalSignature + keyEncipherment; EC/EdDSA digitalSignature). */
  readonly keyUsage?: readonly KeyUsageName[];
  /** Extended key usages by OID (default clientAuth). Empty array: no EKU extension. */
  readonly extendedKeyUsage?: readonly string[];
  /** Add the RFC 7633 TLS feature extension status_request (OCSP must-staple). */
  readonly mustStaple?: boolean;
  /** Which CSR SANs to copy (default 'copy': DNS, email, UPN, IP and URI names). */
  readonly subjectAltNames?: SanPolicy;
  /** Subject of issued certificates (default: the CSR's subject). */
  readonly subject?: (request: IssueRequest) => NameInput;
  /** Serial numbers (default: 16 random bytes, top bit clear, never zero). */
  readonly serialNumber?: () => Uint8Array;
  readonly digest?: DigestName;
  /** More extensions per request (e.g. CRL distribution points, AIA). */
  readonly extensions?: (request: IssueRequest) => readonly Extension[];
  /** Answer PENDING instead of issuing when this returns true (manual approval); approval then issues. */
  readonly pendingWhen?: (request: IssueRequest) => boolean;
}

export interface LocalCa {
  readonly issue: IssueHook;
  readonly certificate: Certificate;
  /** The issuing CA and the chain above it, DER. */
  readonly chain: readonly Uint8Array[];
  /** Issues directly (no pending), e.g. for tests. */
  issueCertificate(csr: CertificationRequest, request?: Partial<IssueRequest>): Promise<Uint8Array>;
}

const COPYABLE = new Set<GeneralName['type']>(['dns', 'email', 'upn', 'ip', 'uri']);

export function createLocalCa(o: LocalCaOptions): LocalCa {
  const certificate = certificateFromConfig(o.ca.certificate, 'local CA certificate');
  const chain = [certificate.der, ...(o.ca.chain ?? []).map((c) => certificateFromConfig(c, 'local CA chain').der)];
  const now = o.now ?? ((): Date => new Date());
  const validity = Math.min(o.validityDays ?? 365, o.maxValidityDays ?? 825) * DAY;
  const backdate = o.backdateMs ?? 5 * 60_000;
  const digest = o.digest ?? 'SHA-256';
  const signatureAlgorithm = defaultSignatureAlgorithm(o.ca.key.keyType, digest);
  const eku = o.extendedKeyUsage ?? [oids.id_kp_clientAuth];
  const sanPolicy = o.subjectAltNames ?? 'copy';
  const serial =
    o.serialNumber ??
    ((): Uint8Array => {
      for (;;) {
        const s = o.crypto.randomBytes(16);
        s[0] = (s[0] as number) & 0x7f;
        if (s.some((b) => b !== 0)) return s;
      }
    });
  let caKeyId: Promise<Uint8Array> | undefined;
  const keyId = async (keyBits: Uint8Array): Promise<Uint8Array> => (await o.crypto.digest('SHA-1', keyBits)).subarray(0, 20); // RFC 5280 §4.2.1.2 (1)

  async function issueCertificate(csr: CertificationRequest, partial: Partial<IssueRequest> = {}): Promise<Uint8Array> {
    const request: IssueRequest = {
      profile: '',
      transactionId: '',
      messageType: 'PKCSReq',
      kind: 'enroll',
      previous: undefined,
      challenge: undefined,
      attempt: 'initial',
      ...partial,
      csr,
    };
    const t = now();
    const notBefore = new Date(t.getTime() - backdate);
    const notAfter = new Date(Math.min(t.getTime() + validity, certificate.notAfter.getTime()));
    const ku = o.keyUsage ?? (csr.publicKey.type === 'RSA' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
    caKeyId ??= certificate.subjectKeyIdentifier ? Promise.resolve(certificate.subjectKeyIdentifier) : keyId(certificate.publicKey.keyBits);
    const extensions: Extension[] = [
      { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: false }) },
      { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(ku) },
      { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(await keyId(csr.publicKey.keyBits)) },
      { oid: oids.id_ce_authorityKeyIdentifier, critical: false, value: encodeAuthorityKeyIdentifier(await caKeyId) },
    ];
    if (eku.length > 0) extensions.push({ oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage(eku) });
    const sans = sanPolicy === 'none' ? [] : sanPolicy === 'copy' ? csr.subjectAltNames.filter((n) => COPYABLE.has(n.type)) : await sanPolicy(csr.subjectAltNames, request);
    // RFC 5280 §4.2.1.6: critical when the subject is empty.
    const subject = o.subject ? o.subject(request) : csr.subject;
    const subjectEmpty = typeof subject !== 'string' && 'rdns' in subject ? subject.rdns.length === 0 : false;
    if (sans.length > 0) extensions.push({ oid: oids.id_ce_subjectAltName, critical: subjectEmpty, value: encodeSubjectAltName(sans) });
    if (o.mustStaple) extensions.push({ oid: oids.id_pe_tlsfeature, critical: false, value: encodeTlsFeature([5]) });
    for (const e of o.extensions?.(request) ?? []) if (!extensions.some((x) => x.oid === e.oid)) extensions.push(e);
    return buildCertificate(
      { serialNumber: serial(), issuer: certificate.subject, subject, notBefore, notAfter, publicKeyInfo: csr.publicKey.der, extensions, signatureAlgorithm },
      o.ca.key,
    );
  }

  const issue: IssueHook = async (request): Promise<IssueResult> => {
    if (request.attempt === 'initial' && o.pendingWhen?.(request)) return { status: 'pending' };
    if (request.attempt === 'poll' && o.pendingWhen?.(request)) return { status: 'pending' };
    return { status: 'issued', certificate: await issueCertificate(request.csr, request), chain };
  };
  return { issue, certificate, chain, issueCertificate };
}
