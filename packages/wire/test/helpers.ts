/** Shared test setup: keys, a CA, an RA, and a device signer, built with the codec itself. */
import { generateKey, nodeCrypto, nodePrivateKey, seededRandom } from '@scep/wire/node';
import {
  buildCertificate,
  buildCsr,
  encodeBasicConstraints,
  encodeKeyUsage,
  encodeSubjectKeyIdentifier,
  parseCertificate,
  oids,
  type Certificate,
  type PrivateKeyHandle,
  type KeyUsageName,
} from '@scep/wire';
import { createHash, type KeyObject } from 'node:crypto';

export const crypto = nodeCrypto();
export const T0 = new Date('2026-01-01T00:00:00Z');
export const YEAR = 365 * 24 * 3600 * 1000;

export interface Party {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
  readonly keyObject: KeyObject;
}

export function keyId(spki: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spki).digest());
}

export async function makeParty(o: {
  subject: string;
  issuer?: Party;
  ca?: boolean;
  usages?: KeyUsageName[];
  keyType?: 'RSA' | 'EC';
  version?: 1 | 3;
  serial?: bigint;
  noExtensions?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  keyObject?: KeyObject;
}): Promise<Party> {
  const gen = o.keyObject ? { keyObject: o.keyObject, privateKey: nodePrivateKey(o.keyObject) } : await generateKey(o.keyType === 'EC' ? { type: 'EC' } : { type: 'RSA', modulusLength: 2048 });
  const key = gen.privateKey;
  const signer = o.issuer?.key ?? key;
  const ext = o.noExtensions || o.version === 1
    ? []
    : [
        { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: o.ca ?? false }) },
        { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(o.usages ?? (o.ca ? ['keyCertSign', 'cRLSign', 'digitalSignature', 'keyEncipherment'] : ['digitalSignature', 'keyEncipherment'])) },
        { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(keyId(key.publicKeyInfo)) },
      ];
  const der = await buildCertificate(
    {
      version: o.version ?? 3,
      serialNumber: o.serial ?? 0x1000n + BigInt(Math.floor(Math.random() * 1e9)),
      issuer: o.issuer?.certificate.subject ?? o.subject,
      subject: o.subject,
      notBefore: o.notBefore ?? T0,
      notAfter: o.notAfter ?? new Date(T0.getTime() + 10 * YEAR),
      publicKeyInfo: key.publicKeyInfo,
      extensions: ext,
      signatureAlgorithm: signer.keyType === 'EC' ? { scheme: 'ECDSA', digest: 'SHA-256' } : { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    signer,
  );
  return { certificate: parseCertificate(der), key, keyObject: gen.keyObject };
}

export async function makeCsr(party: Party, o: { cn: string; challenge?: string; digest?: 'SHA-256' | 'SHA-1' }): Promise<Uint8Array> {
  return buildCsr(
    {
      subject: `CN=${o.cn}`,
      ...(o.challenge === undefined ? {} : { challengePassword: o.challenge }),
      signatureAlgorithm: party.key.keyType === 'EC' ? { scheme: 'ECDSA', digest: 'SHA-256' } : { scheme: 'RSASSA-PKCS1-v1_5', digest: o.digest ?? 'SHA-256' },
    },
    party.key,
  );
}

export { seededRandom, nodeCrypto };
