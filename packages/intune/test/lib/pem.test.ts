import { describe, expect, it } from 'vitest';
import { parsePemBlocks } from '../../src/lib/pem.js';

describe('parsePemBlocks', () => {
  it('reads several blocks and ignores text around them', () => {
    const text = 'Subject: x\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\nnote\n-----BEGIN PUBLIC KEY-----\nRA==\n-----END PUBLIC KEY-----\n';
    expect(parsePemBlocks(text)).toEqual([
      { label: 'CERTIFICATE', der: Uint8Array.of(0x41, 0x42, 0x43) },
      { label: 'PUBLIC KEY', der: Uint8Array.of(0x44) },
    ]);
  });

  it('refuses mismatched labels, bad base64, empty bodies and truncation', () => {
    expect(parsePemBlocks('-----BEGIN CERTIFICATE-----\nQUJD\n-----END X509 CRL-----\n')).toBeUndefined();
    expect(parsePemBlocks('-----BEGIN CERTIFICATE-----\nQU*D\n-----END CERTIFICATE-----\n')).toBeUndefined();
    expect(parsePemBlocks('-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n')).toBeUndefined();
    expect(parsePemBlocks('-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nQUJD\n')).toBeUndefined();
  });

  it('returns an empty list for text without blocks', () => {
    expect(parsePemBlocks('nothing here')).toEqual([]);
  });
});
