/**
 * RSAES-PKCS1-v1_5 padding (RFC 8017 §7.2), done by hand because Node refuses PKCS #1 v1.5
 * decryption (CVE-2023-46809) and WebCrypto has none. Decoding is branch-free over the whole block
 * with implicit rejection: a bad block yields the caller's synthetic key, indistinguishable in
 * timing and in errors from a good one. JavaScript JITs promise nothing about timing; this avoids
 * data-dependent branches and memory access, which is as far as JS can go.
 */

// Branch-free helpers over small non-negative integers (< 2^30). Each returns 0 or 1.
const isZero = (x: number): number => ((x - 1) >>> 31) & 1;
const eq = (a: number, b: number): number => isZero(a ^ b);
const ge = (a: number, b: number): number => 1 - (((a - b) >>> 31) & 1);
const select = (bit: number, a: number, b: number): number => b ^ ((a ^ b) & -bit);

/**
 * Decodes an encryption block EM = 0x00 || 0x02 || PS (>= 8 non-zero bytes) || 0x00 || M, where M
 * must be exactly `keyLength` bytes. Returns M if the block is valid, else `synthetic` (which must be
 * `keyLength` bytes, derived from the ciphertext so a repeated query gets the same answer).
 */
export function decodePkcs1v15(em: Uint8Array, keyLength: number, synthetic: Uint8Array): Uint8Array {
  if (synthetic.length !== keyLength) throw new TypeError('synthetic key has the wrong length');
  const k = em.length;
  let good = isZero(em[0] ?? 1) & eq(em[1] ?? 0, 2);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const z = isZero(em[i] as number);
    zeroIndex = select(z & (found ^ 1), i, zeroIndex);
    found |= z;
  }
  good &= found;
  good &= ge(zeroIndex, 10); // at least 8 bytes of PS
  good &= eq(k - zeroIndex - 1, keyLength);
  const mask = -good & 0xff;
  const out = new Uint8Array(keyLength);
  const off = k - keyLength;
  for (let j = 0; j < keyLength; j++) out[j] = ((em[off + j] ?? 0) & mask) | ((synthetic[j] as number) & ~mask);
  return out;
}

/** Builds EM for `message` in a `k`-byte modulus; `random` supplies the non-zero padding bytes. */
export function encodePkcs1v15(message: Uint8Array, k: number, random: (n: number) => Uint8Array): Uint8Array {
  const psLen = k - 3 - message.length;
  if (psLen < 8) throw new TypeError('message too long for RSAES-PKCS1-v1_5');
  const em = new Uint8Array(k);
  em[1] = 2;
  let filled = 0;
  while (filled < psLen) {
    const chunk = random(psLen - filled + 16);
    for (let i = 0; i < chunk.length && filled < psLen; i++) if (chunk[i] !== 0) em[2 + filled++] = chunk[i] as number;
  }
  em.set(message, k - message.length);
  return em;
}
