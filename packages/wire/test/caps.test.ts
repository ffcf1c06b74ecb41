/** scep/caps.ts: GetCACaps (RFC 8894 §3.5.2). */
import { describe, expect, it } from 'vitest';
import { buildCaCaps, KNOWN_CAPABILITIES, parseCaCaps } from '@scep/wire';

describe('buildCaCaps', () => {
  it('one keyword per line, LF-terminated, in the order given', () => {
    expect(buildCaCaps(['POSTPKIOperation', 'AES', 'SHA-256'])).toBe('POSTPKIOperation\nAES\nSHA-256\n');
    expect(buildCaCaps([])).toBe('');
  });

  it('drops case-insensitive duplicates, keeps the first spelling', () => {
    expect(buildCaCaps(['AES', 'aes', 'Renewal', 'AES'])).toBe('AES\nRenewal\n');
  });

  it('vendor keywords pass; anything that would break the line format is a caller bug', () => {
    expect(buildCaCaps(['X-Vendor-Thing'])).toBe('X-Vendor-Thing\n');
    for (const bad of ['', 'A B', 'AES\nDES3', 'x'.repeat(65), 'SHA_256']) expect(() => buildCaCaps([bad]), JSON.stringify(bad)).toThrow(TypeError);
  });
});

describe('parseCaCaps', () => {
  it('LF and CRLF, surrounding whitespace and blank lines', () => {
    for (const text of ['AES\nSHA-256\n', 'AES\r\nSHA-256\r\n', '  AES \r\n\r\n\tSHA-256', 'AES\nSHA-256']) {
      expect([...parseCaCaps(text).capabilities]).toEqual(['AES', 'SHA-256']);
    }
  });

  it('keywords are case-insensitive and come back in canonical spelling; unknown ones are kept as sent', () => {
    const p = parseCaCaps('aes\npostpkioperation\nsha-512\nrenewal\nGetNextCaCert\nX-Custom\n');
    expect([...p.capabilities]).toEqual(['AES', 'POSTPKIOperation', 'SHA-512', 'Renewal', 'GetNextCACert']);
    expect(p.unknown).toEqual(['X-Custom']);
  });

  it('SCEPStandard implies AES, POSTPKIOperation and SHA-256, and nothing else', () => {
    const p = parseCaCaps('SCEPStandard\n');
    expect([...p.capabilities].sort()).toEqual(['AES', 'POSTPKIOperation', 'SCEPStandard', 'SHA-256'].sort());
    expect(p.capabilities.has('DES3')).toBe(false);
    expect(p.capabilities.has('Renewal')).toBe(false);
  });

  it('the caps order is kept (clients such as certmonger pick the first cipher listed)', () => {
    expect([...parseCaCaps('DES3\nAES\n').capabilities]).toEqual(['DES3', 'AES']);
  });

  it('round trip for every known keyword, including SHA-384 (strongSwan 5.9.8 needs to see it)', () => {
    expect(KNOWN_CAPABILITIES).toContain('SHA-384');
    expect([...parseCaCaps(buildCaCaps(KNOWN_CAPABILITIES)).capabilities].sort()).toEqual([...KNOWN_CAPABILITIES].sort());
  });

  it('is bounded: only the first 64 KiB are read', () => {
    const p = parseCaCaps(`${'X\n'.repeat(40_000)}AES\n`);
    expect(p.capabilities.has('AES')).toBe(false);
    expect(p.unknown.length).toBe(32 * 1024);
  });
});
