/** fast-check: whatever arrives — query strings, bodies, headers, methods — the handler never answers 5xx or rejects. */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLocalCa, createScepHandler, staticChallenge, type ScepHandler } from '@scep/server-core';
import { BASE, clientRequest, crypto, party, T0 } from './setup.js';

let h: ScepHandler;
let valid: Uint8Array;
const errors: unknown[] = [];
beforeAll(async () => {
  const ca = await party({ subject: 'CN=Prop CA', ca: true });
  const device = await party({ subject: 'CN=prop', selfSignedNoExt: true });
  h = createScepHandler({
    profiles: { default: { ca: { certificates: [ca.certificate.der], key: ca.key }, challenge: staticChallenge('pw'), issue: createLocalCa({ ca, crypto, now: () => T0 }).issue } },
    crypto,
    now: () => T0,
    maxBodySize: 64 * 1024,
    onError: (e) => errors.push(e),
  });
  valid = (await clientRequest({ device, recipients: [ca.certificate], challenge: 'pw', cn: 'prop' })).der;
});

const operation = fc.oneof(fc.constantFrom('GetCACaps', 'GetCACert', 'GetNextCACert', 'PKIOperation', '', 'pkioperation'), fc.string());
const path = fc.oneof(fc.constantFrom('/scep', '/scep/', '/scep/pkiclient.exe', '/scep/default', '/scep/%ZZ', '/', '/other'), fc.string().map((s) => `/scep/${encodeURIComponent(s)}`));
const header = fc.tuple(fc.constantFrom('content-type', 'content-length', 'x-junk', 'accept', 'transfer-encoding'), fc.string({ maxLength: 40 }));

function mutate(bytes: Uint8Array, edits: [number, number][]): Uint8Array {
  const out = bytes.slice();
  for (const [i, v] of edits) out[i % out.length] = v;
  return out;
}

describe('handler robustness', () => {
  it('GET with arbitrary query strings', async () => {
    await fc.assert(
      fc.asyncProperty(path, operation, fc.option(fc.string({ maxLength: 300 })), fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), { maxLength: 4 }), async (p, op, message, extra) => {
        const q = new URLSearchParams([['operation', op], ...(message === null ? [] : [['message', message] as [string, string]]), ...extra]);
        const res = await h(new Request(`${BASE}${p}?${q}`));
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 300 },
    );
  });
  it('POST PKIOperation with random and mutated bodies and arbitrary headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((e) => mutate(valid, e)), fc.nat({ max: 3000 }).map((n) => valid.subarray(0, n))),
        fc.array(header, { maxLength: 3 }),
        fc.constantFrom('POST', 'PUT', 'GET', 'HEAD', 'OPTIONS'),
        async (body, headers, method) => {
          const hs = new Headers();
          for (const [k, v] of headers) {
            if (k === 'content-length' || k === 'transfer-encoding') continue; // set by the Request itself
            try {
              hs.set(k, v);
            } catch {
              // not a valid header value: a real client cannot send it either
            }
          }
          const init: RequestInit = method === 'GET' || method === 'HEAD' ? { method, headers: hs } : { method, headers: hs, body };
          const res = await h(new Request(`${BASE}/scep?operation=PKIOperation`, init));
          expect(res.status).toBeLessThan(500);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 300 },
    );
  });
  it('serve (plain bytes) answers exactly as the Fetch form does', async () => {
    const text = new TextDecoder();
    await fc.assert(
      fc.asyncProperty(
        path,
        operation,
        fc.constantFrom('POST', 'GET', 'HEAD', 'PUT', 'DELETE'),
        fc.option(fc.constantFrom('application/x-pki-message', 'application/octet-stream', 'text/html', 'application/json; charset=utf-8', '')),
        fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((e) => mutate(valid, e)), fc.constant(new Uint8Array(70 * 1024))),
        async (p, op, method, ct, body) => {
          const target = `${p}?${new URLSearchParams([['operation', op]])}`;
          const withBody = method !== 'GET' && method !== 'HEAD';
          const headers: Record<string, string> = ct === null ? {} : { 'content-type': ct };
          const web = await h(new Request(`${BASE}${target}`, { method, headers, ...(withBody ? { body } : {}) }));
          const plain = await h.serve({ method, url: target, contentType: ct, ...(withBody ? { body } : {}) });
          expect(plain.status).toBe(web.status);
          expect(plain.headers['content-type']).toBe(web.headers.get('content-type'));
          const webBody = new Uint8Array(await web.arrayBuffer());
          // CertReps carry a fresh senderNonce; every other reply is the same bytes.
          if (plain.headers['content-type']?.startsWith('text/')) expect(text.decode(plain.body)).toBe(text.decode(webBody));
          else expect(plain.body.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('no internal error reached onError as an unexpected (non-SCEP) failure', () => {
    const unexpected = errors.filter((e) => !(e instanceof Error && 'code' in e));
    expect(unexpected).toEqual([]);
  });
});
