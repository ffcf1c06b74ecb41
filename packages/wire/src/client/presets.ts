/**
 * Client presets: requests and HTTP requests shaped like those of real SCEP clients, so a test or
 * a load generator produces "a micromdm PKCSReq" or "an Apple GET" in one call. The shapes come
 * from SCEP-NOTES §2 and, for micromdm, certmonger and strongSwan, from real captures
 * (fixtures/wire/captured/). Pure like the rest of the codec: the caller brings the key, the
 * crypto provider (randomness) and the clock.
 */
import {
  cipherByName,
  defaultSignatureAlgorithm,
  digestByName,
  type CipherName,
  type DigestName,
  type LegacyAlgorithm,
  type SignerInfoSignatureStyle,
} from '../algorithms.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { buildCsr } from '../csr/csr.js';
import * as O from '../oids.js';
import { buildPkiRequest } from '../scep/client-request.js';
import { encodeIssuerAndSerial, encodeIssuerAndSubject } from '../scep/request.js';
import type { RequestMessageType } from '../scep/types.js';
import { toBase64 } from '../util/bytes.js';
import { buildCertificate, parseCertificate, type Certificate } from '../x509/certificate.js';
import {
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeSubjectAltName,
  type Extension,
  type GeneralName,
} from '../x509/extensions.js';
import type { NameInput } from '../x509/name.js';
import { parsePublicKeyInfo } from '../x509/public-key.js';

export type ClientPresetName = 'micromdm' | 'certmonger' | 'strongswan' | 'windows' | 'apple' | 'cisco' | 'chromeosConnector';

/** How a client derives its transactionID. */
export type TransactionIdStyle =
  /** base64 of SHA-256(RSAPublicKey) truncated to 160 bits (RFC 7093 §2 method 1): micromdm 2.1.0. */
  | 'base64-key-id'
  /** Decimal of SHA-256(SubjectPublicKeyInfo): certmonger. */
  | 'decimal-sha256-spki'
  /** 40 upper-case hex digits, SHA-1(SubjectPublicKeyInfo): strongSwan. */
  | 'hex-sha1-spki'
  /** 16 bytes from the crypto provider, upper-case hex. */
  | 'random-hex';

export type CipherChoice =
  | { readonly from: 'fixed'; readonly cipher: CipherName }
  /**
   * The cipher of the first `choices` keyword the GetCACaps answer lists: first in the caps' own
   * order (`order: 'caps'`, certmonger) or in the preset's order (`'preset'`); `fallback` if none.
   */
  | {
      readonly from: 'caps';
      readonly order: 'caps' | 'preset';
      readonly choices: readonly (readonly [keyword: string, cipher: CipherName])[];
      readonly fallback: CipherName;
    };

/** The certificate that signs a first request (self-signed, made by the device). */
export interface SignerShape {
  readonly version: 1 | 3;
  /** `'csr'`: the CSR's subject; otherwise a DN string. */
  readonly subject: 'csr' | (string & {});
  readonly extensions: 'none' | 'micromdm' | 'critical-authority-key-identifier';
  readonly serialNumber: 'random-16' | 'sha256-spki' | 'sha1-spki';
  /** `'start-of-day'`: 00:00 UTC of the current day (certmonger). */
  readonly notBefore: 'now' | 'start-of-day';
  /** Lifetime in calendar units (certmonger: 100 years; strongSwan: 1 year; micromdm: 1 hour). */
  readonly validity: { readonly unit: 'hours' | 'years'; readonly count: number };
  /** Digest of the certificate's own signature; `'message'`: the request's digest. */
  readonly digest: DigestName | 'message';
}

export type GetEncoding =
  /** Standard base64, percent-encoded (certmonger, Windows). */
  | 'base64'
  /** URL-safe base64 with padding, `=` percent-encoded (micromdm). */
  | 'base64url'
  /** Standard base64 with only `=` escaped: `+` reaches the server as a space (Apple). */
  | 'equals-escaped'
  /** Standard base64 in 64-character lines, percent-encoded, so line breaks travel as `%0A` (Cisco IOS). */
  | 'wrapped';

