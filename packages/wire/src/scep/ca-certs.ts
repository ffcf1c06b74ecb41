/** GetCACert and GetNextCACert responses (RFC 8894 §4.2, §4.7). */
import { defaultSignatureAlgorithm, digestByName, type DigestName, type LegacyPolicy } from '../algorithms.js';
import { buildDegenerateSignedData, buildSignedData, encodeAttribute, readContentInfo, readSignedData, verifySignerInfo } from '../cms/signed-data.js';
import type { CryptoProvider } from '../crypto/types.js';
import { DEFAULT_DER_LIMITS, DerInput, type DerLimits, Tag } from '../der/reader.js';
import { time } from '../der/writer.js';
import { CertificateError, guard, MalformedError, UntrustedSignerError } from '../errors.js';
import * as O from '../oids.js';
import { equalBytes } from '../util/bytes.js';
import { readCertificate, type Certificate } from '../x509/certificate.js';
import type { ResponseSigner } from './cert-rep.js';

export const CONTENT_TYPE_CA_CERT = 'application/x-x509-ca-cert';
export const CONTENT_TYPE_CA_RA_CERT = 'application/x-x509-ca-ra-cert';
export const CONTENT_TYPE_NEXT_CA_CERT = 'application/x-x509-next-ca-cert';
export const CONTENT_TYPE_PKI_MESSAGE = 'application/x-pki-message';

export interface CaCertResponse {
  readonly contentType: typeof CONTENT_TYPE_CA_CERT | typeof CONTENT_TYPE_CA_RA_CERT;
  readonly body: Uint8Array;
}

/**
 * GetCACert (RFC 8894 §4.2.1): a single CA certificate as DER (`x-x509-ca-cert`); a CA with RA
 * certificates or a chain as a degenerate certs-only SignedData (`x-x509-ca-ra-cert`), in the given
 * order. `forceChain` sends the SignedData form even for one certificate.
 */
export function buildCaCertResponse(certificates: readonly Uint8Array[], options: { readonly forceChain?: boolean } = {}): CaCertResponse {
  if (certificates.length === 0) throw new TypeError('GetCACert needs at least one certificate');
  if (certificates.length === 1 && !options.forceChain) return { contentType: CONTENT_TYPE_CA_CERT, body: certificates[0] as Uint8Array };
  return { contentType: CONTENT_TYPE_CA_RA_CERT, body: buildDegenerateSignedData(certificates) };
}

/** Client side: the certificates of a GetCACert answer, by content type (or sniffed when absent). */
export function parseCaCertResponse(body: Uint8Array, contentType?: string, limits: DerLimits = DEFAULT_DER_LIMITS): Certificate[] {
  return guard('GetCACert response', () => {
    const root = new DerInput(body, limits).root('GetCACert response');
    const kids = root.children();
    const isContentInfo = kids[0]?.tag === Tag.OID;
    const ct = contentType?.split(';')[0]?.trim().toLowerCase();
    if (ct === CONTENT_TYPE_CA_CERT || (!ct && !isContentInfo)) return [readCertificate(root)];
    const ci = readContentInfo(root, 'GetCACert response');
    if (ci.contentType !== O.id_signedData) throw new MalformedError('GetCACert response is not SignedData');
    const certs = readSignedData(ci.content).certificates;
    if (certs.length === 0) throw new CertificateError('GetCACert response holds no certificate');
    return [...certs];
  });
}

export interface NextCaCertOptions {
  /** The next CA certificate (and any new RA certificates). */
  readonly certificates: readonly Uint8Array[];
  /** The current CA (RFC 8894 §4.7.1: signed by the current CA signing key). */
  readonly signer: ResponseSigner;
  readonly crypto: CryptoProvider;
  readonly digest?: DigestName;
  readonly legacy?: LegacyPolicy | undefined;
  readonly now?: () => Date;
}

/** GetNextCACert response: SignedData over a degenerate SignedData holding the next CA certificates. */
export async function buildNextCaCertResponse(o: NextCaCertOptions): Promise<Uint8Array> {
  const digest = digestByName(o.digest ?? 'SHA-256', o.legacy);
  return buildSignedData({
    eContentType: O.id_data,
    eContent: buildDegenerateSignedData(o.certificates),
    certificates: [o.signer.certificate.der],
    signer: {
      certificate: o.signer.certificate,
      key: o.signer.key,
      digest: digest.name,
      signatureAlgorithm: defaultSignatureAlgorithm(o.signer.key.keyType, digest.name),
      signatureStyle: 'rsaEncryption',
      attributes: [encodeAttribute(O.id_signingTime, time((o.now ?? ((): Date => new Date()))()))],
    },
    crypto: o.crypto,
  });
}

/** Client side: verifies a GetNextCACert response against the current CA and returns the next certificates. */
export async function parseNextCaCertResponse(
  body: Uint8Array,
  o: { readonly currentCa: Certificate; readonly crypto: CryptoProvider; readonly legacy?: LegacyPolicy; readonly limits?: DerLimits },
): Promise<Certificate[]> {
  const limits = o.limits ?? DEFAULT_DER_LIMITS;
  const sd = guard('GetNextCACert response', () => {
    const ci = readContentInfo(new DerInput(body, limits).root('GetNextCACert response'), 'GetNextCACert response');
    if (ci.contentType !== O.id_signedData) throw new MalformedError('GetNextCACert response is not SignedData');
    return readSignedData(ci.content);
  });
  if (sd.signerInfos.length !== 1) throw new MalformedError('GetNextCACert response must have one SignerInfo');
  const v = await verifySignerInfo(sd, sd.signerInfos[0] as (typeof sd.signerInfos)[number], { crypto: o.crypto, legacy: o.legacy, extraCertificates: [o.currentCa] });
  if (!equalBytes(v.certificate.publicKey.der, o.currentCa.publicKey.der)) throw new UntrustedSignerError('GetNextCACert response is not signed by the current CA');
  const content = sd.eContent;
  if (!content) throw new MalformedError('GetNextCACert response has no content');
  return guard('GetNextCACert content', () => {
    const ci = readContentInfo(new DerInput(content, limits).root('GetNextCACert content'), 'GetNextCACert content');
    return [...readSignedData(ci.content).certificates];
  });
}
