/** node/index.ts: the node:crypto CryptoProvider and PrivateKeyHandle. */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import type * as NodeCryptoModule from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CIPHERS, encodePkcs1v15, toHex, type CipherName, type KeyTransportAlgorithm, type PrivateKeyHandle, type SignatureAlgorithm } from '@scep/wire';
import { generateKey, nodeCrypto, nodePrivateKey, seededRandom } from '@scep/wire/node';
import { openssl, LEGACY_PROVIDERS } from './tools.js';
import { rejectsWith, throwsWith, flip } from './helpers.js';

// Every public-key import goes through node:crypto's createPublicKey: counting its calls tells the
// key cache's hits from its misses. The calls themselves are the real ones.
const publicKeyImports = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCryptoModule>();
  const counted: typeof actual.createPublicKey = (key) => {
    publicKeyImports.count++;
    return actual.createPublicKey(key);
  };
  return { ...actual, createPublicKey: counted };
});

const crypto = nodeCrypto({ random: seededRandom('node provider tests') });
const PKCS1: KeyTransportAlgorithm = { scheme: 'RSAES-PKCS1-v1_5' };
let rsa: PrivateKeyHandle;
let rsa2: PrivateKeyHandle;
beforeAll(async () => {
  [rsa, rsa2] = await Promise.all([generateKey().then((g) => g.privateKey), generateKey().then((g) => g.privateKey)]);
});

describe('symmetric ciphers', () => {
  for (const name of Object.keys(CIPHERS) as CipherName[]) {
    it(`${name}: encrypt/decrypt round trip with PKCS #7 padding`, async () => {
      const c = CIPHERS[name];
      const k = crypto.randomBytes(c.keyLength);
      const iv = crypto.randomBytes(c.ivLength);
      for (const len of [0, 1, c.ivLength, 100]) {
        const pt = crypto.randomBytes(len);
        const ct = await crypto.encrypt(name, k, iv, pt);
        expect(ct.length).toBe((Math.floor(len / c.ivLength) + 1) * c.ivLength);
        expect(toHex(await crypto.decrypt(name, k, iv, ct))).toBe(toHex(pt));
      }
    });
  }

  it('DES-CBC as K|K|K interoperates with openssl enc -des-cbc (legacy provider), both ways', async () => {
    const k = crypto.randomBytes(8);
    const iv = crypto.randomBytes(8);
    const pt = new TextEncoder().encode('single DES is 3DES with three equal keys');
    const ours = await crypto.encrypt('DES-CBC', k, iv, pt);
    const dec = await openssl(['enc', '-d', '-des-cbc', ...LEGACY_PROVIDERS, '-K', toHex(k), '-iv', toHex(iv)], { input: ours });
    expect(dec.code, dec.stderr).toBe(0);
    expect(toHex(dec.stdout)).toBe(toHex(pt));
    const enc = await openssl(['enc', '-des-cbc', ...LEGACY_PROVIDERS, '-K', toHex(k), '-iv', toHex(iv)], { input: pt });
    expect(enc.code, enc.stderr).toBe(0);
    expect(toHex(enc.stdout)).toBe(toHex(ours));
    expect(toHex(await crypto.decrypt('DES-CBC', k, iv, enc.stdout))).toBe(toHex(pt));
  });

  it('a DES key that is not 8 bytes is refused', () => {
    throwsWith(() => crypto.encrypt('DES-CBC', new Uint8Array(16), new Uint8Array(8), new Uint8Array(1)), 'ERR_MALFORMED');
  });

  it('bad padding makes decrypt throw (the codec turns that into DecryptionError)', async () => {
    const k = crypto.randomBytes(16);
    const iv = crypto.randomBytes(16);
    const ct = await crypto.encrypt('AES-128-CBC', k, iv, new Uint8Array(5));
    flip(ct, ct.length - 1, 0xff);
    await expect(async () => crypto.decrypt('AES-128-CBC', k, iv, ct)).rejects.toThrow();
  });
});