export interface TransportShape {
  /** `'POST-if-caps'`: POST when GetCACaps lists POSTPKIOperation or SCEPStandard, else GET. */
  readonly pkiOperation: 'GET' | 'POST' | 'POST-if-caps';
  readonly getEncoding: GetEncoding;
  /** Content-Type of a POST; undefined sends none (strongSwan). */
  readonly postContentType: string | undefined;
  /** Appended to the configured URL's path (Windows `/pkiclient.exe`, Cisco `/cgi-bin/pkiclient.exe`). */
  readonly pathSuffix: string;
  /** `message` on GetCACaps/GetCACert/GetNextCACert: none, a fixed value, or the caller's CA identifier (Cisco's trustpoint). */
  readonly caMessage: 'omit' | 'ca-identifier' | { readonly value: string };
  readonly httpVersion: '1.0' | '1.1';
}

export interface ClientPreset {
  readonly name: string;
  readonly description: string;
  /** SignedData digest (and SignerInfo signature hash). */
  readonly digest: DigestName;
  /** Digest of the CSR's self-signature; `'message'`: the request's digest. */
  readonly csrDigest: DigestName | 'message';
  readonly signatureStyle: SignerInfoSignatureStyle;
  readonly cipher: CipherChoice;
  /** `'all'`: one recipient per GetCACert certificate (micromdm); `'encryption'`: the RA/CA meant for encryption. */
  readonly recipients: 'all' | 'encryption';
  readonly encryptedContentForm: 'primitive' | 'constructed';
  /** `'ber'`: indefinite lengths on the outer layers (Apple). */
  readonly encoding: 'der' | 'ber';
  readonly signingTime: boolean;
  readonly transactionId: TransactionIdStyle;
  readonly signer: SignerShape;
  readonly transport: TransportShape;
}

const AES_FIRST = [
  ['AES', 'AES-256-CBC'],
  ['SCEPStandard', 'AES-256-CBC'],
  ['DES3', 'DES-EDE3-CBC'],
] as const;

