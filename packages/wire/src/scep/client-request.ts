/**
 * Client side: building request PKIMessages (RFC 8894 §3.3.1, §3.3.3-3.3.5) with every knob real
 * clients turn differently: digest, SignerInfo OID style, cipher, key transport, recipient
 * identifier, encryptedContent form, BER indefinite lengths.
 */
import {
  cipherByName,
  defaultSignatureAlgorithm,
  digestByName,
  type CipherName,
  type DigestName,
  type KeyTransportAlgorithm,
  type LegacyPolicy,
  type SignerInfoSignatureStyle,
} from '../algorithms.js';
import { buildEnvelope, type RecipientIdentifierStyle } from '../cms/enveloped-data.js';
import { buildSignedData, encodeAttribute } from '../cms/signed-data.js';
import type { CryptoProvider, PrivateKeyHandle } from '../crypto/types.js';
import { octetString, printableString, time } from '../der/writer.js';
import * as O from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import { MESSAGE_TYPES, type RequestMessageType } from './types.js';

export interface PkiRequestOptions {
  readonly messageType: RequestMessageType;
  /** DER content: a CSR (PKCSReq, RenewalReq), IssuerAndSubject (CertPoll), IssuerAndSerialNumber (GetCert, GetCRL). */
  readonly content: Uint8Array;
  /** Signer: the self-signed certificate for a first PKCSReq, the current certificate to renew. */
  readonly signer: { readonly certificate: Certificate; readonly key: PrivateKeyHandle };
  /** Envelope recipients: the CA/RA certificates to encrypt to. */
  readonly recipients: readonly Certificate[];
  readonly transactionId: string;
  /** Default: 16 random bytes from the crypto provider. */
  readonly senderNonce?: Uint8Array;
  readonly digest?: DigestName;
  readonly cipher?: CipherName;
  readonly keyTransport?: KeyTransportAlgorithm;
  readonly signatureStyle?: SignerInfoSignatureStyle;
  readonly recipientIdentifier?: RecipientIdentifierStyle;
  readonly encryptedContentForm?: 'primitive' | 'constructed';
  /** 'ber' writes the outer layers with indefinite lengths, as Apple devices do. */
  readonly encoding?: 'der' | 'ber';
  /** Include a signingTime attribute (default false; some clients do). */
  readonly signingTime?: boolean;
  readonly now?: () => Date;
  readonly legacy?: LegacyPolicy | undefined;
  readonly crypto: CryptoProvider;
}

export interface BuiltRequest {
  readonly der: Uint8Array;
  readonly transactionId: string;
  readonly senderNonce: Uint8Array;
}

export async function buildPkiRequest(o: PkiRequestOptions): Promise<BuiltRequest> {
  const digest = digestByName(o.digest ?? 'SHA-256', o.legacy);
  const cipher = cipherByName(o.cipher ?? 'AES-256-CBC', o.legacy);
  const senderNonce = o.senderNonce ?? o.crypto.randomBytes(16);
  const envelope = await buildEnvelope({
    content: o.content,
    recipients: o.recipients,
    cipher: cipher.name,
    keyTransport: o.keyTransport ?? { scheme: 'RSAES-PKCS1-v1_5' },
    recipientIdentifier: o.recipientIdentifier ?? 'issuerAndSerialNumber',
    encryptedContentForm: o.encryptedContentForm ?? 'primitive',
    legacy: o.legacy,
    crypto: o.crypto,
  });
  const attrs = [
    encodeAttribute(O.id_messageType, printableString(String(MESSAGE_TYPES[o.messageType]))),
    encodeAttribute(O.id_transactionID, printableString(o.transactionId)),
    encodeAttribute(O.id_senderNonce, octetString(senderNonce)),
  ];
  if (o.signingTime) attrs.push(encodeAttribute(O.id_signingTime, time((o.now ?? ((): Date => new Date()))())));
  const der = await buildSignedData({
    eContentType: O.id_data,
    eContent: envelope,
    certificates: [o.signer.certificate.der],
    signer: {
      certificate: o.signer.certificate,
      key: o.signer.key,
      digest: digest.name,
      signatureAlgorithm: defaultSignatureAlgorithm(o.signer.key.keyType, digest.name),
      signatureStyle: o.signatureStyle ?? 'algorithm',
      attributes: attrs,
    },
    encoding: o.encoding ?? 'der',
    crypto: o.crypto,
  });
  return { der, transactionId: o.transactionId, senderNonce };
}
