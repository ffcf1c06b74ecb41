/**
 * @scep/intune — Microsoft Intune challenge validation for SCEP servers.
 *
 * Two models behind one `IntuneValidator` interface: `SignedChallengeValidator` (offline, signed
 * tokens checked against exported trust anchors) and `OnlineIntuneValidator` (Microsoft's
 * documented third-party CA API). `IntuneDispatcher` is what a server calls per request.
 */
export * from './errors.js';
export {
  FAIL_INFO_BY_LABEL,
  INTUNE_LABELS,
  SCEP_FAIL_INFO_VALUES,
  type IntuneFailureLabel,
  type IntuneLabel,
  type ScepFailInfo,
} from './outcome.js';
export {
  refusal,
  type IntuneCsr,
  type IntuneFailureReport,
  type IntuneNotifyResult,
  type IntuneOutcome,
  type IntuneRefusal,
  type IntuneRequestContext,
  type IntuneSuccess,
  type IntuneValidator,
  type IssuedCertificateInfo,
} from './validator.js';
export { IntuneCounters, type IntuneLabelCounts } from './counters.js';
export {
  IntuneDispatcher,
  type IntuneDispatchMode,
  type IntuneDispatchResult,
  type IntuneDispatcherOptions,
  type IntuneDispatcherStats,
  type IntuneNotMine,
} from './dispatcher.js';

// Signed-challenge (offline) model.
export {
  ALGORITHMS,
  algorithmDescriptor,
  type AlgorithmDescriptor,
  type AnchorKeyType,
  type SignedChallengeAlgorithm,
} from './signed-challenge/algorithms.js';
export {
  DEFAULT_SIGNED_CHALLENGE_LIMITS,
  decodeSignedChallengePayload,
  looksLikeSignedChallenge,
  parseSignedChallenge,
  type ParsedSignedChallenge,
  type SignedChallengeLimits,
} from './signed-challenge/parse.js';
export { kidMatchesAnchor, selectCandidateAnchors, verifySignedChallengeSignature } from './signed-challenge/verify.js';
export {
  checkSignedChallengeAudience,
  checkSignedChallengeTime,
  checkSignedChallengeValidity,
  checkSignedChallengeVersion,
  DEFAULT_CLAIM_LIMITS,
  readSignedChallengeClaims,
  SIGNED_CHALLENGE_VERSION,
  type ClaimLimits,
  type SignedChallengeClaims,
} from './signed-challenge/claims.js';
export {
  bindCsrToClaims,
  normaliseDnsName,
  normaliseRfc822Name,
  normaliseUpn,
  STRONG_MAPPING_SID_URI_PREFIX,
  type BindingOptions,
  type UriSanPolicy,
} from './signed-challenge/binding.js';
export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_COMPLIANCE_TIMEOUT_MS,
  DEFAULT_MAX_VALIDITY_SECONDS,
  defaultRateLimitKey,
  MAX_CLOCK_SKEW_SECONDS,
  SignedChallengeValidator,
  type ComplianceCheckInput,
  type ComplianceHook,
  type SignedChallengeValidatorOptions,
  type SignedChallengeValidatorStats,
} from './signed-challenge/validator.js';

// Shared state.
export { DEFAULT_WHEN_FULL, type WhenFull } from './state/when-full.js';
export {
  DEFAULT_REPLAY_MAX_ENTRIES,
  ReplayCache,
  type ReplayCacheOptions,
  type ReplayCacheStats,
  type ReplayStore,
} from './state/replay-cache.js';
export {
  DEFAULT_RATE_LIMIT,
  DEFAULT_RATE_MAX_KEYS,
  DEFAULT_RATE_WINDOW_MS,
  RateLimiter,
  type RateLimitDecision,
  type RateLimiterOptions,
  type RateLimitRefusal,
  type RateLimiterStats,
  type RateLimitStore,
} from './state/rate-limiter.js';
export {
  DEFAULT_MAX_ANCHORS,
  DEFAULT_MAX_BUNDLE_BYTES,
  DEFAULT_MIN_RSA_MODULUS_BITS,
  describeTrustAnchor,
  isAnchorValidAt,
  parseTrustAnchors,
  StaticTrustAnchors,
  TrustAnchorHolder,
  type ParseTrustAnchorsOptions,
  type TrustAnchor,
  type TrustAnchorHolderOptions,
  type TrustAnchorInfo,
  type TrustAnchorLoader,
  type TrustAnchorReport,
  type TrustAnchorSource,
} from './state/trust-anchors.js';

// Online model (Microsoft's third-party CA API).
export {
  accessTokenProvider,
  DEFAULT_LOGIN_BASE_URL,
  EntraClientCredentials,
  GRAPH_SCOPE,
  INTUNE_SCOPE,
  type AccessTokenProvider,
  type EntraClientCredentialsOptions,
} from './online/token-provider.js';
export {
  DEFAULT_GRAPH_BASE_URL,
  INTUNE_APP_ID,
  IntuneServiceLocator,
  SCEP_VALIDATION_SERVICE_NAME,
  type IntuneServiceLocatorOptions,
} from './online/discovery.js';
export {
  DEFAULT_CALLER_INFO,
  DEFAULT_FAILURE_HRESULT,
  DEFAULT_MAX_CONCURRENT_CALLS,
  INTUNE_API_VERSION,
  IntuneScepClient,
  MAX_ERROR_DESCRIPTION_LENGTH,
  type FailureNotificationInput,
  type IntuneScepClientOptions,
  type IntuneScepClientStats,
  type ScepAction,
  type SuccessNotificationInput,
  type ValidateRequestInput,
} from './online/client.js';
export { describeIssuedCertificate, type IssuedCertificateFacts } from './online/certificate-info.js';
export {
  DEFAULT_ONLINE_RATE_LIMIT,
  DEFAULT_ONLINE_RATE_WINDOW_MS,
  defaultOnlineRateLimitKey,
  OnlineIntuneValidator,
  type NotificationCounts,
  type OnlineIntuneValidatorOptions,
  type OnlineIntuneValidatorStats,
  type OnlineOutboundStats,
  type OnlineRateLimitInput,
} from './online/validator.js';
export {
  DEFAULT_ALLOWED_SERVICE_HOSTS,
  ENTRA_LOGIN_HOST_SUFFIXES,
  GRAPH_HOST_SUFFIXES,
  INTUNE_SERVICE_HOST_SUFFIXES,
} from './online/allowed-hosts.js';
export { type FetchInit, type FetchLike, type FetchResponseLike } from './online/http.js';
export { type CryptoKeyLike, type ImportAlgorithm, type SubtleCryptoLike, type VerifyAlgorithm } from './lib/subtle.js';
