import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bindCsrToClaims,
  ClaimMismatchError,
  normaliseDnsName,
  normaliseRfc822Name,
  normaliseUpn,
  readSignedChallengeClaims,
  STRONG_MAPPING_SID_URI_PREFIX,
  type IntuneCsr,
  type SignedChallengeClaims,
} from '../../src/index.js';

function claims(p: Record<string, unknown>): SignedChallengeClaims {
  // JSON has no undefined: drop such keys as a decoded payload would.
  const payload = Object.fromEntries(Object.entries({ sub: 's', nonce: 'n', iat: 1, exp: 2, ...p }).filter(([, v]) => v !== undefined));
  return readSignedChallengeClaims(payload, { audienceRequired: false });
}

function csr(p: Partial<IntuneCsr>): IntuneCsr {
  return { der: new Uint8Array(0), commonName: undefined, dnsNames: [], emails: [], upns: [], ...p };
}

function binds(c: SignedChallengeClaims, r: IntuneCsr): boolean | string {
  try {
    bindCsrToClaims(c, r);
    return true;
  } catch (e) {
    return e instanceof ClaimMismatchError ? e.field : 'other';
  }
}

function bindsWith(c: SignedChallengeClaims, r: IntuneCsr, allowUriSan: (u: string) => boolean): boolean | string {
  try {
    bindCsrToClaims(c, r, { allowUriSan });
    return true;
  } catch (e) {
    return e instanceof ClaimMismatchError ? e.field : 'other';
  }
}

describe('normalisation', () => {
  it('DNS: ASCII lower-case, one trailing dot removed', () => {
    expect(normaliseDnsName('Host.Example.COM.')).toBe('host.example.com');
    expect(normaliseDnsName('host.example.com..')).toBe('host.example.com.');
    expect(normaliseDnsName('İ.example')).toBe('İ.example'); // no Unicode case mapping
  });
  it('RFC 822: domain lower-cased, local part kept', () => {
    expect(normaliseRfc822Name('Alice.Smith@Example.COM')).toBe('Alice.Smith@example.com');
    expect(normaliseRfc822Name('"a@b"@Example.com')).toBe('"a@b"@example.com');
    expect(normaliseRfc822Name('no-at-sign')).toBe('no-at-sign');
  });
  it('UPN: whole value lower-cased, ASCII only', () => {
    expect(normaliseUpn('Alice@Corp.Example.COM')).toBe('alice@corp.example.com');
    // U+212A KELVIN SIGN lower-cases to "k" in full Unicode: a spelling nobody granted.
    expect(normaliseUpn('\u212Aim@corp.example.test')).not.toBe('kim@corp.example.test');
    expect(normaliseUpn('Jürgen@CORP.example.test')).toBe('jürgen@corp.example.test');
    expect(binds(claims({ san_upn: ['kim@corp.example.test'] }), csr({ upns: ['\u212Aim@corp.example.test'] }))).toBe('upns');
    expect(binds(claims({ san_upn: ['kim@corp.example.test'] }), csr({ upns: ['KIM@corp.example.test'] }))).toBe(true);
  });
});

