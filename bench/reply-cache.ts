/**
 * The reply cache's cost on the enrollment path: key the request (SHA-256 of its DER), look it up,
 * store the reply. A full cache (10,000 replies of 3,365 bytes, the size of the example server's
 * CertRep) against a Map that keeps each reply as its own Uint8Array (the design before the ring,
 * docs/benchmarks.md proposal 14) and against no cache at all (the reply is still made each time).
 *   node --conditions=@scep/source --import tsx bench/reply-cache.ts
 * Prints CPU µs per request, GC included, for three interleaved rounds.
 */
import { randomBytes } from 'node:crypto';
import { InMemoryReplyCache, type ReplyCache } from '@scep/server-core';
import { nodeCrypto } from '@scep/wire/node';

const REPLY_BYTES = 3365;
const crypto = nodeCrypto();
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The design before: one Uint8Array kept per reply, the oldest out through a kept iterator. */
class ArrayPerReply implements ReplyCache {
  readonly #m = new Map<string, { reply: Uint8Array; expiresAt: number }>();
  #it: Iterator<string> | undefined;
  constructor(private readonly max: number) {}
  async get(key: string, now: Date): Promise<Uint8Array | undefined> {
    const e = this.#m.get(key);
    return e && e.expiresAt > now.getTime() ? e.reply : undefined;
  }
  async put(key: string, reply: Uint8Array, expiresAt: Date): Promise<void> {
    if (this.#m.size < this.max) this.#it = undefined;
    while (this.#m.size >= this.max) this.#m.delete((this.#it ??= this.#m.keys()).next().value as string);
    this.#m.set(key, { reply, expiresAt: expiresAt.getTime() });
  }
}

const requests = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(2400)));
async function loop(cache: ReplyCache | undefined, n: number, salt: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const der = requests[i & 63]!;
    der[0] = i & 255;
    der[1] = (i >> 8) & 255;
    der[2] = (i >> 16) & 255;
    der[3] = salt;
    const reply = new Uint8Array(REPLY_BYTES); // stands for the CertRep, made anew each time
    reply[0] = i & 255;
    if (!cache) continue;
    const key = `default:${hex(await crypto.digest('SHA-256', der))}`;
    if (await cache.get(key, new Date())) throw new Error('a new request found in the cache');
    await cache.put(key, reply, new Date(Date.now() + 600_000));
  }
}

const designs = { 'no cache': () => undefined, 'one Uint8Array per reply': () => new ArrayPerReply(10_000), 'ring (InMemoryReplyCache)': () => new InMemoryReplyCache() };
for (let round = 0; round < 3; round++) {
  for (const [name, make] of Object.entries(designs)) {
    const cache = make();
    await loop(cache, 20_000, round); // full: 10,000 kept, the ring at its final size
    const t0 = process.cpuUsage();
    await loop(cache, 50_000, 100 + round);
    const d = process.cpuUsage(t0);
    console.log(`round ${round + 1}  ${name.padEnd(26)} ${((d.user + d.system) / 50_000).toFixed(2)} µs CPU per request`);
  }
}
