/**
 * A CryptoProvider over WebCrypto (globalThis.crypto.subtle, or an injected one such as
 * @peculiar/webcrypto). WebCrypto has no RSAES-PKCS1-v1_5, DES, 3DES, MD5 or SHA-224, so with this
 * provider messages using them raise UnsupportedAlgorithmError; RSAES-OAEP and AES work.
 */
import { signatureMatchesKey, type CipherName, type DigestName, type SignatureAlgorithm } from '../algorithms.js';
import { parseDer, readIntegerBytes, sequence } from '../der/reader.js';
import { encode, integer, sequence as seq } from '../der/writer.js';
import { MalformedError, UnsupportedAlgorithmError } from '../errors.js';
import { copyBytes } from '../util/bytes.js';
import { parsePublicKeyInfo, type CurveName } from '../x509/public-key.js';
import type { CryptoProvider, PrivateKeyHandle } from './types.js';

type Subtle = typeof globalThis.crypto.subtle;
type Key = Awaited<ReturnType<Subtle['importKey']>>;

const HASH: Partial<Record<DigestName, string>> = { 'SHA-1': 'SHA-1', 'SHA-256': 'SHA-256', 'SHA-384': 'SHA-384', 'SHA-512': 'SHA-512' };
const CURVE_BYTES: Readonly<Record<CurveName, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

function hashName(d: DigestName): string {
  const h = HASH[d];
  if (!h) throw new UnsupportedAlgorithmError(`WebCrypto has no ${d}`);
  return h;
}

const ab = (b: Uint8Array): ArrayBuffer => copyBytes(b).buffer as ArrayBuffer;

/** DER ECDSA-Sig-Value → raw r‖s (WebCrypto's format). */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array {
  const [r, s] = sequence(parseDer(der, 'ECDSA signature'), 'ECDSA signature', 2, 2).map((e) => readIntegerBytes(e, 'ECDSA r/s'));
  const out = new Uint8Array(2 * size);
  for (const [i, v] of [r, s].entries()) {
    const b = v as Uint8Array;
    // One encoding per signature, as OpenSSL insists (X.690 §8.3.2): positive, minimal, at most
    // the curve's size. Cutting off extra leading bytes would let many encodings verify.
    if (((b[0] as number) & 0x80) !== 0) throw new MalformedError('ECDSA r/s: negative');
    if (b.length > 1 && b[0] === 0 && ((b[1] as number) & 0x80) === 0) throw new MalformedError('ECDSA r/s: not minimal');
    const t = b[0] === 0 ? b.subarray(1) : b;
    if (t.length > size) throw new MalformedError('ECDSA r/s: longer than the curve');
    out.set(t, (i + 1) * size - t.length);
  }
  return out;
}

/** Raw r‖s → DER ECDSA-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const n = raw.length / 2;
  return encode(seq(integer(raw.subarray(0, n)), integer(raw.subarray(n))));
}

function importParams(alg: SignatureAlgorithm, curve: CurveName | undefined): { import: Parameters<Subtle['importKey']>[2]; verify: Parameters<Subtle['verify']>[0] } {
  switch (alg.scheme) {
    case 'RSASSA-PKCS1-v1_5':
      return { import: { name: alg.scheme, hash: hashName(alg.digest) }, verify: { name: alg.scheme } };
    case 'RSASSA-PSS':
      if (alg.mgfDigest !== alg.digest) throw new UnsupportedAlgorithmError('PSS with a different MGF1 hash');
      return { import: { name: 'RSA-PSS', hash: hashName(alg.digest) }, verify: { name: 'RSA-PSS', saltLength: alg.saltLength } };
    case 'ECDSA':
      if (!curve) throw new UnsupportedAlgorithmError('unsupported EC curve');
      return { import: { name: 'ECDSA', namedCurve: curve }, verify: { name: 'ECDSA', hash: hashName(alg.digest) } };
    case 'Ed25519':
      return { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } };
    case 'Ed448':
      throw new UnsupportedAlgorithmError('WebCrypto has no Ed448');
  }
}

/**
 * Whether a WebCrypto signing key was imported for `alg`. RSA keys carry their hash from import
 * and subtle.sign uses it whatever the caller asked, so a mismatch would be a mislabelled signature.
 */
function signingKeyFits(key: Key, alg: SignatureAlgorithm): boolean {
  const k: { readonly name: string; readonly hash?: { readonly name: string } } = key.algorithm;
  switch (alg.scheme) {
    case 'RSASSA-PKCS1-v1_5':
      return k.name === 'RSASSA-PKCS1-v1_5' && k.hash?.name === HASH[alg.digest];
    case 'RSASSA-PSS':
      return k.name === 'RSA-PSS' && k.hash?.name === HASH[alg.digest];
    case 'ECDSA':
    case 'Ed25519':
    case 'Ed448':
      return k.name === alg.scheme;
  }
}

