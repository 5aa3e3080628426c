/**
 * The worker's own metrics about job executions (Prometheus, prom-client), next to the
 * Temporal SDK's runtime metrics:
 * - `scheduler_executions_total{status}`: attempts that ended, by outcome (`succeeded`, `failed`, `cancelled`);
 * - `scheduler_execution_fire_lag_seconds`: histogram of (start of the body of an occurrence's first
 *   attempt − its fire time); an attempt dispatched ahead of its fire time is held until then;
 * - `scheduler_execution_retries_total`: attempts with attempt number > 1;
 * - `scheduler_execution_checkpoints_total`: heartbeats that carried a new checkpoint;
 * - `scheduler_execution_duration_seconds`: histogram of attempt durations, by outcome.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** Outcome label of an attempt. */
export type ExecutionStatus = 'succeeded' | 'failed' | 'cancelled';

/** The execution metrics registered on one registry. */
export interface ExecutionMetrics {
  executions: Counter<'status'>;
  fireLag: Histogram;
  retries: Counter;
  checkpoints: Counter;
  duration: Histogram<'status'>;
}

/** Fire-lag buckets in seconds: 5 ms … 5 min (the misfire grace is 60 s). */
export const FIRE_LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Registers the execution metrics on `registry` (one call per registry). */
export function createExecutionMetrics(registry: Registry): ExecutionMetrics {
  const registers = [registry];
  return {
    executions: new Counter({
      name: 'scheduler_executions_total',
      help: 'Job execution attempts that ended, by status (succeeded, failed, cancelled)',
      labelNames: ['status'],
      registers,
    }),
    fireLag: new Histogram({
      name: 'scheduler_execution_fire_lag_seconds',
      help: "Start of the body of an occurrence's first attempt minus its fire time, in seconds",
      buckets: FIRE_LAG_BUCKETS,
      registers,
    }),
    retries: new Counter({
      name: 'scheduler_execution_retries_total',
      help: 'Job execution attempts after the first (attempt > 1)',
      registers,
    }),
    checkpoints: new Counter({
      name: 'scheduler_execution_checkpoints_total',
      help: 'Checkpoints saved by running attempts (heartbeats carrying a new checkpoint)',
      registers,
    }),
    duration: new Histogram({
      name: 'scheduler_execution_duration_seconds',
      help: 'Duration of one job execution attempt, in seconds, by status',
      labelNames: ['status'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
  };
}
