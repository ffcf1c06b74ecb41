/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function, and self
 * time per area (our packages, node internals, dependencies, GC, idle). Usable alone:
 *   node --import tsx bench/server/profile.ts FILE.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { fmt, table } from '../lib.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly area: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly wallMs: number;
  /** Sampled time that was not idle. */
  readonly busyMs: number;
  readonly functions: readonly FunctionTime[];
  readonly areas: readonly { readonly area: string; readonly selfMs: number }[];
}

function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  const m = /\/(packages|examples)\/([^/]+)\//.exec(url);
  if (m && !url.includes('/node_modules/')) return `@scep ${m[1] === 'examples' ? 'examples/' : ''}${m[2]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0] ?? ''}`;
  const dep = /node_modules\/(?:\.pnpm\/)?(@[^/]+\/[^/@]+|[^/@]+)/.exec(url);
  if (dep) return `dep ${dep[1]}`;
  return url === '' ? 'native' : 'other';
}

export function summariseProfile(p: CpuProfile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}\u0000${n.callFrame.url}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    let id: number | undefined = p.samples[i];
    const leaf = byId.get(id as number);
    if (!leaf) continue;
    if (leaf.callFrame.functionName !== '(idle)') busy += dt;
    self.set(key(leaf), (self.get(key(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    while (id !== undefined) {
      const n = byId.get(id);
      if (!n) break;
      const k = key(n);
      if (!seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const functions: FunctionTime[] = [...total.entries()].map(([k, t]) => {
    const [name, where] = k.split('\u0000') as [string, string];
    const url = where.replace(/:\d+$/, '');
    return { name, where: where.replace(/^file:\/\/.*?\/(packages|examples|node_modules)\//, '$1/').replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, ''), area: areaOf(url, name), selfMs: self.get(k) ?? 0, totalMs: t };
  });
  const areas = new Map<string, number>();
  for (const f of functions) areas.set(f.area, (areas.get(f.area) ?? 0) + f.selfMs);
  return {
    wallMs: (p.endTime - p.startTime) / 1000,
    busyMs: busy,
    functions,
    areas: [...areas.entries()].map(([area, selfMs]) => ({ area, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function readProfile(path: string): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
}

/** A function's identity across profiles: its name and where it is. */
const fnKey = (f: FunctionTime): string => `${f.name}\u0000${f.where}`;

/** One summary of several profiles (each worker's main thread): times summed by function and area. */
export function mergeSummaries(all: readonly ProfileSummary[]): ProfileSummary {
  const fns = new Map<string, FunctionTime>();
  for (const s of all)
    for (const f of s.functions) {
      const k = fnKey(f);
      const had = fns.get(k);
      fns.set(k, had ? { ...had, selfMs: had.selfMs + f.selfMs, totalMs: had.totalMs + f.totalMs } : f);
    }
  const areas = new Map<string, number>();
  for (const s of all) for (const a of s.areas) areas.set(a.area, (areas.get(a.area) ?? 0) + a.selfMs);
  return {
    wallMs: all.reduce((t, s) => t + s.wallMs, 0),
    busyMs: all.reduce((t, s) => t + s.busyMs, 0),
    functions: [...fns.values()],
    areas: [...areas.entries()].map(([area, selfMs]) => ({ area, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/**
 * Where two profiled runs differ, per unit (e.g. µs per enrollment): busy time, then the functions
 * whose self time moved most, A minus B.
 */
export function formatProfileDiff(a: { readonly summary: ProfileSummary; readonly units: number }, b: { readonly summary: ProfileSummary; readonly units: number }, top = 30): string {
  const per = (ms: number, n: number): number => (ms * 1000) / n;
  const byKey = (s: ProfileSummary): Map<string, FunctionTime> => new Map(s.functions.filter((f) => f.area !== 'idle').map((f) => [fnKey(f), f]));
  const sa = byKey(a.summary);
  const sb = byKey(b.summary);
  const rows = [...new Set([...sa.keys(), ...sb.keys()])].map((k) => {
    const x = per(sa.get(k)?.selfMs ?? 0, a.units);
    const y = per(sb.get(k)?.selfMs ?? 0, b.units);
    return { f: (sa.get(k) ?? sb.get(k)) as FunctionTime, x, y, d: x - y };
  });
  rows.sort((p, q) => Math.abs(q.d) - Math.abs(p.d));
  const lines = [`busy µs per unit: A ${fmt(per(a.summary.busyMs, a.units), 1)}, B ${fmt(per(b.summary.busyMs, b.units), 1)}, A − B ${fmt(per(a.summary.busyMs, a.units) - per(b.summary.busyMs, b.units), 1)}`, ''];
  lines.push(table([['function', 'where', 'A µs', 'B µs', 'A − B'], ...rows.slice(0, top).map((r) => [r.f.name, r.f.where, fmt(r.x, 1), fmt(r.y, 1), fmt(r.d, 1)])]));
  return lines.join('\n');
}

/** Text report; `perUnit` divides times (e.g. by enrollments, to print µs per enrollment). */
export function formatProfile(s: ProfileSummary, o: { readonly perUnit?: number; readonly unitName?: string; readonly top?: number } = {}): string {
  const n = o.perUnit ?? 0;
  const unit = n > 0 ? `µs/${o.unitName ?? 'op'}` : 'ms';
  const v = (ms: number): string => (n > 0 ? fmt((ms * 1000) / n, 1) : fmt(ms, 0));
  const pct = (ms: number): string => `${fmt((100 * ms) / s.busyMs, 1)}%`;
  const top = o.top ?? 20;
  const lines: string[] = [`main thread: wall ${fmt(s.wallMs / 1000, 1)} s, busy ${fmt(s.busyMs / 1000, 1)} s (${fmt((100 * s.busyMs) / s.wallMs, 0)}%)`, ''];
  lines.push('self time by area:');
  lines.push(table([['area', `self ${unit}`, 'of busy'], ...s.areas.filter((a) => a.area !== 'idle').slice(0, 14).map((a) => [a.area, v(a.selfMs), pct(a.selfMs)])]));
  lines.push('', `top functions by self time:`);
  const bySelf = [...s.functions].filter((f) => f.area !== 'idle').sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  lines.push(table([['function', 'where', `self ${unit}`, 'self %', `incl ${unit}`], ...bySelf.map((f) => [f.name, f.where, v(f.selfMs), pct(f.selfMs), v(f.totalMs)])]));
  lines.push('', 'our functions (@scep packages and the example server) by inclusive time:');
  const ours = [...s.functions].filter((f) => f.area.startsWith('@scep')).sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
  lines.push(table([['function', 'where', `incl ${unit}`, 'incl %', `self ${unit}`], ...ours.map((f) => [f.name, f.where, v(f.totalMs), pct(f.totalMs), v(f.selfMs)])]));
  return lines.join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile.ts FILE.cpuprofile [enrollments]');
    process.exit(2);
  }
  const n = Number(process.argv[3] ?? 0);
  console.log(formatProfile(readProfile(file), n > 0 ? { perUnit: n, unitName: 'enrollment' } : {}));
}
