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
   * Milliseconds (< 1000) the first attempt waits before running, so that it starts at
   * `scheduled_time` although Temporal timers under 1 s cannot express the wait. Capped at
   * `scheduled_time` by the worker's clock; 0 when the occurrence is already due.
   */
  hold_ms?: number;
}

/** Activities registered by the worker. */
export interface PayloadActivities {
  /**
   * Runs one attempt of a job's payload.
   * @returns the attempt number and worker identity (and HTTP status for `http`).
   * @throws ApplicationFailure with details `[AttemptReport]`; non-retryable for
   *   permanent errors (4xx other than 408/429, unknown handler, bad args).
   */
  runPayload(input: RunPayloadInput): Promise<AttemptReport>;
}
