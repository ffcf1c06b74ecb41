/**
 * Trust anchors for signed challenges: the certificates whose keys may sign tokens. A holder loads
 * a PEM bundle through a loader function (so the core stays runtime-neutral), swaps the whole set
 * atomically on reload, and keeps the previous set when a reload fails for any reason.
 */
import {
  ALGORITHMS,
  ALGORITHMS_BY_KEY_TYPE,
  type AnchorKeyType,
  type SignedChallengeAlgorithm,
} from '../signed-challenge/algorithms.js';
import { encodeBase64Url } from '../lib/base64.js';
import { bytesEqual, toArrayBuffer, toHex } from '../lib/bytes.js';
import { parsePemBlocks } from '../lib/pem.js';
import { defaultSubtle, type CryptoKeyLike, type SubtleCryptoLike } from '../lib/subtle.js';
import { formatName, parseCertificate, spkiDer, subjectKeyIdHex } from '../lib/x509.js';
import { TrustAnchorError } from '../errors.js';

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** DER of OBJECT IDENTIFIER prime256v1 (1.2.840.10045.3.1.7), the namedCurve parameter. */
const DER_PRIME256V1 = new Uint8Array([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

const DAY_MS = 86_400_000;

/** One usable anchor: a parsed certificate with its verification keys already imported. */
export interface TrustAnchor {
  /** RFC 4514 subject. */
  readonly subject: string;
  /** SHA-256 of the certificate DER, lower-case hex. */
  readonly fingerprintSha256: string;
  /** The same digest in base64url: what a token's `x5t#S256` header carries (RFC 7515 §4.1.8). */
  readonly x5tS256: string;
  /** SubjectKeyIdentifier, lower-case hex, when the certificate has one. */
  readonly subjectKeyId: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly keyType: AnchorKeyType;
  /** RSA modulus length in bits, or 256 for P-256. */
  readonly keyBits: number;
  readonly der: Uint8Array;
  /** Imported verification keys, one per algorithm this key type serves. */
  readonly keys: ReadonlyMap<SignedChallengeAlgorithm, CryptoKeyLike>;
}

/** What a validator needs from an anchor holder. */
export interface TrustAnchorSource {
  /** The current set (valid or not: validity is checked per request against the validator's clock). */
  current(): readonly TrustAnchor[];
}

/** Is `anchor` within its validity period at `at` (RFC 5280 §4.1.2.5, both ends inclusive)? */
export function isAnchorValidAt(anchor: TrustAnchor, at: Date): boolean {
  const t = at.getTime();
  return t >= anchor.notBefore.getTime() && t <= anchor.notAfter.getTime();
}

export interface TrustAnchorInfo {
  readonly subject: string;
  readonly fingerprintSha256: string;
  readonly subjectKeyId: string | undefined;
  readonly keyType: AnchorKeyType;
  readonly keyBits: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Whole days until notAfter (negative once expired). */
  readonly daysToExpiry: number;
  readonly validNow: boolean;
}

export interface TrustAnchorReport {
  /** When the current set was loaded, or undefined before the first successful load. */
  readonly loadedAt: Date | undefined;
  readonly anchors: readonly TrustAnchorInfo[];
  readonly reloads: number;
  readonly failedReloads: number;
  /** The most recent failed reload, if it happened after the last success. */
  readonly lastError: { readonly code: string; readonly message: string; readonly at: Date } | undefined;
}

/** Returns the PEM bundle (text or bytes). Called on every reload. */
export type TrustAnchorLoader = () => string | Uint8Array | Promise<string | Uint8Array>;

export interface ParseTrustAnchorsOptions {
  readonly crypto?: SubtleCryptoLike;
  /** Default 1 MiB. */
  readonly maxBundleBytes?: number;
  /** Default 64 certificates. */
  readonly maxAnchors?: number;
  /** Default 2048. */
  readonly minRsaModulusBits?: number;
}

export interface TrustAnchorHolderOptions extends ParseTrustAnchorsOptions {
  readonly load: TrustAnchorLoader;
  /** The clock used to refuse an all-expired bundle and to report days to expiry. */
  readonly now?: () => Date;
}

export const DEFAULT_MAX_BUNDLE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ANCHORS = 64;
export const DEFAULT_MIN_RSA_MODULUS_BITS = 2048;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

function modulusBits(key: CryptoKeyLike): number | undefined {
  const bits: unknown = (key.algorithm as { modulusLength?: unknown }).modulusLength;
  return typeof bits === 'number' ? bits : undefined;
}

/**
 * Parses a PEM bundle into anchors. Every `CERTIFICATE` block must parse and carry an RSA
 * (≥ `minRsaModulusBits`) or P-256 key; other block types are ignored. Throws `TrustAnchorError`.
 */
export async function parseTrustAnchors(bundle: string | Uint8Array, options: ParseTrustAnchorsOptions = {}): Promise<TrustAnchor[]> {
  const maxBytes = positiveInt('maxBundleBytes', options.maxBundleBytes, DEFAULT_MAX_BUNDLE_BYTES);
  const maxAnchors = positiveInt('maxAnchors', options.maxAnchors, DEFAULT_MAX_ANCHORS);
  const minRsa = positiveInt('minRsaModulusBits', options.minRsaModulusBits, DEFAULT_MIN_RSA_MODULUS_BITS);
  const subtle = options.crypto ?? defaultSubtle();

  const size = typeof bundle === 'string' ? bundle.length : bundle.byteLength;
  if (size > maxBytes) throw new TrustAnchorError('ERR_INTUNE_ANCHORS_TOO_LARGE', `anchor bundle exceeds ${maxBytes} bytes`);
  let text: string;
  try {
    text = typeof bundle === 'string' ? bundle : new TextDecoder('utf-8', { fatal: true }).decode(bundle);
  } catch (cause) {
    throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNPARSABLE', 'anchor bundle is not UTF-8 text', { cause });
  }
  const blocks = parsePemBlocks(text);
  if (blocks === undefined) throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNPARSABLE', 'anchor bundle is not valid PEM');
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE');
  if (certs.length === 0) throw new TrustAnchorError('ERR_INTUNE_ANCHORS_EMPTY', 'anchor bundle holds no certificate');
  if (certs.length > maxAnchors) {
    throw new TrustAnchorError('ERR_INTUNE_ANCHORS_TOO_LARGE', `anchor bundle holds more than ${maxAnchors} certificates`);
  }

  const anchors: TrustAnchor[] = [];
  for (const [index, block] of certs.entries()) {
    anchors.push(await anchorFromDer(block.der, index, subtle, minRsa));
  }
  return anchors;
}

async function anchorFromDer(der: Uint8Array, index: number, subtle: SubtleCryptoLike, minRsa: number): Promise<TrustAnchor> {
  let cert;
  let subject: string;
  let subjectKeyId: string | undefined;
  let notBefore: Date;
  let notAfter: Date;
  let spki: Uint8Array;
  try {
    cert = parseCertificate(der);
    subject = formatName(cert.tbsCertificate.subject);
    subjectKeyId = subjectKeyIdHex(cert);
    notBefore = cert.tbsCertificate.validity.notBefore.getTime();
    notAfter = cert.tbsCertificate.validity.notAfter.getTime();
    spki = spkiDer(cert);
  } catch (cause) {
    throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNPARSABLE', `certificate #${index + 1} does not parse`, { cause });
  }

  const alg = cert.tbsCertificate.subjectPublicKeyInfo.algorithm;
  let keyType: AnchorKeyType;
  if (alg.algorithm === OID_RSA_ENCRYPTION) {
    keyType = 'rsa';
  } else if (
    alg.algorithm === OID_EC_PUBLIC_KEY &&
    alg.parameters instanceof ArrayBuffer &&
    bytesEqual(new Uint8Array(alg.parameters), DER_PRIME256V1)
  ) {
    keyType = 'ec-p256';
  } else {
    throw new TrustAnchorError(
      'ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY',
      `certificate #${index + 1} (${subject}) has a key that is neither RSA nor EC P-256`,
    );
  }

  const keys = new Map<SignedChallengeAlgorithm, CryptoKeyLike>();
  let keyBits = 256;
  for (const name of ALGORITHMS_BY_KEY_TYPE[keyType]) {
    let key: CryptoKeyLike;
    try {
      key = await subtle.importKey('spki', toArrayBuffer(spki), ALGORITHMS[name].importAlgorithm, false, ['verify']);
    } catch (cause) {
      throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY', `certificate #${index + 1} (${subject}): key does not import`, { cause });
    }
    if (keyType === 'rsa') {
      const bits = modulusBits(key);
      if (bits === undefined || bits < minRsa) {
        throw new TrustAnchorError(
          'ERR_INTUNE_ANCHORS_UNSUPPORTED_KEY',
          `certificate #${index + 1} (${subject}): RSA modulus of ${bits ?? '?'} bits is below ${minRsa}`,
        );
      }
      keyBits = bits;
    }
    keys.set(name, key);
  }

  const digest = new Uint8Array(await subtle.digest('SHA-256', toArrayBuffer(der)));
  return Object.freeze({
    subject,
    fingerprintSha256: toHex(digest),
    x5tS256: encodeBase64Url(digest),
    subjectKeyId,
    notBefore,
    notAfter,
    keyType,
    keyBits,
    der,
    keys,
  });
}

/** Describes one anchor at `at`. */
export function describeTrustAnchor(anchor: TrustAnchor, at: Date): TrustAnchorInfo {
  return {
    subject: anchor.subject,
    fingerprintSha256: anchor.fingerprintSha256,
    subjectKeyId: anchor.subjectKeyId,
    keyType: anchor.keyType,
    keyBits: anchor.keyBits,
    notBefore: anchor.notBefore,
    notAfter: anchor.notAfter,
    daysToExpiry: Math.floor((anchor.notAfter.getTime() - at.getTime()) / DAY_MS),
    validNow: isAnchorValidAt(anchor, at),
  };
}

/**
 * Holds the current anchor set. `reload()` loads, parses and swaps in one step; on any failure
 * (loader throws, bundle unparsable, empty, every certificate expired) it throws a
 * `TrustAnchorError` and the previous set stays in force. Concurrent reloads run one at a time.
 */
export class TrustAnchorHolder implements TrustAnchorSource {
  readonly #options: TrustAnchorHolderOptions;
  readonly #now: () => Date;
  #anchors: readonly TrustAnchor[] = Object.freeze([]);
  #loadedAt: Date | undefined;
  #reloads = 0;
  #failedReloads = 0;
  #lastError: TrustAnchorReport['lastError'];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TrustAnchorHolderOptions) {
    if (typeof options.load !== 'function') throw new TypeError('TrustAnchorHolder: `load` must be a function');
    // Caller bugs surface here as TypeError, not later as a failed reload.
    positiveInt('maxBundleBytes', options.maxBundleBytes, DEFAULT_MAX_BUNDLE_BYTES);
    positiveInt('maxAnchors', options.maxAnchors, DEFAULT_MAX_ANCHORS);
    positiveInt('minRsaModulusBits', options.minRsaModulusBits, DEFAULT_MIN_RSA_MODULUS_BITS);
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Creates a holder and loads it once; throws if that first load fails. */
  static async create(options: TrustAnchorHolderOptions): Promise<TrustAnchorHolder> {
    const holder = new TrustAnchorHolder(options);
    await holder.reload();
    return holder;
  }

  current(): readonly TrustAnchor[] {
    return this.#anchors;
  }

  /** Loads the bundle again and swaps it in, or throws and keeps the old set. */
  reload(): Promise<TrustAnchorReport> {
    const run = this.#queue.then(() => this.#reloadNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reloadNow(): Promise<TrustAnchorReport> {
    try {
      let bundle: string | Uint8Array;
      try {
        bundle = await this.#options.load();
      } catch (cause) {
        throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNREADABLE', 'anchor bundle could not be read', { cause });
      }
      if (typeof bundle !== 'string' && !(bundle instanceof Uint8Array)) {
        throw new TrustAnchorError('ERR_INTUNE_ANCHORS_UNREADABLE', 'anchor loader returned neither text nor bytes');
      }
      const anchors = await parseTrustAnchors(bundle, this.#options);
      const now = this.#now();
      if (!anchors.some((a) => a.notAfter.getTime() >= now.getTime())) {
        throw new TrustAnchorError('ERR_INTUNE_ANCHORS_ALL_EXPIRED', 'every certificate in the anchor bundle has expired');
      }
      this.#anchors = Object.freeze(anchors);
      this.#loadedAt = now;
      this.#reloads++;
      this.#lastError = undefined;
      return this.report();
    } catch (error) {
      this.#failedReloads++;
      const e = error instanceof TrustAnchorError ? error : new TrustAnchorError('ERR_INTUNE_ANCHORS_UNPARSABLE', 'anchor bundle failed to load', { cause: error });
      this.#lastError = { code: e.code, message: e.message, at: this.#now() };
      throw e;
    }
  }

  /** Subject, fingerprint and days to expiry of each current anchor, plus reload history. */
  report(): TrustAnchorReport {
    const now = this.#now();
    return {
      loadedAt: this.#loadedAt,
      anchors: this.#anchors.map((a) => describeTrustAnchor(a, now)),
      reloads: this.#reloads,
      failedReloads: this.#failedReloads,
      lastError: this.#lastError,
    };
  }
}

/** A fixed anchor set, for tests and for servers that manage reloads themselves. */
export class StaticTrustAnchors implements TrustAnchorSource {
  readonly #anchors: readonly TrustAnchor[];
  constructor(anchors: readonly TrustAnchor[]) {
    this.#anchors = Object.freeze([...anchors]);
  }
  current(): readonly TrustAnchor[] {
    return this.#anchors;
  }
}
