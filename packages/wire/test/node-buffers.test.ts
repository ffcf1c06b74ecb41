/**
 * Node.js callers pass Buffers, often small ones carved out of Node's shared 8 KB pool. Buffer is a
 * Uint8Array whose slice() is a view, not a copy: the codec must never write into what it is given,
 * and must hand WebCrypto the view's bytes, not the whole pool.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPkiRequest, copyBytes, parsePkiMessage, readPkiRequest, toHex, webCryptoProvider } from '@scep/wire';
import { crypto, makeCsr, makePki, type Pki } from './helpers.js';

/** `bytes` as a Buffer inside Node's shared pool (Buffer.from copies small inputs there). */
const pooled = (bytes: Uint8Array): Buffer => {
  Buffer.from([1, 2, 3]); // make sure the copy does not start at the pool's offset 0
  const b = Buffer.from(bytes);
  expect(b.byteOffset > 0 || b.buffer.byteLength > b.length).toBe(true);
  return b;
};

let pki: Pki;
let der: Uint8Array;
beforeAll(async () => {
  pki = await makePki();
  const csr = await makeCsr(pki.device, { cn: 'buffer-device', challenge: 'pw' });
  der = (await buildPkiRequest({ messageType: 'PKCSReq', content: csr, signer: pki.device, recipients: [pki.ra.certificate], transactionId: 'buf', crypto })).der;
  expect(der.length).toBeLessThan(4096); // small enough for the pool
});

describe('Buffers from the caller', () => {
  it('parsing and opening a PKIMessage given as a pooled Buffer leaves its bytes as they were', async () => {
    const b = pooled(der);
    const before = toHex(b);
    await parsePkiMessage(b, { crypto });
    await readPkiRequest(b, { crypto, recipients: [pki.ra] });
    expect(toHex(b)).toBe(before);
  });

  it('copyBytes gives a plain Uint8Array that shares nothing with a Buffer', () => {
    const b = pooled(new Uint8Array([9, 8, 7]));
    const c = copyBytes(b);
    expect(Object.getPrototypeOf(c)).toBe(Uint8Array.prototype);
    c[0] = 0;
    expect(b[0]).toBe(9);
    expect(c.buffer.byteLength).toBe(3);
  });

  it('the WebCrypto provider digests a pooled Buffer as its own bytes', async () => {
    const web = webCryptoProvider({ subtle: globalThis.crypto.subtle });
    const b = pooled(der);
    expect(toHex(await web.digest('SHA-256', b))).toBe(toHex(await crypto.digest('SHA-256', new Uint8Array(der))));
  });
});
