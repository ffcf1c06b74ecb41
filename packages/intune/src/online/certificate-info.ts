/** The facts about an issued certificate that the success notification reports. */
import { toArrayBuffer, toHex } from '../lib/bytes.js';
import type { SubtleCryptoLike } from '../lib/subtle.js';
import { formatName, parseCertificate, serialHex } from '../lib/x509.js';

export interface IssuedCertificateFacts {
  /** SHA-1 of the DER, upper-case hex: the thumbprint Windows and Intune show. */
  readonly thumbprint: string;
  /** Upper-case hex. */
  readonly serialNumber: string;
  readonly notAfter: Date;
  /** RFC 4514 issuer DN. */
  readonly issuer: string;
}

/** Derives thumbprint, serial, expiry and issuer. Throws `TypeError` if `der` is not a certificate. */
export async function describeIssuedCertificate(der: Uint8Array, subtle: SubtleCryptoLike): Promise<IssuedCertificateFacts> {
  let cert;
  try {
    cert = parseCertificate(der);
  } catch (cause) {
    throw new TypeError('issued certificate does not parse as X.509', { cause });
  }
  const sha1 = new Uint8Array(await subtle.digest('SHA-1', toArrayBuffer(der)));
  return {
    thumbprint: toHex(sha1).toUpperCase(),
    serialNumber: serialHex(cert),
    notAfter: cert.tbsCertificate.validity.notAfter.getTime(),
    issuer: formatName(cert.tbsCertificate.issuer),
  };
}
