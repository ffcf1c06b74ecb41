/**
 * handleScep / createScepHandler: a Web Request in, a Web Response out (RFC 8894 §4). Errors become
 * responses in exactly one place (`respond`): transport problems as HTTP statuses, enrollment
 * problems as FAILURE CertReps with a failInfo and a generic failInfoText. Internal detail goes to
 * `onError`, never to the client.
 */
import {
  buildCertRep,
  buildNextCaCertResponse,
  CONTENT_TYPE_NEXT_CA_CERT,
  isScepError,
  oids,
  parseCertificate,
  parseCsr,
  parsePkiMessage,
  peekPkiMessage,
  toHex,
  copyBytes,
  type CertRepResult,
  type CipherName,
  type DigestName,
  type FailInfo,
  type PkiMessage,
} from '@scep/wire';
import { prepareConfig, type PreparedProfile } from './config.js';
import { ScepMetrics } from './metrics.js';
import type { PendingEntry } from './pending.js';
import { processPkiMessage, type Outcome } from './pki-operation.js';
import { acceptablePostType, CT_PKI, CT_TEXT, decodeGetMessage, errorResponse, HttpError, readBody, route } from './transport.js';
import type { IssueResult, RequestContext, ScepEvent, ScepHttpRequest, ScepHttpResponse, ScepServerConfig } from './types.js';
import { verifyChain } from './chain.js';

export interface ScepHandler {
  (request: Request, context?: RequestContext): Promise<Response>;
  /**
   * The same handler without the Fetch API: for adapters that have already read the (bounded) body
   * into memory and write the reply bytes themselves (the node:http, Express and Fastify adapters).
   * It skips the Request, Headers, Response and web-stream objects per request.
   */
  serve(request: ScepHttpRequest, context?: RequestContext): Promise<ScepHttpResponse>;
  /** Counters fed by every event; `metrics.toPrometheus()` for a /metrics endpoint. */
  readonly metrics: ScepMetrics;
  readonly profiles: readonly string[];
  /** Configuration warnings found at start (e.g. CA/RA key usages RFC 8894 asks for). */
  readonly warnings: readonly string[];
  capabilities(profile: string): readonly string[];
  /** Approves a PENDING transaction: runs the issue hook (attempt 'approval') and keeps the result for the next CertPoll. */
  approvePending(profile: string, transactionId: string): Promise<IssueResult | undefined>;
  /** Rejects a PENDING transaction; the next CertPoll gets FAILURE. */
  rejectPending(profile: string, transactionId: string, failInfo?: FailInfo): Promise<boolean>;
  listPending(profile?: string): Promise<PendingEntry[]>;
  /** The challenge policy's statistics for a profile (e.g. Intune outcomes and trust anchors). */
  challengeStats(profile: string): unknown;
  /** Reloads the challenge policy's material for a profile (e.g. Intune trust anchors). */
  reloadChallenge(profile: string): Promise<unknown>;
}

export const DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

