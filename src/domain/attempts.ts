/**
 * The attempt list of one occurrence: one record per attempt with its worker, start, end, status
 * and error. The payload activity keeps the list in its heartbeat details (AttemptDetails), which
 * Temporal hands to the next attempt, and returns it with its result or failure; the workflow
 * closes it with the occurrence's outcome. Pure and workflow-safe: no I/O, no clock.
 */
import type { AttemptRecord, ExecutionError, ExecutionStatus } from './job-state';

/** An attempt that starts on a worker. Times UTC RFC 3339. */
export interface AttemptStartedEvent {
  execution_id: string;
  attempt: number;
  worker_id: string;
  started_at: string;
}

/** How an attempt ended on its worker. Times UTC RFC 3339. */
export interface AttemptEndedEvent {
  execution_id: string;
  attempt: number;
  worker_id: string;
  finished_at: string;
  status: 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
  error?: ExecutionError;
}

/** Most workers kept in the `WorkerIds` search attribute (newest last). */
export const MAX_WORKER_IDS = 10;

/** Error of an attempt whose worker stopped heartbeating before it ended. */
function workerLost(workerId: string | null): ExecutionError {
  return {
    message:
      workerId === null
        ? 'the attempt left no record: its worker died or lost its connection before it reported'
        : `worker ${workerId} stopped heartbeating (died or lost its connection)`,
    type: 'WorkerLost',
    non_retryable: false,
  };
}

/**
 * Adds a started attempt to `attempts` (sorted by attempt number). Older attempts still
 * `running` are marked `worker_lost`, ended at the new attempt's start; an older attempt number
 * missing from the list (its worker died before it could record itself) is added as `worker_lost`
 * with an unknown worker. A duplicate start is ignored.
 * @returns a new list.
 */
export function withStarted(attempts: readonly AttemptRecord[], event: AttemptStartedEvent): AttemptRecord[] {
  if (attempts.some((a) => a.attempt === event.attempt)) return [...attempts];
  const missing: AttemptRecord[] = [];
  for (let n = 1; n < event.attempt; n++) {
    if (attempts.some((a) => a.attempt === n)) continue;
    missing.push({
      attempt: n,
      worker_id: null,
      started_at: event.started_at,
      finished_at: event.started_at,
      status: 'worker_lost',
      error: workerLost(null),
    });
  }
  const updated = attempts.map(
    (a): AttemptRecord =>
      a.status === 'running' && a.attempt < event.attempt
        ? {
            ...a,
            status: 'worker_lost',
            finished_at: event.started_at,
            error: workerLost(a.worker_id),
          }
        : a,
  );
  updated.push(...missing, {
    attempt: event.attempt,
    worker_id: event.worker_id,
    started_at: event.started_at,
    finished_at: null,
    status: 'running',
  });
  return updated.sort((a, b) => a.attempt - b.attempt);
}

/**
 * Records how an attempt ended. Only a `running` attempt changes (a worker that was given up for
 * lost keeps `worker_lost`); an end without a start adds a record starting at its end.
 * @returns a new list.
 */
export function withEnded(attempts: readonly AttemptRecord[], event: AttemptEndedEvent): AttemptRecord[] {
  const ended = (a: AttemptRecord): AttemptRecord => ({
    ...a,
    status: event.status,
    finished_at: event.finished_at,
    ...(event.error ? { error: event.error } : {}),
  });
  if (!attempts.some((a) => a.attempt === event.attempt)) {
    const record: AttemptRecord = {
      attempt: event.attempt,
      worker_id: event.worker_id,
      started_at: event.finished_at,
      finished_at: null,
      status: 'running',
    };
    return [...attempts, ended(record)].sort((a, b) => a.attempt - b.attempt);
  }
  return attempts.map((a) => (a.attempt === event.attempt && a.status === 'running' ? ended(a) : a));
}

/** How the occurrence ended, as jobWorkflow knows it from the activity's result or failure. */
export interface OccurrenceOutcome {
  status: ExecutionStatus;
  /** Last attempt's number, when known. */
  attempts: number | null;
  error?: ExecutionError;
  /** UTC RFC 3339, workflow clock. */
  finished_at: string;
}

/**
 * Closes the attempts still `running` when the occurrence ends: the last one takes the
 * occurrence's outcome (`timed_out` for a timeout: with a heartbeat timeout its worker was lost),
 * earlier ones are `worker_lost`.
 * @returns a new list.
 */
export function closedAttempts(attempts: readonly AttemptRecord[], outcome: OccurrenceOutcome): AttemptRecord[] {
  const last = attempts.at(-1)?.attempt;
  return attempts.map((a): AttemptRecord => {
    if (a.status !== 'running') return a;
    if (a.attempt !== last || (outcome.attempts !== null && outcome.attempts > a.attempt)) {
      return { ...a, status: 'worker_lost', finished_at: outcome.finished_at };
    }
    const status: AttemptRecord['status'] =
      outcome.status === 'succeeded'
        ? 'succeeded'
        : outcome.status === 'cancelled'
          ? 'cancelled'
          : outcome.error?.type === 'Timeout'
            ? 'timed_out'
            : 'failed';
    return {
      ...a,
      status,
      finished_at: outcome.finished_at,
      ...(outcome.error && status !== 'succeeded' ? { error: outcome.error } : {}),
    };
  });
}

/**
 * `workers` with `workerId` moved to the end, at most {@link MAX_WORKER_IDS} (oldest dropped).
 * @returns a new list.
 */
export function withWorker(workers: readonly string[], workerId: string): string[] {
  return [...workers.filter((w) => w !== workerId), workerId].slice(-MAX_WORKER_IDS);
}
