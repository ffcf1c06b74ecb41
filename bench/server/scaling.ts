/**
 * How far N workers can outrun one process on the same cores, from a run's own figures
 * (docs/benchmarks.md, "Two workers on two cores"). Enrollments/s is cores ÷ CPU per enrollment,
 * so with one process at `oneProcessCores` and `oneProcessCpuMs`, and the workers at `workersCpuMs`
 * on no more than the cores the load generator leaves them:
 *
 *   workers / one process ≤ (cpus − clientCores) / oneProcessCores × oneProcessCpuMs / workersCpuMs
 */
export interface ScalingInputs {
  /** CPUs the run may use. */
  readonly cpus: number;
  /** The load generator's cores beside the workers. */
  readonly clientCores: number;
  readonly oneProcessCores: number;
  readonly oneProcessCpuMs: number;
  readonly workersCpuMs: number;
}

export interface ScalingBound {
  /** The highest workers / one-process ratio these figures allow. */
  readonly bound: number;
  /**
   * The most cores one process may use for `target` × to be reachable at all, even with a free load
   * generator and workers that cost no more CPU per enrollment than one process.
   */
  readonly maxOneProcessCores: number;
}

export function workersBound(i: ScalingInputs, target = 1.7): ScalingBound {
  const free = Math.max(0, i.cpus - Math.max(0, i.clientCores));
  return {
    bound: i.oneProcessCores > 0 && i.workersCpuMs > 0 ? (free / i.oneProcessCores) * (i.oneProcessCpuMs / i.workersCpuMs) : NaN,
    maxOneProcessCores: target > 0 ? i.cpus / target : NaN,
  };
}
