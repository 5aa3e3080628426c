/**
 * The occurrence ledger: every occurrence of a job ends as exactly one entry outcome —
 * `succeeded`, `failed`, `skipped` (reason `overlap`, `paused` or `misfire`) or `cancelled` — and is
 * counted in {@link LedgerCounts}. The job keeps a bounded window of the newest entries
 * (MAX_RECORDED_EXECUTIONS) and the counts for its whole life, both carried across continue-as-new.
 * Consecutive skipped occurrences with the same reason share one entry with a `count`, so a 3 h
 * outage of a per-second job is one entry, not 10,800. Pure and workflow-safe.
 */

import { initialHealth } from './health';
import {
  type ExecutionRecord,
  idempotencyKey,
  type JobProgress,
  type LedgerCounts,
  MAX_RECORDED_EXECUTIONS,
  type SkipReason,
} from './job-state';
import type { OccurrenceSpan } from './misfire';

/** Counts of a job that has not handled any occurrence. */
export function emptyCounts(): LedgerCounts {
  return { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
}

/** Progress of a job that has not handled any occurrence (the state continue-as-new carries). */
export function emptyProgress(): JobProgress {
  return {
    status: 'pending',
    next_run_time: null,
    last_run_time: null,
    retry_count: 0,
    executions: [],
    generation: 0,
    counts: emptyCounts(),
    next_occurrence: null,
    paused: false,
    scheduled_runs: 0,
    ledger_seq: 0,
    waiting: [],
    health: initialHealth(),
  };
}

/** Number of occurrences an entry stands for (skipped entries may stand for many). */
export function occurrencesOf(entry: ExecutionRecord): number {
  return entry.count ?? 1;
}

/**
 * The ledger entry of a run of skipped occurrences.
 * @param jobId job id.
 * @param span the skipped occurrences (epoch ms).
 * @param reason why they were skipped.
 * @param nowMs when they were skipped, epoch ms (workflow clock).
 */
export function skippedEntry(jobId: string, span: OccurrenceSpan, reason: SkipReason, nowMs: number): ExecutionRecord {
  const now = new Date(nowMs).toISOString();
  return {
    execution_id: idempotencyKey(jobId, span.first),
    scheduled_time: new Date(span.first).toISOString(),
    started_at: now,
    finished_at: now,
    status: 'skipped',
    attempts: 0,
    worker_id: null,
    reason,
    trigger: 'schedule',
    count: span.count,
    ...(span.count > 1 ? { last_scheduled_time: new Date(span.last).toISOString() } : {}),
  };
}

/**
 * Adds an entry to the ledger of `progress` (mutated): numbers it (`seq`), counts it, and keeps the
 * newest MAX_RECORDED_EXECUTIONS entries. A skipped entry directly following a skipped entry with
 * the same reason (nothing else recorded in between) is merged into it.
 */
export function appendToLedger(progress: JobProgress, entry: ExecutionRecord): void {
  progress.counts[entry.status] += occurrencesOf(entry);

  const newest = progress.executions[0];
  if (
    entry.status === 'skipped' &&
    newest !== undefined &&
    newest.status === 'skipped' &&
    newest.reason === entry.reason &&
    newest.seq !== undefined
  ) {
    const count = occurrencesOf(newest) + occurrencesOf(entry);
    const merged: ExecutionRecord = {
      ...newest,
      finished_at: entry.finished_at,
      count,
      last_scheduled_time: entry.last_scheduled_time ?? entry.scheduled_time,
    };
    progress.executions = [merged, ...progress.executions.slice(1)];
    return;
  }
  const seq = progress.ledger_seq + 1;
  progress.ledger_seq = seq;
  progress.executions = [{ ...entry, seq }, ...progress.executions].slice(0, MAX_RECORDED_EXECUTIONS);
  // What a run returned or answered is kept for the newest entries only: the job's state (carried
  // across continue-as-new, answered by queries) stays well under Temporal's payload limits.
  const older = progress.executions[RECENT_OUTPUTS_KEPT];
  if (older !== undefined && (older.output !== undefined || older.http !== undefined)) {
    const { output: _output, output_truncated: _truncated, http: _http, ...rest } = older;
    progress.executions[RECENT_OUTPUTS_KEPT] = rest;
  }
}

/** How many of a job's newest ledger entries keep their `output` and `http`; older ones drop them. */
export const RECENT_OUTPUTS_KEPT = 10;

/** One page of ledger entries, newest first. */
export interface LedgerPage {
  executions: ExecutionRecord[];
  /** `seq` to pass as `beforeSeq` for the next page; null on the last page of the window. */
  next_before_seq: number | null;
}

/**
 * A page of the ledger window (newest first): up to `limit` entries with `seq` below `beforeSeq`.
 * Entries without `seq` (recorded by an earlier version) sort after all numbered ones, in window order.
 * @param window the job's executions, newest first.
 * @param limit page size (>= 1).
 * @param beforeSeq exclusive upper bound from the previous page, or undefined for the first page.
 */
export function ledgerPage(window: readonly ExecutionRecord[], limit: number, beforeSeq?: number): LedgerPage {
  const numbered = window.map((entry, index) => ({ entry, key: entry.seq ?? -index }));
  const rest = beforeSeq === undefined ? numbered : numbered.filter((n) => n.key < beforeSeq);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    executions: page.map((n) => n.entry),
    next_before_seq: rest.length > limit && last !== undefined ? last.key : null,
  };
}
