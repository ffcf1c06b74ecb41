/**
 * Outcome vocabulary shared by every validator: counter labels, SCEP failInfo names, and the one
 * table that maps a label to the failInfo a server answers with.
 */

/** RFC 8894 §3.2.1.4.5 failInfo names (same spelling as @scep/wire's `FailInfo`). */
export type ScepFailInfo = 'badAlg' | 'badMessageCheck' | 'badRequest' | 'badTime' | 'badCertId';

/** Numeric failInfo values for the wire (RFC 8894 §3.2.1.4.5). */
export const SCEP_FAIL_INFO_VALUES: Readonly<Record<ScepFailInfo, number>> = {
  badAlg: 0,
  badMessageCheck: 1,
  badRequest: 2,
  badTime: 3,
  badCertId: 4,
};

/**
 * Why a challenge was refused, as a low-cardinality counter label. The first ten are the
 * signed-challenge model's gates; `service_error` covers what is nobody's verdict on the request
 * (Intune unreachable, a shared store down, a validator that threw).
 */
export type IntuneFailureLabel =
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'replay'
  | 'unknown_version'
  | 'malformed'
  | 'rate_limited'
  | 'claim_mismatch'
  | 'compliance_failed'
  | 'service_error';

/** Every counter label: `success` plus the failure labels. */
export type IntuneLabel = 'success' | IntuneFailureLabel;

/** All labels, in the order stats are reported. */
export const INTUNE_LABELS: readonly IntuneLabel[] = [
  'success',
  'signature_invalid',
  'expired',
  'not_yet_valid',
  'wrong_audience',
  'replay',
  'unknown_version',
  'malformed',
  'rate_limited',
  'claim_mismatch',
  'compliance_failed',
  'service_error',
];

/**
 * The one table label → failInfo. Signature, time, audience and replay failures say "this message
 * does not check out" (badMessageCheck); the rest say "not permitted" (badRequest).
 */
export const FAIL_INFO_BY_LABEL: Readonly<Record<IntuneFailureLabel, ScepFailInfo>> = {
  signature_invalid: 'badMessageCheck',
  expired: 'badMessageCheck',
  not_yet_valid: 'badMessageCheck',
  wrong_audience: 'badMessageCheck',
  replay: 'badMessageCheck',
  unknown_version: 'badRequest',
  malformed: 'badRequest',
  rate_limited: 'badRequest',
  claim_mismatch: 'badRequest',
  compliance_failed: 'badRequest',
  service_error: 'badRequest',
};
