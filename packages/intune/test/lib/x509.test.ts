import { describe, expect, it } from 'vitest';
import { formatName, parseCertificate, serialHex, subjectKeyIdHex } from '../../src/lib/x509.js';
import { buildSelfSignedCertificate } from '../../../../fixtures/intune/certificate.js';

function cert(name: readonly (readonly [string, string])[], serial: Uint8Array, withoutSubjectKeyId = false): Uint8Array {
  return buildSelfSignedCertificate({
    name,
    serial,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2026-01-01T00:00:00Z'),
    // A syntactically valid SPKI (the signature is never checked here).
    spki: Uint8Array.of(0x30, 0x0d, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x04, 0x00, 0x01, 0x02, 0x03),
    signatureAlgorithm: 'sha256WithRSAEncryption',
    sign: () => Uint8Array.of(1, 2, 3),
    withoutSubjectKeyId,
  });
}

describe('x509 helpers', () => {
  it('formats names per RFC 4514, most specific first, with escaping', () => {
    const c = parseCertificate(cert([['2.5.4.6', 'ZZ'], ['2.5.4.10', 'Acme, Inc.'], ['2.5.4.3', ' #lead+trail ']], Uint8Array.of(0x01)));
    expect(formatName(c.tbsCertificate.subject)).toBe('CN=\\ #lead\\+trail\\ ,O=Acme\\, Inc.,C=ZZ');
  });

  it('reads the serial as upper-case hex, keeping a leading zero octet', () => {
    expect(serialHex(parseCertificate(cert([['2.5.4.3', 'x']], Uint8Array.of(0xab, 0xcd))))).toBe('00ABCD');
    expect(serialHex(parseCertificate(cert([['2.5.4.3', 'x']], Uint8Array.of(0x12))))).toBe('12');
  });

  it('reports the SKI when present', () => {
    expect(subjectKeyIdHex(parseCertificate(cert([['2.5.4.3', 'x']], Uint8Array.of(1))))).toMatch(/^[0-9a-f]{40}$/);
    expect(subjectKeyIdHex(parseCertificate(cert([['2.5.4.3', 'x']], Uint8Array.of(1), true)))).toBeUndefined();
  });

  it('refuses junk and over-deep input by throwing (callers wrap it)', () => {
    expect(() => parseCertificate(Uint8Array.of(0x30, 0x00))).toThrow();
    const deep = new Uint8Array(200);
    for (let i = 0; i < 100; i++) {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = 198 - 2 * i;
    }
    expect(() => parseCertificate(deep)).toThrow();
  });
});