/** The presets. Spread one to vary it: `{ ...CLIENT_PRESETS.strongswan, digest: 'SHA-1' }`. */
export const CLIENT_PRESETS: Readonly<Record<ClientPresetName, ClientPreset>> = {
  micromdm: {
    name: 'micromdm',
    description: 'micromdm scepclient 2.1.0 (captured): SHA-1, sha1WithRSAEncryption, DES-CBC to every GetCACert certificate, constructed encryptedContent',
    digest: 'SHA-1',
    csrDigest: 'SHA-256',
    signatureStyle: 'algorithm',
    cipher: { from: 'fixed', cipher: 'DES-CBC' },
    recipients: 'all',
    encryptedContentForm: 'constructed',
    encoding: 'der',
    signingTime: true,
    transactionId: 'base64-key-id',
    signer: { version: 3, subject: 'O=scep-client, CN=SCEP SIGNER', extensions: 'micromdm', serialNumber: 'random-16', notBefore: 'now', validity: { unit: 'hours', count: 1 }, digest: 'SHA-256' },
    transport: { pkiOperation: 'POST-if-caps', getEncoding: 'base64url', postContentType: 'application/octet-stream', pathSuffix: '', caMessage: 'omit', httpVersion: '1.1' },
  },
  certmonger: {
    name: 'certmonger',
    description: 'certmonger 0.79 scep-submit (captured): SHA-256, rsaEncryption, AES-256 or 3DES in caps order, self-signed v1 signer, GET',
    digest: 'SHA-256',
    csrDigest: 'SHA-256',
    signatureStyle: 'rsaEncryption',
    cipher: {
      from: 'caps',
      order: 'caps',
      choices: [
        ['AES', 'AES-256-CBC'],
        ['DES3', 'DES-EDE3-CBC'],
      ],
      fallback: 'AES-256-CBC',
    },
    recipients: 'encryption',
    encryptedContentForm: 'primitive',
    encoding: 'der',
    signingTime: true,
    transactionId: 'decimal-sha256-spki',
    signer: { version: 1, subject: 'csr', extensions: 'none', serialNumber: 'sha256-spki', notBefore: 'start-of-day', validity: { unit: 'years', count: 100 }, digest: 'message' },
    transport: { pkiOperation: 'GET', getEncoding: 'base64', postContentType: undefined, pathSuffix: '', caMessage: 'omit', httpVersion: '1.1' },
  },
  strongswan: {
    name: 'strongswan',
    description: 'strongSwan pki --scep 5.9.8 (captured): configurable digest, AES-128 (or 3DES), primitive encryptedContent, v3 signer without extensions, POST without Content-Type',
    digest: 'SHA-256',
    csrDigest: 'message',
    // Its requests carry sha*WithRSAEncryption (captured); it is its CertRep check that wants rsaEncryption.
    signatureStyle: 'algorithm',
    cipher: { from: 'fixed', cipher: 'AES-128-CBC' },
    recipients: 'encryption',
    encryptedContentForm: 'primitive',
    encoding: 'der',
    signingTime: true,
    transactionId: 'hex-sha1-spki',
    signer: { version: 3, subject: 'csr', extensions: 'none', serialNumber: 'sha1-spki', notBefore: 'now', validity: { unit: 'years', count: 1 }, digest: 'message' },
    transport: { pkiOperation: 'POST', getEncoding: 'base64', postContentType: undefined, pathSuffix: '', caMessage: 'omit', httpVersion: '1.1' },
  },
  windows: {
    name: 'windows',
    description: 'Windows / Intune SCEP CSP (from the notes): SHA-256, signer with a critical AuthorityKeyIdentifier, /pkiclient.exe, GetCACert message=default',
    digest: 'SHA-256',
    csrDigest: 'message',
    signatureStyle: 'algorithm',
    cipher: { from: 'caps', order: 'preset', choices: AES_FIRST, fallback: 'DES-EDE3-CBC' },
    recipients: 'encryption',
    encryptedContentForm: 'primitive',
    encoding: 'der',
    signingTime: true,
    transactionId: 'random-hex',
    signer: { version: 3, subject: 'csr', extensions: 'critical-authority-key-identifier', serialNumber: 'random-16', notBefore: 'now', validity: { unit: 'years', count: 1 }, digest: 'message' },
    transport: { pkiOperation: 'POST-if-caps', getEncoding: 'base64', postContentType: 'application/x-pki-message', pathSuffix: '/pkiclient.exe', caMessage: { value: 'default' }, httpVersion: '1.1' },
  },
  apple: {
    name: 'apple',
    description: 'Apple com.apple.security.scep (from the notes): BER indefinite lengths, SHA-256, AES, GET with only "=" escaped unless POST is advertised',
    digest: 'SHA-256',
    csrDigest: 'message',
    signatureStyle: 'algorithm',
    cipher: { from: 'caps', order: 'preset', choices: AES_FIRST, fallback: 'DES-EDE3-CBC' },
    recipients: 'encryption',
    encryptedContentForm: 'primitive',
    encoding: 'ber',
    signingTime: true,
    transactionId: 'random-hex',
    signer: { version: 3, subject: 'csr', extensions: 'none', serialNumber: 'random-16', notBefore: 'now', validity: { unit: 'years', count: 1 }, digest: 'message' },
    transport: { pkiOperation: 'POST-if-caps', getEncoding: 'equals-escaped', postContentType: 'application/x-pki-message', pathSuffix: '', caMessage: 'omit', httpVersion: '1.1' },
  },
  cisco: {
    name: 'cisco',
    description: 'Cisco IOS, old trains (from the notes): DES-CBC with SHA-1 (or MD5), GET with base64 wrapped by %0A, GetCACert message=<trustpoint>, HTTP/1.0',
    digest: 'SHA-1',
    csrDigest: 'message',
    signatureStyle: 'algorithm',
    cipher: { from: 'fixed', cipher: 'DES-CBC' },
    recipients: 'encryption',
    encryptedContentForm: 'primitive',
    encoding: 'der',
    signingTime: false,
    transactionId: 'random-hex',
    signer: { version: 3, subject: 'csr', extensions: 'none', serialNumber: 'random-16', notBefore: 'now', validity: { unit: 'years', count: 1 }, digest: 'message' },
    transport: { pkiOperation: 'GET', getEncoding: 'wrapped', postContentType: undefined, pathSuffix: '/cgi-bin/pkiclient.exe', caMessage: 'ca-identifier', httpVersion: '1.0' },
  },
  chromeosConnector: {
    name: 'chromeosConnector',
    description: 'Google Cloud Certificate Connector for ChromeOS (NDES-like defaults, unconfirmed): AES-256, SHA-256, POST',
    digest: 'SHA-256',
    csrDigest: 'message',
    signatureStyle: 'algorithm',
    cipher: { from: 'fixed', cipher: 'AES-256-CBC' },
    recipients: 'encryption',
    encryptedContentForm: 'primitive',
    encoding: 'der',
    signingTime: true,
    transactionId: 'random-hex',
    signer: { version: 3, subject: 'csr', extensions: 'none', serialNumber: 'random-16', notBefore: 'now', validity: { unit: 'years', count: 1 }, digest: 'message' },
    transport: { pkiOperation: 'POST', getEncoding: 'base64', postContentType: 'application/x-pki-message', pathSuffix: '', caMessage: 'omit', httpVersion: '1.1' },
  },
};

