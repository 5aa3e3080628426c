/**
 * Activity implementations, built by a factory so the worker passes real
 * collaborators and tests pass their own (samples-typescript style).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { AttemptReport } from '../domain/job-state';
import { type HandlerRegistry, NonRetryableError } from './handlers';
import { createHttpExecutor, type HttpExecutorOptions, HttpStatusError, sendHttp } from './http';
import type { PayloadActivities, RunPayloadInput } from './types';

export {
  demoHandlers,
  type HandlerContext,
  type HandlerRegistry,
  type JobHandler,
  NonRetryableError,
} from './handlers';
export type { PayloadActivities, RunPayloadInput } from './types';

/** Collaborators of the activities. */
export interface ActivityDeps {
  /** Identity of this worker, recorded with every attempt. */
  workerIdentity: string;
  /** Handler functions by name. */
  handlers: HandlerRegistry;
  /** SSRF allow-list and limits of `http` payloads (default: no internal target allowed, 1 MiB, 5 redirects). */
  http?: HttpExecutorOptions;
}

/** Heartbeat period while an attempt runs: a third of the heartbeat timeout, 1 s when none is set. */
function heartbeatPeriodMs(heartbeatTimeoutMs: number | undefined): number {
  return heartbeatTimeoutMs ? Math.max(100, Math.floor(heartbeatTimeoutMs / 3)) : 1_000;
}

/**
 * Builds the activities the worker registers.
 * @returns `{ runPayload }`, see {@link PayloadActivities}.
 */
export function createActivities(deps: ActivityDeps): PayloadActivities {
  const http = createHttpExecutor(deps.http);
  return {
    async runPayload(input: RunPayloadInput): Promise<AttemptReport> {
      const ctx = Context.current();
      const report: AttemptReport = { attempt: ctx.info.attempt, worker_id: deps.workerIdentity };
      // Heartbeat while the attempt runs: a dead worker is noticed after heartbeat_timeout,
      // and cancellation reaches us through the heartbeat response.
      const beat = setInterval(() => ctx.heartbeat(), heartbeatPeriodMs(ctx.info.heartbeatTimeoutMs));
      try {
        if (report.attempt === 1 && input.hold_ms) {
          await holdUntil(Date.parse(input.scheduled_time), input.hold_ms, ctx.cancellationSignal);
        }
        const { payload } = input;
        if (payload.type === 'http') {
          const outcome = await sendHttp(payload, input.idempotency_key, ctx.cancellationSignal, http);
          report.http_status = outcome.status;
        } else {
          const handler = deps.handlers.get(payload.name);
          if (handler === undefined) {
            throw ApplicationFailure.create({
              message: `no handler named "${payload.name}" is registered on worker ${deps.workerIdentity}`,
              type: 'UnknownHandler',
              nonRetryable: true,
              details: [report],
            });
          }
          await handler(payload.args, {
            job_id: input.job_id,
            idempotency_key: input.idempotency_key,
            scheduled_time: input.scheduled_time,
            attempt: report.attempt,
            signal: ctx.cancellationSignal,
          });
        }
        return report;
      } catch (err) {
        throw toFailure(err, report, ctx.cancellationSignal);
      } finally {
        clearInterval(beat);
      }
    },
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

/** Coerces whatever an attempt threw into what crosses Temporal, once, at the boundary. */
function toFailure(err: unknown, report: AttemptReport, signal: AbortSignal): Error {
  if (err instanceof ApplicationFailure) return err;
  if (signal.aborted) {
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
