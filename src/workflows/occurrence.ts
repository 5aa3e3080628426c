/**
 * One occurrence of a job as Temporal work: the payload activity with the job's timeouts and
 * retry policy, a summary the Temporal Web UI shows, and the execution record of the occurrence
 * (all its attempts, read from the activity's result or failure).
 *
 * Workflow code: deterministic, no Node APIs.
 */
import { type ActivityOptions, type LocalActivityOptions, RetryState } from '@temporalio/common';
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { PayloadActivities } from '../activities/types';
import { closedAttempts } from '../domain/attempts';
import { parseDuration } from '../domain/duration';
import type { JobPayload, JobSpec } from '../domain/job-spec';
import {
  type AttemptDetails,
  type AttemptRecord,
  type AttemptReport,
  type ExecutionError,
  type ExecutionRecord,
  type ExecutionTrigger,
  type HttpAnswer,
  idempotencyKey,
} from '../domain/job-state';

/** Shortest timer we start: Temporal rounds shorter timers up to about 1 s. */
export const MIN_TIMER_MS = 1_000;

/**
 * Activity options of a job's payload activity: its task queue, timeouts and retry policy
 * (max_retries -> maximumAttempts), per Temporal's activity timeouts and retry policy docs.
 * @param holdMs how long the first attempt is held before its fire time (ms): added to the
 *   start-to-close timeout, so the job's `timeout` is left whole for the body.
 */
export function payloadActivityOptions(spec: JobSpec, holdMs = 0): ActivityOptions {
  return {
    // `queue`: the job's attempts run on that task queue's own worker pool.
    ...(spec.queue !== undefined ? { taskQueue: spec.queue } : {}),
    ...localPayloadActivityOptions(spec, holdMs),
    heartbeatTimeout: parseDuration(spec.heartbeat_timeout),
  };
}

/**
 * Local-activity options of a `run_as: local_activity` job: start-to-close (the job's `timeout`
 * plus `holdMs`) and the same retry policy as {@link payloadActivityOptions}; no heartbeat
 * timeout (a local activity has none) and no task queue (it runs on the workflow's worker).
 */
export function localPayloadActivityOptions(spec: JobSpec, holdMs = 0): LocalActivityOptions {
  const { retry } = spec;
  return {
    startToCloseTimeout: parseDuration(spec.timeout) + holdMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: retry.max_retries + 1,
      initialInterval: parseDuration(retry.initial_interval),
      backoffCoefficient: retry.backoff_coefficient,
      ...(retry.max_interval !== undefined ? { maximumInterval: parseDuration(retry.max_interval) } : {}),
    },
  };
}

/**
 * The idempotency key of an occurrence: `<job_id>:<scheduled_time>`, or `<job_id>:manual:<time>` for a
 * trigger (POST /jobs/{id}/trigger). The same for every attempt; also the payload activity's id.
 */
export function occurrenceKey(jobId: string, scheduledMs: number, trigger: ExecutionTrigger = 'schedule'): string {
  return trigger === 'manual'
    ? `${jobId}:manual:${new Date(scheduledMs).toISOString()}`
    : idempotencyKey(jobId, scheduledMs);
}

/**
 * One line the Temporal Web UI shows for an occurrence's activity: job name, scheduled time (UTC),
 * payload kind and handler name or URL host, e.g. `nightly-report · 2026-01-01T02:00:00.000Z · handler report.build`.
 */
export function occurrenceSummary(spec: JobSpec, scheduledTime: string, payload: JobPayload): string {
  const target =
    payload.type === 'handler'
      ? `handler ${payload.name}`
      : `http ${payload.method} ${/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(payload.url)?.[1] ?? payload.url}`;
  return `${spec.name} · ${scheduledTime} · ${target}`;
}

