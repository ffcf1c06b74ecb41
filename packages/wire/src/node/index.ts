/**
 * `@scep/wire/node`: the node:crypto implementations of CryptoProvider and PrivateKeyHandle.
 *
 * - RSA signing uses the callback form of crypto.sign, which runs on libuv's thread pool and keeps
 *   the event loop free while the private-key operation (~0.3 ms for RSA-2048) runs; 'adaptive'
 *   placement signs on the calling thread when no other private-key operation is in flight.
 * - RSAES-PKCS1-v1_5 unwrap is RSA_NO_PADDING plus the constant-time decoder in ../crypto/pkcs1.ts,
 *   because Node refuses PKCS #1 v1.5 decryption (CVE-2023-46809, the Marvin attack).
 * - Single DES runs as 3DES with the key repeated (K|K|K): Node does not load OpenSSL's legacy
 *   provider, and EDE with three equal keys is DES.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  privateDecrypt,
  publicEncrypt,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
  type SignKeyObjectInput,
} from 'node:crypto';
import { signatureMatchesKey, type CipherName, type DigestName, type KeyTransportAlgorithm, type KeyType, type SignatureAlgorithm } from '../algorithms.js';
import { decodePkcs1v15, encodePkcs1v15 } from '../crypto/pkcs1.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { parseDer } from '../der/reader.js';
import { MalformedError, UnsupportedAlgorithmError } from '../errors.js';
import { rsaEncryption } from '../oids.js';
import { checkRsaBounds, parsePublicKeyInfo, readPublicKeyInfo } from '../x509/public-key.js';
import { place, type Placement } from './placement.js';
import { rawDecrypt, type RsaThreadPool } from './rsa-threads.js';

export { isPlacement, placementStats, type Placement, type PlacementStats } from './placement.js';
export { lowerHelperThreadPriority, type HelperThreadPriority, type HelperThreadPriorityOptions } from './thread-priority.js';

export { RsaThreadPool, type RsaThreadPoolOptions } from './rsa-threads.js';

const NODE_DIGEST: Readonly<Record<DigestName, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const NODE_CIPHER: Readonly<Record<CipherName, string>> = {
  'AES-128-CBC': 'aes-128-cbc',
  'AES-192-CBC': 'aes-192-cbc',
  'AES-256-CBC': 'aes-256-cbc',
  'DES-EDE3-CBC': 'des-ede3-cbc',
  'DES-CBC': 'des-ede3-cbc',
};

const u8 = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function cipherKey(cipher: CipherName, key: Uint8Array): Uint8Array {
  if (cipher !== 'DES-CBC') return key;
  if (key.length !== 8) throw new MalformedError('DES key must be 8 bytes');
  const k3 = new Uint8Array(24);
  k3.set(key, 0);
  k3.set(key, 8);
  k3.set(key, 16);
  return k3;
}

export interface NodeCryptoOptions {
  /** Replaces crypto.randomBytes, e.g. with a seeded generator to regenerate fixtures byte for byte. */
  readonly random?: (length: number) => Uint8Array;
  /** Public keys kept parsed (LRU), so CA and RA keys are not re-imported per message. Default 256. */
  readonly keyCacheSize?: number;
}

