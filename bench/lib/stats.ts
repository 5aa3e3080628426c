/**
 * Pure statistics of the benchmarks: percentiles of samples (lags, latencies) and the
 * min/median/max of one figure over repeated runs. No I/O; unit-tested in test/unit/bench-stats.test.ts.
 */

/** Percentiles of a sample set; every value is in the samples' unit (ms for lags and latencies). */
export interface Distribution {
  /** Number of samples. */
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** One figure over repeated runs. */
export interface Spread {
  /** Number of runs the figure has. */
  n: number;
  min: number;
  median: number;
  max: number;
}

/**
 * The nearest-rank percentile of ascending-sorted samples.
 * @param sorted samples sorted ascending (not checked).
 * @param p percentile in [0, 100].
 * @returns the smallest sample with at least p % of the samples at or below it; NaN for no samples.
 * @throws {RangeError} when p is outside [0, 100].
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/**
 * Summarises samples (any order; the input is not modified).
 * @returns count, min, p50, p95, p99, max and mean; NaN figures (count 0) for no samples.
 */
export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    count: sorted.length,
    min: sorted.length > 0 ? (sorted[0] as number) : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/**
 * Min, median (mean of the two middle values for an even count) and max of a figure's runs.
 * NaN runs (a figure a run could not measure) are left out; n counts the others.
 */
export function spread(runs: readonly number[]): Spread {
  const sorted = runs.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n: 0, min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { n, min: sorted[0] as number, median, max: sorted[n - 1] as number };
}

/**
 * Groups figures of several runs by name: `[{a: 1, b: 2}, {a: 3}]` → `{a: spread([1, 3]), b: spread([2])}`.
 * The order of names is the order they first appear.
 */
export function spreadByName(runs: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, Spread> {
  const values = new Map<string, number[]>();
  for (const run of runs) {
    for (const [name, value] of Object.entries(run)) {
      const list = values.get(name) ?? [];
      list.push(value);
      values.set(name, list);
    }
  }
  return Object.fromEntries([...values].map(([name, list]) => [name, spread(list)]));
}

/** `a / b`, or NaN when either is not a finite number or b is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
