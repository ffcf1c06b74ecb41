/** Test PKI and client helpers for server-core tests, built with @scep/wire. */
import {
  buildCertificate,
  buildCsr,
  buildPkiRequest,
  encodeBasicConstraints,
  encodeIssuerAndSubject,
  encodeKeyUsage,
  encodeSubjectKeyIdentifier,
  oids,
  parseCertificate,
  readCertRep,
  type Certificate,
  type CertRepResponse,
  type CipherName,
  type DigestName,
  type Extension,
  type KeyUsageName,
  type PrivateKeyHandle,
  type RequestMessageType,
  type SignerInfoSignatureStyle,
} from '@scep/wire';
import { generateKey, nodeCrypto, nodePrivateKey } from '@scep/wire/node';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ScepHandler } from '@scep/server-core';

export const crypto = nodeCrypto();
export const T0 = new Date('2026-03-01T00:00:00Z');
const YEAR = 365 * 86_400_000;

export interface Party {
  readonly certificate: Certificate;
  readonly key: PrivateKeyHandle;
  readonly keyObject: KeyObject;
}

let serial = 1000n;
let nextKey = 0;
// RSA key generation dominates test time: keep a small pool of keys and reuse them.
const keyPool: KeyObject[] = [];
export function rsaKey(i: number): KeyObject {
  while (keyPool.length <= i) keyPool.push(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  return keyPool[i] as KeyObject;
}

export async function party(o: {
  subject: string;
  issuer?: Party;
  ca?: boolean;
  /** basicConstraints pathLenConstraint. */
  pathLength?: number;
  usages?: KeyUsageName[];
  keyObject?: KeyObject;
  keyIndex?: number;
  ec?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  selfSignedNoExt?: boolean;
  /** Added after the usual ones (none of which it may repeat). */
  extensions?: readonly Extension[];
}): Promise<Party> {
  const keyObject = o.keyObject ?? (o.ec ? (await generateKey({ type: 'EC' })).keyObject : rsaKey(o.keyIndex ?? nextKey++ % 24));
  const key = nodePrivateKey(keyObject);
  const signer = o.issuer?.key ?? key;
  const ext = o.selfSignedNoExt
    ? []
    : [
        { oid: oids.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: o.ca ?? false, pathLength: o.pathLength }) },
        { oid: oids.id_ce_keyUsage, critical: true, value: encodeKeyUsage(o.usages ?? (o.ca ? ['keyCertSign', 'cRLSign', 'digitalSignature', 'keyEncipherment'] : ['digitalSignature', 'keyEncipherment'])) },
        { oid: oids.id_ce_subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(new Uint8Array(createHash('sha1').update(key.publicKeyInfo).digest())) },
      ];
  const der = await buildCertificate(
    {
      serialNumber: serial++,
      issuer: o.issuer?.certificate.subject ?? o.subject,
      subject: o.subject,
      notBefore: o.notBefore ?? new Date(T0.getTime() - YEAR),
      notAfter: o.notAfter ?? new Date(T0.getTime() + 10 * YEAR),
      publicKeyInfo: key.publicKeyInfo,
      extensions: [...ext, ...(o.extensions ?? [])],
      signatureAlgorithm: signer.keyType === 'EC' ? { scheme: 'ECDSA', digest: 'SHA-256' } : { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    signer,
  );
  return { certificate: parseCertificate(der), key, keyObject };
}

export interface ClientRequest {
  readonly der: Uint8Array;
  readonly transactionId: string;
  readonly senderNonce: Uint8Array;
  readonly signer: Party;
}

let tx = 0;
export async function clientRequest(o: {
  device: Party;
  recipients: readonly Certificate[];
  messageType?: RequestMessageType;
  cn?: string;
  subject?: string;
  challenge?: string;
  csrKey?: Party;
  content?: Uint8Array;
  digest?: DigestName;
  cipher?: CipherName;
  signatureStyle?: SignerInfoSignatureStyle;
  transactionId?: string;
  legacy?: boolean;
}): Promise<ClientRequest & { csr: Uint8Array }> {
  const key = o.csrKey ?? o.device;
  const csr = await buildCsr(
    {
      subject: o.subject ?? `CN=${o.cn ?? 'device'}`,
      ...(o.challenge === undefined ? {} : { challengePassword: o.challenge }),
      signatureAlgorithm: key.key.keyType === 'EC' ? { scheme: 'ECDSA', digest: 'SHA-256' } : { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
    },
    key.key,
  );
  const r = await buildPkiRequest({
    messageType: o.messageType ?? 'PKCSReq',
    content: o.content ?? csr,
    signer: o.device,
    recipients: o.recipients,
    transactionId: o.transactionId ?? `tx-${++tx}`,
    crypto,
    digest: o.digest ?? 'SHA-256',
    cipher: o.cipher ?? 'AES-256-CBC',
    ...(o.signatureStyle ? { signatureStyle: o.signatureStyle } : {}),
    ...(o.legacy ? { legacy: true } : {}),
  });
  return { ...r, signer: o.device, csr };
}

export async function pollRequest(o: { device: Party; recipients: readonly Certificate[]; transactionId: string; issuer: Certificate; subject: string }): Promise<ClientRequest> {
  const r = await buildPkiRequest({
    messageType: 'CertPoll',
    content: encodeIssuerAndSubject(o.issuer.subject, o.subject),
    signer: o.device,
    recipients: o.recipients,
    transactionId: o.transactionId,
    crypto,
  });
  return { ...r, signer: o.device };
}

export const BASE = 'http://scep.test';

export function post(path: string, body: Uint8Array, contentType: string | null = 'application/x-pki-message'): Request {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  return new Request(`${BASE}${path}?operation=PKIOperation`, { method: 'POST', body, headers });
}

export async function send(h: ScepHandler, req: ClientRequest, o: { path?: string; trusted: readonly Certificate[]; legacy?: boolean; via?: 'POST' | 'GET' }): Promise<CertRepResponse> {
  const path = o.path ?? '/scep';
  const request =
    o.via === 'GET'
      ? new Request(`${BASE}${path}?operation=PKIOperation&message=${encodeURIComponent(Buffer.from(req.der).toString('base64'))}`)
      : post(path, req.der);
  const res = await h(request);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  if (res.headers.get('content-type') !== 'application/x-pki-message') throw new Error(`content-type ${res.headers.get('content-type')}`);
  return readCertRep(new Uint8Array(await res.arrayBuffer()), {
    crypto,
    request: req,
    trusted: o.trusted,
    recipient: req.signer,
    ...(o.legacy ? { legacy: true } : {}),
  });
}
