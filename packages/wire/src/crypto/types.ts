/**
 * The codec never calls a crypto library directly: public-key and symmetric operations go through a
 * `CryptoProvider`, private-key operations through a `PrivateKeyHandle`. node:crypto and WebCrypto
 * implementations ship; an HSM or KMS implements `PrivateKeyHandle` (sign, and unwrap a content key).
 */
import type { CipherName, DigestName, KeyTransportAlgorithm, KeyType, SignatureAlgorithm } from '../algorithms.js';

export type MaybePromise<T> = T | Promise<T>;

export interface CryptoProvider {
  digest(algorithm: DigestName, data: Uint8Array): MaybePromise<Uint8Array>;
  /** Cryptographically strong random bytes; inject a seeded source to make output reproducible. */
  randomBytes(length: number): Uint8Array;
  /** CBC with PKCS #7 padding (RFC 5652 §6.3). */
  encrypt(cipher: CipherName, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): MaybePromise<Uint8Array>;
  /** CBC with PKCS #7 padding; throws on bad padding (the codec turns that into DecryptionError). */
  decrypt(cipher: CipherName, key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array>;
  /** Verifies a signature (ECDSA signatures DER-encoded, as in X.509 and CMS). */
  verify(
    algorithm: SignatureAlgorithm,
    subjectPublicKeyInfo: Uint8Array,
    data: Uint8Array,
    signature: Uint8Array,
  ): MaybePromise<boolean>;
  /** Encrypts a content-encryption key to a recipient's public key (key transport). */
  wrapKey(algorithm: KeyTransportAlgorithm, subjectPublicKeyInfo: Uint8Array, contentKey: Uint8Array): MaybePromise<Uint8Array>;
}

/** A private key held anywhere. These are the only operations the codec ever asks of it. */
export interface PrivateKeyHandle {
  readonly keyType: KeyType;
  /** DER SubjectPublicKeyInfo of the matching public key. */
  readonly publicKeyInfo: Uint8Array;
  /** Signs `data` (the implementation hashes it). ECDSA signatures are returned DER-encoded. */
  sign(algorithm: SignatureAlgorithm, data: Uint8Array): Promise<Uint8Array>;
  /**
   * Decrypts a content-encryption key of `keyLength` bytes. For RSAES-PKCS1-v1_5 this MUST use
   * implicit rejection (RFC 3218 §2.3.2): on bad padding, return a pseudo-random key of `keyLength`
   * bytes derived from the ciphertext and never throw, so failure surfaces later as an ordinary
   * content-decryption failure. Absent on signing-only keys.
   */
  unwrapKey?(algorithm: KeyTransportAlgorithm, encryptedKey: Uint8Array, keyLength: number): Promise<Uint8Array>;
}
