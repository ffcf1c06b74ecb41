/** Certificate chain checks for renewal (signer issued by this CA) and mTLS (client chain to a trust bundle). */
import { equalBytes, isWithinValidity, namesMatch, verifyCertificateSignature, type Certificate, type CryptoProvider, type LegacyPolicy } from '@scep/wire';

/** True when `cert` names `issuer` as its issuer and `issuer`'s key verifies its signature. */
export async function isIssuedBy(cert: Certificate, issuer: Certificate, crypto: CryptoProvider, legacy?: LegacyPolicy): Promise<boolean> {
  if (!namesMatch(cert.issuer, issuer.subject)) return false;
  if (cert.authorityKeyIdentifier && issuer.subjectKeyIdentifier && !equalBytes(cert.authorityKeyIdentifier, issuer.subjectKeyIdentifier)) return false;
  try {
    return await verifyCertificateSignature(cert, issuer.publicKey.der, crypto, legacy);
  } catch {
    return false;
  }
}

export type ChainVerdict = { readonly ok: true; readonly anchor: Certificate } | { readonly ok: false; readonly reason: string };

/**
 * Verifies `leaf` up to one of `anchors` through `intermediates` (RFC 5280 §6, the parts that
 * matter here: names chain, signatures verify, every certificate is within validity, issuers are
 * CAs). Anchors are trusted as configured.
 */
export async function verifyChain(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  anchors: readonly Certificate[],
  o: { readonly crypto: CryptoProvider; readonly now: Date; readonly legacy?: LegacyPolicy | undefined; readonly maxDepth?: number },
): Promise<ChainVerdict> {
  if (!isWithinValidity(leaf, o.now)) return { ok: false, reason: 'certificate is outside its validity' };
  let current = leaf;
  for (let depth = 0; depth <= (o.maxDepth ?? 5); depth++) {
    for (const a of anchors) {
      if (equalBytes(a.der, current.der) || (await isIssuedBy(current, a, o.crypto, o.legacy))) {
        if (!isWithinValidity(a, o.now)) return { ok: false, reason: 'trust anchor is outside its validity' };
        return { ok: true, anchor: a };
      }
    }
    let next: Certificate | undefined;
    for (const c of intermediates) {
      if (c !== current && c.basicConstraints?.ca && isWithinValidity(c, o.now) && (await isIssuedBy(current, c, o.crypto, o.legacy))) {
        next = c;
        break;
      }
    }
    if (!next) return { ok: false, reason: 'no path to a trust anchor' };
    current = next;
  }
  return { ok: false, reason: 'chain too long' };
}
