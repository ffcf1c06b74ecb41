/**
 * CSR binding: the CSR may ask for exactly the names the token grants, no more and no fewer.
 * CN must equal `device_name`; each SAN kind must equal its claim as a set after normalising:
 *
 * - DNS (`san_dns` ↔ dNSName): ASCII lower-case (RFC 4343), one trailing dot removed.
 * - RFC 822 (`san_rfc822` ↔ rfc822Name): the domain (after the last `@`) ASCII lower-cased; the
 *   local part is compared exactly, since RFC 5321 §2.4 lets it be case-sensitive.
 * - UPN (`san_upn` ↔ otherName 1.3.6.1.4.1.311.20.2.3): the whole value ASCII lower-cased. Entra
 *   ID and Active Directory match UPNs case-insensitively and keep them unique that way, so case
 *   carries no identity. Only ASCII: full Unicode lower-casing maps the Kelvin sign (U+212A) to `k`,
 *   which would put a spelling nobody granted into the certificate.
 * - CN is compared exactly: it is free text and the connector copies it from the same source.
 *
 * Duplicates collapse. No Unicode normalisation is applied: both sides come from the same
 * directory, and silently folding forms would accept names nobody granted.
 *
 * The token grants no IP or URI SANs, so a CSR that asks for any is refused — with one opt-in:
 * `allowUriSan` may admit specific URIs, e.g. Intune's strong-mapping SID tag. Admit that only
 * with care: a SID in a certificate is an identity claim that Active Directory trusts (KB5014754).
 */
import { asciiLower } from '../lib/bytes.js';
import { ClaimMismatchError, type BindingField } from '../errors.js';
import type { IntuneCsr } from '../validator.js';
import type { SignedChallengeClaims } from './claims.js';

export function normaliseDnsName(name: string): string {
  const lower = asciiLower(name);
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function normaliseRfc822Name(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  return address.slice(0, at + 1) + asciiLower(address.slice(at + 1));
}

export function normaliseUpn(upn: string): string {
  return asciiLower(upn);
}

function sameSet(a: readonly string[], b: readonly string[], normalise: (s: string) => string): boolean {
  const sa = new Set(a.map(normalise));
  const sb = new Set(b.map(normalise));
  if (sa.size !== sb.size) return false;
  for (const v of sa) if (!sb.has(v)) return false;
  return true;
}

function mismatch(field: BindingField, what: string): ClaimMismatchError {
  return new ClaimMismatchError(field, `CSR ${what} do not match the token's claims`);
}

/** The URI SAN prefix Intune adds for certificate strong mapping (KB5014754). */
export const STRONG_MAPPING_SID_URI_PREFIX = 'tag:microsoft.com,2022-09-14:sid:';

/** Decides whether a URI SAN the token does not grant may still appear in the CSR. */
export type UriSanPolicy = (uri: string, claims: SignedChallengeClaims) => boolean;

export interface BindingOptions {
  /** Default: no URI SAN is allowed. */
  readonly allowUriSan?: UriSanPolicy;
}

/** Throws `ClaimMismatchError` unless the CSR's names are exactly those the claims grant. */
export function bindCsrToClaims(claims: SignedChallengeClaims, csr: IntuneCsr, options: BindingOptions = {}): void {
  if ((csr.commonNameCount ?? 0) > 1) throw new ClaimMismatchError('commonName', 'CSR subject has several CNs');
  if (csr.commonName !== claims.device_name) {
    throw new ClaimMismatchError('commonName', 'CSR subject CN does not equal the token device_name');
  }
  if (!sameSet(csr.dnsNames, claims.san_dns, normaliseDnsName)) throw mismatch('dnsNames', 'DNS names');
  if (!sameSet(csr.emails, claims.san_rfc822, normaliseRfc822Name)) throw mismatch('emails', 'RFC 822 names');
  if (!sameSet(csr.upns, claims.san_upn, normaliseUpn)) throw mismatch('upns', 'UPNs');
  if (csr.ipAddresses !== undefined && csr.ipAddresses.length > 0) throw mismatch('ipAddresses', 'IP address SANs (none are granted)');
  if (csr.uris !== undefined && csr.uris.length > 0) {
    const allow = options.allowUriSan;
    if (allow === undefined || !csr.uris.every((u) => allow(u, claims))) throw mismatch('uris', 'URI SANs (none are granted)');
  }
}
