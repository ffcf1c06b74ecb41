/** Shared test setup: keys, a CA, an RA, and a device signer, built with the codec itself. */
import { generateKey, nodeCrypto, nodePrivateKey, seededRandom } from '@scep/wire/node';
import {
  buildCertificate,
  buildCsr,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeKeyUsage,
  encodeSubjectKeyIdentifier,
  parseCertificate,
  oids,
  type Certificate,
  type Extension,
  type PrivateKeyHandle,
  type KeyUsageName,
} from '@scep/wire';
import { createHash, type KeyObject } from 'node:crypto';

/** Seeded: no unseeded randomness in unit tests (RSA key generation aside, which Node cannot seed). */
export const crypto = nodeCrypto({ random: seededRandom('scep-wire tests') });
export const T0 = new Date('2026-01-01T00:00:00Z');
export const NOW = (): Date => new Date('2026-03-01T12:00:00Z');
export const YEAR = 365 * 24 * 3600 * 1000;

/** fast-check options: a fixed seed and run count; FC_SEED and FC_SCALE (a run-count multiplier) explore further. */
export const fcOptions = (numRuns: number): { seed: number; numRuns: number } => ({
  seed: Number(process.env['FC_SEED'] ?? 8894),
  numRuns: Math.max(1, Math.round(numRuns * Number(process.env['FC_SCALE'] ?? 1))),
});

export interface Party {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
  readonly keyObject: KeyObject;
}

export function keyId(spki: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spki).digest());
}

let serial = 0x1000n;

export async function makeParty(o: {
  subject: string;
  issuer?: Party;
  ca?: boolean;
  usages?: KeyUsageName[];
  keyType?: 'RSA' | 'EC' | 'Ed25519';
  version?: 1 | 3;
  serial?: bigint;
  noExtensions?: boolean;
  extraExtensions?: Extension[];
  notBefore?: Date;
  notAfter?: Date;
  keyObject?: KeyObject;
}): Promise<Party> {
  const gen = o.keyObject
    ? { keyObject: o.keyObject, privateKey: nodePrivateKey(o.keyObject) }
    : await generateKey(o.keyType === 'EC' ? { type: 'EC' } : o.keyType === 'Ed25519' ? { type: 'Ed25519' } : { type: 'RSA', modulusLength: 2048 });
  const key = gen.privateKey;
  const signer = o.issuer?.key ?? key;
  const ext: Extension[] =
    o.noExtensions || o.version === 1
      ? []
      : [
          { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: o.ca ?? false }) },
          { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(o.usages ?? (o.ca ? ['keyCertSign', 'cRLSign', 'digitalSignature', 'keyEncipherment'] : ['digitalSignature', 'keyEncipherment'])) },
          { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(keyId(key.publicKeyInfo)) },
          ...(o.issuer ? [{ oid: oids.id_ce_authorityKeyIdentifier, critical: false, value: encodeAuthorityKeyIdentifier(keyId(o.issuer.key.publicKeyInfo)) }] : []),
          ...(o.extraExtensions ?? []),
        ];
  const der = await buildCertificate(
    {
      version: o.version ?? 3,
      serialNumber: o.serial ?? serial++,
      issuer: o.issuer?.certificate.subject ?? o.subject,
      subject: o.subject,
      notBefore: o.notBefore ?? T0,
      notAfter: o.notAfter ?? new Date(T0.getTime() + 10 * YEAR),
      publicKeyInfo: key.publicKeyInfo,
      extensions: ext,
      signatureAlgorithm:
        signer.keyType === 'EC'
          ? { scheme: 'ECDSA', digest: 'SHA-256' }
          : signer.keyType === 'Ed25519'
            ? { scheme: 'Ed25519' }
            : { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
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
      signatureAlgorithm:
        party.key.keyType === 'EC'
          ? { scheme: 'ECDSA', digest: 'SHA-256' }
          : party.key.keyType === 'Ed25519'
            ? { scheme: 'Ed25519' }
            : { scheme: 'RSASSA-PKCS1-v1_5', digest: o.digest ?? 'SHA-256' },
    },
    party.key,
  );
}

export interface Pki {
  readonly ca: Party;
  readonly ra: Party;
  readonly device: Party;
}

let pki: Promise<Pki> | undefined;

/** A CA, an RA issued by it, and a device with a self-signed certificate: made once per test file. */
export function makePki(): Promise<Pki> {
  pki ??= (async (): Promise<Pki> => {
    const ca = await makeParty({ subject: 'C=ZZ, O=scep-wire tests, CN=Test CA', ca: true });
    const [ra, device] = await Promise.all([
      makeParty({ subject: 'C=ZZ, O=scep-wire tests, CN=Test RA', issuer: ca, usages: ['digitalSignature', 'keyEncipherment'] }),
      makeParty({ subject: 'CN=device-1', noExtensions: true }),
    ]);
    return { ca, ra, device };
  })();
  return pki;
}

/** XORs one byte in place (a tampering helper). */
/**
 * Where `needle` (bytes, or text as UTF-8) first occurs in `bytes`, byte-aligned; throws if it
 * does not. Searching a hex string instead can match between two bytes.
 */
export function indexOfBytes(bytes: Uint8Array, needle: Uint8Array | string): number {
  const n = typeof needle === 'string' ? new TextEncoder().encode(needle) : needle;
  const i = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(n.buffer, n.byteOffset, n.byteLength));
  if (i < 0) throw new Error('indexOfBytes: not found');
  return i;
}

export function flip(bytes: Uint8Array, index: number, xor = 1): void {
  bytes[index] = (bytes[index] as number) ^ xor;
}

/** What `p` rejected with (undefined if it resolved). */
async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Asserts that `p` rejects with a ScepError of `code` (and nothing else). */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const { isScepError } = await import('@scep/wire');
  const err = await caught(p);
  if (err === undefined) throw new Error(`expected ${code}, but it resolved`);
  if (!isScepError(err)) throw new Error(`expected ScepError ${code}, got ${String(err)}`, { cause: err });
  if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`, { cause: err });
}

/** Past the content key unwrap, openPkiRequest throws only DecryptionError: checks it and its cause's code. */
export async function rejectsAfterUnwrap(p: Promise<unknown>, causeCode: string): Promise<void> {
  const { isScepError } = await import('@scep/wire');
  const err = await caught(p);
  if (!isScepError(err) || err.code !== 'ERR_DECRYPTION_FAILED') throw new Error(`expected ERR_DECRYPTION_FAILED, got ${String(err)}`, { cause: err });
  const cause = err.cause;
  if (!isScepError(cause) || cause.code !== causeCode) throw new Error(`expected a ${causeCode} cause, got ${String(cause)}`, { cause: err });
}

/** Same for synchronous calls. */
export function throwsWith(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    if (err.code !== code) throw new Error(`expected ${code}, got ${String(err.code)}: ${String(err.message)}`, { cause: e });
    return;
  }
  throw new Error(`expected ${code}, but it returned`);
}

export { seededRandom, nodeCrypto };
