/**
 * The one place the codec asks a CryptoProvider to verify (certificates, CSRs, SignerInfos), so the
 * key-type check below protects every provider, including one over an HSM that never looks.
 */
import { signatureMatchesKey, type SignatureAlgorithm } from '../algorithms.js';
import type { PublicKeyInfo } from '../x509/public-key.js';
import type { CryptoProvider } from './types.js';

export interface VerifySignatureOptions {
  readonly crypto: CryptoProvider;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: PublicKeyInfo;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/** False, without asking the provider, when the signature algorithm does not fit the key's type. */
export async function verifySignature(o: VerifySignatureOptions): Promise<boolean> {
  if (!signatureMatchesKey(o.algorithm, o.publicKey.algorithmOid)) return false;
  return o.crypto.verify(o.algorithm, o.publicKey.der, o.data, o.signature);
}
