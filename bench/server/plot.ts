/** The benchmark's plot, hand-written SVG: enrollments/s against concurrency, the RSA ceiling as a line. */
import { medianBy } from '../lib.js';

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly dash?: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface PlotOptions {
  readonly title: string;
  readonly subtitle: string;
  readonly series: readonly Series[];
  readonly lines: readonly { readonly name: string; readonly y: number; readonly color: string; readonly dash: string }[];
  readonly xs: readonly number[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceStep(max: number): number {
  const raw = max / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

export function renderPlot(o: PlotOptions): string {
  const W = 800;
  const H = 460;
  const L = 70;
  // The legend's column: its longest entry, "RSA ceiling, 1 core (1343/s)", is ~220 px wide.
  const R = 250;
  const T = 62;
  const B = 56;
  const pw = W - L - R;
  const ph = H - T - B;
  const ys = [...o.series.flatMap((s) => s.points.map((p) => p.y)), ...o.lines.map((l) => l.y)];
  const step = niceStep(Math.max(1, ...ys) * 1.08);
  const yMax = Math.ceil((Math.max(1, ...ys) * 1.08) / step) * step;
  const lx = o.xs.map((x) => Math.log2(x));
  const x0 = Math.min(...lx);
  const x1 = Math.max(...lx);
  const px = (x: number): number => L + (x1 === x0 ? pw / 2 : ((Math.log2(x) - x0) / (x1 - x0)) * pw);
  const py = (y: number): number => T + ph - (y / yMax) * ph;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${L}" y="24" font-size="16" font-weight="600" fill="#111">${esc(o.title)}</text>`);
  out.push(`<text x="${L}" y="42" fill="#555">${esc(o.subtitle)}</text>`);
  for (let y = 0; y <= yMax + 1e-9; y += step) {
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${f(py(y))}" y2="${f(py(y))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L - 8}" y="${f(py(y) + 4)}" text-anchor="end" fill="#444">${Math.round(y)}</text>`);
  }
  for (const x of o.xs) {
    out.push(`<line x1="${f(px(x))}" x2="${f(px(x))}" y1="${T}" y2="${T + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${f(px(x))}" y="${T + ph + 18}" text-anchor="middle" fill="#444">${x}</text>`);
  }
  out.push(`<line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#333"/>`);
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" stroke="#333"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 14}" text-anchor="middle" fill="#222">concurrent clients</text>`);
  out.push(`<text transform="translate(18 ${T + ph / 2}) rotate(-90)" text-anchor="middle" fill="#222">successful enrollments / s</text>`);
  const legend: string[] = [];
  let ly = T + 8;
  for (const l of o.lines) {
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${f(py(l.y))}" y2="${f(py(l.y))}" stroke="${l.color}" stroke-width="1.5" stroke-dasharray="${l.dash}"/>`);
    legend.push(`<line x1="${L + pw + 16}" x2="${L + pw + 40}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="1.5" stroke-dasharray="${l.dash}"/><text x="${L + pw + 46}" y="${ly + 4}" fill="#222">${esc(l.name)}</text>`);
    ly += 20;
  }
  const labels = placeLabels(o.series.flatMap((s) => s.points.map((p) => ({ x: px(p.x), y: py(p.y), text: String(Math.round(p.y)), color: s.color }))));
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(px(p.x))},${f(py(p.y))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="3.5" fill="${s.color}"><title>${esc(s.name)}: c=${p.x}, ${p.y.toFixed(1)}/s</title></circle>`);
    legend.push(`<line x1="${L + pw + 16}" x2="${L + pw + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${L + pw + 46}" y="${ly + 4}" fill="#222">${esc(s.name)}</text>`);
    ly += 20;
  }
  for (const l of labels) out.push(`<text x="${f(l.x)}" y="${f(l.y)}" text-anchor="middle" font-size="10" fill="${l.color}">${esc(l.text)}</text>`);
  out.push(...legend);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface Label {
  readonly x: number;
  /** Where the point is; placeLabels turns it into the text's baseline. */
  readonly y: number;
  readonly text: string;
  readonly color: string;
}

/** Baselines of 10 px labels closer than this overlap. */
export const LABEL_GAP = 12;

/**
 * Value labels for the points of one x, in the points' order: the highest point's label above it,
 * every other label below its point and at least LABEL_GAP below the label before it, so close
 * values at a level keep readable labels in the order of their points.
 */
export function placeLabels(points: readonly Label[]): Label[] {
  const byX = new Map<number, Label[]>();
  for (const p of points) byX.set(p.x, [...(byX.get(p.x) ?? []), p]);
  const out: Label[] = [];
  for (const group of byX.values()) {
    let last = -Infinity;
    [...group]
      .sort((a, b) => a.y - b.y)
      .forEach((p, i) => {
        last = i === 0 ? p.y - 8 : Math.max(p.y + 16, last + LABEL_GAP);
        out.push({ ...p, y: last });
      });
  }
  return out;
}

/** What the plot needs of a bench:server results file (`--json`). */
export interface PlottedResults {
  readonly machine: Readonly<Record<string, string>>;
  readonly date: string;
  readonly options: { readonly levels?: readonly number[]; readonly durationS?: number };
  readonly ceiling?: { readonly enrollPerSec: number };
  /** All the run's ceiling readings; `ceiling` is their median. */
  readonly ceilings?: readonly unknown[];
  readonly runs: readonly { readonly rows: readonly { readonly server: string; readonly concurrency: number; readonly enrollPerSec: number }[] }[];
}

/**
 * One row per server and concurrency: with `bench:server --rounds N` a level was measured N times,
 * and its median round (by enroll/s; the lower one of an even count) represents it.
 */
export function representativeRows<R extends { readonly server: string; readonly concurrency: number; readonly enrollPerSec: number }>(rows: readonly R[]): R[] {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const k = `${row.server}\0${row.concurrency}`;
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return [...groups.values()].map((g) => medianBy(g, (r) => r.enrollPerSec) as R);
}

/** The committed plot: each server's enrollments/s per concurrency, the RSA ceiling and 0.6 × it. */
export function plotResults(r: PlottedResults): string {
  const rows = representativeRows(r.runs.flatMap((run) => run.rows));
  const series = [
    { name: 'ours, 1 process', color: '#1f6feb', server: 'ours (1 process)' },
    { name: 'ours, 2 workers', color: '#0b8a4a', server: 'ours (2 workers)', dash: '7 4' },
    { name: 'ours, 1 process, 1 core', color: '#8250df', server: 'ours (1 process, 1 core)', dash: '2 3' },
    { name: 'micromdm 2.1.0', color: '#d9480f', server: 'micromdm scepserver 2.1.0' },
  ]
    .map((s) => ({ ...s, points: rows.filter((row) => row.server === s.server).map((row) => ({ x: row.concurrency, y: row.enrollPerSec })) }))
    .filter((s) => s.points.length > 0);
  const ceiling = r.ceiling?.enrollPerSec ?? NaN;
  const fmt0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
  return renderPlot({
    title: 'SCEP enrollments/s on this machine (RSA-2048, PKCSReq, loopback)',
    // The legend column is narrow: how the ceiling was read goes in the subtitle.
    subtitle: `${r.machine['cpus']} × ${r.machine['model']}, node ${r.machine['node']}, ${r.date.slice(0, 10)}; ${r.options.durationS ?? '?'} s per point${(r.ceilings?.length ?? 0) > 1 ? `; ceiling: median of ${r.ceilings?.length} readings` : ''}`,
    xs: r.options.levels ?? [...new Set(rows.map((row) => row.concurrency))].sort((a, b) => a - b),
    series,
    lines: [
      { name: `RSA ceiling, 1 core (${fmt0(ceiling)}/s)`, y: ceiling, color: '#6e7781', dash: '6 4' },
      { name: `0.6 × ceiling (${fmt0(0.6 * ceiling)}/s)`, y: 0.6 * ceiling, color: '#b8bec4', dash: '2 4' },
    ],
  });
}
