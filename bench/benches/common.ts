/** Small helpers shared by the benchmarks. */
import { spread } from '../lib/stats';

/** `12.3 ms`, or `n/a`. */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(ms >= 100 ? 0 : 1)} ms` : 'n/a';
}

/** Median of values (NaN left out). */
export function median(values: readonly number[]): number {
  return spread(values).median;
}
