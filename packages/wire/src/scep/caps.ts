/** GetCACaps (RFC 8894 §3.5.2). */

/** The keywords RFC 8894 §3.5.2 defines, plus SHA-384 which strongSwan 5.9.8 needs to see. */
export const KNOWN_CAPABILITIES = [
  'AES',
  'DES3',
  'GetNextCACert',
  'POSTPKIOperation',
  'Renewal',
  'SHA-1',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'SCEPStandard',
  'Update',
] as const;

export type Capability = (typeof KNOWN_CAPABILITIES)[number];

const canonical = new Map<string, Capability>(KNOWN_CAPABILITIES.map((c) => [c.toLowerCase(), c]));

/** The GetCACaps body: one keyword per line, LF-terminated, `text/plain`. */
export function buildCaCaps(capabilities: Iterable<string>): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const c of capabilities) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(c)) throw new TypeError(`bad capability keyword ${JSON.stringify(c)}`);
    if (!seen.has(c.toLowerCase())) {
      seen.add(c.toLowerCase());
      lines.push(c);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

export interface ParsedCaCaps {
  /** Known keywords, canonical spelling. */
  readonly capabilities: ReadonlySet<Capability>;
  /** Other keywords, as sent. */
  readonly unknown: readonly string[];
}

/** Parses a GetCACaps body (LF or CRLF, keywords case-insensitive per RFC 8894 §3.5.2). */
export function parseCaCaps(text: string): ParsedCaCaps {
  const capabilities = new Set<Capability>();
  const unknown: string[] = [];
  for (const raw of text.slice(0, 64 * 1024).split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const c = canonical.get(line.toLowerCase());
    if (c) capabilities.add(c);
    else unknown.push(line);
  }
  // RFC 8894 §3.5.2: SCEPStandard implies AES, POSTPKIOperation and SHA-256.
  if (capabilities.has('SCEPStandard')) for (const c of ['AES', 'POSTPKIOperation', 'SHA-256'] as const) capabilities.add(c);
  return { capabilities, unknown };
}
