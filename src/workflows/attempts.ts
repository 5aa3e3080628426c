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
import { closedAttempts, type OccurrenceOutcome, withEnded, withStarted, withWorker } from '../domain/attempts';
import type { AttemptRecord, ExecutionRecord } from '../domain/job-state';
import { RUNNING_ATTEMPT, RUNNING_WORKER, WORKER_IDS } from '../domain/search-attributes';

/** Signal: an attempt of the running occurrence started on a worker. */
export const attemptStartedSignal = defineSignal<[AttemptStartedSignal]>('attemptStarted');
/** Signal: an attempt ended on its worker. */
export const attemptEndedSignal = defineSignal<[AttemptEndedSignal]>('attemptEnded');

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
 */
export function trackAttempts(): AttemptTracker {
  let executionId: string | null = null;
  let attempts: AttemptRecord[] = [];
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
      { key: RUNNING_WORKER, value: running === undefined ? null : running.worker_id },
      { key: RUNNING_ATTEMPT, value },
    ];
    if (running?.worker_id) {
      // Read from the workflow's own attributes: upserts update them, continue-as-new carries them.
      const workers = workflowInfo().typedSearchAttributes.get(WORKER_IDS) ?? [];
      const next = withWorker(workers, running.worker_id);
      if (next.join('\n') !== workers.join('\n')) updates.push({ key: WORKER_IDS, value: next });
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
