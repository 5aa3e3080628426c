/**
 * jobWorkflow: one long-running workflow per job (workflow id = job id).
 * Loop: compute the next occurrence, publish it (search attributes), sleep until
 * it, run the payload as an activity under the job's retry policy, record the
 * execution, repeat; continue-as-new before the history grows large.
 * Source: the seed's scheduling + execution services, mapped onto Temporal in
 * ../shared/design/architecture.md ("Data flow of one job").
 *
 * Workflow code: deterministic, no Node APIs, imports domain code and activity types only.
 */

import { RetryState, type SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PayloadActivities } from '../activities/types';
import { parseDuration } from '../domain/duration';
import type { JobSpec } from '../domain/job-spec';
import {
  type AttemptReport,
  type ExecutionError,
  type ExecutionRecord,
  idempotencyKey,
  type JobDescription,
  type JobProgress,
  MAX_RECORDED_EXECUTIONS,
} from '../domain/job-state';
import { coalesceMisfires, firstOccurrence, nextOccurrence } from '../domain/schedule';
import { JOB_STATUS, LAST_RUN_TIME, NEXT_RUN_TIME } from '../domain/search-attributes';
import { trackAttempts, withAttemptHistory } from './attempts';

/** Input of {@link jobWorkflow}. */
export interface JobWorkflowInput {
  spec: JobSpec;
  /** Set when continuing as new: the progress so far. */
  progress?: JobProgress;
  /** Continue as new after this many occurrences in one run (default 500); tests lower it. */
  continue_as_new_after?: number;
}

/** Query: the job's current state (spec, status, next/last run, recent executions). */
export const describeQuery = defineQuery<JobDescription>('describe');
/** Query: the job's recorded executions, newest first. */
export const executionsQuery = defineQuery<ExecutionRecord[]>('executions');

/** Lateness tolerated before an occurrence counts as a misfire (Quartz's default misfireThreshold). */
export const MISFIRE_GRACE_MS = 60_000;
/** Shortest timer we start: Temporal rounds shorter timers up to about 1 s. */
const MIN_TIMER_MS = 1_000;
/** History events after which a run continues as new even if the server did not suggest it. */
const MAX_HISTORY_EVENTS = 5_000;

/**
 * Runs a job until its schedule ends or the workflow is cancelled.
 * @returns the final description when the job completes (one-time success, or schedule exhausted).
 * @throws ApplicationFailure (type `JobFailed`) when a one-time job fails after its retries;
 *   CancelledFailure when the job was cancelled (status `cancelled` is published first).
 */
