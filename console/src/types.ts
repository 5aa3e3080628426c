/**
 * Shapes of the API's answers the console reads: types only, taken from the API's own modules
 * (erased at build time: nothing of the server is bundled).
 */
export type { ConsoleConfig } from '../../src/api/console/routes';
export type { JobSummary } from '../../src/api/jobs/schema';
export type { RunningAttempt } from '../../src/api/jobs/service';
export type { OverviewStats } from '../../src/api/stats/overview';
export type { WorkerView } from '../../src/api/workers/service';
export type { ExecutionRecord } from '../../src/domain/job-state';

import type { JobSummary } from '../../src/api/jobs/schema';
import type { RunningAttempt } from '../../src/api/jobs/service';
import type { ExecutionRecord, LedgerCounts } from '../../src/domain/job-state';

/** `GET /jobs/{id}` (loosely: `spec` and counters are absent when no worker answered). */
export interface JobDetails extends JobSummary {
  paused?: boolean;
  retry_count?: number;
  /** Occurrences per outcome; the runs are `succeeded + failed`. */
  counts?: LedgerCounts;
  /** The attempt in flight, or null. */
  running_attempt?: RunningAttempt | null;
  next_run_times?: string[];
  last_execution?: ExecutionRecord | null;
  // biome-ignore lint/suspicious/noExplicitAny: the spec is arbitrary JSON, shown as it is
  spec?: Record<string, any>;
  executions?: ExecutionRecord[];
  temporal: { workflow_id: string; run_id: string; status: string };
  details_unavailable?: string;
}

/** `GET /jobs/{id}/executions`. */
export interface LedgerPage {
  job_id: string;
  executions: ExecutionRecord[];
  next_page_token: string | null;
}
