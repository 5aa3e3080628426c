/**
 * The figures of the console's overview page, as a pure function of what the API reads: the
 * caller's job rows (visibility) and the ledgers of the jobs that ran recently. No I/O here;
 * ./routes.ts reads the inputs.
 */
import type { HourBucket, OverviewStats } from '../../contract';
import { HEALTH_STATES, type HealthState, startLatenessMs } from '../../domain/health';
import type { ExecutionRecord } from '../../domain/job-state';

/** Length of the window of {@link OverviewStats.executions_per_hour} and of the fire lag samples. */
export const OVERVIEW_WINDOW_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;

export type { FireLag, HourBucket, OverviewStats } from '../../contract';

/** Inputs of {@link computeOverview}. */
export interface OverviewInput {
  /** Status of each job the caller may see (visibility rows). */
  statuses: readonly string[];
  /** Health state of the same jobs, in the same order. */
  healths: readonly HealthState[];
  /** Whether more jobs exist than `statuses` lists. */
  truncated: boolean;
  /** Ledger windows (newest first, as the `executions` query answers) of recently run jobs. */
  ledgers: readonly (readonly ExecutionRecord[])[];
  /** Now, epoch ms. */
  nowMs: number;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) of `values` by the nearest-rank method.
 * @returns null for an empty list.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Lag of one ran, scheduled entry in ms, or null when it has none (skipped, cancelled, manual, no start). */
export function fireLagMs(record: ExecutionRecord): number | null {
  if (record.status !== 'succeeded' && record.status !== 'failed') return null;
  if (record.trigger === 'manual') return null;
  const lag = startLatenessMs(record);
  return Number.isNaN(lag) ? null : lag;
}

/**
 * Computes the overview figures.
 * @returns jobs per status and per health state; succeeded/failed ledger entries per UTC hour over the 24 h before
 *   `nowMs` (by `finished_at`); fire lag p50/p99 of the scheduled runs among them.
 */
export function computeOverview({ statuses, healths, truncated, ledgers, nowMs }: OverviewInput): OverviewStats {
  const jobsByStatus: Record<string, number> = {};
  for (const status of statuses) jobsByStatus[status] = (jobsByStatus[status] ?? 0) + 1;
  const jobsByHealth = Object.fromEntries(HEALTH_STATES.map((h) => [h, 0])) as Record<HealthState, number>;
  for (const health of healths) jobsByHealth[health] += 1;

  const since = nowMs - OVERVIEW_WINDOW_MS;
  const firstHour = Math.floor(since / HOUR_MS) * HOUR_MS;
  const buckets: HourBucket[] = [];
  for (let h = firstHour; h <= nowMs; h += HOUR_MS) {
    buckets.push({ hour: new Date(h).toISOString(), succeeded: 0, failed: 0 });
  }
  const lags: number[] = [];
  for (const ledger of ledgers) {
    for (const record of ledger) {
      if (record.status !== 'succeeded' && record.status !== 'failed') continue;
      const finished = Date.parse(record.finished_at);
      if (Number.isNaN(finished) || finished < since || finished > nowMs) continue;
      const bucket = buckets[Math.floor((finished - firstHour) / HOUR_MS)];
      if (bucket) bucket[record.status] += 1;
      const lag = fireLagMs(record);
      if (lag !== null) lags.push(lag);
    }
  }
  return {
    generated_at: new Date(nowMs).toISOString(),
    jobs_by_status: jobsByStatus,
    jobs_by_health: jobsByHealth,
    jobs_total: statuses.length,
    jobs_truncated: truncated,
    executions_per_hour: buckets,
    fire_lag: { p50_ms: percentile(lags, 50), p99_ms: percentile(lags, 99), samples: lags.length },
    ledgers_read: ledgers.length,
  };
}
