/**
 * Activity implementations, built by a factory so the worker passes real
 * collaborators and tests pass their own (samples-typescript style).
 */

import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { LRUCache } from 'lru-cache';
import { type AttemptEndedEvent, withEnded, withStarted } from '../domain/attempts';
import type { AttemptDetails, AttemptRecord, AttemptReport } from '../domain/job-state';
import { captureOutput } from '../domain/output';
import { HOLD_HEARTBEAT_BEFORE_MS } from '../workflows/contract';
import { type HandlerContext, type HandlerRegistry, NonRetryableError } from './handlers';
import { createHttpExecutor, type HttpExecutorOptions, HttpStatusError, sendHttp } from './http';
import { createAlertActivities } from './notify';
import type { AlertActivities, PayloadActivities, RegistryActivities, RunPayloadInput } from './types';

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
  AlertActivities,
  AlertInput,
  AlertResult,
  PayloadActivities,
  RegistryActivities,
  RunPayloadInput,
} from './types';

/** Collaborators of the activities. */
export interface ActivityDeps {
  /** Identity of this worker, recorded with every attempt. */
  workerIdentity: string;
  /** Handler functions by name. */
  handlers: HandlerRegistry;
  /** SSRF allow-list and limits of `http` payloads (default: no internal target allowed, 1 MiB, 5 redirects); alerts share the guard. */
  http?: HttpExecutorOptions;
  /** Alerts: the default target (config NOTIFY_URL) and the signing secret (NOTIFY_SIGNING_SECRET); default none. */
  notify?: { defaultUrl?: string | undefined; signingSecret?: string | undefined };
}

/** Heartbeat period while an attempt runs: a third of the heartbeat timeout, 1 s when none is set. */
function heartbeatPeriodMs(heartbeatTimeoutMs: number | undefined): number {
  return heartbeatTimeoutMs ? Math.max(100, Math.floor(heartbeatTimeoutMs / 3)) : 1_000;
}

/** `attempts` with attempt number `attempt`'s `started_at` set to `at` (UTC RFC 3339). */
function withBodyStart(attempts: readonly AttemptRecord[], attempt: number, at: string): AttemptRecord[] {
  return attempts.map((a) => (a.attempt === attempt ? { ...a, started_at: at } : a));
}

/** Slack of the hold's heartbeat schedule (ms): timers may fire a little early or late. */
const BEAT_TOLERANCE_MS = 5;

/** The heartbeat details a retry finds, or none (first attempt, or details of another shape). */
function priorDetails(value: unknown): AttemptDetails {
  if (typeof value !== 'object' || value === null) return { attempts: [] };
  const details = value as Partial<AttemptDetails>;
  return {
    attempts: Array.isArray(details.attempts) ? details.attempts : [],
    ...('checkpoint' in details ? { checkpoint: details.checkpoint } : {}),
  };
}

/**
 * What a local activity's attempts leave for its next attempt (a local activity has no heartbeat
 * details), by idempotency key: kept in this worker's memory, at most
 * {@link LOCAL_ATTEMPTS_MAX} occurrences for at most {@link LOCAL_ATTEMPTS_TTL_MS} each. A retry
 * on another worker (after this one died) starts a new list.
 */
function localAttemptMemory(): LRUCache<string, AttemptDetails> {
  return new LRUCache<string, AttemptDetails>({ max: LOCAL_ATTEMPTS_MAX, ttl: LOCAL_ATTEMPTS_TTL_MS });
}

/** Occurrences whose local-activity attempt list a worker keeps at once. */
const LOCAL_ATTEMPTS_MAX = 10_000;
/** How long a worker keeps a local activity's attempt list after its last attempt (ms): 24 h. */
const LOCAL_ATTEMPTS_TTL_MS = 24 * 3_600_000;

/**
 * Builds the activities the worker registers.
 * @returns `{ runPayload, sendAlert, handlerNames }`, see {@link PayloadActivities},
 *   {@link AlertActivities} and {@link RegistryActivities}.
 */
