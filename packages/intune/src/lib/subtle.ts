/**
 * The slice of WebCrypto this package uses, typed structurally so the core does not depend on DOM
 * or Node typings. `globalThis.crypto.subtle` satisfies it on Node ≥ 20, Deno, Bun and Workers;
 * pass your own (e.g. @peculiar/webcrypto) elsewhere.
 */

/** An opaque WebCrypto key. */
export interface CryptoKeyLike {
  readonly type: string;
  readonly algorithm: { readonly name: string };
}

export type ImportAlgorithm =
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: 'SHA-256' }
  | { readonly name: 'RSA-PSS'; readonly hash: 'SHA-256' }
  | { readonly name: 'ECDSA'; readonly namedCurve: 'P-256' };

export type VerifyAlgorithm =
  | { readonly name: 'RSASSA-PKCS1-v1_5' }
  | { readonly name: 'RSA-PSS'; readonly saltLength: number }
  | { readonly name: 'ECDSA'; readonly hash: 'SHA-256' };

export interface SubtleCryptoLike {
  importKey(
    format: 'spki',
    keyData: ArrayBuffer,
    algorithm: ImportAlgorithm,
    extractable: boolean,
    keyUsages: 'verify'[],
  ): Promise<CryptoKeyLike>;
  verify(algorithm: VerifyAlgorithm, key: CryptoKeyLike, signature: ArrayBuffer, data: ArrayBuffer): Promise<boolean>;
  digest(algorithm: 'SHA-1' | 'SHA-256', data: ArrayBuffer): Promise<ArrayBuffer>;
}

/** The runtime's WebCrypto, or a TypeError telling the caller to inject one. */
export function defaultSubtle(): SubtleCryptoLike {
  const subtle: unknown = (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle;
  if (subtle === undefined) {
    throw new TypeError('@scep/intune: no globalThis.crypto.subtle in this runtime; pass the `crypto` option');
  }
  return subtle as SubtleCryptoLike; // the runtime's SubtleCrypto is a superset of this interface
}