/** Validates and prepares `config` once; returns the request handler. Throws ScepConfigError. */
export function createScepHandler(config: ScepServerConfig): ScepHandler {
  const { profiles, defaultProfile, base, warnings } = prepareConfig(config);
  const names = new Set(profiles.keys());
  const now = config.now ?? ((): Date => new Date());
  const metrics = new ScepMetrics();
  const maxBody = config.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  const nextCaCache = new Map<string, Promise<Uint8Array>>();

  const emit = (e: ScepEvent): void => {
    metrics.record(e);
    try {
      config.onEvent?.(e);
    } catch (err) {
      config.onError?.(err, { profile: 'profile' in e ? e.profile : undefined, operation: 'onEvent' });
    }
  };
  const internal = (err: unknown, profile: string | undefined, operation: string | undefined): void => {
    try {
      config.onError?.(err, { profile, operation });
    } catch {
      // an error hook that throws must not take the request down
    }
  };
  const env = { config, crypto: config.crypto, now, emit, internal, maxMessageSize: config.maxMessageSize };

  const failureReply = async (p: PreparedProfile, fields: { transactionId: string; senderNonce: Uint8Array; digest?: DigestName }, failInfo: FailInfo): Promise<ScepHttpResponse> => {
    const body = await buildCertRep({
      request: { transactionId: fields.transactionId, senderNonce: fields.senderNonce },
      result: { status: 'FAILURE', failInfo },
      signer: p.signer,
      crypto: config.crypto,
      now,
      digest: fields.digest ?? 'SHA-256',
      legacy: p.legacy,
    });
    return pkiResponse(body);
  };

  async function pkiOperation(p: PreparedProfile, der: Uint8Array, ctx: RequestContext): Promise<ScepHttpResponse> {
    if (p.mtlsTrust) {
      const verdict = await checkMtls(p, ctx);
      if (verdict) {
        emit({ type: 'rejected', profile: p.name, transactionId: undefined, messageType: undefined, reason: verdict, failInfo: 'badRequest', remoteAddress: ctx.remoteAddress });
        throw new HttpError(403, verdict);
      }
    }
    // A retransmission of a request we already answered with SUCCESS gets the same reply.
    const cacheKey = p.replyCache ? `${p.name}:${toHex(await config.crypto.digest('SHA-256', der))}` : undefined;
    if (cacheKey && p.replyCache) {
      const cached = await p.replyCache.get(cacheKey, now());
      if (cached) {
        emit({ type: 'served', profile: p.name, operation: 'Retransmission' });
        return pkiResponse(copyBytes(cached));
      }
    }
    let message: PkiMessage;
    try {
      message = await parsePkiMessage(der, { crypto: config.crypto, legacy: p.legacy, maxMessageSize: config.maxMessageSize });
    } catch (err) {
      if (!isScepError(err)) throw err;
      // Unverified, but enough to address a FAILURE (RFC 8894 §3.3.2: badMessageCheck etc.).
      const peek = peekPkiMessage(der, { maxMessageSize: config.maxMessageSize ?? 256 * 1024 });
      const reason = err.code === 'ERR_SIGNATURE_INVALID' || err.code === 'ERR_MESSAGE_DIGEST_MISMATCH' || err.code === 'ERR_SIGNER_NOT_FOUND' ? 'bad_signature' : err.failInfo === 'badAlg' ? 'unsupported_algorithm' : 'malformed';
      emit({ type: 'rejected', profile: p.name, transactionId: peek.transactionId, messageType: peek.messageType, reason, failInfo: err.failInfo, remoteAddress: ctx.remoteAddress });
      internal(err, p.name, 'PKIOperation');
      if (peek.transactionId === undefined || peek.senderNonce === undefined) throw new HttpError(400, 'unreadable PKIMessage');
      return failureReply(p, { transactionId: peek.transactionId, senderNonce: peek.senderNonce }, err.failInfo);
    }
    const outcome = await processPkiMessage(p, message, ctx, env);
    const reply = await certRep(p, message, outcome);
    if (cacheKey && p.replyCache && outcome.result.status === 'SUCCESS' && (message.messageType === 'PKCSReq' || message.messageType === 'RenewalReq')) {
      await p.replyCache.put(cacheKey, reply, new Date(now().getTime() + p.replyCacheTtlMs));
    }
    return pkiResponse(reply);
  }

  async function certRep(p: PreparedProfile, m: PkiMessage, o: Outcome): Promise<Uint8Array> {
    const digestPolicy = p.config.response?.digest ?? 'match-request';
    const cipherPolicy = p.config.response?.cipher ?? 'match-request';
    const digest: DigestName = digestPolicy === 'match-request' ? m.digest : digestPolicy;
    const cipher: CipherName = cipherPolicy === 'match-request' ? (o.requestCipher ?? 'AES-256-CBC') : cipherPolicy;
    const result: CertRepResult = o.result;
    return buildCertRep({
      request: { transactionId: m.transactionId, senderNonce: m.senderNonce, signer: m.signer },
      result,
      signer: p.signer,
      crypto: config.crypto,
      now,
      digest,
      cipher,
      legacy: p.legacy,
    });
  }

  async function checkMtls(p: PreparedProfile, ctx: RequestContext): Promise<'mtls_required' | 'mtls_invalid' | undefined> {
    const chain = ctx.clientCertificates ?? [];
    if (chain.length === 0) return p.mtlsRequired ? 'mtls_required' : undefined;
    try {
      const [leaf, ...rest] = chain.map((c) => parseCertificate(c));
      // A TLS client certificate: for client authentication, with a signing key (RFC 5280 §4.2.1.3, §4.2.1.12).
      const v = await verifyChain(leaf as NonNullable<typeof leaf>, rest, p.mtlsTrust ?? [], {
        crypto: config.crypto,
        now: now(),
        legacy: p.legacy,
        extendedKeyUsage: oids.id_kp_clientAuth,
        keyUsage: 'digitalSignature',
      });
      if (v.ok) return undefined;
      internal(new Error(`client certificate chain: ${v.reason}`), p.name, 'mTLS'); // why, for the operator only
      return 'mtls_invalid';
    } catch (err) {
      internal(err, p.name, 'mTLS');
      return 'mtls_invalid';
    }
  }

  async function dispatch(request: Incoming, ctx: RequestContext): Promise<ScepHttpResponse> {
    let profileName: string | undefined;
    let operation: string | undefined;
    try {
      let url: URL;
      try {
        url = new URL(request.url, 'http://localhost');
      } catch {
        throw new HttpError(400, 'bad request URL');
      }
      const r = route(url, base, names, defaultProfile);
      profileName = r.profile;
      operation = r.operation;
      const p = profiles.get(r.profile) as PreparedProfile;
      const method = request.method.toUpperCase();
      const isGet = method === 'GET' || method === 'HEAD';
      switch (r.operation) {
        case 'GetCACaps':
          if (!isGet) throw new HttpError(405, 'GetCACaps needs GET');
          emit({ type: 'served', profile: p.name, operation: 'GetCACaps' });
          return reply(200, CT_TEXT, copyBytes(p.capsBytes));
        case 'GetCACert':
          if (!isGet) throw new HttpError(405, 'GetCACert needs GET');
          emit({ type: 'served', profile: p.name, operation: 'GetCACert' });
          return reply(200, p.caCert.contentType, copyBytes(p.caCert.body));
        case 'GetNextCACert': {
          if (!isGet) throw new HttpError(405, 'GetNextCACert needs GET');
          if (!p.nextCaChain) throw new HttpError(404, 'no next CA configured');
          let body = nextCaCache.get(p.name);
          if (!body) {
            body = buildNextCaCertResponse({ certificates: p.nextCaChain.map((c) => c.der), signer: p.config.ca.key ? { certificate: p.issuingCa, key: p.config.ca.key } : p.signer, crypto: config.crypto, now });
            nextCaCache.set(p.name, body);
            body.catch(() => nextCaCache.delete(p.name));
          }
          emit({ type: 'served', profile: p.name, operation: 'GetNextCACert' });
          return reply(200, CONTENT_TYPE_NEXT_CA_CERT, copyBytes(await body));
        }
        case 'PKIOperation': {
          let der: Uint8Array | undefined;
          if (isGet) {
            const raw = url.searchParams.get('message');
            if (raw === null) throw new HttpError(400, 'missing message');
            if (raw.length > (maxBody * 4) / 3 + 16) throw new HttpError(413, 'message too large');
            der = decodeGetMessage(raw);
            if (!der) throw new HttpError(400, 'message is not base64');
          } else if (method === 'POST') {
            if (!acceptablePostType(request.contentType)) throw new HttpError(415, 'unsupported content type');
            der = await request.body();
            if (der.length === 0) throw new HttpError(400, 'empty body');
          } else throw new HttpError(405, 'PKIOperation needs GET or POST');
          return await pkiOperation(p, der, ctx);
        }
        default:
          throw new HttpError(400, 'unknown operation');
      }
    } catch (err) {
      if (err instanceof HttpError) {
        emit({ type: 'transport_error', profile: profileName, status: err.status, reason: err.reason });
        return errorResponse(err, err.status === 405 ? { allow: 'GET, POST' } : {});
      }
      internal(err, profileName, operation);
      emit({ type: 'transport_error', profile: profileName, status: 500, reason: 'internal error' });
      return errorResponse(new HttpError(500, 'internal error'));
    }
  }

  const handler = (async (request: Request, context?: RequestContext) => {
    const r = await dispatch({ method: request.method, url: request.url, contentType: request.headers.get('content-type'), body: () => readBody(request, maxBody) }, context ?? {});
    return new Response(r.body, { status: r.status, headers: r.headers });
  }) as ScepHandler;
  const serve = (request: ScepHttpRequest, context?: RequestContext): Promise<ScepHttpResponse> => {
    const body = request.body ?? EMPTY;
    return dispatch(
      {
        method: request.method,
        url: request.url,
        contentType: request.contentType ?? null,
        body: async () => {
          if (body.length > maxBody || (request.contentLength ?? 0) > maxBody) throw new HttpError(413, 'body too large');
          return body;
        },
      },
      context ?? {},
    );
  };
  const approve = async (profile: string, tx: string): Promise<IssueResult | undefined> => {
    const p = profiles.get(profile);
    if (!p) return undefined;
    const e = await p.pendingStore.get(profile, tx, now());
    if (!e) return undefined;
    const csr = parseCsr(e.csr);
    const result = await p.config.issue(
      { profile, transactionId: tx, messageType: e.messageType, kind: e.kind, csr, previous: e.previous ? parseCertificate(e.previous) : undefined, challenge: e.challenge, attempt: 'approval' },
      {},
    );
    if (result.status !== 'pending') await p.pendingStore.resolve(profile, tx, result, now());
    return result;
  };
  Object.defineProperties(handler, {
    serve: { value: serve },
    metrics: { value: metrics },
    profiles: { value: [...names] },
    warnings: { value: warnings },
    capabilities: { value: (profile: string) => profiles.get(profile)?.capabilities ?? [] },
    approvePending: { value: approve },
    rejectPending: {
      value: async (profile: string, tx: string, failInfo: FailInfo = 'badRequest') =>
        (await profiles.get(profile)?.pendingStore.resolve(profile, tx, { status: 'rejected', failInfo, reason: 'rejected by operator' }, now())) ?? false,
    },
    challengeStats: { value: (profile: string) => profiles.get(profile)?.config.challenge.stats?.() },
    reloadChallenge: {
      value: async (profile: string) => {
        const c = profiles.get(profile)?.config.challenge;
        if (!c?.reload) throw new TypeError(`profile ${profile} has no reloadable challenge policy`);
        return c.reload();
      },
    },
    listPending: { value: async (profile?: string) => (await Promise.all([...profiles.values()].filter((p) => profile === undefined || p.name === profile).map((p) => p.pendingStore.list(p.name, now())))).flat() },
  });
  return handler;
}

const handlers = new WeakMap<ScepServerConfig, ScepHandler>();

/** One-call form: prepares `config` on first use (cached per config object) and handles `request`. */
export function handleScep(request: Request, config: ScepServerConfig, context?: RequestContext): Promise<Response> {
  let h = handlers.get(config);
  if (!h) {
    h = createScepHandler(config);
    handlers.set(config, h);
  }
  return h(request, context);
}

/** What dispatch needs of a request, from either form. `body` is read only for a PKIOperation POST. */
interface Incoming {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | null;
  readonly body: () => Promise<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

/** `body` becomes the caller's: bytes the handler keeps (CA certificates, cached replies) go out as copies. */
function reply(status: number, contentType: string, body: Uint8Array): ScepHttpResponse {
  return { status, headers: { 'content-type': contentType }, body };
}

function pkiResponse(body: Uint8Array): ScepHttpResponse {
  return reply(200, CT_PKI, body);
}

