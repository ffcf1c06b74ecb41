/**
 * A lean HTTP/1.1 client for the load generator: one request at a time per keep-alive connection,
 * the request written in one writev, the response read by a small parser into reused buffers. On a
 * 2-core machine that the server under test saturates, the load generator's own CPU is what the
 * servers lose: in one interleaved run node:http's client took 101-132 µs of CPU per request, this
 * one 38-55 (docs/benchmarks.md, proposal 15).
 *
 * The parser takes what both servers send (RFC 9112): a status line, headers, then a body delimited
 * by Content-Length, by chunked transfer coding, or by the connection's close. It is strict: anything
 * else, or bytes after the response, is an error, and the connection is dropped.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly body: Buffer;
}

export class HttpParseError extends Error {
  override readonly name = 'HttpParseError';
}

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 16 * 1024 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

type Mode = { readonly t: 'head' } | { readonly t: 'length'; left: number } | { readonly t: 'chunk-size' } | { readonly t: 'chunk-data'; left: number } | { readonly t: 'chunk-end' } | { readonly t: 'trailers' } | { readonly t: 'close' } | { readonly t: 'done' };

/**
 * One response at a time: `push` the bytes as they come, it returns the response once complete
 * (then the parser takes the next one). `end` says the connection closed: it completes a body
 * delimited by the close, or throws.
 *
 * The parser copies what it keeps, so a caller may reuse the buffer it pushed from (a socket's
 * `onread` buffer). A response's body is a view of the parser's own buffer, which the next
 * response reuses: copy it to keep it.
 */
export class ResponseParser {
  /** Bytes not yet parsed, at #buf[#at, #end). */
  #buf: Buffer = Buffer.allocUnsafe(4096);
  #at = 0;
  #end = 0;
  #mode: Mode = { t: 'head' };
  #status = 0;
  #keepAlive = true;
  #body: Buffer = Buffer.allocUnsafe(8192);
  #bodyBytes = 0;

