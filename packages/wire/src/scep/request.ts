/**
 * Server side: from a verified PKIMessage to what the client asked for (RFC 8894 §3.3). The
 * pkcsPKIEnvelope is opened with the RA key and its content decoded per messageType.
 */
import type { LegacyPolicy } from '../algorithms.js';
import { openEnvelopedData, readEnvelope, type EnvelopeRecipient, type OpenedEnvelope } from '../cms/enveloped-data.js';
import { verifyCsr, readCsr, type CertificationRequest } from '../csr/csr.js';
import type { CryptoProvider } from '../crypto/types.js';
import { DEFAULT_DER_LIMITS, DerInput, type DerLimits, readIntegerBytes, sequence, type Element } from '../der/reader.js';
import { encode, integerRaw, sequence as seq } from '../der/writer.js';
import { DecryptionError, guard, MalformedError } from '../errors.js';
import { encodeName, readName, type Name, type NameInput } from '../x509/name.js';
import { parsePkiMessage, type ParseOptions, type PkiMessage } from './pki-message.js';

export type ScepRequest =
  | { readonly type: 'PKCSReq' | 'RenewalReq'; readonly csr: CertificationRequest }
  /** CertPoll (GetCertInitial): IssuerAndSubject (RFC 8894 §3.3.3). */
  | { readonly type: 'CertPoll'; readonly issuer: Name; readonly subject: Name }
  /** GetCert / GetCRL: IssuerAndSerialNumber (RFC 8894 §3.3.4, §3.3.5). */
  | { readonly type: 'GetCert' | 'GetCRL'; readonly issuer: Name; readonly serialNumber: Uint8Array };

export interface OpenRequestOptions {
  readonly recipients: readonly EnvelopeRecipient[];
  readonly crypto: CryptoProvider;
  readonly legacy?: LegacyPolicy | undefined;
  readonly limits?: DerLimits | undefined;
  /** Verify the CSR's self-signature (default true). */
  readonly verifyCsrSignature?: boolean;
}

export interface OpenedRequest {
  readonly request: ScepRequest;
  readonly envelope: Omit<OpenedEnvelope, 'content'>;
}

/**
 * Opens the pkcsPKIEnvelope of a verified request and decodes its content. Errors about the
 * envelope's structure, algorithms and recipient are their own; once the content key is unwrapped,
 * a bad padding, an undecodable content, a bad CSR or a CSR signature that fails all throw
 * `DecryptionError` (`ERR_DECRYPTION_FAILED`), with the real error as its `cause`.
 */
export async function openPkiRequest(message: PkiMessage, o: OpenRequestOptions): Promise<OpenedRequest> {
  if (message.messageType === 'CertRep') throw new MalformedError('a CertRep is not a request');
  if (!message.envelope) throw new MalformedError('request without a pkcsPKIEnvelope');
  const limits = o.limits ?? DEFAULT_DER_LIMITS;
  const envDer = message.envelope;
  const env = guard('pkcsPKIEnvelope', () => readEnvelope(new DerInput(envDer, limits).root('pkcsPKIEnvelope')));
  const opened = await openEnvelopedData(env, o);
  const { content, ...envelope } = opened;
  // From here on every failure is the same DecryptionError (the cause keeps the detail for logs).
  // CBC is malleable and the requester may sign with any self-signed key: if bad padding and a
  // content that fails to decode gave different replies, a network attacker could replay a
  // captured envelope with chosen IV and blocks and decrypt it byte by byte (Vaudenay), challenge
  // password included. server-core/test/padding-oracle.test.ts.
  let request: ScepRequest;
  try {
    const root = guard('envelope content', () => new DerInput(content, limits).root('envelope content'));
    request = await decodeContent(message.messageType, root, o);
  } catch (err) {
    throw new DecryptionError({ cause: err });
  }
  return { request, envelope };
}

async function decodeContent(type: PkiMessage['messageType'], root: Element, o: OpenRequestOptions): Promise<ScepRequest> {
  switch (type) {
    case 'PKCSReq':
    case 'RenewalReq': {
      const csr = readCsr(root);
      if (o.verifyCsrSignature !== false) await verifyCsr(csr, o.crypto, o.legacy);
      return { type, csr };
    }
    case 'CertPoll':
      return guard('IssuerAndSubject', () => {
        const [i, s] = sequence(root, 'IssuerAndSubject', 2, 2);
        return { type, issuer: readName(i, 'IssuerAndSubject issuer'), subject: readName(s, 'IssuerAndSubject subject') };
      });
    case 'GetCert':
    case 'GetCRL':
      return guard('IssuerAndSerialNumber', () => {
        const [i, n] = sequence(root, 'IssuerAndSerialNumber', 2, 2);
        return { type, issuer: readName(i, 'IssuerAndSerialNumber issuer'), serialNumber: readIntegerBytes(n, 'serialNumber') };
      });
    case 'CertRep':
      throw new MalformedError('a CertRep is not a request');
  }
}

export interface ReadRequestOptions extends ParseOptions, OpenRequestOptions {}

/** Parse, verify, decrypt and decode a request in one call. */
export async function readPkiRequest(der: Uint8Array, o: ReadRequestOptions): Promise<{ readonly message: PkiMessage } & OpenedRequest> {
  const message = await parsePkiMessage(der, o);
  return { message, ...(await openPkiRequest(message, o)) };
}

/** IssuerAndSubject (CertPoll content). */
export const encodeIssuerAndSubject = (issuer: NameInput, subject: NameInput): Uint8Array => encode(seq(encodeName(issuer), encodeName(subject)));

/** IssuerAndSerialNumber (GetCert / GetCRL content); `serialNumber` as INTEGER content octets. */
export const encodeIssuerAndSerial = (issuer: NameInput, serialNumber: Uint8Array): Uint8Array => encode(seq(encodeName(issuer), integerRaw(serialNumber)));
