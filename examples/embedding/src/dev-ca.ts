// examples/embedding/src/dev-ca.ts — a throw-away CA for the examples (use your own CA in production).
import { generateKeyPairSync } from 'node:crypto';
import { buildCertificate, encodeBasicConstraints, encodeKeyUsage, oids, parseCertificate, type Certificate, type PrivateKeyHandle } from '@scep/wire';
import { nodePrivateKey } from '@scep/wire/node';

export async function devCa(subject = 'CN=Embedding Example CA'): Promise<{ certificate: Certificate; key: PrivateKeyHandle }> {
  const key = nodePrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const der = await buildCertificate(
    {
      serialNumber: 1n,
      issuer: subject,
      subject,
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 5 * 365 * 86_400_000),
      publicKeyInfo: key.publicKeyInfo,
      extensions: [
        { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true }) },
        { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['keyCertSign', 'cRLSign', 'digitalSignature', 'keyEncipherment']) },
      ],
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    key,
  );
  return { certificate: parseCertificate(der), key };
}
