/** PEM (RFC 7468) reading and writing. */
import { fromBase64, toBase64 } from './bytes.js';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Every PEM block in `text`, in order. Malformed base64 inside a block raises TypeError. */
export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = (m[2] as string).replace(/^[A-Za-z-]+:.*$/gm, ''); // RFC 1421 headers, if any
    const der = fromBase64(body);
    if (!der || der.length === 0) throw new TypeError(`bad base64 in PEM block ${m[1] as string}`);
    out.push({ label: m[1] as string, der });
  }
  return out;
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = toBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER of every CERTIFICATE block in a PEM bundle. */
export const pemCertificates = (text: string): Uint8Array[] =>
  decodePem(text)
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE')
    .map((b) => b.der);