/** How an occurrence is run: by its schedule (default) or by a trigger with its own payload. */
export interface OccurrenceOptions {
  /** `manual` (POST /jobs/{id}/trigger): idempotency key `<job_id>:manual:<time>`, `trigger` recorded. */
  trigger?: ExecutionTrigger;
  /** The payload to run instead of the spec's (a trigger's args/body override). */
  payload?: JobPayload;
  /** When the body may start (epoch ms; the fire time with jitter), default `scheduledMs`. */
  fireMs?: number;
  /** Longest hold in the worker before `fireMs`, ms (how early the attempt is dispatched); default 0. */
  holdMs?: number;
}

/**
 * Runs one occurrence (all its attempts) and describes what happened.
 * @param scheduledMs the occurrence's scheduled time, epoch ms: the idempotency key and the ledger keep it.
 * @returns the execution record (`succeeded` or `failed`) with every attempt in `attempt_history`.
 * @throws cancellation (rethrown), and errors that are not activity failures.
 */
export async function runOccurrence(
  spec: JobSpec,
  scheduledMs: number,
  options: OccurrenceOptions = {},
): Promise<ExecutionRecord> {
  const scheduledTime = new Date(scheduledMs).toISOString();
  const key = occurrenceKey(spec.job_id, scheduledMs, options.trigger);
  const payload = options.payload ?? spec.payload;
  const base = {
    execution_id: key,
    scheduled_time: scheduledTime,
    started_at: new Date().toISOString(),
    ...(options.trigger !== undefined ? { trigger: options.trigger } : {}),
  };
  const summary = occurrenceSummary(spec, scheduledTime, payload);
  const holdMs = options.holdMs ?? 0;
  const { runPayload } =
    spec.run_as === 'local_activity'
      ? proxyLocalActivities<PayloadActivities>({ ...localPayloadActivityOptions(spec, holdMs), summary })
      : proxyActivities<PayloadActivities>({ ...payloadActivityOptions(spec, holdMs), activityId: key, summary });
  try {
    const report = await runPayload({
      job_id: spec.job_id,
      payload,
      scheduled_time: scheduledTime,
      idempotency_key: key,
      ...(options.fireMs !== undefined && options.fireMs !== scheduledMs
        ? { fire_time: new Date(options.fireMs).toISOString() }
        : {}),
      ...(options.holdMs ? { hold_ms: options.holdMs } : {}),
    });
    return {
      ...base,
      finished_at: new Date().toISOString(),
      status: 'succeeded',
      attempts: report.attempt,
      worker_id: report.worker_id,
      ...(report.http_status !== undefined ? { http_status: report.http_status } : {}),
      ...(report.http !== undefined ? { http: report.http } : {}),
      ...(report.output !== undefined ? { output: report.output } : {}),
      ...(report.output_truncated ? { output_truncated: true } : {}),
      ...(report.attempts !== undefined ? { attempt_history: report.attempts } : {}),
    };
  } catch (err) {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) throw err;
    // A local activity's failure comes as the attempt's own failure, not wrapped in an ActivityFailure.
    const local =
      spec.run_as === 'local_activity' && (err instanceof ApplicationFailure || err instanceof TimeoutFailure);
    if (!(err instanceof ActivityFailure) && !local) throw err;
    const failure =
      err instanceof ActivityFailure
        ? describeFailure(err.cause, spec.retry.max_retries + 1, err)
        : describeFailure(err, spec.retry.max_retries + 1);
    const finishedAt = new Date().toISOString();
    const { history, ...rest } = failure;
    const attemptHistory =
      history === undefined
        ? undefined
        : closedAttempts(history, {
            status: 'failed',
            attempts: rest.attempts,
            finished_at: finishedAt,
            ...(rest.error ? { error: rest.error } : {}),
          });
    return {
      ...base,
      finished_at: finishedAt,
      status: 'failed',
      ...rest,
      ...(attemptHistory !== undefined ? { attempt_history: attemptHistory } : {}),
    };
  }
}

/**
 * True when an occurrence's activity was cancelled before any body started: the task was never
 * picked up, or its attempt reported `held` (cancelled while held before its fire time).
 */