const presetOf = (p: ClientPreset | ClientPresetName): ClientPreset => {
  if (typeof p !== 'string') return p;
  const found = CLIENT_PRESETS[p];
  if (found === undefined) throw new TypeError(`unknown client preset ${JSON.stringify(p)}`);
  return found;
};

const hasCap = (caps: Iterable<string> | undefined, keyword: string): boolean => {
  for (const c of caps ?? []) if (c.trim().toLowerCase() === keyword.toLowerCase()) return true;
  return false;
};

/** The content cipher a preset picks given a GetCACaps answer (keywords in the order the server sent them). */
export function presetCipher(preset: ClientPreset | ClientPresetName, caps?: Iterable<string>): CipherName {
  const rule = presetOf(preset).cipher;
  if (rule.from === 'fixed') return rule.cipher;
  const listed = [...(caps ?? [])].map((c) => c.trim().toLowerCase());
  if (rule.order === 'caps') {
    for (const c of listed) for (const [k, cipher] of rule.choices) if (k.toLowerCase() === c) return cipher;
  } else {
    for (const [k, cipher] of rule.choices) if (listed.includes(k.toLowerCase())) return cipher;
  }
  return rule.fallback;
}

/**
 * The certificates a preset encrypts to: all of them (micromdm), or the one meant for encryption:
 * the first non-CA RSA certificate with keyEncipherment, else with dataEncipherment (jscep's rule),
 * else the first non-CA RSA certificate without keyUsage, else the first RSA certificate.
 */
export function presetRecipients(preset: ClientPreset | ClientPresetName, certificates: readonly Certificate[]): Certificate[] {
  const rsa = certificates.filter((c) => c.publicKey.type === 'RSA');
  if (rsa.length === 0) throw new TypeError('no RSA certificate to encrypt to');
  if (presetOf(preset).recipients === 'all') return rsa;
  const nonCa = rsa.filter((c) => c.basicConstraints?.ca !== true);
  const pick =
    nonCa.find((c) => c.keyUsage?.has('keyEncipherment')) ??
    nonCa.find((c) => c.keyUsage?.has('dataEncipherment')) ??
    nonCa.find((c) => c.keyUsage === undefined) ??
    (rsa[0] as Certificate);
  return [pick];
}

