/**
 * @scep/server-core — a framework-agnostic SCEP server (RFC 8894): `handleScep(Request) → Response`.
 * Web-standard globals only; adapters for node:http, Express, Fastify and Hono live in their own
 * entry points (`@scep/server-core/node`, `/express`, `/fastify`, `/hono`).
 */
export { createScepHandler, handleScep, DEFAULT_MAX_BODY_SIZE, type ScepHandler } from './handler.js';
export { ScepConfigError, deriveCapabilities } from './config.js';
export type * from './types.js';
export {
  staticChallenge,
  dynamicChallenge,
  soleCommonName,
  customChallenge,
  noChallenge,
  firstMatchChallenge,
  InMemoryChallengeStore,
  challengeMatches,
  type ChallengeValidator,
  type ChallengeInput,
  type ChallengeVerdict,
  type ChallengeStore,
  type ChallengeRecord,
  type ChallengeBinding,
  type ChallengeMatch,
  type IssuedInfo,
  type FailedInfo,
} from './challenge.js';
export { evaluateCsrPolicy, type CsrPolicy, type CsrPolicyContext, type PolicyVerdict } from './csr-policy.js';
export { InMemoryPendingStore, type PendingStore, type PendingEntry } from './pending.js';
export { InMemoryReplyCache, type ReplyCache } from './reply-cache.js';
export { ScepMetrics, PROMETHEUS_CONTENT_TYPE } from './metrics.js';
export { verifyChain, isIssuedBy, type ChainVerdict, type VerifyChainOptions } from './chain.js';
export { createLocalCa, type LocalCa, type LocalCaOptions, type SanPolicy } from './issuer/local-ca.js';
export { decodeGetMessage } from './transport.js';
export { intuneChallenge, intuneCsr, type IntuneChallengeOptions, type IntuneChallengeValidator } from './intune.js';
