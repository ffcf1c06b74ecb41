/**
 * X.509 (RFC 5280) reading through @peculiar/asn1-x509, with resource limits on every parse, plus
 * the few derived values we report: RFC 4514 names, serial, SKI.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, id_ce_subjectKeyIdentifier, SubjectKeyIdentifier, type Name } from '@peculiar/asn1-x509';
import { toHex } from './bytes.js';

/** Limits for asn1js on untrusted certificate bytes. */
const BER_LIMITS = { maxDepth: 32, maxNodes: 4096, maxContentLength: 64 * 1024 } as const;

/** Parses one DER certificate; throws whatever the ASN.1 layer throws (callers wrap it). */
export function parseCertificate(der: Uint8Array): Certificate {
  return AsnConvert.parse(der, Certificate, { berOptions: BER_LIMITS });
}

/** DER of the certificate's SubjectPublicKeyInfo. */
export function spkiDer(cert: Certificate): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo));
}

/** The SubjectKeyIdentifier extension as lower-case hex, when present. */
export function subjectKeyIdHex(cert: Certificate): string | undefined {
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  if (ext === undefined) return undefined;
  const ski = AsnConvert.parse(ext.extnValue.buffer, SubjectKeyIdentifier, { berOptions: BER_LIMITS });
  return toHex(new Uint8Array(ski.buffer));
}

/** Serial number as upper-case hex, as Windows shows it (leading zero octets kept). */
export function serialHex(cert: Certificate): string {
  return toHex(new Uint8Array(cert.tbsCertificate.serialNumber)).toUpperCase();
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function escapeRdnValue(v: string): string {
  // RFC 4514 §2.4
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** RFC 4514 string form (most specific RDN first). */
export function formatName(name: Name): string {
  const rdns = name.map((rdn) =>
    rdn.map((atv) => `${SHORT_NAMES[atv.type] ?? atv.type}=${escapeRdnValue(atv.value.toString())}`).join('+'),
  );
  return rdns.reverse().join(',');
}
