/** Certificate chain checks for renewal (signer issued by this CA) and mTLS (client chain to a trust bundle). */
import {
  equalBytes,
  isSelfIssued,
  isWithinValidity,
  namesMatch,
  oids,
  verifyCertificateSignature,
  type Certificate,
  type CryptoProvider,
  type KeyUsageName,
  type LegacyPolicy,
} from '@scep/wire';

/** True when `cert` names `issuer` as its issuer and `issuer`'s key verifies its signature. */
export async function isIssuedBy(cert: Certificate, issuer: Certificate, crypto: CryptoProvider, legacy?: LegacyPolicy): Promise<boolean> {
  if (!namesMatch(cert.issuer, issuer.subject)) return false;
  if (cert.authorityKeyIdentifier && issuer.subjectKeyIdentifier && !equalBytes(cert.authorityKeyIdentifier, issuer.subjectKeyIdentifier)) return false;
  try {
    return await verifyCertificateSignature(cert, issuer.publicKey, crypto, legacy);
  } catch {
    return false;
  }
}

export type ChainVerdict = { readonly ok: true; readonly anchor: Certificate } | { readonly ok: false; readonly reason: string };

export interface VerifyChainOptions {
  readonly crypto: CryptoProvider;
  /** The time every certificate must be valid at. */
  readonly now: Date;
  readonly legacy?: LegacyPolicy | undefined;
  /** Most intermediates followed above the leaf (default 5). */
  readonly maxDepth?: number;
  /** The leaf's extKeyUsage, when it has one, must list this or anyExtendedKeyUsage (RFC 5280 §4.2.1.12). */
  readonly extendedKeyUsage?: string | undefined;
  /** The leaf's keyUsage, when it has one, must assert this bit (RFC 5280 §4.2.1.3). */
  readonly keyUsage?: KeyUsageName | undefined;
}

// What this module and the certificate parser act on. Any other critical extension on the path
// makes it invalid (RFC 5280 §4.2, §6.1.4 (o), §6.1.5 (f)): we cannot honour what we do not read.
const PROCESSED_EXTENSIONS: ReadonlySet<string> = new Set([
  oids.id_ce_basicConstraints,
  oids.id_ce_keyUsage,
  oids.id_ce_extKeyUsage,
  oids.id_ce_subjectAltName,
  oids.id_ce_subjectKeyIdentifier,
  oids.id_ce_authorityKeyIdentifier,
]);

const unprocessedCritical = (c: Certificate): string | undefined => c.extensions.find((e) => e.critical && !PROCESSED_EXTENSIONS.has(e.oid))?.oid;

/** §4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below a CA. */
const exceedsPathLength = (ca: Certificate, below: number): boolean => ca.basicConstraints?.pathLength !== undefined && below > ca.basicConstraints.pathLength;

function leafProblem(leaf: Certificate, o: VerifyChainOptions): string | undefined {
  if (!isWithinValidity(leaf, o.now)) return 'certificate is outside its validity';
  // A CA certificate is not an end entity: it authenticates no client and signs for no one.
  if (leaf.basicConstraints?.ca) return 'leaf certificate is a CA';
  if (o.keyUsage !== undefined && leaf.keyUsage && !leaf.keyUsage.has(o.keyUsage)) return `leaf keyUsage lacks ${o.keyUsage}`;
  // §4.2.1.12: without the extension the key may serve any purpose.
  const eku = leaf.extendedKeyUsage;
  if (o.extendedKeyUsage !== undefined && eku && !eku.includes(o.extendedKeyUsage) && !eku.includes(oids.anyExtendedKeyUsage)) {
    return `leaf extKeyUsage lacks ${o.extendedKeyUsage}`;
  }
  return undefined;
}

/** §6.1.4 (k), (l), (m), (n), (o) for an intermediate with `below` non-self-issued intermediates under it. */
function intermediateProblem(c: Certificate, below: number, now: Date): string | undefined {
  if (!isWithinValidity(c, now)) return 'intermediate is outside its validity';
  // (k): a v1 or v2 certificate cannot say it is a CA, so it is refused too.
  if (!c.basicConstraints?.ca) return 'intermediate is not a CA';
  if (c.keyUsage && !c.keyUsage.has('keyCertSign')) return 'intermediate keyUsage lacks keyCertSign';
  if (exceedsPathLength(c, below)) return 'intermediate pathLenConstraint exceeded';
  const critical = unprocessedCritical(c);
  if (critical !== undefined) return `intermediate has unprocessed critical extension ${critical}`;
  return undefined;
}

/**
 * Verifies `leaf` up to one of `anchors` through `intermediates` (RFC 5280 §6.1, the parts that
 * matter here): names chain, signatures verify, every certificate is within validity; issuers are
 * CAs allowed to sign certificates, within their pathLenConstraint; no certificate but the anchor
 * carries a critical extension we do not process; the leaf is not a CA and, when asked, allows the
 * key usage and extended key usage. Anchors are trusted as configured, except that a
 * pathLenConstraint in an anchor certificate holds as it does in TLS stacks.
 */
export async function verifyChain(leaf: Certificate, intermediates: readonly Certificate[], anchors: readonly Certificate[], o: VerifyChainOptions): Promise<ChainVerdict> {
  const fail = (reason: string): ChainVerdict => ({ ok: false, reason });
  const problem = leafProblem(leaf, o);
  if (problem !== undefined) return fail(problem);
  // A leaf that is itself an anchor (pinned) is the whole path.
  const pinned = anchors.find((a) => equalBytes(a.der, leaf.der));
  if (pinned) return { ok: true, anchor: pinned };
  const critical = unprocessedCritical(leaf);
  if (critical !== undefined) return fail(`leaf has unprocessed critical extension ${critical}`);

  const path: Certificate[] = [leaf];
  let below = 0; // non-self-issued intermediates on the path so far (§6.1.4 (l))
  for (let depth = 0; depth <= (o.maxDepth ?? 5); depth++) {
    const current = path[path.length - 1] as Certificate; // never empty: starts with the leaf
    for (const a of anchors) {
      if (await isIssuedBy(current, a, o.crypto, o.legacy)) {
        if (!isWithinValidity(a, o.now)) return fail('trust anchor is outside its validity');
        if (exceedsPathLength(a, below)) return fail('trust anchor pathLenConstraint exceeded');
        return { ok: true, anchor: a };
      }
    }
    // The first acceptable issuer wins; if there is none, the first refused issuer gives the reason.
    let next: Certificate | undefined;
    let refused: string | undefined;
    for (const c of intermediates) {
      if (path.some((p) => equalBytes(p.der, c.der))) continue; // no loops
      const cProblem = intermediateProblem(c, below, o.now);
      if (cProblem !== undefined && refused !== undefined) continue; // spare the signature check
      if (!(await isIssuedBy(current, c, o.crypto, o.legacy))) continue;
      if (cProblem === undefined) {
        next = c;
        break;
      }
      refused = cProblem;
    }
    if (!next) return fail(refused ?? 'no path to a trust anchor');
    if (!isSelfIssued(next)) below++;
    path.push(next);
  }
  return fail('chain too long');
}
