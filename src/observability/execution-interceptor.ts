/**
 * A Temporal activity interceptor (worker option `interceptors.activity`) that observes every
 * job execution attempt without touching the executors' code: it updates the execution
 * metrics (./execution-metrics.ts) and writes one structured log line when an attempt starts
 * and one when it ends, each with `job_id`, `occurrence` (scheduled time, UTC RFC 3339),
 * `attempt`, `worker` and `idempotency_key`.
 * Source: Temporal TypeScript SDK, "Interceptors" (ActivityInboundCallsInterceptor.execute).
 */
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from '../logger';
import type { ExecutionMetrics, ExecutionStatus } from './execution-metrics';

/** Options of {@link executionInterceptor}. */
export interface ExecutionInterceptorOptions {
  metrics: ExecutionMetrics;
  logger: Logger;
  workerIdentity: string;
  /** Clock, epoch ms (tests may pass their own). */
  now?: () => number;
}

/** The fields of a job execution's activity input that we observe (src/activities/types.ts). */
interface ExecutionInput {
  job_id: string;
  scheduled_time: string;
  /** Fire time (scheduled time plus jitter), UTC RFC 3339, when it differs from `scheduled_time`. */
  fire_time?: string;
  idempotency_key?: string;
}

/**
 * When attempt `attempt`'s body started (epoch ms), from the attempt list (`attempts`) that the
 * payload activity's result, or its failure's first detail, carries; null when there is none.
 */
function bodyStartMs(value: unknown, attempt: number): number | null {
  const report =
    value instanceof Error ? (value as { details?: unknown[] }).details?.[0] : (value as { attempts?: unknown } | null);
  const attempts = (report as { attempts?: unknown } | undefined | null)?.attempts;
  if (!Array.isArray(attempts)) return null;
  const own = attempts.find((a) => (a as { attempt?: unknown })?.attempt === attempt) as
    | { started_at?: unknown }
    | undefined;
  const ms = typeof own?.started_at === 'string' ? Date.parse(own.started_at) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

function executionInput(args: readonly unknown[]): ExecutionInput | null {
  const input = args[0] as Partial<ExecutionInput> | undefined;
  if (input === null || typeof input !== 'object') return null;
  if (typeof input.job_id !== 'string' || typeof input.scheduled_time !== 'string') return null;
  return input as ExecutionInput;
}

function statusOf(err: unknown, ctx: Context): ExecutionStatus {
  return err instanceof CancelledFailure || ctx.cancellationSignal.aborted ? 'cancelled' : 'failed';
}

/** The `checkpoint` field of heartbeat details (`{attempts, checkpoint?}`), if any. */
function checkpointOf(details: unknown): unknown {
  return typeof details === 'object' && details !== null ? (details as { checkpoint?: unknown }).checkpoint : undefined;
}

/**
 * Counts checkpoints by wrapping this attempt's heartbeat function: heartbeats whose details carry a
 * checkpoint other than the last one sent (every heartbeat carries the attempt records; a checkpoint
 * the previous attempt left is sent again unchanged and is not counted).
 */
function countCheckpoints(ctx: Context, onCheckpoint: () => void): void {
  const target = ctx as unknown as { heartbeatFn: (details?: unknown) => void };
  const original = target.heartbeatFn;
  if (typeof original !== 'function') return;
  let last = checkpointOf(ctx.info.heartbeatDetails);
  target.heartbeatFn = (details?: unknown) => {
    const checkpoint = checkpointOf(details);
    if (checkpoint !== undefined && checkpoint !== last) onCheckpoint();
    last = checkpoint;
    original.call(ctx, details);
  };
}

/** The activity that runs a job's payload: the one execution metrics and logs count. */
const PAYLOAD_ACTIVITY = 'runPayload';

/**
 * Builds the interceptor factory. Other activities (`sendAlert`, `handlerNames`), and a payload
 * activity whose first argument is not a job execution input (`{job_id, scheduled_time}`), pass
 * through untouched.
 */
export function executionInterceptor({
  metrics,
  logger,
  workerIdentity,
  now = Date.now,
}: ExecutionInterceptorOptions): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        // Only the payload activity is a job execution (not the alert or registry activities).
        const execution = ctx.info.activityType === PAYLOAD_ACTIVITY ? executionInput(input.args) : null;
        if (execution === null) return next(input);
        const { attempt } = ctx.info;
        const startedAt = now();
        const log = logger.child({
          job_id: execution.job_id,
          occurrence: execution.scheduled_time,
          attempt,
          worker: workerIdentity,
          ...(execution.idempotency_key ? { idempotency_key: execution.idempotency_key } : {}),
        });
        if (attempt > 1) metrics.retries.inc();
        // Fire lag of a first attempt: its body's start (an attempt dispatched ahead of its fire
        // time is held until then) minus the fire time, observed when the attempt ends.
        const observeFireLag = (outcome: unknown) => {
          const fire = Date.parse(execution.fire_time ?? execution.scheduled_time);
          if (attempt !== 1 || !Number.isFinite(fire)) return;
          metrics.fireLag.observe(Math.max(0, (bodyStartMs(outcome, attempt) ?? startedAt) - fire) / 1000);
        };
        countCheckpoints(ctx, () => metrics.checkpoints.inc());
        log.info({ lag_ms: startedAt - Date.parse(execution.scheduled_time) }, 'execution started');
        try {
          const result = await next(input);
          observeFireLag(result);
          const seconds = (now() - startedAt) / 1000;
          metrics.executions.inc({ status: 'succeeded' });
          metrics.duration.observe({ status: 'succeeded' }, seconds);
          log.info({ status: 'succeeded', duration_ms: Math.round(seconds * 1000) }, 'execution ended');
          return result;
        } catch (err) {
          const status = statusOf(err, ctx);
          if (status === 'failed') observeFireLag(err);
          const seconds = (now() - startedAt) / 1000;
          metrics.executions.inc({ status });
          metrics.duration.observe({ status }, seconds);
          log.warn(
            { status, duration_ms: Math.round(seconds * 1000), error: (err as Error)?.message ?? String(err) },
            'execution ended',
          );
          throw err;
        }
      },
    },
  });
}
