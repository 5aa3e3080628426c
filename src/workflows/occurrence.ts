/**
 * One occurrence of a job as Temporal work: the payload activity with the job's timeouts and
 * retry policy, and the execution record of one occurrence (all its attempts). Shared by the
 * scheduling loop (./job-workflow.ts) and the loop of earlier versions (./legacy-loop.ts).
 * An attempt-history hook per occurrence belongs in {@link runOccurrence}.
 *
 * Workflow code: deterministic, no Node APIs.
 */
import { RetryState } from '@temporalio/common';
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { PayloadActivities } from '../activities/types';
import { parseDuration } from '../domain/duration';
import type { JobPayload, JobSpec } from '../domain/job-spec';
import {
  type AttemptReport,
  type ExecutionError,
  type ExecutionRecord,
  type ExecutionTrigger,
  idempotencyKey,
} from '../domain/job-state';

/** Shortest timer we start: Temporal rounds shorter timers up to about 1 s. */
export const MIN_TIMER_MS = 1_000;

export type RunPayload = PayloadActivities['runPayload'];

/** The payload activity with the job's timeouts and its retry policy (max_retries -> maximumAttempts). */
export function payloadActivity(spec: JobSpec): RunPayload {
  const { retry } = spec;
  return proxyActivities<PayloadActivities>({
    // `queue`: the job's attempts run on that task queue's own worker pool (issue 4).
    ...(spec.queue !== undefined ? { taskQueue: spec.queue } : {}),
    startToCloseTimeout: parseDuration(spec.timeout),
    heartbeatTimeout: parseDuration(spec.heartbeat_timeout),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: retry.max_retries + 1,
      initialInterval: parseDuration(retry.initial_interval),
      backoffCoefficient: retry.backoff_coefficient,
      ...(retry.max_interval !== undefined ? { maximumInterval: parseDuration(retry.max_interval) } : {}),
    },
  }).runPayload;
}

/**
 * The idempotency key of an occurrence: `<job_id>:<scheduled_time>`, or `<job_id>:manual:<time>` for a
 * trigger (POST /jobs/{id}/trigger). The same for every attempt; the attempt signals carry it.
 */
export function occurrenceKey(jobId: string, scheduledMs: number, trigger: ExecutionTrigger = 'schedule'): string {
  return trigger === 'manual'
    ? `${jobId}:manual:${new Date(scheduledMs).toISOString()}`
    : idempotencyKey(jobId, scheduledMs);
}

/** How an occurrence is run: by its schedule (default) or by a trigger with its own payload. */
export interface OccurrenceOptions {
  /** `manual` (POST /jobs/{id}/trigger): idempotency key `<job_id>:manual:<time>`, `trigger` recorded. */
  trigger?: ExecutionTrigger;
  /** The payload to run instead of the spec's (a trigger's args/body override). */
  payload?: JobPayload;
  /** When the first attempt should start (epoch ms; the fire time with jitter), default `scheduledMs`. */
  fireMs?: number;
}

/**
 * Runs one occurrence (all its attempts) and describes what happened.
 * @param scheduledMs the occurrence's scheduled time, epoch ms: the idempotency key and the ledger keep it.
 * @returns the execution record (`succeeded` or `failed`).
 * @throws cancellation (rethrown), and errors that are not activity failures.
 */
export async function runOccurrence(
  spec: JobSpec,
  scheduledMs: number,
  runPayload: RunPayload,
  options: OccurrenceOptions = {},
): Promise<ExecutionRecord> {
  const scheduledTime = new Date(scheduledMs).toISOString();
  const key = occurrenceKey(spec.job_id, scheduledMs, options.trigger);
  const startedAt = new Date().toISOString();
  const base = {
    execution_id: key,
    scheduled_time: scheduledTime,
    started_at: startedAt,
    ...(options.trigger !== undefined ? { trigger: options.trigger } : {}),
  };
  const fireMs = options.fireMs ?? scheduledMs;
  try {
    const report: AttemptReport = await runPayload({
      job_id: spec.job_id,
      payload: options.payload ?? spec.payload,
      scheduled_time: base.scheduled_time,
      idempotency_key: key,
      hold_ms: Math.max(0, Math.min(MIN_TIMER_MS, fireMs - Date.now())),
    });
    return {
      ...base,
      finished_at: new Date().toISOString(),
      status: 'succeeded',
      attempts: report.attempt,
      worker_id: report.worker_id,
      ...(report.http_status !== undefined ? { http_status: report.http_status } : {}),
    };
  } catch (err) {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) throw err;
    if (!(err instanceof ActivityFailure)) throw err;
    const failure = describeFailure(err, spec.retry.max_retries + 1);
    return { ...base, finished_at: new Date().toISOString(), status: 'failed', ...failure };
  }
}

/** Reads attempt count, worker and error out of an activity failure. */
function describeFailure(
  err: ActivityFailure,
  maximumAttempts: number,
): Pick<ExecutionRecord, 'attempts' | 'worker_id' | 'http_status' | 'error'> {
  const cause = err.cause;
  const fromMaxAttempts = err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? maximumAttempts : null;
  let error: ExecutionError;
  let attempts: number | null = fromMaxAttempts;
  let httpStatus: number | undefined;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as Partial<AttemptReport>;
    if (typeof details.attempt === 'number') attempts = details.attempt;
    httpStatus = details.http_status;
    error = { message: cause.message, type: cause.type ?? 'Error', non_retryable: cause.nonRetryable === true };
  } else if (cause instanceof TimeoutFailure) {
    error = { message: `attempt timed out (${cause.timeoutType})`, type: 'Timeout', non_retryable: false };
  } else if (cause instanceof CancelledFailure) {
    error = { message: 'attempt was cancelled', type: 'Cancelled', non_retryable: true };
  } else {
    error = { message: cause?.message ?? err.message, type: cause?.name ?? 'Error', non_retryable: false };
  }
  return {
    attempts,
    worker_id: err.identity ?? null,
    ...(httpStatus !== undefined ? { http_status: httpStatus } : {}),
    error,
  };
}