export interface WebCryptoProviderOptions {
  readonly subtle?: Subtle;
  readonly random?: (length: number) => Uint8Array;
}

export function webCryptoProvider(options: WebCryptoProviderOptions = {}): CryptoProvider {
  const subtle = options.subtle ?? globalThis.crypto.subtle;
  const random = options.random ?? ((n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n)));
  const aes = (cipher: CipherName): void => {
    if (!cipher.startsWith('AES-')) throw new UnsupportedAlgorithmError(`WebCrypto has no ${cipher}`);
  };
  return {
    async digest(algorithm, data) {
      return new Uint8Array(await subtle.digest(hashName(algorithm), ab(data)));
    },
    randomBytes: random,
    async encrypt(cipher, key, iv, plaintext) {
      aes(cipher);
      const k = await subtle.importKey('raw', ab(key), 'AES-CBC', false, ['encrypt']);
      return new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv: ab(iv) }, k, ab(plaintext)));
    },
    async decrypt(cipher, key, iv, ciphertext) {
      aes(cipher);
      const k = await subtle.importKey('raw', ab(key), 'AES-CBC', false, ['decrypt']);
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: ab(iv) }, k, ab(ciphertext)));
    },
    async verify(algorithm, spki, data, signature) {
      const info = parsePublicKeyInfo(spki);
      if (!signatureMatchesKey(algorithm, info.algorithmOid)) return false;
      const p = importParams(algorithm, info.curve);
      let key: Key;
      try {
        key = await subtle.importKey('spki', ab(spki), p.import, false, ['verify']);
      } catch {
        return false;
      }
      let sig = signature;
      if (algorithm.scheme === 'ECDSA') {
        try {
          sig = ecdsaDerToRaw(signature, CURVE_BYTES[info.curve as CurveName]);
        } catch {
          return false;
        }
      }
      try {
        return await subtle.verify(p.verify, key, ab(sig), ab(data));
      } catch {
        return false; // e.g. OperationError for a PSS salt longer than the key allows
      }
    },
    async wrapKey(algorithm, spki, contentKey) {
      if (algorithm.scheme !== 'RSAES-OAEP') throw new UnsupportedAlgorithmError('WebCrypto has no RSAES-PKCS1-v1_5');
      const key = await subtle.importKey('spki', ab(spki), { name: 'RSA-OAEP', hash: hashName(algorithm.digest) }, false, ['encrypt']);
      return new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, key, ab(contentKey)));
    },
  };
}

/**
 * A PrivateKeyHandle over a WebCrypto key pair. `signing` is the private key imported for its
 * signature algorithm; `decryption`, if given, an RSA-OAEP private key for content-key unwrap.
 */
export async function webCryptoPrivateKey(o: {
  readonly signing: Key;
  readonly publicKey: Key;
  readonly decryption?: Key;
  readonly subtle?: Subtle;
}): Promise<PrivateKeyHandle> {
  const subtle = o.subtle ?? globalThis.crypto.subtle;
  const publicKeyInfo = new Uint8Array(await subtle.exportKey('spki', o.publicKey));
  const info = parsePublicKeyInfo(publicKeyInfo);
  if (info.type === 'unknown' || info.type === 'Ed448') throw new TypeError('unsupported key type');
  const handle: PrivateKeyHandle = {
    keyType: info.type,
    publicKeyInfo,
    async sign(algorithm, data) {
      if (!signatureMatchesKey(algorithm, info.algorithmOid)) throw new TypeError(`a ${info.type} key cannot sign ${algorithm.scheme}`);
      const p = importParams(algorithm, info.curve);
      if (!signingKeyFits(o.signing, algorithm)) throw new TypeError(`the signing key was not imported for ${algorithm.scheme}${'digest' in algorithm ? ` with ${algorithm.digest}` : ''}`);
      const params = algorithm.scheme === 'RSASSA-PKCS1-v1_5' ? { name: 'RSASSA-PKCS1-v1_5' } : p.verify;
      const sig = new Uint8Array(await subtle.sign(params, o.signing, ab(data)));
      return algorithm.scheme === 'ECDSA' ? ecdsaRawToDer(sig) : sig;
    },
  };
  const dec = o.decryption;
  if (!dec) return handle;
  return {
    ...handle,
    async unwrapKey(algorithm, encryptedKey, keyLength) {
      if (algorithm.scheme !== 'RSAES-OAEP') throw new UnsupportedAlgorithmError('WebCrypto has no RSAES-PKCS1-v1_5');
      try {
        const k = new Uint8Array(await subtle.decrypt({ name: 'RSA-OAEP' }, dec, ab(encryptedKey)));
        if (k.length === keyLength) return k;
      } catch {
        // fall through: a failure looks like a wrong key, caught at content decryption
      }
      return globalThis.crypto.getRandomValues(new Uint8Array(keyLength));
    },
  };
}