export async function jobWorkflow(input: JobWorkflowInput): Promise<JobDescription> {
  const { spec } = input;
  const progress: JobProgress = input.progress ?? {
    status: 'pending',
    next_run_time: null,
    last_run_time: null,
    run_count: 0,
    failure_count: 0,
    missed_count: 0,
    retry_count: 0,
    executions: [],
    generation: 0,
  };
  const describe = (): JobDescription => ({
    job_id: spec.job_id,
    spec,
    ...progress,
    last_execution: progress.executions[0] ?? null,
  });
  setHandler(describeQuery, describe);
  setHandler(executionsQuery, () => progress.executions);
  const attempts = trackAttempts(); // per-attempt records and RunningWorker (./attempts.ts)

  const runPayload = payloadActivity(spec);
  const canAfter = input.continue_as_new_after ?? 500;
  let runsThisGeneration = 0;
  let due: number | null =
    progress.next_run_time !== null
      ? Date.parse(progress.next_run_time)
      : input.progress
        ? null
        : firstOccurrence(spec);

  try {
    while (due !== null) {
      publish(progress, 'pending', due);
      const remaining = due - Date.now();
      // Temporal timers shorter than 1 s fire after ~1 s (measured on the dev server; longer ones
      // are precise to ~10 ms). So a timer only for >= 1 s; a start less than 1 s away is held by
      // the activity itself (`hold_ms`), and an occurrence already due runs without a timer.
      if (remaining >= MIN_TIMER_MS) await sleep(remaining);

      const { scheduledMs, skipped } = coalesceMisfires(spec, due, Date.now(), MISFIRE_GRACE_MS);
      if (skipped > 0) {
        progress.missed_count += skipped;
        log.warn('misfire: skipped late occurrences', { skipped, running: new Date(scheduledMs).toISOString() });
      }
      publish(progress, 'running', scheduledMs);
      attempts.begin(idempotencyKey(spec.job_id, scheduledMs));
      const record = withAttemptHistory(await runOccurrence(spec, scheduledMs, runPayload), attempts);
      recordExecution(progress, record);
      runsThisGeneration++;

      if (spec.frequency === 'once') {
        publish(progress, record.status === 'succeeded' ? 'completed' : 'failed', null);
        if (record.status === 'failed') {
          throw ApplicationFailure.nonRetryable(
            `job ${spec.job_id} failed after ${record.attempts ?? '?'} attempt(s): ${record.error?.message ?? 'unknown error'}`,
            'JobFailed',
          );
        }
        return describe();
      }
      due = nextOccurrence(spec, scheduledMs);
      if (due !== null && shouldContinueAsNew(runsThisGeneration, canAfter)) {
        progress.next_run_time = new Date(due).toISOString();
        progress.status = 'pending';
        progress.generation++;
        await continueAsNew<typeof jobWorkflow>({ ...input, progress });
      }
    }
    publish(progress, 'completed', null);
    return describe();
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => publish(progress, 'cancelled', null));
    }
    throw err;
  }
}

function shouldContinueAsNew(runsThisGeneration: number, limit: number): boolean {
  const info = workflowInfo();
  return runsThisGeneration >= limit || info.continueAsNewSuggested || info.historyLength >= MAX_HISTORY_EVENTS;
}

/** Sets the status and next run time in state and in the search attributes. */
function publish(progress: JobProgress, status: JobProgress['status'], nextMs: number | null): void {
  progress.status = status;
  progress.next_run_time = nextMs === null ? null : new Date(nextMs).toISOString();
  const updates: SearchAttributeUpdatePair[] = [
    { key: JOB_STATUS, value: status },
    { key: NEXT_RUN_TIME, value: nextMs === null ? null : new Date(nextMs) },
  ];
  if (progress.last_run_time !== null) updates.push({ key: LAST_RUN_TIME, value: new Date(progress.last_run_time) });
  upsertSearchAttributes(updates);
}

function recordExecution(progress: JobProgress, record: ExecutionRecord): void {
  progress.run_count++;
  if (record.status === 'failed') progress.failure_count++;
  progress.retry_count = Math.max(0, (record.attempts ?? 1) - 1);
  progress.last_run_time = record.scheduled_time;
  progress.executions = [record, ...progress.executions].slice(0, MAX_RECORDED_EXECUTIONS);
}

type RunPayload = PayloadActivities['runPayload'];

/** The payload activity with the job's timeouts and its retry policy (max_retries -> maximumAttempts). */
function payloadActivity(spec: JobSpec): RunPayload {
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

/** Runs one occurrence (all its attempts) and describes what happened. Rethrows cancellation. */
async function runOccurrence(spec: JobSpec, scheduledMs: number, runPayload: RunPayload): Promise<ExecutionRecord> {
  const key = idempotencyKey(spec.job_id, scheduledMs);
  const startedAt = new Date().toISOString();
  const base = { execution_id: key, scheduled_time: new Date(scheduledMs).toISOString(), started_at: startedAt };
  try {
    const report: AttemptReport = await runPayload({
      job_id: spec.job_id,
      payload: spec.payload,
      scheduled_time: base.scheduled_time,
      idempotency_key: key,
      hold_ms: Math.max(0, Math.min(MIN_TIMER_MS, scheduledMs - Date.now())),
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