/** The node:crypto CryptoProvider. */
export function nodeCrypto(options: NodeCryptoOptions = {}): CryptoProvider {
  const random = options.random ?? pooledRandom();
  const cacheSize = options.keyCacheSize ?? 256;
  const cache = new Map<string, PublicKeyEntry>();
  const oldest = new OldestKey(cache);
  const publicKeyEntry = (spki: Uint8Array): PublicKeyEntry => {
    const id = spkiId(spki);
    let entry = cache.get(id);
    if (entry) {
      cache.delete(id);
      cache.set(id, entry);
      oldest.reset(); // an insert that evicts nothing
      return entry;
    }
    let key: KeyObject;
    let algorithmOid: string;
    try {
      ({ key, algorithmOid } = importPublicKey(spki));
    } catch (err) {
      throw new MalformedError('unusable public key', { cause: err });
    }
    const details = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
      // Whatever the SPKI's algorithm said: OpenSSL imports RSA keys under more than one OID.
      const e = details?.publicExponent ?? 0n;
      checkRsaBounds(details?.modulusLength ?? 0, e.toString(2).length, (e & 1n) === 1n);
    }
    entry = { key, algorithmOid, modulusBytes: Math.ceil((details?.modulusLength ?? 0) / 8) };
    cache.set(id, entry);
    if (cache.size > cacheSize) cache.delete(oldest.take() as string); // not empty: it holds `id`
    else oldest.reset();
    return entry;
  };

  return {
    digest(algorithm, data) {
      return u8(createHash(NODE_DIGEST[algorithm]).update(data).digest());
    },
    randomBytes: random,
    encrypt(cipher, key, iv, plaintext) {
      const c = createCipheriv(NODE_CIPHER[cipher], cipherKey(cipher, key), iv);
      return u8(Buffer.concat([c.update(plaintext), c.final()]));
    },
    decrypt(cipher, key, iv, ciphertext) {
      const d = createDecipheriv(NODE_CIPHER[cipher], cipherKey(cipher, key), iv);
      return u8(Buffer.concat([d.update(ciphertext), d.final()]));
    },
    verify(algorithm, spki, data, signature) {
      // The codec checks this too (verifySignature); a caller of the provider itself may not.
      const { key, algorithmOid } = publicKeyEntry(spki);
      if (!signatureMatchesKey(algorithm, algorithmOid)) return false;
      try {
        return verifyWith(algorithm, key, data, signature);
      } catch {
        return false; // a signature that does not even parse does not verify
      }
    },
    wrapKey(algorithm, spki, contentKey) {
      const { key, modulusBytes } = publicKeyEntry(spki);
      if (key.asymmetricKeyType !== 'rsa') throw new UnsupportedAlgorithmError('key transport needs an RSA recipient key');
      if (algorithm.scheme === 'RSAES-OAEP') {
        return u8(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: NODE_DIGEST[algorithm.digest] }, contentKey));
      }
      // Pad here (with the injected randomness) so output is reproducible under a seeded source.
      const em = encodePkcs1v15(contentKey, modulusBytes, random);
      return u8(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, em));
    },
  };
}

/**
 * crypto.randomBytes costs ~2 µs per call whatever the size, and a CertRep needs four small draws.
 * Draw 8 KiB at a time and hand out fresh slices (each byte is handed out once).
 */
function pooledRandom(poolSize = 8192): (length: number) => Uint8Array {
  let pool: Uint8Array = new Uint8Array(0);
  let off = 0;
  return (length: number): Uint8Array => {
    if (length > poolSize / 4) return u8(nodeRandomBytes(length));
    if (off + length > pool.length) {
      pool = u8(nodeRandomBytes(poolSize));
      off = 0;
    }
    const out = pool.slice(off, off + length);
    pool.fill(0, off, off + length);
    off += length;
    return out;
  };
}

/**
 * Every enrollment brings a new client key. OpenSSL 3 imports an RSA SubjectPublicKeyInfo through
 * its generic decoder chain (~108 µs for RSA-2048 here) but the RSAPublicKey inside it as PKCS #1
 * in ~3.5 µs (measured, docs/benchmarks.md): take the inner key for RSA, SPKI for everything else.
 */
