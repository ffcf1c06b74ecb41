/** CSR policy: what a profile accepts before the issue hook sees a request. */
import type { CertificationRequest, CurveName, KeyType } from '@scep/wire';
import type { ChallengeInfo, EnrollmentKind, RequestContext } from './types.js';

export interface CsrPolicyContext {
  readonly profile: string;
  readonly kind: EnrollmentKind;
  readonly challenge: ChallengeInfo | undefined;
  readonly context: RequestContext;
}

export type PolicyVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface CsrPolicy {
  /** Smallest RSA modulus accepted (default 2048). */
  readonly minRsaBits?: number;
  /** Largest RSA modulus accepted (default 8192: bounds the work a request can cause). */
  readonly maxRsaBits?: number;
  /** Key types accepted (default RSA, EC, Ed25519). */
  readonly keyTypes?: readonly KeyType[];
  /** EC curves accepted (default P-256, P-384, P-521). */
  readonly curves?: readonly CurveName[];
  /** Refuse a CSR without a subject commonName (default false). */
  readonly requireCommonName?: boolean;
  /** Most subjectAltNames a CSR may ask for (default 100: the reference CA copies them, and the reply cache keeps the result). */
  readonly maxSubjectAltNames?: number;
  /** Subject / SAN policy hook (runs after the built-in checks). */
  readonly check?: (csr: CertificationRequest, context: CsrPolicyContext) => Promise<PolicyVerdict> | PolicyVerdict;
}

export async function evaluateCsrPolicy(csr: CertificationRequest, policy: CsrPolicy | undefined, ctx: CsrPolicyContext): Promise<PolicyVerdict> {
  const p = policy ?? {};
  const key = csr.publicKey;
  const types = p.keyTypes ?? ['RSA', 'EC', 'Ed25519'];
  if (key.type === 'unknown' || !types.includes(key.type)) return { ok: false, reason: `key type ${key.type} not allowed` };
  if (key.type === 'RSA') {
    if (key.bits < (p.minRsaBits ?? 2048)) return { ok: false, reason: `RSA key of ${key.bits} bits is below the minimum` };
    if (key.bits > (p.maxRsaBits ?? 8192)) return { ok: false, reason: `RSA key of ${key.bits} bits is above the maximum` };
  }
  if (key.type === 'EC' && (key.curve === undefined || !(p.curves ?? ['P-256', 'P-384', 'P-521']).includes(key.curve))) {
    return { ok: false, reason: `EC curve ${key.curve ?? 'unknown'} not allowed` };
  }
  if (p.requireCommonName && !csr.commonName) return { ok: false, reason: 'CSR has no commonName' };
  if (csr.subjectAltNames.length > (p.maxSubjectAltNames ?? 100)) return { ok: false, reason: `CSR asks for ${csr.subjectAltNames.length} subjectAltNames` };
  return p.check ? p.check(csr, ctx) : { ok: true };
}
