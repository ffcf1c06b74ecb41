/** Per-profile counters fed by the event stream, and a Prometheus text-format exporter. */
import type { ScepEvent } from './types.js';

type Labels = Readonly<Record<string, string>>;

interface Series {
  readonly name: string;
  readonly help: string;
  readonly values: Map<string, { labels: Labels; value: number }>;
}

/** Counters keyed by name and labels. */
export class ScepMetrics {
  private readonly series = new Map<string, Series>();
  private readonly collectors: ((metrics: ScepMetrics) => void)[] = [];

  /**
   * Runs `collect` each time the counters are read (dump, snapshot, get, toPrometheus), so figures
   * kept elsewhere can be brought in with `inc` just before, instead of on every event.
   */
  onCollect(collect: (metrics: ScepMetrics) => void): void {
    this.collectors.push(collect);
  }

  private collect(): void {
    for (const c of this.collectors) c(this);
  }

  inc(name: string, help: string, labels: Labels, by = 1): void {
    let s = this.series.get(name);
    if (!s) {
      s = { name, help, values: new Map() };
      this.series.set(name, s);
    }
    const key = Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k] ?? ''}`)
      .join(',');
    const v = s.values.get(key);
    if (v) v.value += by;
    else s.values.set(key, { labels, value: by });
  }

  /** Counts one event. */
  record(e: ScepEvent): void {
    switch (e.type) {
      case 'enrolled':
      case 'renewed':
        this.inc('scep_certificates_issued_total', 'Certificates issued', { profile: e.profile, kind: e.type === 'renewed' ? 'renewal' : 'enrollment', message_type: e.messageType });
        this.inc('scep_issued_by_algorithm_total', 'Certificates issued by the request content cipher and digest', { profile: e.profile, cipher: e.cipher ?? 'none', digest: e.digest });
        break;
      case 'pending':
        this.inc('scep_pending_total', 'Requests answered PENDING', { profile: e.profile });
        break;
      case 'rejected':
        this.inc('scep_rejected_total', 'Requests answered FAILURE', { profile: e.profile, reason: e.reason, fail_info: e.failInfo });
        break;
      case 'scep_pkcsreq_intune':
      case 'scep_renewalreq_intune':
        this.inc(`${e.type}_total`, `Intune challenge decisions on ${e.type === 'scep_pkcsreq_intune' ? 'PKCSReq' : 'RenewalReq'} by label`, { profile: e.profile, label: e.label });
        break;
      case 'transport_error':
        this.inc('scep_transport_errors_total', 'Requests answered with an HTTP error', { profile: e.profile ?? '', status: String(e.status) });
        break;
      case 'served':
        this.inc('scep_served_total', 'Other operations served', { profile: e.profile, operation: e.operation });
        break;
    }
  }

  /** Every series with its help text, for merging counters kept in several processes. */
  dump(): { name: string; help: string; values: { labels: Labels; value: number }[] }[] {
    this.collect();
    return [...this.series.values()].map((s) => ({ name: s.name, help: s.help, values: [...s.values.values()].map((v) => ({ labels: { ...v.labels }, value: v.value })) }));
  }

  /** Adds another process's `dump()` to these counters. */
  merge(dump: ReturnType<ScepMetrics['dump']>): this {
    for (const s of dump) for (const v of s.values) this.inc(s.name, s.help, v.labels, v.value);
    return this;
  }

  /** A snapshot: counter name → list of {labels, value}. */
  snapshot(): Record<string, { labels: Labels; value: number }[]> {
    this.collect();
    const out: Record<string, { labels: Labels; value: number }[]> = {};
    for (const s of this.series.values()) out[s.name] = [...s.values.values()].map((v) => ({ labels: { ...v.labels }, value: v.value }));
    return out;
  }

  /** The value of one counter for labels that match `where` (summed). */
  get(name: string, where: Labels = {}): number {
    this.collect();
    let sum = 0;
    for (const v of this.series.get(name)?.values.values() ?? []) {
      if (Object.entries(where).every(([k, x]) => v.labels[k] === x)) sum += v.value;
    }
    return sum;
  }

  /** Prometheus text exposition format (version 0.0.4). */
  toPrometheus(): string {
    this.collect();
    const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
    let out = '';
    for (const s of this.series.values()) {
      out += `# HELP ${s.name} ${s.help}\n# TYPE ${s.name} counter\n`;
      for (const v of s.values.values()) {
        const l = Object.entries(v.labels)
          .map(([k, x]) => `${k}="${esc(x)}"`)
          .join(',');
        out += `${s.name}${l ? `{${l}}` : ''} ${v.value}\n`;
      }
    }
    return out;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