function importPublicKey(spki: Uint8Array): { key: KeyObject; algorithmOid: string } {
  // Our reader first: it refuses what is malformed and RSA keys too costly to use (public-key.ts).
  const info = readPublicKeyInfo(parseDer(spki, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
  const rsa = info.algorithmOid === rsaEncryption ? info.keyBits : undefined;
  const key = rsa
    ? createPublicKey({ key: Buffer.from(rsa.buffer, rsa.byteOffset, rsa.byteLength), format: 'der', type: 'pkcs1' })
    : createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' });
  return { key, algorithmOid: info.algorithmOid };
}

/**
 * The oldest key of a Map, through one iterator kept between calls. A fresh `keys()` steps over
 * every entry deleted since V8 last rebuilt the table: about twice the cost of an eviction at 256
 * entries (bench/evict.ts; server-core's OldestFirst is the twin of this). Keys come in table
 * order and a moved or new key lands after all of them, so each key `take` gives is the oldest
 * left as long as the caller deletes it. `reset()` on an insert that evicts nothing: an iterator
 * left standing keeps the tables V8 has rebuilt since, and what they held.
 */
class OldestKey {
  #it: Iterator<string> | undefined;
  constructor(private readonly map: Map<string, unknown>) {}
  take(): string | undefined {
    let r = (this.#it ??= this.map.keys()).next();
    // A finished iterator stays finished, even after new inserts.
    if (r.done === true) r = (this.#it = this.map.keys()).next();
    return r.done === true ? undefined : r.value;
  }
  reset(): void {
    this.#it = undefined;
  }
}

/** An imported public key, its SubjectPublicKeyInfo algorithm (for signatureMatchesKey) and modulus size. */
interface PublicKeyEntry {
  readonly key: KeyObject;
  readonly algorithmOid: string;
  readonly modulusBytes: number;
}

function spkiId(spki: Uint8Array): string {
  // The whole SPKI, one char per byte: the Map then compares keys exactly. A partial key lets a
  // key chosen to share those bytes stand in for another (server-core/test/key-cache.test.ts).
  return Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('latin1');
}

/** node:crypto's digest name and key input for a signature algorithm (signing and verifying alike). */
function signatureInput(alg: SignatureAlgorithm, key: KeyObject): [string | null, KeyObject | SignKeyObjectInput] {
  switch (alg.scheme) {
    case 'RSASSA-PKCS1-v1_5':
      return [NODE_DIGEST[alg.digest], key];
    case 'RSASSA-PSS':
      if (alg.mgfDigest !== alg.digest) throw new UnsupportedAlgorithmError('PSS with a different MGF1 hash');
      return [NODE_DIGEST[alg.digest], { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength }];
    case 'ECDSA':
      return [NODE_DIGEST[alg.digest], { key, dsaEncoding: 'der' }];
    case 'Ed25519':
    case 'Ed448':
      return [null, key];
  }
}

function verifyWith(alg: SignatureAlgorithm, key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  const [digest, input] = signatureInput(alg, key);
  return nodeVerify(digest, data, input, sig);
}

function keyTypeOf(key: KeyObject): KeyType {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RSA';
    case 'ec':
      return 'EC';
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      throw new TypeError(`unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

export type NodeKeyInput = KeyObject | string | Uint8Array;

function toPrivateKeyObject(key: NodeKeyInput): KeyObject {
  if (typeof key === 'string') return createPrivateKey(key);
  if (key instanceof Uint8Array) return createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' });
  if (key.type !== 'private') throw new TypeError('expected a private key');
  return key;
}

export interface NodePrivateKeyOptions {
  /**
   * Worker threads for the RSA operation of a PKCS #1 v1.5 unwrap, which node:crypto can only run
   * synchronously. Without a pool it runs on the calling thread (~0.3 ms for RSA-2048).
   */
  readonly threads?: RsaThreadPool;
  /**
   * Where signatures (and, with `threads`, unwraps) run. 'offload' (the default): always off the
   * calling thread. 'adaptive': after one turn of the event loop, on the calling thread when no
   * other private-key operation of the process is in flight, otherwise off it. See placement.ts.
   */
  readonly placement?: Placement;
}

/**
 * A PrivateKeyHandle over a node:crypto private key (KeyObject, PEM string, or PKCS #8 DER).
 * Signing runs off the event loop (or, with `placement: 'adaptive'`, on it when nothing else waits).
 * RSA keys also unwrap content keys (PKCS #1 v1.5 with implicit rejection, or OAEP).
 */
export function nodePrivateKey(input: NodeKeyInput, options: NodePrivateKeyOptions = {}): PrivateKeyHandle {
  const key = toPrivateKeyObject(input);
  const keyType = keyTypeOf(key);
  const publicKeyInfo = u8(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const algorithmOid = parsePublicKeyInfo(publicKeyInfo).algorithmOid;
  const placement = options.placement ?? 'offload';
  const handle: PrivateKeyHandle = {
    keyType,
    publicKeyInfo,
    async sign(algorithm, data) {
      // Node may sign anyway: with the key's own scheme, under the wrong label.
      if (!signatureMatchesKey(algorithm, algorithmOid)) throw new TypeError(`a ${keyType} key cannot sign ${algorithm.scheme}`);
      const [digest, signKey] = signatureInput(algorithm, key);
      return place(
        placement,
        () => u8(nodeSign(digest, data, signKey)),
        () =>
          new Promise<Uint8Array>((resolve, reject) => {
            // The callback form runs on libuv's pool.
            nodeSign(digest, data, signKey, (err, sig) => (err ? reject(err) : resolve(u8(sig))));
          }),
      );
    },
  };
  if (keyType !== 'RSA') return handle;

  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const pool = options.threads;
  // Key-derivation key for synthetic (implicit-rejection) keys: secret, stable for this private key.
  const kdk = createHash('sha256')
    .update('scep-wire implicit rejection v1\0')
    .update(key.export({ type: 'pkcs8', format: 'der' }))
    .digest();
  const synthetic = (c: Uint8Array, n: number): Uint8Array =>
    u8(createHmac('sha256', kdk).update(c).update(Uint8Array.of(n)).digest()).subarray(0, n);

  const unwrapKey = async (algorithm: KeyTransportAlgorithm, encryptedKey: Uint8Array, keyLength: number): Promise<Uint8Array> => {
    if (keyLength > 32) throw new UnsupportedAlgorithmError('content keys longer than 32 bytes are not supported');
    const fake = synthetic(encryptedKey, keyLength);
    if (encryptedKey.length !== k) return fake; // length is public; still no distinct error
    if (algorithm.scheme === 'RSAES-OAEP') {
      try {
        const m = u8(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: NODE_DIGEST[algorithm.digest] }, encryptedKey));
        return m.length === keyLength ? m : fake;
      } catch {
        return fake;
      }
    }
    // Without threads there is nowhere else to run it: on the calling thread, no yield.
    const em = pool ? await place(placement, () => rawDecrypt(key, encryptedKey), () => pool.decryptRaw(key, encryptedKey)) : rawDecrypt(key, encryptedKey);
    // No result: ciphertext >= modulus, public knowledge, same outcome as bad padding.
    return em ? decodePkcs1v15(em, keyLength, fake) : fake;
  };
  return { ...handle, unwrapKey };
}

export interface GeneratedKey {
  readonly privateKey: PrivateKeyHandle;
  /** The node KeyObject, for exporting (PEM) or handing to other libraries. */
  readonly keyObject: KeyObject;
}

export type KeySpec =
  | { readonly type: 'RSA'; readonly modulusLength?: number }
  | { readonly type: 'EC'; readonly namedCurve?: 'P-256' | 'P-384' | 'P-521' }
  | { readonly type: 'Ed25519' };

/** Generates a key pair off the event loop (RSA-2048 by default). */
export function generateKey(spec: KeySpec = { type: 'RSA' }): Promise<GeneratedKey> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: KeyObject, priv: KeyObject): void => {
      if (err) reject(err);
      else resolve({ privateKey: nodePrivateKey(priv), keyObject: priv });
    };
    if (spec.type === 'RSA') generateKeyPairCb('rsa', { modulusLength: spec.modulusLength ?? 2048 }, done);
    else if (spec.type === 'EC') generateKeyPairCb('ec', { namedCurve: spec.namedCurve ?? 'P-256' }, done);
    else generateKeyPairCb('ed25519', {}, done);
  });
}

/** A deterministic byte source (SHA-256 in counter mode over a seed) for reproducible fixtures and tests. Not for production. */
export function seededRandom(seed: string | Uint8Array): (length: number) => Uint8Array {
  const s = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed;
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    let o = 0;
    while (o < length) {
      if (pool.length === 0) {
        const c = new Uint8Array(8);
        new DataView(c.buffer).setBigUint64(0, BigInt(counter++));
        pool = u8(createHash('sha256').update(s).update(c).digest());
      }
      const n = Math.min(pool.length, length - o);
      out.set(pool.subarray(0, n), o);
      pool = pool.subarray(n);
      o += n;
    }
    return out;
  };
}
