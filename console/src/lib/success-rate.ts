/**
 * Success rate of a job's recent runs, from its ledger (newest first). Only occurrences that ran
 * count (`succeeded`, `failed`); skipped and cancelled ones are left out.
 */

/** A ledger entry, as far as the rate needs it. */
export interface LedgerEntryLike {
  status: string;
}

/** Result of {@link successRate}. */
export interface SuccessRate {
  succeeded: number;
  failed: number;
  /** succeeded + failed (runs counted). */
  runs: number;
  /** succeeded / runs, 0..1; null when nothing ran. */
  rate: number | null;
}

/** Runs the jobs table rates: the newest 20. */
export const RECENT_RUNS = 20;

/**
 * @param entries ledger entries, newest first (as the API answers).
 * @param recent how many of the newest runs to count (default {@link RECENT_RUNS}).
 */
export function successRate(entries: readonly LedgerEntryLike[], recent = RECENT_RUNS): SuccessRate {
  let succeeded = 0;
  let failed = 0;
  for (const entry of entries) {
    if (succeeded + failed >= recent) break;
    if (entry.status === 'succeeded') succeeded++;
    else if (entry.status === 'failed') failed++;
  }
  const runs = succeeded + failed;
  return { succeeded, failed, runs, rate: runs === 0 ? null : succeeded / runs };
}

/** `85 %` (rounded down, so 99.6 % of runs never reads 100 %), or `no runs`. */
export function formatRate(rate: SuccessRate): string {
  return rate.rate === null ? 'no runs' : `${Math.floor(rate.rate * 100)} %`;
}

/**
 * The widths (whole percents, summing to 100) of a rate bar's succeeded and failed parts, so that a
 * job whose runs all failed reads as a full red bar, not as an empty one; both 0 when nothing ran.
 */
export function rateSegments(rate: SuccessRate): { succeeded: number; failed: number } {
  if (rate.runs === 0) return { succeeded: 0, failed: 0 };
  const succeeded = Math.round((rate.succeeded / rate.runs) * 100);
  return { succeeded, failed: 100 - succeeded };
}
