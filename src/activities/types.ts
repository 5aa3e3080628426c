/**
 * The contract between jobWorkflow and the payload activity. The workflow imports
 * this file for types only.
 */
import type { AlertEvent } from '../domain/health';
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

/** What the workflow hands `sendAlert`. */
export interface AlertInput {
  event: AlertEvent;
  job_id: string;
  name: string;
  /** The occurrence the alert is about, UTC RFC 3339 (null for `late` with no run). */
  scheduled_time: string | null;
  /** The failure of the occurrence (`failed`), else null. */
  error: { message: string; type: string; non_retryable: boolean } | null;
  /** The job's health object at the transition, sent as is (undefined is sent as null). */
  health: unknown;
  /** The job's own notify target (absolute http/https URL); absent: the worker's NOTIFY_URL default. */
  url?: string;
  /** `<job_id>:alert:<event>:<scheduled_time or transition time>`: the same for every retry. */
  idempotency_key: string;
}

/** The outcome of `sendAlert`. */
export interface AlertResult {
  /** False when no target is configured (no request was made). */
  sent: boolean;
  /** The receiver's 2xx status. */
  status?: number;
  /** `host[:port]` of the target (never the path or query, which may carry a token). */
  url_host?: string;
}

/** The alert activity the worker registers. */
export interface AlertActivities {
  /**
   * Sends one alert (see the module doc).
   * @returns `{ sent: false }` without a target; `{ sent: true, status, url_host }` on 2xx.
   * @throws {ApplicationFailure} non-retryable `AlertRejected` on 3xx and on 4xx other than 408/429;
   *   non-retryable `InvalidAlertUrl` for a target that is not an absolute http(s) URL; non-retryable
   *   `ForbiddenTargetError` (SSRF guard) or `ResponseTooLargeError`; retryable `HttpError` on 408,
   *   429 and 5xx (RFC 9110 §15); retryable, named after the error, on network errors and timeouts.
   */
  sendAlert(input: AlertInput): Promise<AlertResult>;
}

/** The registry activity: which handlers this worker runs (for `GET /handlers`). */
export interface RegistryActivities {
  /** @returns the names of the handlers this worker registers, sorted. */
  handlerNames(): Promise<string[]>;
}