export interface DeviceRequestOptions {
  /** The key the CSR is for (and, for a first request, the signer's key). */
  readonly key: PrivateKeyHandle;
  /** CSR subject (and CertPoll's subject). */
  readonly subject: NameInput;
  readonly challengePassword?: string;
  /** subjectAltName for the CSR's extensionRequest (e.g. a UPN for Windows). */
  readonly subjectAltNames?: readonly GeneralName[];
  /** The GetCACert certificates (CA and RA). */
  readonly recipients: readonly Certificate[];
  /** The GetCACaps keywords, in the order the server sent them (drives cipher choice for some presets). */
  readonly caps?: Iterable<string>;
  /** Default PKCSReq. RenewalReq needs `signer`; GetCert and GetCRL need `certificate`. */
  readonly messageType?: RequestMessageType;
  /** An existing certificate and key to sign with (renewal); default: a self-signed certificate in the preset's shape. */
  readonly signer?: { readonly certificate: Certificate; readonly key: PrivateKeyHandle };
  /** GetCert / GetCRL: the certificate asked about (its issuer and serial number). */
  readonly certificate?: Certificate;
  /** CertPoll: the issuer in IssuerAndSubject (default: the subject of the first CA among `recipients`, else its issuer). */
  readonly issuer?: NameInput;
  /** Overrides of the preset's digest and cipher (strongSwan's --digest/--cipher, Cisco's MD5). */
  readonly digest?: DigestName;
  readonly cipher?: CipherName;
  readonly transactionId?: string;
  readonly senderNonce?: Uint8Array;
  readonly crypto: CryptoProvider;
  /** Clock for the signer's validity and signingTime (default: the system clock). */
  readonly now?: () => Date;
}

export interface DeviceRequest {
  readonly der: Uint8Array;
  readonly messageType: RequestMessageType;
  readonly transactionId: string;
  readonly senderNonce: Uint8Array;
  readonly signer: { readonly certificate: Certificate; readonly key: PrivateKeyHandle };
  /** The CSR (PKCSReq, RenewalReq); undefined for the other message types. */
  readonly csr: Uint8Array | undefined;
  /** What the envelope holds (the CSR, IssuerAndSubject or IssuerAndSerialNumber). */
  readonly content: Uint8Array;
  readonly digest: DigestName;
  readonly cipher: CipherName;
  /** The certificates the envelope is encrypted to. */
  readonly recipients: readonly Certificate[];
  /** The legacy algorithms a server must enable (by name) to accept this request. */
  readonly legacy: readonly LegacyAlgorithm[];
}

const LEGACY_NAMES: ReadonlySet<string> = new Set<LegacyAlgorithm>(['MD5', 'SHA-1', 'DES-CBC', 'DES-EDE3-CBC']);

/** The transactionID the preset's client derives for a key (a fresh random one for `'random-hex'` presets). */
export async function presetTransactionId(preset: ClientPreset | ClientPresetName, spki: Uint8Array, crypto: CryptoProvider): Promise<string> {
  switch (presetOf(preset).transactionId) {
    case 'base64-key-id':
      return toBase64((await crypto.digest('SHA-256', parsePublicKeyInfo(spki).keyBits)).subarray(0, 20));
    case 'decimal-sha256-spki': {
      const h = await crypto.digest('SHA-256', spki);
      return h.reduce((v, b) => v * 256n + BigInt(b), 0n).toString();
    }
    case 'hex-sha1-spki':
      return hexUpper(await crypto.digest('SHA-1', spki));
    case 'random-hex':
      return hexUpper(crypto.randomBytes(16));
  }
}

const hexUpper = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();

