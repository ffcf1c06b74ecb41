/** Byte helpers shared by the codec (no Buffer: the core runs on any runtime with Uint8Array). */

/**
 * A copy in a new plain Uint8Array. Not `b.slice()`: on a Node.js Buffer (a Uint8Array subclass
 * callers often pass) slice() is a view of the same memory, so writing into it changes theirs.
 */
export const copyBytes = (b: Uint8Array): Uint8Array => new Uint8Array(b);

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lower-case hex. Joined, not built with `+=`: V8 keeps a `+=` result as a tree of string pieces
 * until something flattens it, and hex strings are kept as map keys (each 64-character reply-cache
 * key held 1.4 kB more than a flat string; docs/benchmarks.md, memory).
 */
export function toHex(b: Uint8Array): string {
  const parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = HEX_PAIRS[b[i] as number] as string;
  return parts.join('');
}

export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/[\s:]/g, '');
  if (h.length % 2 !== 0 || /[^0-9a-fA-F]/.test(h)) throw new TypeError('not a hex string');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;
// URL-safe alphabet (RFC 4648 §5) decodes to the same values.
B64_INDEX['-'.charCodeAt(0)] = 62;
B64_INDEX['_'.charCodeAt(0)] = 63;

export function toBase64(b: Uint8Array): string {
  // Joined like toHex: a flat string, not a tree of `+=` pieces.
  const parts = new Array<string>(Math.ceil(b.length / 3));
  let i = 0;
  let k = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
    parts[k++] = B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i < b.length) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] ?? 0) << 8);
    parts[k] = B64[n >> 18]! + B64[(n >> 12) & 63]! + (i + 1 < b.length ? B64[(n >> 6) & 63]! : '=') + '=';
  }
  return parts.join('');
}

export const toBase64Url = (b: Uint8Array): string => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Decodes standard or URL-safe base64, with or without padding, ignoring ASCII whitespace.
 * Returns undefined for anything else (callers decide which error that is).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let acc = 0;
  let bits = 0;
  let o = 0;
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    if (pad > 0) return undefined; // data after padding
    const v = c < 256 ? (B64_INDEX[c] as number) : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (pad > 2 || bits >= 6) return undefined;
  return out.subarray(0, o);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Comparison whose time depends only on the length, for secrets of public length (e.g. digests). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const latin = new TextEncoder();
export const utf8Bytes = (s: string): Uint8Array => latin.encode(s);
