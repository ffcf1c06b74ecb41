/** SCEP message types and statuses (RFC 8894 §3.2.1.2, §3.2.1.3). */
import { FAIL_INFO_CODES, type FailInfo } from '../errors.js';

export const MESSAGE_TYPES = {
  CertRep: 3,
  RenewalReq: 17,
  PKCSReq: 19,
  CertPoll: 20,
  GetCert: 21,
  GetCRL: 22,
} as const;

export type MessageType = keyof typeof MESSAGE_TYPES;
export type RequestMessageType = Exclude<MessageType, 'CertRep'>;

const byNumber = new Map<number, MessageType>(Object.entries(MESSAGE_TYPES).map(([k, v]) => [v, k as MessageType]));

export const messageTypeFromNumber = (n: number): MessageType | undefined => byNumber.get(n);

export const PKI_STATUS = { SUCCESS: 0, FAILURE: 2, PENDING: 3 } as const;
export type PkiStatus = keyof typeof PKI_STATUS;

const statusByNumber = new Map<number, PkiStatus>(Object.entries(PKI_STATUS).map(([k, v]) => [v, k as PkiStatus]));
export const pkiStatusFromNumber = (n: number): PkiStatus | undefined => statusByNumber.get(n);

const failInfoByNumber = new Map<number, FailInfo>(Object.entries(FAIL_INFO_CODES).map(([k, v]) => [v, k as FailInfo]));
export const failInfoFromNumber = (n: number): FailInfo | undefined => failInfoByNumber.get(n);

/** RFC 8894 §3.2.1.4.5: generic failInfoText per failInfo; internal detail never goes on the wire. */
export const GENERIC_FAIL_INFO_TEXT: Readonly<Record<FailInfo, string>> = {
  badAlg: 'Unrecognized or unsupported algorithm',
  badMessageCheck: 'Integrity check failed',
  badRequest: 'Transaction not permitted or supported',
  badTime: 'The signingTime attribute was not sufficiently close to the system time',
  badCertId: 'No certificate could be identified matching the provided criteria',
};
