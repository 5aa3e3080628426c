/**
 * Activity implementations, built by a factory so the worker passes real
 * collaborators and tests pass their own (samples-typescript style).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { AttemptReport } from '../domain/job-state';
import { type HandlerContext, type HandlerRegistry, NonRetryableError } from './handlers';
import { createHttpExecutor, type HttpExecutorOptions, HttpStatusError, sendHttp } from './http';
import type { AttemptEndedSignal, AttemptReporter, AttemptSignals, PayloadActivities, RunPayloadInput } from './types';

export {
  defineHandler,
  demoHandlers,
  type HandlerContext,
  type HandlerDefinition,
  type HandlerLogger,
  type HandlerRegistry,
  handlerRegistry,
  handlersOfModule,
  type JobHandler,
  NonRetryableError,
} from './handlers';
export type {
  AttemptEndedSignal,
  AttemptReporter,
  AttemptSignals,
  AttemptStartedSignal,
  PayloadActivities,
  RunPayloadInput,
} from './types';

/** Collaborators of the activities. */
export interface ActivityDeps {
  /** Identity of this worker, recorded with every attempt. */
  workerIdentity: string;
  /** Handler functions by name. */
  handlers: HandlerRegistry;
  /** SSRF allow-list and limits of `http` payloads (default: no internal target allowed, 1 MiB, 5 redirects). */
  http?: HttpExecutorOptions;
  /**
   * Tells the job's workflow that an attempt started / ended (execution records per attempt and
   * worker, `RunningWorker` search attribute). Default: none (the workflow then records only the
   * outcome Temporal reports). Failures to report are logged, never fail the attempt.
   */
  reportAttempt?: AttemptReporter;
}

/** Longest wait for an attempt signal to be accepted before the attempt goes on without it (ms). */
const REPORT_TIMEOUT_MS = 5_000;

/** Heartbeat period while an attempt runs: a third of the heartbeat timeout, 1 s when none is set. */
function heartbeatPeriodMs(heartbeatTimeoutMs: number | undefined): number {
  return heartbeatTimeoutMs ? Math.max(100, Math.floor(heartbeatTimeoutMs / 3)) : 1_000;
}

/** Heartbeat details of an attempt: the handler's last checkpoint, carried to the next attempt. */
interface HeartbeatDetails {
  checkpoint?: unknown;
}

function isDetails(value: unknown): value is HeartbeatDetails {
  return typeof value === 'object' && value !== null && 'checkpoint' in value;
}

/**
 * Builds the activities the worker registers.
 * @returns `{ runPayload }`, see {@link PayloadActivities}.
 */
