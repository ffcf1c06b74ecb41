import { ClientKeyPool } from './server/keys.js';
import { buildRequests } from './server/requests.js';
import { generateKeyPairSync } from 'node:crypto';
import { buildCertificate, parseCertificate, readPkiRequest } from '@scep/wire';
import { nodeCrypto, nodePrivateKey } from '@scep/wire/node';
const crypto = nodeCrypto();
const T0 = new Date('2026-01-01T00:00:00Z');
const key = nodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const ca = { key, certificate: parseCertificate(await buildCertificate({ serialNumber: 1n, issuer: 'CN=ca', subject: 'CN=ca', notBefore: T0, notAfter: new Date(T0.getTime() + 864e5), publicKeyInfo: key.publicKeyInfo, signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' } }, key)) };
const keys = await ClientKeyPool.create(600);
const built = await buildRequests({ keys, from: 0, count: 600, recipients: [ca.certificate], challenge: 'a-challenge-password-of-32-chars', cipher: 'AES-256-CBC', crypto, tag: 'wire', now: T0 });
let bad = 0;
for (const [i, r] of built.entries()) {
  const copy = new Uint8Array(r.der);
  try { await readPkiRequest(r.der, { crypto, recipients: [ca] }); } catch (e) {
    bad++;
    let copyOk = true; try { await readPkiRequest(copy, { crypto, recipients: [ca] }); } catch { copyOk = false; }
    if (bad < 5) console.log(i, 'buffer FAIL offset', r.der.byteOffset, 'copy', copyOk ? 'ok' : 'FAIL', (e as Error).message);
  }
}
// Re-read all after everything was built (the pool may have been rewritten?)
console.log('bad', bad, 'of', built.length);
