/** Small byte helpers. */

export { toHex } from '@scep/wire';

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** A fresh ArrayBuffer-backed copy (WebCrypto typings want `BufferSource` over an ArrayBuffer). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

const ENCODER = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/** ASCII-only lower-casing: Unicode case mapping has no place in DNS labels (RFC 4343). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