export function createActivities(deps: ActivityDeps): PayloadActivities {
  const report = async <K extends keyof AttemptSignals>(jobId: string, name: K, event: AttemptSignals[K]) => {
    if (!deps.reportAttempt) return;
    try {
      await Promise.race([
        deps.reportAttempt(jobId, name, event),
        new Promise((_, reject) => setTimeout(reject, REPORT_TIMEOUT_MS, new Error('timed out')).unref()),
      ]);
    } catch (err) {
      Context.current().log.warn(`could not report ${name} to the job workflow`, { error: (err as Error).message });
    }
  };
  const http = createHttpExecutor(deps.http);
  return {
    async runPayload(input: RunPayloadInput): Promise<AttemptReport> {
      const ctx = Context.current();
      const attemptReport: AttemptReport = { attempt: ctx.info.attempt, worker_id: deps.workerIdentity };
      const reported = {
        execution_id: input.idempotency_key,
        attempt: attemptReport.attempt,
        worker_id: deps.workerIdentity,
      };
      // The previous attempt's checkpoint is sent again with every heartbeat until the handler saves a
      // newer one, so that an attempt dying before its first checkpoint does not erase it.
      let details: HeartbeatDetails | undefined = isDetails(ctx.info.heartbeatDetails)
        ? ctx.info.heartbeatDetails
        : undefined;
      // Heartbeat while the attempt runs: a dead worker is noticed after heartbeat_timeout,
      // and cancellation reaches us through the heartbeat response.
      const beat = setInterval(() => ctx.heartbeat(details), heartbeatPeriodMs(ctx.info.heartbeatTimeoutMs));
      // Not awaited before the payload, so it does not delay the start; awaited before the end is
      // reported, so the workflow always sees an attempt's start before its end.
      const startReported = report(input.job_id, 'attemptStarted', {
        ...reported,
        started_at: new Date().toISOString(),
      });
      try {
        if (attemptReport.attempt === 1 && input.hold_ms) {
          await holdUntil(Date.parse(input.scheduled_time), input.hold_ms, ctx.cancellationSignal);
        }
        const { payload } = input;
        if (payload.type === 'http') {
          const outcome = await sendHttp(payload, input.idempotency_key, ctx.cancellationSignal, http);
          attemptReport.http_status = outcome.status;
        } else {
          const handler = deps.handlers.get(payload.name);
          if (handler === undefined) {
            throw ApplicationFailure.create({
              message: `no handler named "${payload.name}" is registered on worker ${deps.workerIdentity}`,
              type: 'UnknownHandler',
              nonRetryable: true,
              details: [attemptReport],
            });
          }
          const handlerContext: HandlerContext = {
            jobId: input.job_id,
            idempotencyKey: input.idempotency_key,
            scheduledTime: input.scheduled_time,
            attempt: attemptReport.attempt,
            workerId: deps.workerIdentity,
            signal: ctx.cancellationSignal,
            get lastCheckpoint() {
              return details?.checkpoint;
            },
            checkpoint(state) {
              details = { checkpoint: state };
              ctx.heartbeat(details);
            },
            logger: ctx.log,
            job_id: input.job_id,
            idempotency_key: input.idempotency_key,
            scheduled_time: input.scheduled_time,
          };
          await handler(payload.args, handlerContext);
        }
        const finishedAt = new Date().toISOString();
        await startReported;
        await report(input.job_id, 'attemptEnded', { ...reported, finished_at: finishedAt, status: 'succeeded' });
        return attemptReport;
      } catch (err) {
        const failure = toFailure(err, attemptReport, ctx);
        await startReported;
        await report(input.job_id, 'attemptEnded', {
          ...reported,
          finished_at: new Date().toISOString(),
          ...endOf(failure),
        });
        throw failure;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

/** How an attempt that threw `failure` ended, for its execution record. */
function endOf(failure: Error): Pick<AttemptEndedSignal, 'status' | 'error'> {
  if (failure instanceof CancelledFailure) {
    const timedOut = failure.message === 'TIMED_OUT';
    return {
      status: timedOut ? 'timed_out' : 'cancelled',
      error: {
        message: timedOut ? 'attempt timed out' : 'attempt was cancelled',
        type: timedOut ? 'Timeout' : 'Cancelled',
        non_retryable: !timedOut,
      },
    };
  }
  const app = failure instanceof ApplicationFailure ? failure : undefined;
  return {
    status: 'failed',
    error: { message: failure.message, type: app?.type ?? failure.name, non_retryable: app?.nonRetryable === true },
  };
}

/**
 * Waits until `atMs` (epoch ms, this worker's clock) but never longer than `maxMs`,
 * so that a clock that disagrees with the server's (or a time-skipping test server) cannot stall an attempt.
 * @throws the signal's reason when cancelled while waiting.
 */
async function holdUntil(atMs: number, maxMs: number, signal: AbortSignal): Promise<void> {
  const waitMs = Math.min(maxMs, atMs - Date.now());
  if (waitMs <= 0) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, waitMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Coerces whatever an attempt threw into what crosses Temporal, once, at the boundary.
 * A worker shutting down (grace period over) hands the attempt back with a retryable
 * `WorkerShutdown` failure, so Temporal retries it on another worker; a cancellation the server
 * asked for (job cancelled, attempt timed out) stays a CancelledFailure.
 */
function toFailure(err: unknown, report: AttemptReport, ctx: Context): Error {
  if (err instanceof ApplicationFailure) return err;
  const signal = ctx.cancellationSignal;
  if (signal.aborted) {
    if (ctx.cancellationDetails?.workerShutdown === true) {
      return ApplicationFailure.create({
        message: `worker ${report.worker_id} shut down before the attempt finished; it is retried on another worker`,
        type: 'WorkerShutdown',
        nonRetryable: false,
        details: [report],
      });
    }
    return signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('attempt cancelled');
  }
  if (err instanceof HttpStatusError) {
    return ApplicationFailure.create({
      message: err.message,
      type: 'HttpError',
      nonRetryable: !err.retryable,
      details: [{ ...report, http_status: err.status }],
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return ApplicationFailure.create({
    message: cause ? `${error.message}: ${cause}` : error.message,
    type: error.name || 'Error',
    nonRetryable: error instanceof NonRetryableError,
    details: [report],
  });
}
