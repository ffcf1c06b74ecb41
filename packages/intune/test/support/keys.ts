/**
 * Test signers: fresh key pairs (RSA, P-256, and deliberately unacceptable ones), a self-signed
 * certificate for each, and token signing with node:crypto — an implementation independent of
 * the package under test.
 */
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { buildSelfSignedCertificate, subjectKeyIdentifier, toPem } from '../../../../fixtures/intune/certificate.js';
import { b64url } from '../../../../fixtures/intune/token.js';
import type { IntuneCsr } from '../../src/index.js';

export type SignerKind = 'rsa' | 'ec-p256' | 'rsa-1024' | 'ec-p384';

export interface TestSigner {
  readonly kind: SignerKind;
  readonly privateKey: KeyObject;
  readonly certificate: Uint8Array;
  readonly pem: string;
  readonly ski: string;
  readonly x5tS256: string;
}

export const TEST_NOW = new Date('2025-06-01T12:00:00Z');
export const TEST_NOW_S = TEST_NOW.getTime() / 1000;

export interface SignerOptions {
  readonly cn?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: number;
  readonly withoutSubjectKeyId?: boolean;
}

export function makeSigner(kind: SignerKind, options: SignerOptions = {}): TestSigner {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'rsa-1024'
        ? generateKeyPairSync('rsa', { modulusLength: 1024 })
        : generateKeyPairSync('ec', { namedCurve: kind === 'ec-p256' ? 'P-256' : 'P-384' });
  const spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
  const rsa = kind === 'rsa' || kind === 'rsa-1024';
  const certificate = buildSelfSignedCertificate({
    name: [['2.5.4.3', options.cn ?? `Test ${kind} signer`]],
    serial: Uint8Array.of(0x20, options.serial ?? 1),
    notBefore: options.notBefore ?? new Date('2025-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2027-01-01T00:00:00Z'),
    spki,
    signatureAlgorithm: rsa ? 'sha256WithRSAEncryption' : 'ecdsa-with-SHA256',
    sign: (tbs) => new Uint8Array(sign('sha256', tbs, pair.privateKey)),
    ...(options.withoutSubjectKeyId === true ? { withoutSubjectKeyId: true } : {}),
  });
  return {
    kind,
    privateKey: pair.privateKey,
    certificate,
    pem: toPem('CERTIFICATE', certificate),
    ski: Buffer.from(subjectKeyIdentifier(spki)).toString('hex'),
    x5tS256: createHash('sha256').update(certificate).digest('base64url'),
  };
}

export type TokenAlg = 'RS256' | 'PS256' | 'ES256' | 'ES256-DER';

export function signBytes(signer: TestSigner, alg: TokenAlg, data: Uint8Array): Uint8Array {
  switch (alg) {
    case 'RS256':
      return new Uint8Array(sign('sha256', data, signer.privateKey));
    case 'PS256':
      return new Uint8Array(sign('sha256', data, { key: signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
    case 'ES256':
      return new Uint8Array(sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }));
    case 'ES256-DER':
      return new Uint8Array(sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'der' }));
  }
}

export interface MakeTokenOptions {
  readonly alg?: TokenAlg;
  readonly header?: Readonly<Record<string, unknown>>;
  /** Replaces the whole header. */
  readonly rawHeader?: Readonly<Record<string, unknown>>;
}

/** Signs `payload` with `signer`; the header is `{ alg, typ: 'JWT', ...header }`. */
export function makeToken(signer: TestSigner, payload: Readonly<Record<string, unknown>>, options: MakeTokenOptions = {}): string {
  const alg = options.alg ?? (signer.kind.startsWith('ec') ? 'ES256' : 'RS256');
  const header = options.rawHeader ?? { alg: alg === 'ES256-DER' ? 'ES256' : alg, typ: 'JWT', ...options.header };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(signBytes(signer, alg, new TextEncoder().encode(input)))}`;
}

let nonceCounter = 0;
/** Deterministic unique nonces. */
export function nextNonce(): string {
  nonceCounter++;
  return `nonce-${String(nonceCounter).padStart(8, '0')}`;
}

/** Good claims at TEST_NOW for the CSR `testCsr()`. */
export function goodClaims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    iss: 'https://connector.example.test',
    sub: 'device-0001',
    aud: 'scep.example.test',
    iat: TEST_NOW_S - 30,
    exp: TEST_NOW_S - 30 + 1200,
    nonce: nextNonce(),
    device_name: 'DEVICE-0001',
    san_dns: ['device-0001.example.test'],
    san_rfc822: ['bob@example.test'],
    san_upn: ['bob@corp.example.test'],
    version: 'v1',
    ...overrides,
  };
}

export function testCsr(overrides: Partial<IntuneCsr> = {}): IntuneCsr {
  return {
    der: Uint8Array.of(0x30, 0x00),
    commonName: 'DEVICE-0001',
    dnsNames: ['device-0001.example.test'],
    emails: ['bob@example.test'],
    upns: ['bob@corp.example.test'],
    ...overrides,
  };
}

export const TEST_CONTEXT = { transactionId: 'tx-0001', profile: 'intune' } as const;
