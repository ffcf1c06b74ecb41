import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpParseError, RawHttpConnection, ResponseParser, type RawResponse } from '../server/raw-http.js';

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * Feeds `wire` cut at `cuts`, each piece through one scratch buffer overwritten after each push (as
 * a socket's `onread` buffer is), and returns a copy of every response the parser completed.
 */
function feed(p: ResponseParser, wire: Buffer, cuts: readonly number[]): RawResponse[] {
  const out: RawResponse[] = [];
  const scratch = Buffer.alloc(wire.length);
  let at = 0;
  for (const c of [...new Set(cuts.filter((x) => x < wire.length))].sort((a, b) => a - b).concat(wire.length)) {
    if (c <= at) continue;
    wire.copy(scratch, 0, at, c);
    const r = p.push(scratch.subarray(0, c - at));
    scratch.fill(0xee);
    if (r) out.push({ status: r.status, body: Buffer.from(r.body) });
    at = c;
  }
  return out;
}

function chunked(body: Buffer, sizes: readonly number[], ext: boolean): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    if (at >= body.length) break;
    const piece = body.subarray(at, at + Math.max(1, n));
    parts.push(enc(`${piece.length.toString(16)}${ext ? ';x=y' : ''}\r\n`), piece, enc('\r\n'));
    at += piece.length;
  }
  if (at < body.length) parts.push(enc(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), enc('\r\n'));
  parts.push(enc('0\r\nx-trailer: 1\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('ResponseParser', () => {
  it('reads a Content-Length body however the bytes are cut, and keeps the connection', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.array(fc.nat(21_000), { maxLength: 30 }), fc.nat(20_000), (bytes, cuts, pad) => {
        // Bodies past the parser's first 4 KiB and 8 KiB buffers make it move and grow them.
        const body = Buffer.concat([Buffer.from(bytes), Buffer.alloc(pad % 3 === 0 ? pad : 0, bytes[0] ?? 1)]);
        const wire = Buffer.concat([enc(`HTTP/1.1 200 OK\r\nContent-Type: application/x-pki-message\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
        const p = new ResponseParser();
        const got = feed(p, wire, cuts);
        expect(got).toHaveLength(1);
        expect(got[0]?.status).toBe(200);
        expect(Buffer.compare(got[0]?.body ?? Buffer.alloc(1), body)).toBe(0);
        expect(p.keepAlive).toBe(true);
      }),
    );
  });

  it('reads a chunked body (extensions, trailers) however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.array(fc.integer({ min: 1, max: 6000 }), { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(21_000), { maxLength: 30 }), fc.nat(20_000), (bytes, sizes, ext, cuts, pad) => {
        const body = Buffer.concat([Buffer.from(bytes), Buffer.alloc(pad % 3 === 0 ? pad : 0, 0x5a)]);
        const wire = Buffer.concat([enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(body, sizes, ext)]);
        const got = feed(new ResponseParser(), wire, cuts);
        expect(got).toHaveLength(1);
        expect(Buffer.compare(got[0]?.body ?? Buffer.alloc(0), body)).toBe(0);
      }),
    );
  });

  it('takes one response after another on the same connection', () => {
    const p = new ResponseParser();
    expect(p.push(enc('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'))?.body.toString()).toBe('abc');
    expect(p.push(enc('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno'))?.status).toBe(500);
  });

  it('skips an interim 1xx response', () => {
    const r = new ResponseParser().push(enc('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz'));
    expect(r?.status).toBe(200);
    expect(r?.body.toString()).toBe('z');
  });

  it('ends a body delimited by the close only when the connection ends', () => {
    const p = new ResponseParser();
    expect(p.push(enc('HTTP/1.1 200 OK\r\n\r\nhello '))).toBeUndefined();
    expect(p.push(enc('world'))).toBeUndefined();
    expect(p.end().body.toString()).toBe('hello world');
    expect(p.keepAlive).toBe(false);
  });

  it('hears Connection: close and HTTP/1.0', () => {
    const a = new ResponseParser();
    a.push(enc('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    expect(a.keepAlive).toBe(false);
    const b = new ResponseParser();
    b.push(enc('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(b.keepAlive).toBe(false);
    const c = new ResponseParser();
    c.push(enc('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'));
    expect(c.keepAlive).toBe(true);
  });

  it.each([
    ['a bad status line', 'HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n'],
    ['a bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['Content-Length with chunked', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['another transfer coding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk data without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n'],
    ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab'],
  ])('refuses %s', (_what, wire) => {
    expect(() => new ResponseParser().push(enc(wire))).toThrow(HttpParseError);
  });

  it('refuses a head longer than 16 KiB, and a connection closed before the body ended', () => {
    expect(() => new ResponseParser().push(enc(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(17 * 1024)}`))).toThrow(HttpParseError);
    const p = new ResponseParser();
    p.push(enc('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'));
    expect(() => p.end()).toThrow(HttpParseError);
  });
});

describe('RawHttpConnection against node:http', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    server?.close();
    server = undefined;
  });
  async function serve(h: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<URL> {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => h(req, Buffer.concat(parts), res));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/scep?operation=PKIOperation`);
  }

  it('posts the body with its headers and reads sized, chunked and closed replies, reconnecting when told', async () => {
    let n = 0;
    const sockets = new Set<unknown>();
    const url = await serve((req, body, res) => {
      sockets.add(req.socket);
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/scep?operation=PKIOperation');
      expect(req.headers['content-type']).toBe('application/x-pki-message');
      n++;
      const answer = Buffer.concat([body, Buffer.from(`#${n}`)]);
      if (n === 1) res.writeHead(200, { 'content-length': answer.length }).end(answer);
      else if (n === 2) {
        res.writeHead(200); // no length: node sends it chunked
        res.write(answer.subarray(0, 3));
        res.end(answer.subarray(3));
      } else if (n === 3) res.writeHead(200, { connection: 'close', 'content-length': answer.length }).end(answer);
      else res.writeHead(404, { 'content-length': 0 }).end();
    });
    const c = new RawHttpConnection(url, 'application/x-pki-message');
    const body = Buffer.alloc(5000, 7);
    const r1 = await c.post(body);
    expect(r1.status).toBe(200);
    expect(r1.body.toString('latin1').endsWith('#1')).toBe(true);
    expect(r1.body.length).toBe(5002);
    expect((await c.post(Buffer.from('ab'))).body.toString()).toBe('ab#2');
    expect((await c.post(Buffer.from('cd'))).body.toString()).toBe('cd#3');
    expect((await c.post(Buffer.from('ef'))).status).toBe(404);
    expect(sockets.size).toBe(2); // one connection for 1-3, a new one after "Connection: close"
    c.close();
  });

  it('fails the request in flight when the server drops the connection', async () => {
    const url = await serve((req) => req.socket.destroy());
    const c = new RawHttpConnection(url, 'application/x-pki-message');
    await expect(c.post(Buffer.from('x'))).rejects.toThrow();
    c.close();
  });
});