describe('bindCsrToClaims', () => {
  const c = claims({
    device_name: 'PC-1',
    san_dns: ['pc-1.example.test', 'PC-1.example.test.'],
    san_rfc822: ['Ann@example.test'],
    san_upn: ['ann@corp.example.test'],
  });

  it('accepts exactly the granted names, modulo normalisation and duplicates', () => {
    expect(binds(c, csr({ commonName: 'PC-1', dnsNames: ['PC-1.EXAMPLE.TEST'], emails: ['Ann@EXAMPLE.test', 'Ann@example.test'], upns: ['ANN@corp.example.test'] }))).toBe(true);
  });

  it('names the field that failed', () => {
    const ok = { commonName: 'PC-1', dnsNames: ['pc-1.example.test'], emails: ['Ann@example.test'], upns: ['ann@corp.example.test'] };
    expect(binds(c, csr({ ...ok, commonName: 'pc-1' }))).toBe('commonName');
    expect(binds(c, csr({ ...ok, commonName: undefined }))).toBe('commonName');
    expect(binds(c, csr({ ...ok, dnsNames: [] }))).toBe('dnsNames');
    expect(binds(c, csr({ ...ok, dnsNames: ['pc-1.example.test', 'evil.example.test'] }))).toBe('dnsNames');
    expect(binds(c, csr({ ...ok, emails: ['ann@example.test'] }))).toBe('emails');
    expect(binds(c, csr({ ...ok, upns: [] }))).toBe('upns');
    expect(binds(c, csr({ ...ok, ipAddresses: ['10.0.0.1'] }))).toBe('ipAddresses');
    expect(binds(c, csr({ ...ok, uris: ['https://x'] }))).toBe('uris');
    expect(binds(c, csr({ ...ok, ipAddresses: [], uris: [] }))).toBe(true);
  });

  it('admits URI SANs only through allowUriSan', () => {
    const ok = { commonName: 'PC-1', dnsNames: ['pc-1.example.test'], emails: ['Ann@example.test'], upns: ['ann@corp.example.test'] };
    const sid = `${STRONG_MAPPING_SID_URI_PREFIX}S-1-5-21-1-2-3-1001`;
    const allowSid = (u: string): boolean => u.startsWith(STRONG_MAPPING_SID_URI_PREFIX);
    expect(binds(c, csr({ ...ok, uris: [sid] }))).toBe('uris');
    expect(bindsWith(c, csr({ ...ok, uris: [sid] }), allowSid)).toBe(true);
    expect(bindsWith(c, csr({ ...ok, uris: [sid, 'https://evil.example'] }), allowSid)).toBe('uris');
  });

  it('absent device_name binds only a CSR without CN', () => {
    const none = claims({});
    expect(binds(none, csr({}))).toBe(true);
    expect(binds(none, csr({ commonName: 'x' }))).toBe('commonName');
  });

  it('a subject with several CNs never binds, with or without device_name', () => {
    // The parser gives no single commonName then; without the count, "no CN" would match an absent device_name.
    expect(binds(claims({}), csr({ commonName: undefined, commonNameCount: 2 }))).toBe('commonName');
    expect(binds(claims({ device_name: 'x' }), csr({ commonName: 'x', commonNameCount: 2 }))).toBe('commonName');
    expect(binds(claims({ device_name: 'x' }), csr({ commonName: 'x', commonNameCount: 1 }))).toBe(true);
  });

  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
  const dns = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => `${l.join('.')}.test`);
  const email = fc.tuple(fc.stringMatching(/^[A-Za-z0-9._]{1,8}$/), dns).map(([l, d]) => `${l}@${d}`);
  const nameSet = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.uniqueArray(arb, { maxLength: 4 });
  const grant = fc.record({
    cn: fc.option(fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), { nil: undefined }),
    dns: nameSet(dns),
    emails: nameSet(email),
    upns: nameSet(email),
  });
  const flipCase = (s: string): string => [...s].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch)).join('');

  it('property: a CSR with the granted names (re-spelt, shuffled, duplicated) binds', () => {
    fc.assert(
      fc.property(grant, fc.boolean(), (g, trailingDot) => {
        const cl = claims({ device_name: g.cn, san_dns: g.dns, san_rfc822: g.emails, san_upn: g.upns });
        const r = csr({
          commonName: g.cn,
          dnsNames: [...g.dns.map((d) => (trailingDot ? `${flipCase(d)}.` : flipCase(d))), ...g.dns].reverse(),
          emails: g.emails.map((e) => e.slice(0, e.lastIndexOf('@') + 1) + e.slice(e.lastIndexOf('@') + 1).toUpperCase()),
          upns: g.upns.map((u) => u.toUpperCase()),
        });
        expect(binds(cl, r)).toBe(true);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('property: adding, dropping or changing any one name breaks binding', () => {
    const perturbation = fc.constantFrom('add-dns', 'drop-dns', 'add-email', 'drop-email', 'add-upn', 'drop-upn', 'cn', 'email-local-case');
    fc.assert(
      fc.property(grant, perturbation, dns, (g, how, extra) => {
        const cl = claims({ device_name: g.cn, san_dns: g.dns, san_rfc822: g.emails, san_upn: g.upns });
        const r = { commonName: g.cn, dnsNames: [...g.dns], emails: [...g.emails], upns: [...g.upns] };
        switch (how) {
          case 'add-dns':
            fc.pre(!g.dns.includes(extra));
            r.dnsNames.push(extra);
            break;
          case 'drop-dns':
            fc.pre(r.dnsNames.length > 0);
            r.dnsNames.pop();
            break;
          case 'add-email':
            fc.pre(!g.emails.includes(`x@${extra}`));
            r.emails.push(`x@${extra}`);
            break;
          case 'drop-email':
            fc.pre(r.emails.length > 0);
            r.emails.pop();
            break;
          case 'add-upn':
            fc.pre(!g.upns.includes(`x@${extra}`));
            r.upns.push(`x@${extra}`);
            break;
          case 'drop-upn':
            fc.pre(r.upns.length > 0);
            r.upns.pop();
            break;
          case 'cn':
            r.commonName = g.cn === undefined ? 'X' : `${g.cn}X`;
            break;
          case 'email-local-case': {
            const e = g.emails[0];
            fc.pre(e !== undefined && /[a-z]/.test(e.slice(0, e.lastIndexOf('@'))));
            const at = e!.lastIndexOf('@');
            r.emails[0] = e!.slice(0, at).toUpperCase() + e!.slice(at);
            fc.pre(!g.emails.includes(r.emails[0]!));
            break;
          }
        }
        expect(binds(cl, csr(r))).not.toBe(true);
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});
