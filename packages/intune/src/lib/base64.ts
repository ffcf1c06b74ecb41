/**
 * Base64 (RFC 4648 §4) and base64url (§5) without Buffer, so the core runs on any runtime.
 * Decoding is strict: only the alphabet, padding only where it belongs, and unused trailing bits
 * must be zero (§3.5), so each byte string has exactly one accepted spelling.
 */

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function table(alphabet: string): Int16Array {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}
const STD_TABLE = table(STD);
const URL_TABLE = table(URL);

function decodeWith(input: string, t: Int16Array, allowPadding: boolean): Uint8Array | undefined {
  let end = input.length;
  if (allowPadding && end % 4 === 0 && end > 0) {
    if (input.charCodeAt(end - 1) === 0x3d) end--;
    if (input.charCodeAt(end - 1) === 0x3d) end--;
    // Padding must be exactly what the unpadded length needs.
    const pad = input.length - end;
    if (pad > 0 && (end % 4) + pad !== 4) return undefined;
  }
  const rem = end % 4;
  if (rem === 1) return undefined;
  const out = new Uint8Array(((end - rem) / 4) * 3 + (rem === 0 ? 0 : rem - 1));
  let o = 0;
  let i = 0;
  for (; i + 4 <= end; i += 4) {
    const a = lookup(t, input, i);
    const b = lookup(t, input, i + 1);
    const c = lookup(t, input, i + 2);
    const d = lookup(t, input, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (rem === 2) {
    const a = lookup(t, input, i);
    const b = lookup(t, input, i + 1);
    if ((a | b) < 0 || (b & 0x0f) !== 0) return undefined;
    out[o] = (a << 2) | (b >> 4);
  } else if (rem === 3) {
    const a = lookup(t, input, i);
    const b = lookup(t, input, i + 1);
    const c = lookup(t, input, i + 2);
    if ((a | b | c) < 0 || (c & 0x03) !== 0) return undefined;
    out[o] = (a << 2) | (b >> 4);
    out[o + 1] = ((b & 0x0f) << 4) | (c >> 2);
  }
  return out;
}

function lookup(t: Int16Array, s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? (t[c] ?? -1) : -1;
}

function encodeWith(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + alphabet[(v >> 6) & 63]! + alphabet[v & 63]!;
  }
  const rem = bytes.length - i;
  if (rem === 1) {
    const v = (bytes[i] ?? 0) << 16;
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + (pad ? '==' : '');
  } else if (rem === 2) {
    const v = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + alphabet[(v >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/** Strict base64url decoding; padding accepted when `allowPadding` (the default). */
export function decodeBase64Url(input: string, allowPadding = true): Uint8Array | undefined {
  return decodeWith(input, URL_TABLE, allowPadding);
}

/** base64url without padding (RFC 7515 §2). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeWith(bytes, URL, false);
}

/** Standard padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return encodeWith(bytes, STD, true);
}

/** Standard base64 with padding; ASCII whitespace (PEM line breaks) is skipped. */
export function decodeBase64(input: string): Uint8Array | undefined {
  return decodeWith(input.replace(/[\t\n\v\f\r ]+/g, ''), STD_TABLE, true);
}
