/**
 * Many distinct RSA-2048 client keys, fast. Generating one RSA-2048 key costs ~100 ms here, and a
 * run needs tens of thousands (one per request, so no server can cache anything). Instead:
 * generate P random 1024-bit primes (~30 ms each, on the libuv pool) and use every pair p·q as a
 * modulus: P primes give P·(P−1)/2 distinct, valid RSA-2048 keys. Keys that share a factor are
 * worthless in real life and irrelevant to a benchmark: a server only sees the public moduli.
 */
import { createPrivateKey, generatePrime, type KeyObject } from 'node:crypto';

const E = 65537n;

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return ((s0 % m) + m) % m;
}

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

function b64u(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

export class ClientKeyPool {
  private readonly primes: bigint[] = [];

  /** A pool with room for at least `count` keys. */
  static async create(count: number): Promise<ClientKeyPool> {
    const pool = new ClientKeyPool();
    await pool.ensure(count);
    return pool;
  }

  /** Adds primes until at least `count` keys exist; existing indexes keep their keys. */
  async ensure(count: number): Promise<void> {
    let p = Math.max(2, this.primes.length);
    while ((p * (p - 1)) / 2 < count) p++;
    const one = (): Promise<bigint> =>
      new Promise((res, rej) => generatePrime(1024, { bigint: true }, (err, prime) => (err ? rej(err) : res(prime as bigint))));
    while (this.primes.length < p) {
      const batch = await Promise.all(Array.from({ length: Math.min(16, p - this.primes.length) }, one));
      // e must be invertible mod p−1; OpenSSL sets the top two bits, so p·q has 2048 bits.
      for (const q of batch) if ((q - 1n) % E !== 0n && q >> 1022n === 3n && !this.primes.includes(q)) this.primes.push(q);
    }
  }

  get capacity(): number {
    return (this.primes.length * (this.primes.length - 1)) / 2;
  }

  /** The i-th key (deterministic for this pool): pairs (0,1), (0,2), (1,2), (0,3), … */
  key(i: number): KeyObject {
    if (!Number.isInteger(i) || i < 0 || i >= this.capacity) throw new RangeError(`key index ${i} out of range`);
    let b = 1;
    while (((b + 1) * b) / 2 <= i) b++;
    const a = i - (b * (b - 1)) / 2;
    const p = this.primes[b] as bigint;
    const q = this.primes[a] as bigint;
    const n = p * q;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(E, lambda);
    return createPrivateKey({
      format: 'jwk',
      key: { kty: 'RSA', n: b64u(n), e: b64u(E), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)) },
    });
  }
}
