import { constants, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { getPriority } from 'node:os';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, type KeyTransportAlgorithm, type PrivateKeyHandle } from '@scep/wire';
import { nodePrivateKey, RsaThreadPool } from '@scep/wire/node';
import { runScript } from './tools.js';

const PKCS1: KeyTransportAlgorithm = { scheme: 'RSAES-PKCS1-v1_5' };
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pool = new RsaThreadPool({ threads: 2 });
afterAll(() => pool.close());
const unwrapOf = (h: PrivateKeyHandle) => h.unwrapKey as NonNullable<PrivateKeyHandle['unwrapKey']>;
const inline = unwrapOf(nodePrivateKey(privateKey));
const threaded = unwrapOf(nodePrivateKey(privateKey, { threads: pool }));
const wrap = (cek: Uint8Array): Uint8Array => new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek));

describe('RsaThreadPool: unwraps on worker threads', () => {
  it('gives exactly what the inline unwrap gives: the key for a good block, the same synthetic key for a bad one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 32 }), fc.uint8Array({ minLength: 256, maxLength: 256 }), async (cek, junk) => {
        const good = wrap(cek);
        expect(toHex(await threaded(PKCS1, good, cek.length))).toBe(toHex(cek));
        // Junk is a bad padding (or not below the modulus): implicit rejection, same on both paths.
        expect(toHex(await threaded(PKCS1, junk, 16))).toBe(toHex(await inline(PKCS1, junk, 16)));
      }),
      { numRuns: 40 },
    );
    const above = new Uint8Array(256).fill(0xff); // not below the modulus: OpenSSL refuses it
    expect(toHex(await threaded(PKCS1, above, 24))).toBe(toHex(await inline(PKCS1, above, 24)));
  });

  it('serves many concurrent unwraps, each with its own answer', async () => {
    const ceks = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(32)));
    const out = await Promise.all(ceks.map((c) => threaded(PKCS1, wrap(c), 32)));
    expect(out.map(toHex)).toEqual(ceks.map(toHex));
  });

  it('close() lets jobs in flight finish (inline), and later unwraps run inline', async () => {
    const p = new RsaThreadPool();
    const h = unwrapOf(nodePrivateKey(privateKey, { threads: p }));
    const ceks = Array.from({ length: 16 }, () => new Uint8Array(randomBytes(16)));
    const pending = ceks.map((c) => h(PKCS1, wrap(c), 16));
    await p.close();
    expect((await Promise.all(pending)).map(toHex)).toEqual(ceks.map(toHex));
    expect(toHex(await h(PKCS1, wrap(ceks[0] as Uint8Array), 16))).toBe(toHex(ceks[0] as Uint8Array));
  });

  it('refuses a thread count outside 1..64, and heap limits that are not sizes', () => {
    for (const threads of [0, -1, 1.5, 65]) expect(() => new RsaThreadPool({ threads })).toThrow(TypeError);
    for (const heap of [{ youngMb: -1 }, { oldMb: Number.NaN }, { oldMb: Infinity }]) expect(() => new RsaThreadPool({ heap })).toThrow(TypeError);
  });

  it("works with V8's own heap limits too; a thread that dies of its heap limit hands its work back to the caller", async () => {
    for (const heap of [false, { oldMb: 1, youngMb: 1 }] as const) {
      const p = new RsaThreadPool({ heap });
      const h = unwrapOf(nodePrivateKey(privateKey, { threads: p }));
      const ceks = Array.from({ length: 8 }, () => new Uint8Array(randomBytes(16)));
      expect((await Promise.all(ceks.map((c) => h(PKCS1, wrap(c), 16)))).map(toHex)).toEqual(ceks.map(toHex));
      await p.close();
    }
  });

  it('a pending unwrap keeps the process alive; idle threads do not (a script without close() ends by itself)', () => {
    const r = runScript(
      'rsa-threads',
      `import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { nodePrivateKey, RsaThreadPool } from '@scep/wire/node';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const h = nodePrivateKey(privateKey, { threads: new RsaThreadPool() });
const c = new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from('0123456789abcdef')));
const first = await h.unwrapKey!({ scheme: 'RSAES-PKCS1-v1_5' }, c, 16);
await new Promise((r) => setTimeout(r, 300)); // the thread is up and idle now
h.unwrapKey!({ scheme: 'RSAES-PKCS1-v1_5' }, c, 16).then((k) => console.log(Buffer.from(first).toString(), Buffer.from(k).toString()));
`,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('0123456789abcdef 0123456789abcdef');
  });

  it('rejects a nice value outside 1-19', () => {
    for (const nice of [0, 20, 2.5]) {
      expect(() => new RsaThreadPool({ nice })).toThrow(TypeError);
      expect(() => new RsaThreadPool({ nice })).toThrow(`nice must be an integer from 1 to 19, got ${nice}`);
    }
  });

  it.runIf(process.platform === 'linux')('with `nice`, each thread lowers its own priority when it starts; without, it keeps the starter’s', () => {
    // Each pool starts its thread on its first unwrap; the thread is the one that was not there before.
    const r = runScript(
      'rsa-threads-nice',
      `import { constants, generateKeyPairSync, publicEncrypt, randomFillSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { nodePrivateKey, RsaThreadPool } from '@scep/wire/node';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const c = new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, randomFillSync(Buffer.alloc(16))));
await new Promise((r) => setTimeout(r, 50));
const tids = () => new Set(readdirSync('/proc/self/task'));
const nice = (id) => getPriority(Number(id));
const out = {};
for (const [name, options] of [['nice', { nice: 19 }], ['plain', {}]]) {
  const pool = new RsaThreadPool(options);
  const before = tids();
  await nodePrivateKey(privateKey, { threads: pool }).unwrapKey({ scheme: 'RSAES-PKCS1-v1_5' }, c, 16);
  out[name] = [...tids()].filter((t) => !before.has(t)).map(nice);
  await pool.close();
}
out.main = nice(String(process.pid));
console.log(JSON.stringify(out));
`,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const own = getPriority();
    const out = JSON.parse(r.stdout) as { nice: number[]; plain: number[]; main: number };
    expect(out.main).toBe(own);
    expect(out.nice.length).toBeGreaterThanOrEqual(1);
    expect(out.nice.every((n) => n === Math.max(19, own))).toBe(true);
    expect(out.plain.length).toBeGreaterThanOrEqual(1);
    expect(out.plain.every((n) => n === own)).toBe(true);
  });
});
