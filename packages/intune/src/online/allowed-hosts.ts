/**
 * Where the online model may send a bearer token, the client secret or a CSR: host suffixes of
 * Microsoft's Entra ID, Graph and Intune endpoints, matched on a label boundary. The Intune service
 * URL comes from Graph's answer at run time, so without a pin a spoofed or compromised answer
 * could send every CSR and the Intune bearer token to any https host.
 *
 * The defaults, public cloud and national clouds, as Microsoft documents them:
 * - Intune: learn.microsoft.com/intune/intune-service/fundamentals/intune-endpoints
 *   (`*.manage.microsoft.com`), …/intune-us-government-endpoints (`*.manage.microsoft.us`, GCC High
 *   and DoD), …/china-endpoints (`*.manage.microsoftonline.cn`, operated by 21Vianet).
 * - Graph: learn.microsoft.com/graph/deployments (`graph.microsoft.com`, `graph.microsoft.us` L4,
 *   `dod-graph.microsoft.us` L5, `microsoftgraph.chinacloudapi.cn`).
 * - Entra ID: learn.microsoft.com/graph/deployments and
 *   learn.microsoft.com/entra/identity-platform/authentication-national-cloud
 *   (`login.microsoftonline.com`, `login.microsoftonline.us`, `login.chinacloudapi.cn`,
 *   `login.partner.microsoftonline.cn`).
 */

/** Hosts of Intune's ScepRequestValidationFEService (the URI Graph names). */
export const INTUNE_SERVICE_HOST_SUFFIXES: readonly string[] = Object.freeze(['manage.microsoft.com', 'manage.microsoft.us', 'manage.microsoftonline.cn']);

/** Microsoft Graph (service discovery). */
export const GRAPH_HOST_SUFFIXES: readonly string[] = Object.freeze([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
]);

/** Entra ID's token endpoint. */
export const ENTRA_LOGIN_HOST_SUFFIXES: readonly string[] = Object.freeze([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/** The default of `allowedServiceHosts`: all of the above. */
export const DEFAULT_ALLOWED_SERVICE_HOSTS: readonly string[] = Object.freeze([
  ...INTUNE_SERVICE_HOST_SUFFIXES,
  ...GRAPH_HOST_SUFFIXES,
  ...ENTRA_LOGIN_HOST_SUFFIXES,
]);

/** One parsed entry. */
interface AllowedHost {
  /** Lower-case, IDNA-encoded, as `URL.hostname` spells it. */
  readonly host: string;
  /** IP literals match only exactly; names also match their subdomains. */
  readonly exact: boolean;
  /** Only this port; undefined: only the scheme's default port. */
  readonly port: number | undefined;
}

/** A checked allow-list; build it with `parseAllowedHosts`. */
export interface AllowedHosts {
  readonly entries: readonly AllowedHost[];
}

const ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;
const FORBIDDEN = /[\s/\\?#@*%]/;

/**
 * Parses `host` or `host:port` entries (a host suffix: `manage.microsoft.com` admits
 * `fef.msua06.manage.microsoft.com`; an IP literal admits only itself). An entry without a port
 * admits only the scheme's default port. Throws `TypeError` for an entry that is not a host.
 */
export function parseAllowedHosts(entries: readonly string[], owner: string): AllowedHosts {
  if (!Array.isArray(entries) || entries.length === 0) throw new TypeError(`${owner}: allowedServiceHosts must be a non-empty list`);
  return { entries: Object.freeze(entries.map((e) => parseEntry(e, owner))) };
}

function parseEntry(entry: unknown, owner: string): AllowedHost {
  const bad = (why: string): TypeError => new TypeError(`${owner}: allowedServiceHosts entry ${JSON.stringify(entry)} ${why}`);
  if (typeof entry !== 'string' || entry.length === 0 || entry.length > 260) throw bad('must be a host name or IP, with an optional :port');
  if (FORBIDDEN.test(entry)) throw bad('must be a bare host (no scheme, path, user, wildcard or escape)');
  if (entry.startsWith('.') || entry.endsWith('.')) throw bad('must not start or end with a dot (every entry already admits its subdomains)');
  const m = ENTRY.exec(entry);
  if (m === null) throw bad('must be a host name or IP, with an optional :port');
  let host: string;
  try {
    const u = new URL(`https://${m[1]!}/`);
    host = u.hostname;
  } catch (cause) {
    throw new TypeError(`${owner}: allowedServiceHosts entry ${JSON.stringify(entry)} is not a host`, { cause });
  }
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) throw bad('has a port outside 1..65535');
  return { host, exact: host.startsWith('[') || /^[\d.]+$/.test(host), port };
}

/** Whether `url`'s host and port are admitted (scheme and user info are the caller's checks). */
export function isHostAllowed(url: URL, allowed: AllowedHosts): boolean {
  const host = url.hostname;
  const port = url.port === '' ? undefined : Number(url.port);
  const effective = port ?? (url.protocol === 'https:' ? 443 : 80);
  for (const a of allowed.entries) {
    const named = host === a.host || (!a.exact && host.endsWith(`.${a.host}`));
    if (!named) continue;
    // No port in the entry: the scheme's default only. A port in the entry: that port only.
    if (a.port === undefined ? port === undefined : effective === a.port) return true;
  }
  return false;
}
