/** Byte-level and structural mutations of BER/DER, for the "only ScepErrors" and tamper properties. */
import fc from 'fast-check';
import { DerInput, type Element } from '../../src/der/reader.js';

export interface Tlv {
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
  readonly depth: number;
  readonly constructed: boolean;
}

/** Every element of a well-formed input, in document order. */
export function tlvs(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  const walk = (el: Element): void => {
    out.push({ start: el.start, contentStart: el.contentStart, end: el.end, depth: el.depth, constructed: el.constructed });
    // Descend into constructed elements, and into OCTET STRINGs that hold DER (eContent, extnValue).
    if (el.constructed) for (const k of el.children()) walk(k);
    else if (el.tag === 0x04 && el.length > 1 && (el.content()[0] === 0x30 || el.content()[0] === 0x31)) {
      let sub: Tlv[] = [];
      try {
        sub = tlvs(el.content());
      } catch {
        // not DER inside: a plain OCTET STRING
      }
      const base = el.contentStart;
      for (const t of sub) out.push({ ...t, start: t.start + base, contentStart: t.contentStart + base, end: t.end + base, depth: t.depth + el.depth + 1 });
    }
  };
  walk(new DerInput(bytes).root());
  return out;
}

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return [0x80 | b.length, ...b];
}

const splice = (b: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(Array.from(insert), at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
};

/**
 * Re-encodes the lengths of every ancestor of the byte range [at, at + removed) after it was
 * replaced by `inserted` bytes, so a structural change stays well-formed DER around it.
 */
function fixAncestors(bytes: Uint8Array, all: readonly Tlv[], at: number, removed: number, inserted: ArrayLike<number>): Uint8Array {
  let out = splice(bytes, at, removed, inserted);
  const delta = inserted.length - removed;
  // Innermost ancestors first: each header rewrite shifts what follows it, not what precedes it.
  const ancestors = all.filter((t) => t.contentStart <= at && at + removed <= t.end && !(t.start === at && t.end === at + removed)).sort((a, b) => b.depth - a.depth || b.start - a.start);
  let shift = 0;
  for (const t of ancestors) {
    const header = bytes.subarray(t.start + 1, t.contentStart);
    if (header[0] === 0x80) continue; // indefinite: nothing to fix
    const newLen = t.end - t.contentStart + delta + shift;
    const enc = lengthOctets(newLen);
    out = splice(out, t.start + 1, header.length, enc);
    shift += enc.length - header.length;
  }
  return out;
}

export type Mutation =
  | { readonly kind: 'flip'; readonly pos: number; readonly xor: number }
  | { readonly kind: 'insert'; readonly pos: number; readonly byte: number }
  | { readonly kind: 'delete'; readonly pos: number }
  | { readonly kind: 'truncate'; readonly pos: number }
  | { readonly kind: 'swapLengths'; readonly a: number; readonly b: number }
  | { readonly kind: 'duplicate'; readonly el: number; readonly fix: boolean }
  | { readonly kind: 'drop'; readonly el: number }
  | { readonly kind: 'retag'; readonly el: number; readonly tag: number }
  | { readonly kind: 'setLength'; readonly el: number; readonly length: number }
  | { readonly kind: 'replaceContent'; readonly el: number; readonly content: Uint8Array };

/** Fractions in [0, 1) pick positions and elements so one arbitrary fits any input. */
export const mutationArb: fc.Arbitrary<(n: number, elements: number) => Mutation> = fc.oneof(
  fc.record({ p: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), x: fc.integer({ min: 1, max: 255 }) }).map(({ p, x }) => (n: number) => ({ kind: 'flip' as const, pos: Math.floor(p * n), xor: x })),
  fc.record({ p: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.integer({ min: 0, max: 255 }) }).map(({ p, b }) => (n: number) => ({ kind: 'insert' as const, pos: Math.floor(p * n), byte: b })),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map((p) => (n: number) => ({ kind: 'delete' as const, pos: Math.floor(p * n) })),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map((p) => (n: number) => ({ kind: 'truncate' as const, pos: Math.floor(p * n) })),
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })).map(([a, b]) => (_n: number, e: number) => ({ kind: 'swapLengths' as const, a: Math.floor(a * e), b: Math.floor(b * e) })),
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.boolean()).map(([a, fix]) => (_n: number, e: number) => ({ kind: 'duplicate' as const, el: Math.floor(a * e), fix })),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map((a) => (_n: number, e: number) => ({ kind: 'drop' as const, el: Math.floor(a * e) })),
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x30, 0x31, 0x80, 0xa0, 0xa3, 0x24, 0x1f)).map(([a, tag]) => (_n: number, e: number) => ({ kind: 'retag' as const, el: Math.floor(a * e), tag })),
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 0x7fffffff }))).map(([a, length]) => (_n: number, e: number) => ({ kind: 'setLength' as const, el: Math.floor(a * e), length })),
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.uint8Array({ maxLength: 40 })).map(([a, content]) => (_n: number, e: number) => ({ kind: 'replaceContent' as const, el: Math.floor(a * e), content })),
);

/** Applies a mutation to well-formed input. Structural mutations keep the ancestors' lengths right, except where the mutation is the length. */
export function applyMutation(bytes: Uint8Array, pick: (n: number, elements: number) => Mutation): { bytes: Uint8Array; mutation: Mutation } {
  const all = tlvs(bytes);
  const m = pick(bytes.length, all.length);
  const el = (i: number): Tlv => all[Math.min(i, all.length - 1)] as Tlv;
  switch (m.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[m.pos] = (out[m.pos] as number) ^ m.xor;
      return { bytes: out, mutation: m };
    }
    case 'insert':
      return { bytes: splice(bytes, m.pos, 0, [m.byte]), mutation: m };
    case 'delete':
      return { bytes: splice(bytes, m.pos, 1, []), mutation: m };
    case 'truncate':
      return { bytes: bytes.subarray(0, m.pos), mutation: m };
    case 'swapLengths': {
      const a = el(m.a);
      const b = el(m.b);
      const [first, second] = a.start <= b.start ? [a, b] : [b, a];
      if (first === second || second.start < first.contentStart) return { bytes: bytes.slice(), mutation: m };
      const la = bytes.subarray(first.start + 1, first.contentStart);
      const lb = bytes.subarray(second.start + 1, second.contentStart);
      let out = splice(bytes, second.start + 1, lb.length, la);
      out = splice(out, first.start + 1, la.length, lb);
      return { bytes: out, mutation: m };
    }
    case 'duplicate': {
      const t = el(m.el);
      const copy = bytes.slice(t.start, t.end);
      return { bytes: m.fix ? fixAncestors(bytes, all, t.start, t.end - t.start, [...copy, ...copy]) : splice(bytes, t.end, 0, copy), mutation: m };
    }
    case 'drop': {
      const t = el(m.el);
      return { bytes: fixAncestors(bytes, all, t.start, t.end - t.start, []), mutation: m };
    }
    case 'retag': {
      const t = el(m.el);
      const out = bytes.slice();
      out[t.start] = m.tag;
      return { bytes: out, mutation: m };
    }
    case 'setLength': {
      const t = el(m.el);
      return { bytes: splice(bytes, t.start + 1, t.contentStart - t.start - 1, lengthOctets(m.length)), mutation: m };
    }
    case 'replaceContent': {
      const t = el(m.el);
      const replacement = [bytes[t.start] as number, ...lengthOctets(m.content.length), ...m.content];
      return { bytes: fixAncestors(bytes, all, t.start, t.end - t.start, replacement), mutation: m };
    }
  }
}