export function createActivities(deps: ActivityDeps): PayloadActivities & AlertActivities & RegistryActivities {
  const http = createHttpExecutor(deps.http);
  const localAttempts = localAttemptMemory();
  return {
    ...createAlertActivities({ ...deps.notify, ...(deps.http ? { http: deps.http } : {}) }),
    handlerNames: async () => [...deps.handlers.keys()].sort(),
    async runPayload(input: RunPayloadInput): Promise<AttemptReport> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      // A local activity (run_as: local_activity) sends no heartbeats: its attempt list and
      // checkpoint stay in this worker's memory between attempts.
      const local = ctx.info.isLocal;
      const key = input.idempotency_key;
      const report: AttemptReport = { attempt, worker_id: deps.workerIdentity };
      const own = { execution_id: input.idempotency_key, attempt, worker_id: deps.workerIdentity };
      // This attempt joins the list its predecessors left in the heartbeat details; the list is
      // sent with the attempt's first heartbeat, so a retry after this worker dies knows it ran here.
      // The previous attempt's checkpoint is sent again until the handler saves a newer one, so an
      // attempt dying before its first checkpoint does not erase it.
      const startedAtMs = Date.now();
      let details: AttemptDetails = priorDetails(
        local ? (attempt > 1 ? localAttempts.get(key) : undefined) : ctx.info.heartbeatDetails,
      );
      details = {
        ...details,
        attempts: withStarted(details.attempts, { ...own, started_at: new Date(startedAtMs).toISOString() }),
      };
      const beat = local ? () => void localAttempts.set(key, details) : () => ctx.heartbeat(details);
      let timer: NodeJS.Timeout | undefined;
      let bodyStarted = false;
      const end = (ended: Pick<AttemptEndedEvent, 'status' | 'error'>): AttemptRecord[] => {
        clearInterval(timer);
        details = {
          ...details,
          attempts: withEnded(details.attempts, { ...own, finished_at: new Date().toISOString(), ...ended }),
        };
        return details.attempts;
      };
      try {
        // Held until the fire time, at most hold_ms. The last heartbeat goes out
        // HOLD_HEARTBEAT_BEFORE_MS before the fire time, so a cancel, pause or PATCH during the lead
        // reaches the attempt before its body starts; earlier ones (a hold longer than a heartbeat
        // period) are spaced a period apart, counted back from it, so none is held back by the
        // SDK's heartbeat throttling.
        const fireMs = Date.parse(input.fire_time ?? input.scheduled_time);
        const heldAtMs = Date.now();
        const holdUntil = heldAtMs + Math.max(0, Math.min(input.hold_ms ?? 0, fireMs - heldAtMs));
        const lastBeatAt = holdUntil - HOLD_HEARTBEAT_BEFORE_MS;
        const period = heartbeatPeriodMs(ctx.info.heartbeatTimeoutMs);
        if (!local && lastBeatAt - Date.now() > BEAT_TOLERANCE_MS) {
          let wait = (lastBeatAt - Date.now()) % period || period;
          while (lastBeatAt - Date.now() > BEAT_TOLERANCE_MS) {
            await hold(Math.min(wait, lastBeatAt - Date.now()), ctx.cancellationSignal);
            beat();
            wait = period;
          }
        } else {
          beat();
        }
        const held = holdUntil > startedAtMs;
        // A timer may fire a millisecond before the wall clock reaches its end: wait out the rest.
        do await hold(holdUntil - Date.now(), ctx.cancellationSignal);
        while (Date.now() < holdUntil);
        bodyStarted = true;
        // A held attempt's record starts when its body starts (what lag and duration are measured from).
        if (held)
          details = { ...details, attempts: withBodyStart(details.attempts, attempt, new Date().toISOString()) };
        // Heartbeat while the body runs: a dead worker is noticed after heartbeat_timeout, and
        // cancellation reaches the attempt through the heartbeat response.
        if (!local) timer = setInterval(beat, period);
        const { payload } = input;
        if (payload.type === 'http') {
          const outcome = await sendHttp(payload, input.idempotency_key, ctx.cancellationSignal, http);
          report.http_status = outcome.status;
          report.http = outcome;
        } else {
          const handler = deps.handlers.get(payload.name);
          if (handler === undefined) {
            throw ApplicationFailure.create({
              message: `no handler named "${payload.name}" is registered on worker ${deps.workerIdentity}`,
              type: 'UnknownHandler',
              nonRetryable: true,
            });
          }
          const handlerContext: HandlerContext = {
            jobId: input.job_id,
            idempotencyKey: input.idempotency_key,
            scheduledTime: input.scheduled_time,
            attempt,
            workerId: deps.workerIdentity,
            signal: ctx.cancellationSignal,
            get lastCheckpoint() {
              return details.checkpoint;
            },
            checkpoint(state) {
              details = { ...details, checkpoint: state };
              beat();
            },
            logger: ctx.log,
          };
          Object.assign(report, captureOutput(await handler(payload.args, handlerContext)));
        }
        const attempts = end({ status: 'succeeded' });
        if (local) localAttempts.delete(key);
        return { ...report, attempts };
      } catch (err) {
        const failure = toFailure(err, report, ctx);
        const attempts = end(endOf(failure));
        // The next attempt reads the list from the last heartbeat: record how this one ended.
        beat();
        throw withAttempts(failure, { ...report, attempts, ...(bodyStarted ? {} : { held: true }) });
      } finally {
        clearInterval(timer);
      }
    },
  };
}

/** `failure` with `report` (and its attempt list) as its first detail, for the workflow's record. */
function withAttempts(failure: Error, report: AttemptReport): Error {
  if (failure instanceof ApplicationFailure) {
    const [first, ...rest] = failure.details ?? [];
    const known = (typeof first === 'object' && first !== null ? first : {}) as Partial<AttemptReport>;
    const httpStatus = known.http_status ?? report.http_status;
    return ApplicationFailure.create({
      message: failure.message,
      type: failure.type ?? 'Error',
      nonRetryable: failure.nonRetryable === true,
      details: [{ ...known, ...report, ...(httpStatus !== undefined ? { http_status: httpStatus } : {}) }, ...rest],
      ...(failure.nextRetryDelay !== undefined ? { nextRetryDelay: failure.nextRetryDelay } : {}),
      ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
    });
  }
  if (failure instanceof CancelledFailure) return new CancelledFailure(failure.message, [report]);
  return failure;
}

/** How an attempt that threw `failure` ended, for its execution record. */
function endOf(failure: Error): Pick<AttemptEndedEvent, 'status' | 'error'> {
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
 * Waits `ms` milliseconds (nothing when `ms` <= 0).
 * @throws the signal's reason when cancelled while waiting.
 */
async function hold(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  if (ms <= 0) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
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
      details: [{ ...report, http_status: err.status, http: err.answer }],
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
