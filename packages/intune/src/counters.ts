/** Outcome counters per label, for metrics export (one Prometheus counter with a `label` label). */
import { INTUNE_LABELS, type IntuneLabel } from './outcome.js';

export type IntuneLabelCounts = Readonly<Record<IntuneLabel, number>>;

export class IntuneCounters {
  readonly #counts = new Map<IntuneLabel, number>(INTUNE_LABELS.map((l) => [l, 0]));

  increment(label: IntuneLabel): void {
    this.#counts.set(label, (this.#counts.get(label) ?? 0) + 1);
  }

  /** A snapshot with every label present (zeros included), so dashboards see the full set. */
  snapshot(): IntuneLabelCounts {
    const out = {} as Record<IntuneLabel, number>; // filled with every label on the next line
    for (const l of INTUNE_LABELS) out[l] = this.#counts.get(l) ?? 0;
    return Object.freeze(out);
  }

  reset(): void {
    for (const l of INTUNE_LABELS) this.#counts.set(l, 0);
  }
}
