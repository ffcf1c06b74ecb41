/**
 * ECDSA signature encodings. JOSE (RFC 7518 §3.4) sends r‖s, each left-padded to the curve size;
 * X.509-minded signers send the DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`
 * (RFC 3279 §2.2.3). WebCrypto verifies only r‖s, so DER is converted here, strictly: minimal
 * lengths, positive integers that fit the curve, nothing trailing.
 */

/** Reads one minimal DER INTEGER at `pos`; returns its magnitude bytes and the next offset. */
function readInteger(der: Uint8Array, pos: number, size: number): { value: Uint8Array; next: number } | undefined {
  if (der[pos] !== 0x02) return undefined;
  const len = der[pos + 1];
  if (len === undefined || len === 0 || len > 0x7f) return undefined; // short form only: ≤ 127 bytes
  const start = pos + 2;
  const end = start + len;
  if (end > der.length) return undefined;
  const first = der[start] ?? 0;
  if (first & 0x80) return undefined; // negative
  if (first === 0 && len > 1 && ((der[start + 1] ?? 0) & 0x80) === 0) return undefined; // non-minimal
  let value = der.subarray(start, end);
  if (value[0] === 0 && value.length > 1) value = value.subarray(1);
  if (value.length > size) return undefined;
  return { value, next: end };
}

/** DER ECDSA-Sig-Value → r‖s of `size` bytes each, or `undefined` if not strict DER. */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30) return undefined;
  const len = der[1];
  if (len === undefined || len > 0x7f || len + 2 !== der.length) return undefined;
  const r = readInteger(der, 2, size);
  if (r === undefined) return undefined;
  const s = readInteger(der, r.next, size);
  if (s === undefined || s.next !== der.length) return undefined;
  const out = new Uint8Array(size * 2);
  out.set(r.value, size - r.value.length);
  out.set(s.value, size * 2 - s.value.length);
  return out;
}