export function cancelledBeforeBody(err: unknown): boolean {
  const cancelled = cancelledFailureOf(err);
  if (cancelled === null) return false;
  const report = cancelled.details?.[0] as Partial<AttemptReport> | undefined;
  return report === undefined || report.held === true;
}

/** The CancelledFailure of a cancelled activity (`err` itself or its cause), or null. */
function cancelledFailureOf(err: unknown): CancelledFailure | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof CancelledFailure ? cause : null;
}

/**
 * The record of an occurrence cancelled while it ran (the job was cancelled, or a withdrawal came
 * too late): status `cancelled`, with the attempts the cancelled activity reported.
 */
export function cancelledRecord(
  spec: JobSpec,
  scheduledMs: number,
  trigger: ExecutionTrigger,
  err: unknown,
): ExecutionRecord {
  const now = new Date().toISOString();
  const report = cancelledFailureOf(err)?.details?.[0] as Partial<AttemptReport> | undefined;
  const history = attemptsOf(report);
  const last = history?.at(-1);
  return {
    execution_id: occurrenceKey(spec.job_id, scheduledMs, trigger),
    scheduled_time: new Date(scheduledMs).toISOString(),
    started_at: history?.[0]?.started_at ?? now,
    finished_at: now,
    status: 'cancelled',
    attempts: report?.attempt ?? null,
    worker_id: last?.worker_id ?? report?.worker_id ?? null,
    ...(history !== undefined && history.length > 0 ? { attempt_history: history } : {}),
    ...(trigger === 'manual' ? { trigger } : {}),
  };
}

/** The attempt list an attempt left in its failure's details or its last heartbeat. */
function attemptsOf(value: unknown): AttemptRecord[] | undefined {
  const attempts = (value as Partial<AttemptDetails> | undefined)?.attempts;
  return Array.isArray(attempts) ? attempts : undefined;
}

/**
 * Reads attempt count, worker, error and the attempt list out of an activity's failure: `cause`
 * is an ActivityFailure's cause (`wrapper` being that ActivityFailure, with its retry state,
 * identity and message), or a local activity's own failure (no wrapper).
 */
function describeFailure(
  cause: Error | undefined,
  maximumAttempts: number,
  wrapper?: ActivityFailure,
): Pick<ExecutionRecord, 'attempts' | 'worker_id' | 'http_status' | 'http' | 'error'> & { history?: AttemptRecord[] } {
  const fromMaxAttempts = wrapper?.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? maximumAttempts : null;
  let error: ExecutionError;
  let attempts: number | null = fromMaxAttempts;
  let httpStatus: number | undefined;
  let http: HttpAnswer | undefined;
  let history: AttemptRecord[] | undefined;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as Partial<AttemptReport>;
    if (typeof details.attempt === 'number') attempts = details.attempt;
    httpStatus = details.http_status;
    http = details.http;
    history = attemptsOf(details);
    error = { message: cause.message, type: cause.type ?? 'Error', non_retryable: cause.nonRetryable === true };
  } else if (cause instanceof TimeoutFailure) {
    history = attemptsOf(cause.lastHeartbeatDetails);
    error = { message: `attempt timed out (${cause.timeoutType})`, type: 'Timeout', non_retryable: false };
  } else if (cause instanceof CancelledFailure) {
    history = attemptsOf(cause.details?.[0]);
    error = { message: 'attempt was cancelled', type: 'Cancelled', non_retryable: true };
  } else {
    error = {
      message: cause?.message ?? wrapper?.message ?? 'activity failed',
      type: cause?.name ?? 'Error',
      non_retryable: false,
    };
  }
  if (attempts === null && history !== undefined && history.length > 0) attempts = history.at(-1)?.attempt ?? null;
  return {
    attempts,
    worker_id: wrapper?.identity ?? history?.at(-1)?.worker_id ?? null,
    ...(httpStatus !== undefined ? { http_status: httpStatus } : {}),
    ...(http !== undefined ? { http } : {}),
    error,
    ...(history !== undefined ? { history } : {}),
  };
}
