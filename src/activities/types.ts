/**
 * The contract between jobWorkflow and the payload activity. The workflow imports
 * this file for types only.
 */
import type { JobPayload } from '../domain/job-spec';
import type { AttemptReport } from '../domain/job-state';

/** Input of one occurrence's payload activity; the same for every attempt. */
export interface RunPayloadInput {
  job_id: string;
  payload: JobPayload;
  /** Planned fire time of the occurrence, UTC RFC 3339. */
  scheduled_time: string;
  /** `<job_id>:<scheduled_time>`: the same across retries and failover. */
  idempotency_key: string;
  /**
   * When the body may start, UTC RFC 3339: the scheduled time plus the job's jitter (default
   * `scheduled_time`). The workflow dispatches the attempt up to its fire lead earlier; the worker
   * holds it until this instant by its own clock, so the body starts on its millisecond and never early.
   */
  fire_time?: string;
  /**
   * Longest hold, ms: how far ahead of `fire_time` the workflow dispatched the attempt. A worker
   * clock that disagrees with the server's (or a time-skipping test server) can never stall an
   * attempt longer than this. 0 or absent: no hold.
   */
  hold_ms?: number;
}

/** Activities registered by the worker. */
export interface PayloadActivities {
  /**
   * Runs one attempt of a job's payload.
   * @returns the attempt number, worker identity and attempt list (and HTTP status for `http`).
   * @throws ApplicationFailure with details `[AttemptReport]` (with the attempt list); non-retryable
   *   for permanent errors (4xx other than 408/429, unknown handler, bad args).
   */
  runPayload(input: RunPayloadInput): Promise<AttemptReport>;
}
