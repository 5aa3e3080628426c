/**
 * The contract between jobWorkflow and the payload activity. The workflow imports
 * this file for types only.
 */
import type { AttemptEndedEvent, AttemptStartedEvent } from '../domain/attempts';
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

/**
 * Signal an attempt sends to its own job workflow when it starts (before running the payload).
 * The workflow cannot see attempt starts itself (Temporal records only the last attempt), so this
 * is how every attempt — also one whose worker dies — gets an execution record with its worker.
 * `execution_id` is the occurrence's idempotency key: late signals of an older occurrence are ignored.
 */
export type AttemptStartedSignal = AttemptStartedEvent;

/** Signal an attempt sends when it ends on its worker (any outcome); a dead worker sends none. */
export type AttemptEndedSignal = AttemptEndedEvent;

/** Names and payloads of the attempt signals (src/workflows/attempts.ts defines the handlers). */
export interface AttemptSignals {
  attemptStarted: AttemptStartedSignal;
  attemptEnded: AttemptEndedSignal;
}

/** Sends one attempt signal to the job's workflow (by workflow id = job id). */
export type AttemptReporter = <K extends keyof AttemptSignals>(
  jobId: string,
  name: K,
  event: AttemptSignals[K],
) => Promise<void>;
