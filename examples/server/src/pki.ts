/**
 * The data directory: PEM files ca.crt, ca.key and optionally ra.crt, ra.key. Generated on first
 * start when absent (a dev CA that also acts as RA), used as they are when present.
 */
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildCertificate,
  decodePem,
  encodeBasicConstraints,
  encodeKeyUsage,
  encodePem,
  encodeSubjectKeyIdentifier,
  oids,
  parseCertificate,
  toHex,
  type Certificate,
  type PrivateKeyHandle,
} from '@scep/wire';
import { nodePrivateKey, type NodePrivateKeyOptions } from '@scep/wire/node';
import { ExampleConfigError } from './errors.js';

export interface Pki {
  readonly dir: string;
  readonly ca: { readonly certificate: Certificate; readonly key: PrivateKeyHandle; readonly chain: readonly Certificate[] };
  readonly ra: { readonly certificate: Certificate; readonly key: PrivateKeyHandle } | undefined;
  /** True when this start created the CA. */
  readonly generated: boolean;
}

/** The PEM certificates in a file; `what` names it in errors (default: the path). */
function readCertificates(path: string, what: string = path): Certificate[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ExampleConfigError(`cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let blocks: { label: string; der: Uint8Array }[];
  try {
    blocks = decodePem(text).filter((b) => b.label === 'CERTIFICATE');
  } catch {
    blocks = [];
  }
  if (blocks.length === 0) throw new ExampleConfigError(`${what} holds no PEM CERTIFICATE`);
  try {
    return blocks.map((b) => parseCertificate(b.der));
  } catch {
    throw new ExampleConfigError(`${what} holds a certificate that does not parse`);
  }
}

function readKey(path: string, cert: Certificate, options: NodePrivateKeyOptions): { handle: PrivateKeyHandle; keyObject: KeyObject } {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExampleConfigError(code === 'ENOENT' || code === 'EACCES' ? `cannot read ${path}: ${code}` : `${path} is not a usable PEM private key`);
  }
  let handle: PrivateKeyHandle;
  try {
    handle = nodePrivateKey(keyObject, options);
  } catch {
    throw new ExampleConfigError(`${path}: unsupported key type`);
  }
  if (toHex(handle.publicKeyInfo) !== toHex(cert.publicKey.der)) throw new ExampleConfigError(`${path} does not match the certificate next to it`);
  return { handle, keyObject };
}

const YEAR = 365 * 86_400_000;

async function generateCa(dir: string, subject: string, now: Date): Promise<void> {
  const keyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const key = nodePrivateKey(keyObject);
  const der = await buildCertificate(
    {
      serialNumber: BigInt(`0x${createHash('sha256').update(key.publicKeyInfo).digest('hex').slice(0, 15)}`),
      issuer: subject,
      subject,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 10 * YEAR),
      publicKeyInfo: key.publicKeyInfo,
      extensions: [
        { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true }) },
        // keyCertSign + cRLSign as a CA; digitalSignature + keyEncipherment because it also acts as the RA (RFC 8894 §2.1.2).
        { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment', 'keyCertSign', 'cRLSign']) },
        { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(createHash('sha1').update(key.publicKeyInfo).digest()) },
      ],
      signatureAlgorithm: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    key,
  );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'ca.key'), keyObject.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), encodePem('CERTIFICATE', der), { mode: 0o644 });
}

export async function loadOrCreatePki(dir: string, o: { readonly subject: string; readonly now: Date; readonly keys?: NodePrivateKeyOptions }): Promise<Pki> {
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const raCrt = join(dir, 'ra.crt');
  const raKey = join(dir, 'ra.key');
  let generated = false;
  const haveCrt = existsSync(caCrt);
  const haveKey = existsSync(caKey);
  if (!haveCrt && !haveKey) {
    try {
      await generateCa(dir, o.subject, o.now);
    } catch (err) {
      throw new ExampleConfigError(`cannot create the CA in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    generated = true;
  } else if (haveCrt !== haveKey) {
    throw new ExampleConfigError(`${dir} has ${haveCrt ? 'ca.crt but no ca.key' : 'ca.key but no ca.crt'}: provide both, or neither to generate a dev CA`);
  }
  const chain = readCertificates(caCrt);
  const certificate = chain[0] as Certificate;
  const { handle } = readKey(caKey, certificate, o.keys ?? {});
  let ra: Pki['ra'];
  if (existsSync(raCrt) || existsSync(raKey)) {
    if (!existsSync(raCrt) || !existsSync(raKey)) throw new ExampleConfigError(`${dir}: ra.crt and ra.key go together`);
    const raCert = readCertificates(raCrt)[0] as Certificate;
    ra = { certificate: raCert, key: readKey(raKey, raCert, o.keys ?? {}).handle };
  }
  return { dir, ca: { certificate, key: handle, chain }, ra, generated };
}

/** SHA-256 fingerprint as colon-separated upper-case hex, as openssl prints it. */
export function fingerprint(cert: Certificate): string {
  return (createHash('sha256').update(cert.der).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
}

export { readCertificates };