describe('digests', () => {
  it('known answers', async () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(await crypto.digest('MD5', abc))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(toHex(await crypto.digest('SHA-1', abc))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(toHex(await crypto.digest('SHA-256', abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect((await crypto.digest('SHA-224', abc)).length).toBe(28);
    expect((await crypto.digest('SHA-384', abc)).length).toBe(48);
    expect((await crypto.digest('SHA-512', abc)).length).toBe(64);
  });
});

describe('key transport: RSAES-PKCS1-v1_5 with implicit rejection, RSAES-OAEP', () => {
  it('wrap then unwrap gives the content key back; wrapping is reproducible under a seeded source', async () => {
    for (const n of [8, 16, 24, 32]) {
      const cek = crypto.randomBytes(n);
      const wrapped = await crypto.wrapKey(PKCS1, rsa.publicKeyInfo, cek);
      expect(wrapped.length).toBe(256);
      expect(toHex(await (rsa.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)(PKCS1, wrapped, n))).toBe(toHex(cek));
    }
    const a = nodeCrypto({ random: seededRandom('same') });
    const b = nodeCrypto({ random: seededRandom('same') });
    const cek = new Uint8Array(32).fill(1);
    expect(toHex(await a.wrapKey(PKCS1, rsa.publicKeyInfo, cek))).toBe(toHex(await b.wrapKey(PKCS1, rsa.publicKeyInfo, cek)));
  });

  it('our PKCS #1 v1.5 wrap is what OpenSSL unwraps, and OpenSSL’s wrap is what we unwrap', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const handle = nodePrivateKey(privateKey);
    const cek = crypto.randomBytes(32);
    const wrapped = await crypto.wrapKey(PKCS1, handle.publicKeyInfo, cek);
    // Node refuses PKCS1 padding on private decryption (CVE-2023-46809): check with NO_PADDING instead.
    const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, wrapped);
    expect(toHex(em.subarray(256 - 32))).toBe(toHex(cek));
    expect([em[0], em[1], em[256 - 33]]).toEqual([0, 2, 0]);
    const theirs = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
    expect(toHex(await (handle.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)(PKCS1, theirs, 32))).toBe(toHex(cek));
  });

  it('implicit rejection: a bad ciphertext yields a stable synthetic key, never an error', async () => {
    const unwrap = rsa.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>;
    const bad = crypto.randomBytes(256);
    bad[0] = 0; // below the modulus, almost surely bad padding
    const a = await unwrap(PKCS1, bad, 32);
    const b = await unwrap(PKCS1, bad, 32);
    expect(a.length).toBe(32);
    expect(toHex(a)).toBe(toHex(b)); // same answer for the same query
    const other = bad.slice();
    flip(other, 255, 1);
    expect(toHex(await unwrap(PKCS1, other, 32))).not.toBe(toHex(a)); // derived from the ciphertext
    expect(toHex(await (rsa2.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)(PKCS1, bad, 32))).not.toBe(toHex(a)); // and from the key
    expect((await unwrap(PKCS1, bad, 16)).length).toBe(16);
  });

  it('implicit rejection covers wrong lengths, ciphertexts above the modulus, and a valid block of the wrong key size', async () => {
    const unwrap = rsa.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>;
    const short = crypto.randomBytes(255);
    expect(toHex(await unwrap(PKCS1, short, 32))).toBe(toHex(await unwrap(PKCS1, short, 32)));
    const high = new Uint8Array(256).fill(0xff);
    expect((await unwrap(PKCS1, high, 32)).length).toBe(32);
    const sixteen = crypto.randomBytes(16);
    const wrapped16 = await crypto.wrapKey(PKCS1, rsa.publicKeyInfo, sixteen);
    const asked32 = await unwrap(PKCS1, wrapped16, 32);
    expect(asked32.length).toBe(32);
    expect(toHex(asked32).includes(toHex(sixteen))).toBe(false);
    // A block that is valid except for the block type (0x01): synthetic, not the embedded bytes.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const handle = nodePrivateKey(privateKey);
    const em = encodePkcs1v15(new Uint8Array(32).fill(7), 256, crypto.randomBytes);
    em[1] = 1;
    const ct = publicEncrypt({ key: createPublicKey(privateKey), padding: constants.RSA_NO_PADDING }, em);
    expect(toHex(await (handle.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)(PKCS1, ct, 32))).not.toBe(toHex(new Uint8Array(32).fill(7)));
  });

  it('content keys above 32 bytes are unsupported', async () => {
    await rejectsWith((rsa.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)(PKCS1, new Uint8Array(256), 33), 'ERR_UNSUPPORTED_ALGORITHM');
  });

  for (const digest of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
    it(`RSAES-OAEP ${digest}: round trip, and failure is a synthetic key too`, async () => {
      const alg: KeyTransportAlgorithm = { scheme: 'RSAES-OAEP', digest };
      const unwrap = rsa.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>;
      const cek = crypto.randomBytes(32);
      const wrapped = await crypto.wrapKey(alg, rsa.publicKeyInfo, cek);
      expect(toHex(await unwrap(alg, wrapped, 32))).toBe(toHex(cek));
      const bad = wrapped.slice();
      flip(bad, 10, 1);
      const fake = await unwrap(alg, bad, 32);
      expect(toHex(fake)).not.toBe(toHex(cek));
      expect(toHex(await unwrap(alg, bad, 32))).toBe(toHex(fake));
      expect(toHex(await unwrap(alg, wrapped, 16))).not.toBe(toHex(cek.subarray(0, 16))); // wrong length asked
    });
  }

  it('wrapping to a non-RSA key is unsupported; an unusable SPKI is malformed', async () => {
    const ec = await generateKey({ type: 'EC' });
    await rejectsWith((async () => crypto.wrapKey(PKCS1, ec.privateKey.publicKeyInfo, new Uint8Array(16)))(), 'ERR_UNSUPPORTED_ALGORITHM');
    await rejectsWith((async () => crypto.wrapKey(PKCS1, Uint8Array.of(0x30, 0), new Uint8Array(16)))(), 'ERR_MALFORMED');
  });
});

describe('signatures', () => {
  const data = new TextEncoder().encode('to be signed');
  const cases: [string, () => Promise<PrivateKeyHandle>, SignatureAlgorithm][] = [
    ['RSA PKCS#1 v1.5 SHA-256', () => Promise.resolve(rsa), { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }],
    ['RSA PKCS#1 v1.5 SHA-1', () => Promise.resolve(rsa), { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-1' }],
    ['RSA-PSS SHA-256', () => Promise.resolve(rsa), { scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 }],
    ['ECDSA P-256 SHA-256', async () => (await generateKey({ type: 'EC', namedCurve: 'P-256' })).privateKey, { scheme: 'ECDSA', digest: 'SHA-256' }],
    ['ECDSA P-384 SHA-384', async () => (await generateKey({ type: 'EC', namedCurve: 'P-384' })).privateKey, { scheme: 'ECDSA', digest: 'SHA-384' }],
    ['Ed25519', async () => (await generateKey({ type: 'Ed25519' })).privateKey, { scheme: 'Ed25519' }],
  ];
  for (const [label, make, alg] of cases) {
    it(`${label}: sign, verify, tampered data and garbage signatures do not verify (no throw)`, async () => {
      const key = await make();
      const sig = await key.sign(alg, data);
      if (alg.scheme === 'ECDSA') expect(sig[0]).toBe(0x30); // DER ECDSA-Sig-Value
      expect(await crypto.verify(alg, key.publicKeyInfo, data, sig)).toBe(true);
      expect(await crypto.verify(alg, key.publicKeyInfo, Uint8Array.of(...data, 0), sig)).toBe(false);
      expect(await crypto.verify(alg, key.publicKeyInfo, data, Uint8Array.of(1, 2, 3))).toBe(false);
      expect(await crypto.verify(alg, key.publicKeyInfo, data, new Uint8Array(0))).toBe(false);
    });
  }

  it('PSS with a different MGF1 hash does not verify (reported as false, not thrown)', async () => {
    const sig = await rsa.sign({ scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-256', saltLength: 32 }, data);
    expect(await crypto.verify({ scheme: 'RSASSA-PSS', digest: 'SHA-256', mgfDigest: 'SHA-1', saltLength: 32 }, rsa.publicKeyInfo, data, sig)).toBe(false);
  });

  it('an unusable public key is malformed input', () => {
    throwsWith(() => crypto.verify({ scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' }, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), data, new Uint8Array(1)), 'ERR_MALFORMED');
  });

  it('the public-key cache (LRU) keeps verifying correctly when it evicts', async () => {
    const small = nodeCrypto({ keyCacheSize: 1 });
    const alg: SignatureAlgorithm = { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' };
    const [s1, s2] = await Promise.all([rsa.sign(alg, data), rsa2.sign(alg, data)]);
    for (let i = 0; i < 3; i++) {
      expect(await small.verify(alg, rsa.publicKeyInfo, data, s1)).toBe(true);
      expect(await small.verify(alg, rsa2.publicKeyInfo, data, s2)).toBe(true);
      expect(await small.verify(alg, rsa2.publicKeyInfo, data, s1)).toBe(false);
    }
  });

  it('the public-key cache holds keyCacheSize keys and evicts the least recently used one first', () => {
    const spkis = Array.from({ length: 8 }, () => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' })));
    const p = nodeCrypto({ keyCacheSize: 3 });
    const alg: SignatureAlgorithm = { scheme: 'ECDSA', digest: 'SHA-256' };
    /** Which of the keys, verified with in turn, had to be imported (were not in the cache). */
    const misses = (...keys: number[]): number[] =>
      keys.filter((k) => {
        const before = publicKeyImports.count;
        p.verify(alg, spkis[k] as Uint8Array, data, Uint8Array.of(0x30, 0x00));
        return publicKeyImports.count > before;
      });
    expect(misses(0, 1, 2)).toEqual([0, 1, 2]);
    expect(misses(0)).toEqual([]); // a hit makes 0 the newest: 1, 2, 0
    expect(misses(3)).toEqual([3]); // 1 out: 2, 0, 3
    expect(misses(1)).toEqual([1]); // 2 out: 0, 3, 1
    expect(misses(2)).toEqual([2]); // 0 out: 3, 1, 2
    expect(misses(3, 1, 2)).toEqual([]);
    expect(misses(0)).toEqual([0]); // 3 out: 1, 2, 0
    // Eight keys in turn through three places: every call misses and evicts, and the cache holds
    // the last three, whatever passed through it.
    const cycle = [3, 4, 5, 6, 7, 0, 1, 2];
    for (let round = 0; round < 50; round++) expect(misses(...cycle)).toEqual(cycle);
    expect(misses(0, 1, 2)).toEqual([]);
    expect(misses(3)).toEqual([3]);
  });

  it('the public-key cache evicts through one kept iterator, not a fresh keys() per eviction', () => {
    // A fresh keys() steps over every entry deleted since V8 last rebuilt the table, so evicting
    // through one cost more the more had been evicted.
    const spkis = Array.from({ length: 6 }, () => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' })));
    const p = nodeCrypto({ keyCacheSize: 2 });
    const alg: SignatureAlgorithm = { scheme: 'ECDSA', digest: 'SHA-256' };
    const keys = Map.prototype.keys;
    let iterators = 0;
    Map.prototype.keys = function <K, V>(this: Map<K, V>) {
      iterators++;
      return keys.call(this) as MapIterator<K>;
    };
    try {
      for (let i = 0; i < 300; i++) p.verify(alg, spkis[i % spkis.length] as Uint8Array, data, Uint8Array.of(0x30, 0x00));
    } finally {
      Map.prototype.keys = keys;
    }
    expect(iterators).toBe(1); // 298 evictions
  });

  it('the public-key cache is keyed by the whole SPKI: keys that differ in one middle byte never share an entry', async () => {
    // The cache used to be keyed by the SPKI's first and last 48 bytes. A key equal to a victim's
    // there (RSA moduli can be chosen so, with a known factorisation) was then used to verify
    // messages signed "by" the victim's certificate: server-core/test/key-cache.test.ts.
    const alg: SignatureAlgorithm = { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' };
    const x = rsa.publicKeyInfo;
    const sig = await rsa.sign(alg, data);
    for (const at of [60, x.length >> 1, x.length - 60]) {
      const y = Uint8Array.from(x);
      y[at] = (y[at] as number) ^ 0x10; // still a well-formed RSA key, with another modulus
      for (const order of [[x, y], [y, x]] as const) {
        const p = nodeCrypto();
        for (const spki of order) expect(await p.verify(alg, spki, data, sig)).toBe(spki === x);
        // Wrapping to y must use y's modulus: x's private key cannot unwrap it.
        const wrapped = await p.wrapKey(PKCS1, y, new Uint8Array(16).fill(7));
        expect(toHex(await (rsa.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>)(PKCS1, wrapped, 16))).not.toBe(toHex(new Uint8Array(16).fill(7)));
      }
    }
  });
});

describe('keys and randomness', () => {
  it('nodePrivateKey takes a KeyObject, a PEM string or PKCS #8 DER; a public key is a caller bug', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const der = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
    const spki = toHex(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));
    for (const input of [privateKey, pem, der]) {
      const h = nodePrivateKey(input);
      expect(h.keyType).toBe('EC');
      expect(toHex(h.publicKeyInfo)).toBe(spki);
      expect(h.unwrapKey).toBeUndefined(); // only RSA keys unwrap
    }
    expect(() => nodePrivateKey(publicKey)).toThrow(TypeError);
    expect(nodePrivateKey(createPrivateKey(pem)).keyType).toBe('EC');
  });

  it('seededRandom is deterministic per seed and differs across seeds', () => {
    const a = seededRandom('x');
    const b = seededRandom('x');
    const c = seededRandom(Uint8Array.of(1));
    const a1 = a(50);
    expect(toHex(a1)).toBe(toHex(b(50)));
    expect(toHex(a(7))).toBe(toHex(b(7)));
    expect(toHex(c(50))).not.toBe(toHex(a1));
    expect(a(0).length).toBe(0);
  });

  it('the default pooled source hands out fresh bytes on every call, small and large', () => {
    const c = nodeCrypto();
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) seen.add(toHex(c.randomBytes(16)));
    expect(seen.size).toBe(600);
    const big = c.randomBytes(4096);
    expect(big.length).toBe(4096);
    expect(toHex(big)).not.toBe(toHex(c.randomBytes(4096)));
  });
});