async function selfSignedSigner(
  preset: ClientPreset,
  o: DeviceRequestOptions,
  digest: DigestName,
  now: Date,
): Promise<{ certificate: Certificate; key: PrivateKeyHandle }> {
  const s = preset.signer;
  const spki = o.key.publicKeyInfo;
  let serialNumber: Uint8Array;
  if (s.serialNumber === 'sha256-spki') serialNumber = await o.crypto.digest('SHA-256', spki);
  else if (s.serialNumber === 'sha1-spki') serialNumber = await o.crypto.digest('SHA-1', spki);
  else serialNumber = o.crypto.randomBytes(16);
  const extensions: Extension[] = [];
  if (s.extensions === 'micromdm') {
    extensions.push(
      { oid: O.id_ce_keyUsage, critical: true, value: encodeKeyUsage(['digitalSignature', 'keyEncipherment']) },
      { oid: O.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage([O.id_kp_serverAuth]) },
      { oid: O.id_ce_basicConstraints, critical: true, value: encodeBasicConstraints({ ca: false }) },
    );
  } else if (s.extensions === 'critical-authority-key-identifier') {
    // RFC 5280 §4.2.1.2 method 1 key identifier, marked critical as the Windows client does.
    const keyId = await o.crypto.digest('SHA-1', parsePublicKeyInfo(spki).keyBits);
    extensions.push({ oid: O.id_ce_authorityKeyIdentifier, critical: true, value: encodeAuthorityKeyIdentifier(keyId) });
  }
  const notBefore = s.notBefore === 'start-of-day' ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) : now;
  const notAfter = new Date(notBefore.getTime());
  if (s.validity.unit === 'years') notAfter.setUTCFullYear(notAfter.getUTCFullYear() + s.validity.count);
  else notAfter.setTime(notAfter.getTime() + s.validity.count * 3600_000);
  const subject = s.subject === 'csr' ? o.subject : s.subject;
  const der = await buildCertificate(
    {
      version: s.version,
      serialNumber,
      issuer: subject,
      subject,
      notBefore,
      notAfter,
      publicKeyInfo: spki,
      extensions,
      signatureAlgorithm: defaultSignatureAlgorithm(o.key.keyType, s.digest === 'message' ? digest : s.digest),
    },
    o.key,
  );
  return { certificate: parseCertificate(der), key: o.key };
}

function defaultPollIssuer(recipients: readonly Certificate[]): NameInput {
  const ca = recipients.find((c) => c.basicConstraints?.ca === true) ?? recipients[0];
  if (!ca) throw new TypeError('CertPoll needs an issuer');
  return ca.basicConstraints?.ca === true ? ca.subject : ca.issuer;
}

/**
 * Builds a request PKIMessage the way the preset's client does: CSR, self-signed signer in the
 * client's shape, transactionID style, digest, SignerInfo OID style, cipher, recipients,
 * encryptedContent form and encoding.
 */
export async function buildDeviceRequest(preset: ClientPreset | ClientPresetName, o: DeviceRequestOptions): Promise<DeviceRequest> {
  const p = presetOf(preset);
  const now = (o.now ?? ((): Date => new Date()))();
  const messageType = o.messageType ?? 'PKCSReq';
  const digest = digestByName(o.digest ?? p.digest, true).name;
  const cipher = cipherByName(o.cipher ?? presetCipher(p, o.caps), true).name;
  const recipients = presetRecipients(p, o.recipients);
  let csr: Uint8Array | undefined;
  let content: Uint8Array;
  let csrDigest: DigestName | undefined;
  switch (messageType) {
    case 'PKCSReq':
    case 'RenewalReq': {
      csrDigest = p.csrDigest === 'message' ? digest : p.csrDigest;
      const sans = o.subjectAltNames ?? [];
      csr = await buildCsr(
        {
          subject: o.subject,
          ...(o.challengePassword === undefined ? {} : { challengePassword: o.challengePassword }),
          extensions: sans.length > 0 ? [{ oid: O.id_ce_subjectAltName, critical: false, value: encodeSubjectAltName(sans) }] : [],
          signatureAlgorithm: defaultSignatureAlgorithm(o.key.keyType, csrDigest),
        },
        o.key,
      );
      content = csr;
      break;
    }
    case 'CertPoll':
      content = encodeIssuerAndSubject(o.issuer ?? defaultPollIssuer(o.recipients), o.subject);
      break;
    case 'GetCert':
    case 'GetCRL':
      if (!o.certificate) throw new TypeError(`${messageType} needs the certificate asked about`);
      content = encodeIssuerAndSerial(o.certificate.issuer, o.certificate.serialNumber);
      break;
  }
  if (messageType === 'RenewalReq' && !o.signer) throw new TypeError('RenewalReq is signed by the existing certificate: pass signer');
  const signer = o.signer ?? (await selfSignedSigner(p, o, digest, now));
  const transactionId = o.transactionId ?? (await presetTransactionId(p, o.key.publicKeyInfo, o.crypto));
  const built = await buildPkiRequest({
    messageType,
    content,
    signer,
    recipients,
    transactionId,
    ...(o.senderNonce === undefined ? {} : { senderNonce: o.senderNonce }),
    digest,
    cipher,
    signatureStyle: p.signatureStyle,
    recipientIdentifier: 'issuerAndSerialNumber',
    encryptedContentForm: p.encryptedContentForm,
    encoding: p.encoding,
    signingTime: p.signingTime,
    now: () => now,
    legacy: true,
    crypto: o.crypto,
  });
  const legacy = [...new Set([digest, cipher, ...(csrDigest === undefined ? [] : [csrDigest])])].filter((n): n is LegacyAlgorithm => LEGACY_NAMES.has(n));
  return { der: built.der, messageType, transactionId, senderNonce: built.senderNonce, signer, csr, content, digest, cipher, recipients, legacy };
}

