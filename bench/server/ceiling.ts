/**
 * The RSA ceiling of this machine: RSA-2048 private-key operations per second on one thread with
 * node:crypto (synchronous, like `openssl speed` per core). An enrollment needs three: unwrap the
 * content key (RSA_NO_PADDING decryption, as @scep/wire/node does), sign the certificate and sign
 * the CertRep (RSASSA-PKCS1-v1_5 SHA-256). The ceiling is 1 / (1/decrypt + 2/sign) enrollments/s,
 * i.e. private operations/s ÷ 3.
 */
import { constants, generateKeyPairSync, privateDecrypt, randomBytes, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { median } from '../lib.js';

export interface RsaCeiling {
  readonly signPerSec: number;
  readonly decryptPerSec: number;
  /** Enrollments/s one core could do if it did nothing but the three RSA private-key operations. */
  readonly enrollPerSec: number;
}

function rate(fn: () => void, ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
  }
  return (n * 1000) / (performance.now() - t0);
}

export function measureRsaCeiling(o: { readonly rounds?: number; readonly roundMs?: number } = {}): RsaCeiling {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const tbs = randomBytes(600); // about the size of a TBSCertificate
  const block = randomBytes(256);
  block[0] = 0; // below the modulus
  const doSign = (): void => void sign('sha256', tbs, privateKey);
  const doDecrypt = (): void => void privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
  rate(doSign, 500);
  rate(doDecrypt, 300);
  const s: number[] = [];
  const d: number[] = [];
  for (let r = 0; r < (o.rounds ?? 3); r++) {
    s.push(rate(doSign, o.roundMs ?? 1000));
    d.push(rate(doDecrypt, o.roundMs ?? 1000));
  }
  const signPerSec = median(s);
  const decryptPerSec = median(d);
  return { signPerSec, decryptPerSec, enrollPerSec: 1 / (1 / decryptPerSec + 2 / signPerSec) };
}
