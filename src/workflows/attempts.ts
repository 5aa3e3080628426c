/**
 * Attempt tracking for jobWorkflow: one record per attempt of the running occurrence, with the
 * worker that ran it — also attempts that died with their worker (issue 4, the seed's Executions
 * table "one row per attempt").
 *
 * Temporal keeps only the last attempt of an activity, so each attempt tells its workflow itself:
 * the payload activity signals `attemptStarted` before it runs and `attemptEnded` when it ends on
 * its worker (src/activities/index.ts). An attempt superseded by a newer one without having ended
 * died with its worker (its heartbeats stopped): `worker_lost`, ended when the next one started.
 * While an attempt runs, the `RunningWorker` / `RunningAttempt` search attributes name it, so
 * `GET /job/executions?worker_id=` is one visibility query; `WorkerIds` lists recent workers.
 *
 * Workflow code: deterministic; state changes and upserts happen only in response to signals
 * and activity results recorded in history, so histories without these signals replay unchanged.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { defineSignal, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AttemptEndedSignal, AttemptStartedSignal } from '../activities/types';
import type { AttemptRecord, ExecutionError, ExecutionRecord, ExecutionStatus } from '../domain/job-state';
import { RUNNING_ATTEMPT, RUNNING_WORKER, WORKER_IDS } from '../domain/search-attributes';

/** Signal: an attempt of the running occurrence started on a worker. */
export const attemptStartedSignal = defineSignal<[AttemptStartedSignal]>('attemptStarted');
/** Signal: an attempt ended on its worker. */
export const attemptEndedSignal = defineSignal<[AttemptEndedSignal]>('attemptEnded');

/** Most workers kept in the `WorkerIds` search attribute (newest last). */
export const MAX_WORKER_IDS = 10;

/**
 * Adds a started attempt to `attempts` (sorted by attempt number). Older attempts still
 * `running` are marked `worker_lost`, ended at the new attempt's start. A duplicate start is ignored.
 * @returns a new list.
 */
export function withStarted(attempts: readonly AttemptRecord[], event: AttemptStartedSignal): AttemptRecord[] {
  if (attempts.some((a) => a.attempt === event.attempt)) return [...attempts];
  const updated = attempts.map(
    (a): AttemptRecord =>
      a.status === 'running' && a.attempt < event.attempt
        ? {
            ...a,
            status: 'worker_lost',
            finished_at: event.started_at,
            error: {
              message: `worker ${a.worker_id ?? '?'} stopped heartbeating (died or lost its connection)`,
              type: 'WorkerLost',
              non_retryable: false,
            },
          }
        : a,
  );
  updated.push({
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
export function withEnded(attempts: readonly AttemptRecord[], event: AttemptEndedSignal): AttemptRecord[] {
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

/** The attempts of the occurrence that runs now, fed by the attempt signals. */
export interface AttemptTracker {
  /** Starts collecting the attempts of the occurrence whose idempotency key is `executionId`. */
  begin(executionId: string): void;
  /**
   * Ends the occurrence: closes its running attempts with `outcome`, clears `RunningWorker`.
   * @returns its attempts, oldest first, or undefined when no attempt reported (e.g. an
   *   activity without a reporter).
   */
  finish(outcome: OccurrenceOutcome): AttemptRecord[] | undefined;
}

/**
 * Registers the attempt signal handlers on the current workflow (call once, at its start).
 * `WorkerIds` starts from the workflow's search attributes (carried across continue-as-new).
 */
export function trackAttempts(): AttemptTracker {
  let executionId: string | null = null;
  let attempts: AttemptRecord[] = [];
  let workers = [...(workflowInfo().typedSearchAttributes.get(WORKER_IDS) ?? [])];
  let published: string | null = null;

  /** Publishes the newest running attempt (or none) in the search attributes, when it changed. */
  const publishRunning = () => {
    const running = attempts.filter((a) => a.status === 'running').at(-1);
    const value =
      running === undefined || executionId === null
        ? null
        : JSON.stringify({ execution_id: executionId, attempt: running.attempt, started_at: running.started_at });
    if (value === published) return;
    const updates: SearchAttributeUpdatePair[] = [
      { key: RUNNING_WORKER, value: running?.worker_id ?? null },
      { key: RUNNING_ATTEMPT, value },
    ];
    if (running?.worker_id) {
      const next = withWorker(workers, running.worker_id);
      if (next.join('\n') !== workers.join('\n')) {
        workers = next;
        updates.push({ key: WORKER_IDS, value: workers });
      }
    }
    published = value;
    upsertSearchAttributes(updates);
  };

  setHandler(attemptStartedSignal, (event) => {
    if (event.execution_id !== executionId) return;
    attempts = withStarted(attempts, event);
    publishRunning();
  });
  setHandler(attemptEndedSignal, (event) => {
    if (event.execution_id !== executionId) return;
    attempts = withEnded(attempts, event);
    publishRunning();
  });

  return {
    begin(id) {
      executionId = id;
      attempts = [];
    },
    finish(outcome) {
      const result = attempts.length > 0 ? closedAttempts(attempts, outcome) : undefined;
      attempts = result ?? [];
      publishRunning();
      executionId = null;
      attempts = [];
      return result;
    },
  };
}

/**
 * Ends the tracked occurrence with `record`'s outcome and attaches its attempts.
 * @returns `record` with `attempt_history` (oldest first) when attempts reported, else `record`.
 */
export function withAttemptHistory(record: ExecutionRecord, tracker: AttemptTracker): ExecutionRecord {
  const history = tracker.finish({
    status: record.status,
    attempts: record.attempts,
    finished_at: record.finished_at,
    ...(record.error ? { error: record.error } : {}),
  });
  return history ? { ...record, attempt_history: history } : record;
}
