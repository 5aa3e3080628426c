/**
 * What a job knows about itself while it runs: its status, next and last run,
 * and one execution record per occurrence. Returned by the workflow's
 * `describe` query and served by `GET /jobs/{job_id}` (snake_case, UTC RFC 3339).
 * Per job: next_run_time and last_run_time; per execution: start/end, worker_id, status, error.
 */
import type { JobHealth } from './health';
import type { JobSpec, JobStatus } from './job-spec';

/** How an occurrence ended: every planned occurrence ends as exactly one of these (the ledger). */
export type ExecutionStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** Why an occurrence was skipped. */
export type SkipReason = 'overlap' | 'paused' | 'misfire';

/** What started an occurrence: its schedule, or `POST /jobs/{id}/trigger`. */
export type ExecutionTrigger = 'schedule' | 'manual';

/** How one attempt ended; `running` while it runs, `worker_lost` when its worker died (heartbeat timeout). */
export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'worker_lost' | 'cancelled';

/** One attempt of an occurrence (Temporal activity attempt), with the worker that ran it. */
export interface AttemptRecord {
  /** 1-based. */
  attempt: number;
  worker_id: string | null;
  /** UTC RFC 3339. */
  started_at: string;
  /** UTC RFC 3339; null while running. */
  finished_at: string | null;
  status: AttemptStatus;
  error?: ExecutionError;
}

/** Why an execution failed, as reported by the last attempt. */
export interface ExecutionError {
  message: string;
  /** e.g. `HttpError`, `HandlerError`, `UnknownHandler`, `Timeout`. */
  type: string;
  non_retryable: boolean;
}

/** The answer of an HTTP job's last attempt (src/domain/output.ts caps it). */
export interface HttpAnswer {
  status: number;
  /** The kept answer headers (content-type, location, retry-after, request ids…), lower-case names. */
  headers: Record<string, string>;
  /** The first 2 KB of the body, decoded as UTF-8. */
  body_excerpt: string;
}

/** One occurrence that ran: all its attempts (Temporal retries) summed up. */
export interface ExecutionRecord {
  /** `<job_id>:<scheduled_time>`; also the idempotency key sent to the target. */
  execution_id: string;
  /** The occurrence's planned fire time (UTC). */
  scheduled_time: string;
  /** When the first attempt was scheduled (UTC, workflow clock). */
  started_at: string;
  /** When the last attempt ended (UTC, workflow clock). */
  finished_at: string;
  status: ExecutionStatus;
  /** Attempts made, 1 + retries; null when the server did not tell (e.g. a timeout before any report). */
  attempts: number | null;
  /** Identity of the worker that ran the last attempt. */
  worker_id: string | null;
  /** HTTP status of the last attempt, for `http` payloads. */
  http_status?: number;
  /** `http` payloads: the last attempt's answer (kept for the newest entries, see ledger.ts). */
  http?: HttpAnswer;
  /** `handler` payloads: the return value of the succeeding attempt, JSON, at most 8 KB (see output.ts). */
  output?: unknown;
  /** True when `output` is the first 8 KB of the value's JSON text. */
  output_truncated?: boolean;
  error?: ExecutionError;
  /** `skipped` occurrences: why. */
  reason?: SkipReason;
  /** Default `schedule`. */
  trigger?: ExecutionTrigger;
  /** Every attempt, oldest first (also those that died with their worker). */
  attempt_history?: AttemptRecord[];
  /**
   * `skipped` entries stand for a run of consecutive skipped occurrences with the same reason:
   * how many (default 1). `scheduled_time` is the oldest of them, `last_scheduled_time` the newest.
   */
  count?: number;
  /** Aggregated `skipped` entries: scheduled time of the newest occurrence they stand for (UTC). */
  last_scheduled_time?: string;
  /** Position in the job's ledger (1, 2, …; carried across continue-as-new): the page-token anchor. */
  seq?: number;
}

/** Occurrences per outcome, for the whole life of the job (a skipped entry adds its `count`). */
export interface LedgerCounts {
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

/** How many execution records a job keeps (newest first); older ones are dropped. */
export const MAX_RECORDED_EXECUTIONS = 100;

/** State carried across continue-as-new. */
export interface JobProgress {
  status: JobStatus;
  /** The next occurrence to run (UTC), null when the job has ended. */
  next_run_time: string | null;
  /** Scheduled time of the latest occurrence that ran (UTC). */
  last_run_time: string | null;
  /** Retries used by the latest occurrence (attempts - 1). */
  retry_count: number;
  /** Newest first, at most {@link MAX_RECORDED_EXECUTIONS}. */
  executions: ExecutionRecord[];
  /** How many times this job continued as new. */
  generation: number;
  /** Occurrences per outcome over the job's life. */
  counts: LedgerCounts;
  /** Scheduled time (UTC) of the next occurrence not yet handled; `next_run_time` is when it fires (jitter). */
  next_occurrence: string | null;
  /** True between `pause` and `resume`. */
  paused: boolean;
  /** Scheduled occurrences started (for `max_runs`; manual triggers and skipped ones are not counted). */
  scheduled_runs: number;
  /** `seq` of the newest ledger entry. */
  ledger_seq: number;
  /** Scheduled occurrences waiting to run (caught-up or buffered), oldest first, UTC. */
  waiting: string[];
  /** Whether recent runs succeed, fail or come late (src/domain/health.ts). */
  health: JobHealth;
}

/** The `describe` query's answer. */
export interface JobDescription extends JobProgress {
  job_id: string;
  spec: JobSpec;
  last_execution: ExecutionRecord | null;
}

/**
 * What the payload activity reports: its result when an attempt succeeds, and the first detail
 * of its failure otherwise.
 */
export interface AttemptReport {
  /** Number of the attempt that reports, 1-based. */
  attempt: number;
  worker_id: string;
  http_status?: number;
  /** `http` payloads: the answer (also on a failed attempt that got one). */
  http?: HttpAnswer;
  /** `handler` payloads: the captured return value (see src/domain/output.ts). */
  output?: unknown;
  output_truncated?: boolean;
  /** Every attempt of the occurrence so far, oldest first, this one included (see AttemptDetails). */
  attempts?: AttemptRecord[];
  /** True when the attempt was cancelled while held before its fire time: its body never started. */
  held?: boolean;
}

/**
 * Heartbeat details of the payload activity. Temporal hands the last heartbeat's details to the
 * next attempt, so each attempt adds itself here when it starts and records how it ended before
 * it fails: the next attempt knows its predecessors, also those whose worker died.
 */
export interface AttemptDetails {
  /** Every attempt so far, oldest first. */
  attempts: AttemptRecord[];
  /** The handler's last checkpoint (`HandlerContext.checkpoint`), carried to the next attempt. */
  checkpoint?: unknown;
}

/** The idempotency key of one occurrence: the same for every retry and failover. */
export function idempotencyKey(jobId: string, scheduledMs: number): string {
  return `${jobId}:${new Date(scheduledMs).toISOString()}`;
}