  /** Whether the connection may carry another request after the last complete response. */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  push(chunk: Uint8Array): RawResponse | undefined {
    this.#append(chunk);
    for (;;) {
      const m = this.#mode;
      if (m.t === 'done') {
        if (this.#end > this.#at) throw new HttpParseError('bytes after the response');
        return this.#finish();
      }
      if (m.t === 'head') {
        const i = this.#find(HEAD_END, 'response head too long');
        if (i < 0) return undefined;
        const head = this.#buf.toString('latin1', this.#at, i);
        this.#at = i + 4;
        this.#head(head);
        continue;
      }
      if (m.t === 'length' || m.t === 'chunk-data') {
        const n = Math.min(m.left, this.#end - this.#at);
        if (n > 0) this.#take(n);
        m.left -= n;
        if (m.left > 0) return undefined;
        this.#mode = m.t === 'length' ? { t: 'done' } : { t: 'chunk-end' };
        continue;
      }
      if (m.t === 'close') {
        if (this.#end > this.#at) this.#take(this.#end - this.#at);
        return undefined;
      }
      // The chunked coding's lines: a size (hex, maybe extensions), the CRLF after data, trailers.
      const i = this.#find(CRLF, 'chunk line too long');
      if (i < 0) return undefined;
      const line = this.#buf.toString('latin1', this.#at, i);
      this.#at = i + 2;
      if (m.t === 'chunk-end') {
        if (line !== '') throw new HttpParseError('no CRLF after chunk data');
        this.#mode = { t: 'chunk-size' };
      } else if (m.t === 'chunk-size') {
        const size = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
        if (!size) throw new HttpParseError('bad chunk size');
        const n = parseInt(size[1] as string, 16);
        if (this.#bodyBytes + n > MAX_BODY) throw new HttpParseError('response body too long');
        this.#mode = n === 0 ? { t: 'trailers' } : { t: 'chunk-data', left: n };
      } else if (line === '') {
        this.#mode = { t: 'done' };
      }
      // else: a trailer field, ignored
    }
  }

  end(): RawResponse {
    if (this.#mode.t !== 'close' || this.#end > this.#at) throw new HttpParseError('connection closed before the response ended');
    this.#keepAlive = false;
    return this.#finish();
  }

  /** Where `sep` starts among the unparsed bytes, or -1; more than MAX_HEAD bytes without it is an error. */
  #find(sep: Buffer, tooLong: string): number {
    // Only up to #end: the bytes after it are left over from earlier responses.
    const i = this.#buf.subarray(0, this.#end).indexOf(sep, this.#at);
    if (i < 0 && this.#end - this.#at > MAX_HEAD) throw new HttpParseError(tooLong);
    return i;
  }

  /** Keeps a copy of `chunk` after the unparsed bytes, moving them to the front first. */
  #append(chunk: Uint8Array): void {
    const left = this.#end - this.#at;
    if (left === 0) this.#at = this.#end = 0;
    if (this.#end + chunk.length > this.#buf.length) {
      const next = left + chunk.length > this.#buf.length ? Buffer.allocUnsafe(Math.max(left + chunk.length, this.#buf.length * 2)) : this.#buf;
      this.#buf.copy(next, 0, this.#at, this.#end);
      this.#buf = next;
      this.#at = 0;
      this.#end = left;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  #head(head: string): void {
    const lines = head.split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: .*)?$/.exec(lines[0] ?? '');
    if (!status) throw new HttpParseError('bad status line');
    const code = Number(status[2]);
    let length: number | undefined;
    let chunked = false;
    let close = status[1] === '0';
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c < 1) throw new HttpParseError('bad header line');
      const name = l.slice(0, c).toLowerCase();
      const value = l.slice(c + 1).trim().toLowerCase();
      if (name === 'content-length') {
        if (!/^[0-9]{1,9}$/.test(value) || (length !== undefined && length !== Number(value))) throw new HttpParseError('bad Content-Length');
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        if (value !== 'chunked') throw new HttpParseError('unsupported Transfer-Encoding');
        chunked = true;
      } else if (name === 'connection') {
        const tokens = value.split(',').map((t) => t.trim());
        if (tokens.includes('close')) close = true;
        else if (tokens.includes('keep-alive')) close = false;
      }
    }
    if (chunked && length !== undefined) throw new HttpParseError('both Content-Length and chunked');
    if (length !== undefined && length > MAX_BODY) throw new HttpParseError('response body too long');
    // 1xx: an interim response, then the real one (RFC 9110 §15.2).
    if (code < 200) {
      this.#mode = { t: 'head' };
      return;
    }
    this.#status = code;
    this.#keepAlive = !close;
    // No body for 204 and 304; a POST's answer is never to a HEAD (RFC 9112 §6.3).
    if (code === 204 || code === 304) this.#mode = { t: 'done' };
    else if (chunked) this.#mode = { t: 'chunk-size' };
    else if (length !== undefined) this.#mode = length === 0 ? { t: 'done' } : { t: 'length', left: length };
    else {
      this.#keepAlive = false;
      this.#mode = { t: 'close' };
    }
  }

  #take(n: number): void {
    const total = this.#bodyBytes + n;
    if (total > MAX_BODY) throw new HttpParseError('response body too long');
    if (total > this.#body.length) {
      const next = Buffer.allocUnsafe(Math.max(total, this.#body.length * 2));
      this.#body.copy(next, 0, 0, this.#bodyBytes);
      this.#body = next;
    }
    this.#buf.copy(this.#body, this.#bodyBytes, this.#at, this.#at + n);
    this.#bodyBytes = total;
    this.#at += n;
  }

  #finish(): RawResponse {
    const r = { status: this.#status, body: this.#body.subarray(0, this.#bodyBytes) };
    this.#mode = { t: 'head' };
    this.#bodyBytes = 0;
    this.#status = 0;
    return r;
  }
}

/**
 * A keep-alive connection to one loopback server that POSTs one body at a time. It connects on the
 * first request and again after the server closed it; any error drops the connection and fails the
 * request in flight. A response's body is valid until the next `post`: copy it to keep it.
 *
 * It allocates little per request: the socket reads into one buffer of the connection's (`onread`),
 * the parser copies into buffers it reuses, and the head and body go out in one writev.
 */
export class RawHttpConnection {
  readonly #host: string;
  readonly #port: number;
  /** The request line and the headers up to Content-Length's value. */
  readonly #head: string;
  /** Encoded heads by body length: the bodies' lengths vary little. */
  readonly #heads = new Map<number, Buffer>();
  readonly #timeoutMs: number;
  readonly #readBuffer = Buffer.allocUnsafe(64 * 1024);
  #socket: Socket | undefined;
  #parser = new ResponseParser();
  #inFlight: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;

  constructor(url: URL, contentType: string, timeoutMs = 30_000) {
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || 80);
    this.#head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${contentType}\r\nContent-Length: `;
    this.#timeoutMs = timeoutMs;
  }

  post(body: Uint8Array): Promise<RawResponse> {
    if (this.#inFlight) return Promise.reject(new Error('one request at a time'));
    return new Promise<RawResponse>((resolve, reject) => {
      this.#inFlight = { resolve, reject };
      const s = this.#socket ?? this.#connect();
      s.setTimeout(this.#timeoutMs);
      let head = this.#heads.get(body.length);
      if (!head) {
        head = Buffer.from(`${this.#head}${body.length}\r\n\r\n`, 'latin1');
        if (this.#heads.size < 1024) this.#heads.set(body.length, head);
      }
      s.cork();
      s.write(head);
      s.write(body);
      s.uncork();
    });
  }

  close(): void {
    this.#drop(new Error('closed'));
  }

  #connect(): Socket {
    const parser = new ResponseParser();
    this.#parser = parser;
    const s = connect({
      host: this.#host,
      port: this.#port,
      noDelay: true,
      onread: {
        buffer: this.#readBuffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          if (this.#socket !== s) return false;
          let r: RawResponse | undefined;
          try {
            r = parser.push(buf.subarray(0, n));
          } catch (e) {
            this.#drop(e as Error);
            return false;
          }
          if (r) this.#settle(r);
          return true;
        },
      },
    });
    this.#socket = s;
    s.on('end', () => {
      if (this.#socket !== s) return;
      let r: RawResponse | undefined;
      if (this.#inFlight) {
        try {
          r = parser.end();
        } catch (e) {
          this.#drop(e as Error);
          return;
        }
      }
      this.#socket = undefined;
      s.destroy();
      if (r) this.#settle(r);
    });
    s.on('timeout', () => this.#socket === s && this.#drop(new Error('timeout')));
    s.on('error', (e) => this.#socket === s && this.#drop(e));
    s.on('close', () => this.#socket === s && this.#drop(new Error('connection closed')));
    return s;
  }

  #settle(r: RawResponse): void {
    const w = this.#inFlight;
    this.#inFlight = undefined;
    const s = this.#socket;
    if (s) {
      s.setTimeout(0);
      if (!this.#parser.keepAlive) {
        this.#socket = undefined;
        s.destroy();
      }
    }
    w?.resolve(r);
  }

  #drop(e: Error): void {
    const s = this.#socket;
    this.#socket = undefined;
    s?.destroy();
    const w = this.#inFlight;
    this.#inFlight = undefined;
    w?.reject(e);
  }
}