export interface HttpRequestShape {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
  readonly httpVersion: '1.0' | '1.1';
}

function withSuffix(baseUrl: string, suffix: string): string {
  const q = baseUrl.indexOf('?');
  const path = q < 0 ? baseUrl : baseUrl.slice(0, q);
  return path.replace(/\/+$/, '') + suffix;
}

function encodeGetMessage(der: Uint8Array, encoding: GetEncoding): string {
  const b64 = toBase64(der);
  switch (encoding) {
    case 'base64':
      return encodeURIComponent(b64);
    case 'base64url':
      return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '%3D');
    case 'equals-escaped':
      return b64.replace(/=/g, '%3D');
    case 'wrapped': {
      const lines: string[] = [];
      for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
      return encodeURIComponent(`${lines.join('\n')}\n`);
    }
  }
}

/**
 * The HTTP request the preset's client sends for a PKIOperation: method (by the caps for clients
 * that look at them), URL with the client's path suffix and `message` encoding, headers, body.
 * Pure: no I/O; hand the result to fetch or an HTTP client.
 */
export function toHttpRequest(preset: ClientPreset | ClientPresetName, baseUrl: string, der: Uint8Array, caps?: Iterable<string>): HttpRequestShape {
  const t = presetOf(preset).transport;
  const url = `${withSuffix(baseUrl, t.pathSuffix)}?operation=PKIOperation`;
  const post = t.pkiOperation === 'POST' || (t.pkiOperation === 'POST-if-caps' && (hasCap(caps, 'POSTPKIOperation') || hasCap(caps, 'SCEPStandard')));
  if (post) {
    return { method: 'POST', url, headers: t.postContentType === undefined ? {} : { 'content-type': t.postContentType }, body: der, httpVersion: t.httpVersion };
  }
  return { method: 'GET', url: `${url}&message=${encodeGetMessage(der, t.getEncoding)}`, headers: {}, body: undefined, httpVersion: t.httpVersion };
}

/** The GET the preset's client sends for GetCACaps, GetCACert or GetNextCACert (`caIdentifier`: Cisco's trustpoint). */
export function toCaHttpRequest(
  preset: ClientPreset | ClientPresetName,
  baseUrl: string,
  operation: 'GetCACaps' | 'GetCACert' | 'GetNextCACert',
  caIdentifier = 'scep',
): HttpRequestShape {
  const t = presetOf(preset).transport;
  let url = `${withSuffix(baseUrl, t.pathSuffix)}?operation=${operation}`;
  if (t.caMessage === 'ca-identifier') url += `&message=${encodeURIComponent(caIdentifier)}`;
  else if (t.caMessage !== 'omit') url += `&message=${encodeURIComponent(t.caMessage.value)}`;
  return { method: 'GET', url, headers: {}, body: undefined, httpVersion: t.httpVersion };
}
