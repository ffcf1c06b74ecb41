/**
 * A local stand-in for Entra ID's token endpoint, Microsoft Graph's service-principal endpoints
 * and Intune's ScepRequestValidationFEService, following Microsoft's documented shapes. A real
 * `node:http` server on 127.0.0.1, port 0.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_TENANT = 'contoso.example';
export const FAKE_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const FAKE_CLIENT_SECRET = 's3cr3t~value';
const ENDPOINTS_PATH = '/v1.0/servicePrincipals/appId=0000000a-0000-0000-c000-000000000000/endpoints';
export const SERVICE_PATH = '/TrafficGateway/TrafficRoutingService/DeviceManagement/StatelessScepRequestValidationFEService';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status?: number;
  /** Raw body; objects are JSON-encoded. */
  readonly body?: string | object;
  /** Never answer (until the server closes). */
  readonly hang?: boolean;
  /** Answer once this settles. */
  readonly after?: Promise<unknown>;
}

export type TokenMode = 'ok' | 'invalid_client' | 'http500' | 'bad-json' | 'no-token' | 'hang';
export type DiscoveryMode = 'ok' | 'http500' | 'missing' | 'bad-json' | 'hang' | 'http-uri' | 'paged' | 'foreign-next' | 'endless' | 'bad-next';

export class FakeMicrosoft {
  readonly requests: RecordedRequest[] = [];
  tokenMode: TokenMode = 'ok';
  tokenExpiresIn = 3600;
  discoveryMode: DiscoveryMode = 'ok';
  /** Decides the ScepActions answer; default Success. */
  service: (action: string, body: unknown) => ScriptedResponse = () => ({ body: { code: 'Success', errorDescription: '' } });
  #server: Server | undefined;
  #url = '';
  #tokens = 0;
  readonly #issued = new Map<string, string>(); // token → scope

  get url(): string {
    return this.#url;
  }

  get serviceUri(): string {
    return `${this.#url}${SERVICE_PATH}`;
  }

  /**
   * The `allowedServiceHosts` that admit this fake (127.0.0.1 and its port): the online model
   * calls nothing outside Microsoft's domains unless told to.
   */
  get allowedHosts(): string[] {
    return [new URL(this.#url).host];
  }

  /** Requests whose path includes `fragment`. */
  requestsTo(fragment: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(fragment));
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo; // listening on TCP, so an AddressInfo
    this.#url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    const [pathname, query = ''] = path.split('?');
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });

    if (req.method === 'POST' && path === `/${FAKE_TENANT}/oauth2/v2.0/token`) return this.#token(body, res);
    if (req.method === 'GET' && pathname === ENDPOINTS_PATH) {
      return this.#discovery(req, res, new URLSearchParams(query).get('$skiptoken'));
    }
    const m = /^(.*)\/ScepActions\/(validateRequest|successNotification|failureNotification)$/.exec(path);
    if (req.method === 'POST' && m !== null && m[1] === SERVICE_PATH) return this.#scep(m[2]!, req, body, res);
    send(res, 404, { error: 'not found' });
  }

  #token(body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    if (this.tokenMode === 'hang') return;
    if (this.tokenMode === 'http500') return send(res, 500, 'upstream error');
    if (this.tokenMode === 'bad-json') return send(res, 200, '{"access_token": ');
    if (
      this.tokenMode === 'invalid_client' ||
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_id') !== FAKE_CLIENT_ID ||
      form.get('client_secret') !== FAKE_CLIENT_SECRET
    ) {
      return send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    }
    const scope = form.get('scope') ?? '';
    if (scope !== 'https://graph.microsoft.com/.default' && scope !== 'https://api.manage.microsoft.com//.default') {
      return send(res, 400, { error: 'invalid_scope' });
    }
    if (this.tokenMode === 'no-token') return send(res, 200, { token_type: 'Bearer', expires_in: 3600 });
    this.#tokens++;
    const token = `${scope.includes('graph') ? 'graph' : 'intune'}-token-${this.#tokens}`;
    this.#issued.set(token, scope);
    send(res, 200, { token_type: 'Bearer', expires_in: this.tokenExpiresIn, ext_expires_in: this.tokenExpiresIn, access_token: token });
  }

  #bearerScope(req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization ?? '';
    return auth.startsWith('Bearer ') ? this.#issued.get(auth.slice(7)) : undefined;
  }

  #discovery(req: IncomingMessage, res: ServerResponse, skipToken: string | null): void {
    if (this.#bearerScope(req) !== 'https://graph.microsoft.com/.default') return send(res, 401, { error: { code: 'InvalidAuthenticationToken' } });
    const other = (n: number): object => ({ id: `o${n}`, capability: 'x', providerId: null, providerName: `OtherService${n}`, providerResourceId: null, uri: `${this.#url}/other/${n}` });
    const page = Number(skipToken ?? '1');
    const nextLink = (to: string): string => `${this.#url}${ENDPOINTS_PATH}?$skiptoken=${to}`;
    switch (this.discoveryMode) {
      case 'paged':
        // Graph's paging: the service is on the third page.
        if (page < 3) return send(res, 200, { value: [other(page * 2), other(page * 2 + 1)], '@odata.nextLink': nextLink(String(page + 1)) });
        return send(res, 200, { value: [other(9), { id: '2', capability: 'x', providerId: null, providerName: 'ScepRequestValidationFEService', providerResourceId: null, uri: this.serviceUri }] });
      case 'endless':
        return send(res, 200, { value: [other(page)], '@odata.nextLink': nextLink(String(page + 1)) });
      case 'foreign-next':
        return send(res, 200, { value: [other(1)], '@odata.nextLink': `http://localhost:${new URL(this.#url).port}${ENDPOINTS_PATH}?$skiptoken=2` });
      case 'bad-next':
        return send(res, 200, { value: [other(1)], '@odata.nextLink': 42 });
      case 'hang':
        return;
      case 'http500':
        return send(res, 500, { error: { code: 'generalException' } });
      case 'bad-json':
        return send(res, 200, '<html>');
      case 'missing':
        return send(res, 200, { value: [{ providerName: 'SomeOtherService', uri: `${this.#url}/other` }] });
      case 'http-uri':
      case 'ok':
        return send(res, 200, {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/endpoints',
          value: [
            { id: '1', capability: 'x', providerId: null, providerName: 'ProxyService', providerResourceId: null, uri: `${this.#url}/proxy` },
            // Case differs from the documented name on purpose: matching must ignore case.
            { id: '2', capability: 'x', providerId: null, providerName: 'scepRequestValidationFEService', providerResourceId: null, uri: this.serviceUri },
          ],
        });
    }
  }

  async #scep(action: string, req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    if (this.#bearerScope(req) !== 'https://api.manage.microsoft.com//.default') return send(res, 401, { code: 'Unauthorized' });
    if (req.headers['api-version'] !== '2018-02-20' || typeof req.headers['client-request-id'] !== 'string') {
      return send(res, 400, { code: 'BadRequest', errorDescription: 'missing headers' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return send(res, 400, { code: 'BadRequest', errorDescription: 'body is not JSON' });
    }
    const answer = this.service(action, parsed);
    if (answer.hang === true) return;
    if (answer.after !== undefined) await answer.after;
    send(res, answer.status ?? 200, answer.body ?? { code: 'Success', errorDescription: '' });
  }
}

function send(res: ServerResponse, status: number, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

/** Deterministic GUIDs for `client-request-id`. */
export function sequentialUuids(): () => string {
  let n = 0;
  return () => {
    n++;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  };
}
