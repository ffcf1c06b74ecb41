import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_SERVICE_HOSTS } from '../../src/index.js';
import { isHostAllowed, parseAllowedHosts } from '../../src/online/allowed-hosts.js';

const defaults = parseAllowedHosts(DEFAULT_ALLOWED_SERVICE_HOSTS, 'test');
const allowed = (url: string, list = defaults): boolean => isHostAllowed(new URL(url), list);

/** The oracle, label by label (not by string suffix): the host's last labels are the entry's. */
function underSuffix(hostLabels: readonly string[], suffix: string): boolean {
  const s = suffix.split('.');
  return hostLabels.length >= s.length && s.every((l, i) => hostLabels[hostLabels.length - s.length + i] === l);
}

// Labels that are plain LDH names (no IPv4-looking last label, no punycode prefix).
const label = fc.stringMatching(/^[a-z]{1,3}(-?[a-z0-9]{1,3})?$/).filter((l) => !l.startsWith('xn'));
const suffixLabels = fc.constantFrom(...DEFAULT_ALLOWED_SERVICE_HOSTS).map((s) => s.split('.'));
/** Random names, names under a real suffix, and names that mangle one (glued, prefixed, extended). */
const hostLabels = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }),
  fc.tuple(fc.array(label, { maxLength: 3 }), suffixLabels).map(([p, s]) => [...p, ...s]),
  fc.tuple(label, suffixLabels).map(([p, s]) => [`${p}${s[0]!}`, ...s.slice(1)]),
  fc.tuple(fc.array(label, { maxLength: 2 }), suffixLabels, fc.array(label, { minLength: 1, maxLength: 2 })).map(([p, s, t]) => [...p, ...s, ...t]),
);
const randomCase = (s: string, mask: number): string => [...s].map((c, i) => ((mask >> i % 30) & 1 ? c.toUpperCase() : c)).join('');

describe('allowed service hosts', () => {
  it('admits the documented Microsoft hosts and their subdomains, nothing around them', () => {
    expect(allowed('https://fef.msua06.manage.microsoft.com/x')).toBe(true);
    expect(allowed('https://login.microsoftonline.com/tenant')).toBe(true);
    expect(allowed('https://dod-graph.microsoft.us')).toBe(true);
    expect(allowed('https://evilmanage.microsoft.com/')).toBe(false);
    expect(allowed('https://manage.microsoft.com.attacker.net/')).toBe(false);
    expect(allowed('https://microsoft.com/')).toBe(false);
    expect(allowed('https://login.microsoftonline.com.cn/')).toBe(false);
  });

  it('property: on random names, admitted exactly when the last labels are an entry (any case)', () => {
    fc.assert(
      fc.property(hostLabels, fc.integer({ min: 0, max: 2 ** 30 }), (labels, mask) => {
        const host = labels.join('.');
        const expected = DEFAULT_ALLOWED_SERVICE_HOSTS.some((s) => underSuffix(labels, s));
        expect(allowed(`https://${randomCase(host, mask)}/path`)).toBe(expected);
      }),
      { seed: 41, numRuns: 2000 },
    );
  });

  it('property: a port other than the default, or a trailing dot, is never admitted by a port-less entry', () => {
    fc.assert(
      fc.property(hostLabels, fc.integer({ min: 1, max: 65_535 }).filter((p) => p !== 443), (labels, port) => {
        const host = labels.join('.');
        expect(allowed(`https://${host}:${port}/`)).toBe(false);
        expect(allowed(`https://${host}./`)).toBe(false);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('property: an entry with a port admits that port only, on any scheme', () => {
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 65_535 }), fc.integer({ min: 1, max: 65_535 }), fc.boolean(), (labels, entryPort, port, https) => {
        const host = labels.join('.');
        const list = parseAllowedHosts([`${host}:${entryPort}`], 'test');
        const url = new URL(`${https ? 'https' : 'http'}://sub.${host}:${port}/`);
        const effective = url.port === '' ? (https ? 443 : 80) : Number(url.port);
        expect(isHostAllowed(url, list)).toBe(effective === entryPort);
      }),
      { seed: 43, numRuns: 1000 },
    );
  });

  it('IP entries admit only themselves; names admit subdomains', () => {
    const list = parseAllowedHosts(['127.0.0.1:8443', '[::1]:8443', 'Fake.Example'], 'test');
    expect(allowed('http://127.0.0.1:8443/', list)).toBe(true);
    expect(allowed('http://127.0.0.1:8444/', list)).toBe(false);
    expect(allowed('http://127.0.0.1/', list)).toBe(false);
    expect(allowed('http://[::1]:8443/', list)).toBe(true);
    expect(allowed('https://a.fake.example/', list)).toBe(true);
    expect(allowed('https://afake.example/', list)).toBe(false);
  });

  it.each([
    [''],
    ['https://manage.microsoft.com'],
    ['manage.microsoft.com/x'],
    ['*.manage.microsoft.com'],
    ['.manage.microsoft.com'],
    ['manage.microsoft.com.'],
    ['user@manage.microsoft.com'],
    ['manage.microsoft.com:0'],
    ['manage.microsoft.com:70000'],
    ['manage microsoft.com'],
    ['manage%2emicrosoft.com'],
  ])('refuses the entry %j as a caller bug', (entry) => {
    expect(() => parseAllowedHosts([entry], 'test')).toThrow(TypeError);
  });
});
