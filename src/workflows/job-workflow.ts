/**
 * jobWorkflow: one long-running workflow per job (workflow id = job id).
 * Loop: plan the next occurrence, publish it (search attributes), sleep until its fire time (its
 * scheduled time plus the job's jitter) or until an update wakes it, run it as an activity in the
 * background under the job's retry policy, keep planning while it runs (overlap policy), record
 * how every occurrence ended in the ledger, repeat; continue-as-new before the history grows large.
 * Occurrences missed while workers or the server were down follow the misfire policy
 * (src/domain/misfire.ts); occurrences due while the job is paused are skipped.
 * Source: the seed's scheduling + execution services, mapped onto Temporal in
 * ../shared/design/architecture.md ("Data flow of one job").
 *
 * Workflow code: deterministic, no Node APIs, imports domain code and activity types only.
 */

import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  isCancellation,
  log,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { parseDuration } from '../domain/duration';
import type { HandlerPayload, HttpPayload, JobPayload, JobSpec, JobStatus } from '../domain/job-spec';
import type { ExecutionRecord, ExecutionTrigger, JobDescription, JobProgress, SkipReason } from '../domain/job-state';
import { appendToLedger, emptyCounts, occurrencesOf, skippedEntry } from '../domain/ledger';
import { catchUpCount, missedBefore, type OccurrenceSpan, walkOccurrencesBefore } from '../domain/misfire';
import { fireTime } from '../domain/preview';
import { firstOccurrence, nextOccurrence, occurrenceAtOrAfter } from '../domain/schedule';
import { JOB_STATUS, LAST_RUN_TIME, NEXT_RUN_TIME } from '../domain/search-attributes';
import { type AttemptTracker, trackAttempts, withAttemptHistory } from './attempts';
import { legacyJobWorkflow } from './legacy-loop';
import { MIN_TIMER_MS, occurrenceKey, payloadActivity, type RunPayload, runOccurrence } from './occurrence';

/** Input of {@link jobWorkflow}. */
export interface JobWorkflowInput {
  /** The job spec; after a `PATCH`, the patched spec is carried across continue-as-new. */
  spec: JobSpec;
  /** Set when continuing as new: the progress so far. */
  progress?: JobProgress;
  /** Continue as new after this many occurrences in one run (default 500); tests lower it. */
  continue_as_new_after?: number;
}

/** Query: the job's current state (spec, status, next/last run, ledger window, counts). */
export const describeQuery = defineQuery<JobDescription>('describe');
/** Query: the job's ledger window, newest first. */
export const executionsQuery = defineQuery<ExecutionRecord[]>('executions');

/** Argument of the `trigger` update: run now, optionally with other handler args or HTTP body. */
export interface TriggerRequest {
  /** `handler` payloads: args for this run instead of the spec's. */
  args?: unknown;
  /** `http` payloads: body for this run instead of the spec's. */
  body?: unknown;
}

/** Answer of the `trigger` update. */
export interface TriggerAccepted {
  /** `<job_id>:manual:<time>`; also the idempotency key of the run. */
  execution_id: string;
  /** When it was requested (UTC): the run's `scheduled_time` in the ledger. */
  scheduled_time: string;
  /** `started` at once, or `queued` behind the running occurrence (never two runs at once). */
  status: 'started' | 'queued';
}

/** Argument of the `patch` update: the whole new spec, validated by the API like a submission. */
export interface PatchRequest {
  spec: JobSpec;
}

/** Update: pause the job; occurrences due while paused are skipped (reason `paused`). Answers the new state. */
export const pauseUpdate = defineUpdate<JobDescription>('pause');
/** Update: resume a paused job from its next occurrence. Answers the new state. */
export const resumeUpdate = defineUpdate<JobDescription>('resume');
/** Update: run the job now, without shifting its schedule. */
export const triggerUpdate = defineUpdate<TriggerAccepted, [TriggerRequest]>('trigger');
/** Update: replace the spec; applies from the next occurrence (the sleeping loop wakes and re-plans). */
export const patchUpdate = defineUpdate<JobDescription, [PatchRequest]>('patch');

/**
 * Marks runs started by this version (policies, updates, ledger). Runs started earlier replay
 * with the earlier loop (./legacy-loop.ts) until their next continue-as-new.
 */
export const SCHEDULING_POLICIES_PATCH = 'scheduling-policies-v1';
/** History events after which a run continues as new even if the server did not suggest it. */
const MAX_HISTORY_EVENTS = 5_000;

/**
 * Runs a job until its schedule ends or the workflow is cancelled.
 * @returns the final description when the job completes (one-time success, or schedule exhausted).
 * @throws ApplicationFailure (type `JobFailed`) when a one-time job fails after its retries;
 *   CancelledFailure when the job was cancelled (status `cancelled` is published first).
 */
export async function jobWorkflow(input: JobWorkflowInput): Promise<JobDescription> {
  if (!patched(SCHEDULING_POLICIES_PATCH))
    return legacyJobWorkflow(input, newProgress(), describeQuery, executionsQuery);
  return new JobLoop(input).run();
}

function newProgress(): JobProgress {
  return {
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
}

/** Progress carried from an earlier version: fills in the ledger fields it lacks. */
function normaliseProgress(progress: JobProgress): Required<JobProgress> {
  return {
    ...progress,
    counts: progress.counts ?? {
      ...emptyCounts(),
      succeeded: progress.run_count - progress.failure_count,
      failed: progress.failure_count,
      skipped: progress.missed_count,
    },
    next_occurrence: progress.next_occurrence !== undefined ? progress.next_occurrence : progress.next_run_time,
    paused: progress.paused ?? false,
    scheduled_runs: progress.scheduled_runs ?? progress.run_count,
    ledger_seq: progress.ledger_seq ?? 0,
    waiting: progress.waiting ?? [],
  };
}

/** An occurrence running in the background while the loop keeps planning. */
interface ActiveRun {
  scheduledMs: number;
  trigger: ExecutionTrigger;
  done: boolean;
  record: ExecutionRecord | null;
  error: unknown;
  settled: Promise<void>;
}

/** The scheduling loop and the state that updates change. */
class JobLoop {
  private spec: JobSpec;
  private readonly progress: Required<JobProgress>;
  private readonly canAfter: number;
  private runPayload: RunPayload;
  /** Scheduled time of the next occurrence not yet handled (null: the schedule has ended). */
  private cursor: number | null;
  private active: ActiveRun | null = null;
  /** `overlap_policy: buffer_one`: the occurrence that runs right after the active one. */
  private buffered: number | null = null;
  /** Missed occurrences the misfire policy runs, oldest first, one after the other. */
  private catchUp: number[] = [];
  /** A triggered run waiting for the active one to end. */
  private manual: { requestedMs: number; payload: JobPayload } | null = null;
  /** Set by updates: re-check everything now. */
  private wake = false;
  /** Set by `patch`: plan the next occurrence of the new schedule. */
  private replan = false;
  /** Set by `resume`: occurrences before this instant (epoch ms) were due while paused. */
  private resumedAt: number | null = null;
  private ended = false;
  private handledThisGeneration = 0;
  private lastScheduledRecord: ExecutionRecord | null = null;
  private published: string | null = null;

  constructor(private readonly input: JobWorkflowInput) {
    this.spec = input.spec;
    this.progress = normaliseProgress(input.progress ?? newProgress());
    this.canAfter = input.continue_as_new_after ?? 500;
    this.runPayload = payloadActivity(this.spec);
    const carried = this.progress.next_occurrence;
    this.cursor = input.progress ? (carried === null ? null : Date.parse(carried)) : firstOccurrence(this.spec);
    // Occurrences that were waiting to run when the previous run continued as new.
    this.catchUp = this.progress.waiting.map((t) => Date.parse(t));
    this.progress.waiting = [];
  }

  describe = (): JobDescription => ({
    job_id: this.spec.job_id,
    spec: this.spec,
    ...this.progress,
    last_execution: this.progress.executions[0] ?? null,
  });

  /** Per-attempt records and the RunningWorker search attribute, fed by attempt signals (./attempts.ts). */
  private attempts: AttemptTracker | null = null;

  async run(): Promise<JobDescription> {
    this.setHandlers();
    this.attempts = trackAttempts();
    try {
      for (;;) {
        this.settle();
        if (this.replan) this.planAfterPatch();
        if (this.progress.paused) this.dropQueuedWhilePaused();
        else await this.handleDueOccurrences();
        if (this.cursor === null && this.idle()) break;
        if (this.active === null && this.manual === null && !this.wake && this.shouldContinueAsNew()) {
          this.progress.next_occurrence = this.cursor === null ? null : new Date(this.cursor).toISOString();
          this.progress.waiting = [...this.catchUp, ...(this.buffered === null ? [] : [this.buffered])].map((ms) =>
            new Date(ms).toISOString(),
          );
          this.progress.generation++;
          await continueAsNew<typeof jobWorkflow>({ ...this.input, spec: this.spec, progress: this.progress });
        }
        this.startNext();
        this.publish();
        await this.waitForChange();
      }
      this.ended = true;
      const last = this.lastScheduledRecord;
      const failed = this.spec.frequency === 'once' && last !== null && last.status === 'failed';
      this.publish(failed ? 'failed' : 'completed');
      if (failed && last !== null) {
        throw ApplicationFailure.nonRetryable(
          `job ${this.spec.job_id} failed after ${last.attempts ?? '?'} attempt(s): ${last.error?.message ?? 'unknown error'}`,
          'JobFailed',
        );
      }
      return this.describe();
    } catch (err) {
      if (isCancellation(err)) {
        this.ended = true;
        await CancellationScope.nonCancellable(async () => {
          await this.recordCancelled();
          this.publish('cancelled');
        });
      }
      throw err;
    }
  }

  private setHandlers(): void {
    setHandler(describeQuery, this.describe);
    setHandler(executionsQuery, () => this.progress.executions);
    const open = () => {
      if (this.ended) throw ApplicationFailure.nonRetryable('the job has ended', 'JobEnded');
    };
    setHandler(
      pauseUpdate,
      () => {
        this.progress.paused = true;
        this.wake = true;
        this.publish();
        return this.describe();
      },
      { validator: open },
    );
    setHandler(
      resumeUpdate,
      () => {
        if (this.progress.paused) {
          this.progress.paused = false;
          this.resumedAt = Date.now();
          this.wake = true;
        }
        this.publish();
        return this.describe();
      },
      { validator: open },
    );
    setHandler(
      triggerUpdate,
      (request) => {
        const requestedMs = Date.now();
        this.manual = { requestedMs, payload: overridePayload(this.spec.payload, request) };
        this.wake = true;
        const status = this.active === null ? 'started' : 'queued';
        const time = new Date(requestedMs).toISOString();
        return { execution_id: `${this.spec.job_id}:manual:${time}`, scheduled_time: time, status };
      },
      {
        validator: (request) => {
          open();
          overridePayload(this.spec.payload, request);
          if (this.manual !== null) {
            throw ApplicationFailure.nonRetryable('a triggered run is already waiting', 'TriggerPending');
          }
        },
      },
    );
    setHandler(
      patchUpdate,
      ({ spec }) => {
        this.spec = spec;
        this.runPayload = payloadActivity(spec);
        this.replan = true;
        this.wake = true;
        return this.describe();
      },
      {
        validator: ({ spec }) => {
          open();
          if (spec?.job_id !== this.spec.job_id) {
            throw ApplicationFailure.nonRetryable('the spec belongs to another job', 'InvalidPatch');
          }
        },
      },
    );
  }

  /** Epoch ms at which an occurrence fires: its scheduled time plus the job's stable jitter. */
  private fireMs(scheduledMs: number): number {
    const jitter = this.spec.jitter === undefined ? undefined : parseDuration(this.spec.jitter);
    return fireTime(this.spec.job_id, scheduledMs, jitter);
  }

  private idle(): boolean {
    return this.active === null && this.buffered === null && this.catchUp.length === 0 && this.manual === null;
  }

  /** Scheduled occurrences started or waiting to start (for `max_runs`). */
  private plannedRuns(): number {
    return this.progress.scheduled_runs + this.catchUp.length + (this.buffered === null ? 0 : 1);
  }

  /** After an occurrence was taken to run: ends the schedule when `max_runs` is reached. */
  private checkMaxRuns(): void {
    if (this.spec.max_runs !== undefined && this.plannedRuns() >= this.spec.max_runs) this.cursor = null;
  }

  /** Records the active run once it has finished. */
  private settle(): void {
    const run = this.active;
    if (run === null || !run.done) return;
    this.active = null;
    if (run.record === null) throw run.error;
    const record = run.record;
    const p = this.progress;
    p.run_count++;
    if (record.status === 'failed') p.failure_count++;
    p.retry_count = Math.max(0, (record.attempts ?? 1) - 1);
    p.last_run_time = record.scheduled_time;
    if (run.trigger === 'schedule') this.lastScheduledRecord = record;
    this.append(record);
  }

  private append(entry: ExecutionRecord): void {
    appendToLedger(this.progress, entry);
    this.handledThisGeneration += occurrencesOf(entry);
  }

  private skip(span: OccurrenceSpan | null, reason: SkipReason): void {
    if (span === null) return;
    this.append(skippedEntry(this.spec.job_id, span, reason, Date.now()));
    if (reason !== 'overlap') log.warn('occurrences skipped', { reason, count: span.count });
  }

  /** `patch`: the next occurrence of the new schedule, from now (or its start, whichever is later). */
  private planAfterPatch(): void {
    this.replan = false;
    const now = Date.now();
    const { spec } = this;
    if (spec.frequency === 'once') {
      const at = Date.parse(spec.execution_time as string);
      this.cursor = this.progress.scheduled_runs > 0 ? null : at;
      return;
    }
    const start =
      spec.frequency === 'interval' || spec.execution_time === undefined ? now : Date.parse(spec.execution_time);
    this.cursor = occurrenceAtOrAfter(spec, Math.max(now, start));
    this.checkMaxRuns();
  }

  /** Occurrences waiting to run when the job was paused: skipped (reason `paused`). */
  private dropQueuedWhilePaused(): void {
    const waiting = [...this.catchUp, ...(this.buffered === null ? [] : [this.buffered])];
    this.catchUp = [];
    this.buffered = null;
    for (const ms of waiting) this.skip({ first: ms, last: ms, count: 1 }, 'paused');
  }

  /**
   * Handles every occurrence that is due: skipped as paused (after a resume), missed (misfire
   * policy), started, buffered or skipped (overlap policy). Stops at the first one not yet due.
   */
  private async handleDueOccurrences(): Promise<void> {
    if (this.resumedAt !== null) {
      const before = this.resumedAt;
      this.resumedAt = null;
      await this.walk(before, 0, 'paused');
    }
    while (this.cursor !== null) {
      const now = Date.now();
      const missed = missedBefore(now, this.spec.catchup_window, this.spec.created_at);
      if (this.cursor < missed) {
        const kept = await this.walk(missed, catchUpCount(this.spec.misfire_policy, this.spec.max_catchup), 'misfire');
        for (const ms of kept) {
          if (this.spec.max_runs !== undefined && this.plannedRuns() >= this.spec.max_runs) break;
          this.catchUp.push(ms);
        }
        this.checkMaxRuns();
        continue;
      }
      const fire = this.fireMs(this.cursor);
      // Idle: an occurrence less than a timer's resolution away starts now, held by the attempt.
      // Busy: an occurrence counts as overlapping only once its fire time has come.
      const busy = this.active !== null;
      if (busy ? fire > now : fire - now >= MIN_TIMER_MS) return;
      this.occurrenceDue(this.cursor);
      this.cursor = nextOccurrence(this.spec, this.cursor);
      this.checkMaxRuns();
    }
  }

  /**
   * Walks from the cursor over the occurrences before `beforeMs`, skipping all but the newest
   * `keep` with `reason`; yields between chunks so an activation stays short.
   * @returns the kept occurrences, oldest first.
   */
  private async walk(beforeMs: number, keep: number, reason: SkipReason): Promise<number[]> {
    let result = walkOccurrencesBefore(this.spec, this.cursor, beforeMs, keep);
    this.skip(result.skipped, reason);
    while (!result.complete) {
      await sleep(MIN_TIMER_MS);
      result = walkOccurrencesBefore(this.spec, result.next, beforeMs, keep, result.kept);
      this.skip(result.skipped, reason);
    }
    this.cursor = result.next;
    return result.kept;
  }

  /** An occurrence's fire time has come: start it, or apply the overlap policy. */
  private occurrenceDue(scheduledMs: number): void {
    if (this.idle()) {
      this.start(scheduledMs, 'schedule');
    } else if (this.spec.overlap_policy === 'buffer_one' && this.buffered === null) {
      this.buffered = scheduledMs;
    } else {
      this.skip({ first: scheduledMs, last: scheduledMs, count: 1 }, 'overlap');
    }
  }

  /** Starts what waits, in order: a triggered run, caught-up occurrences, the buffered one. */
  private startNext(): void {
    if (this.active !== null) return;
    if (this.manual !== null) {
      const { requestedMs, payload } = this.manual;
      this.manual = null;
      this.start(requestedMs, 'manual', payload);
      return;
    }
    const next = this.catchUp.shift() ?? this.buffered;
    if (next === null) return;
    if (next === this.buffered) this.buffered = null;
    this.start(next, 'schedule');
  }

  /** Runs an occurrence in the background; the loop keeps its timer while it runs. */
  private start(scheduledMs: number, trigger: ExecutionTrigger, payload?: JobPayload): void {
    if (trigger === 'schedule') this.progress.scheduled_runs++;
    const run: ActiveRun = { scheduledMs, trigger, done: false, record: null, error: null, settled: Promise.resolve() };
    const attempts = this.attempts;
    attempts?.begin(occurrenceKey(this.spec.job_id, scheduledMs, trigger));
    run.settled = runOccurrence(this.spec, scheduledMs, this.runPayload, {
      ...(trigger === 'manual' ? { trigger, ...(payload !== undefined ? { payload } : {}) } : {}),
      fireMs: trigger === 'schedule' ? this.fireMs(scheduledMs) : scheduledMs,
    }).then(
      (record) => {
        run.record = attempts ? withAttemptHistory(record, attempts) : record;
        run.done = true;
      },
      (err: unknown) => {
        run.error = err;
        run.done = true;
      },
    );
    this.active = run;
  }

  /** Sleeps until the next fire time, the active run's end, or an update. */
  private async waitForChange(): Promise<void> {
    this.wake = false;
    const run = this.active;
    const changed = () => this.wake || run?.done === true;
    if (this.progress.paused || this.cursor === null) {
      await condition(changed);
      return;
    }
    const wait = Math.max(MIN_TIMER_MS, this.fireMs(this.cursor) - Date.now());
    await condition(changed, wait);
  }

  /** Cancellation: the active run (once its attempt acknowledged) and waiting ones end `cancelled`. */
  private async recordCancelled(): Promise<void> {
    const run = this.active;
    if (run !== null) {
      await run.settled;
      this.active = null;
      const now = new Date().toISOString();
      const id = run.record?.execution_id ?? `${this.spec.job_id}:${new Date(run.scheduledMs).toISOString()}`;
      this.append({
        ...(run.record ?? {}),
        execution_id: id,
        scheduled_time: new Date(run.scheduledMs).toISOString(),
        started_at: run.record?.started_at ?? now,
        finished_at: run.record?.finished_at ?? now,
        status: run.record?.status ?? 'cancelled',
        attempts: run.record?.attempts ?? null,
        worker_id: run.record?.worker_id ?? null,
        ...(run.trigger === 'manual' ? { trigger: 'manual' as const } : {}),
      });
    }
    const waiting = [...this.catchUp, ...(this.buffered === null ? [] : [this.buffered])];
    this.catchUp = [];
    this.buffered = null;
    const now = new Date().toISOString();
    for (const ms of waiting) {
      const time = new Date(ms).toISOString();
      this.append({
        execution_id: `${this.spec.job_id}:${time}`,
        scheduled_time: time,
        started_at: now,
        finished_at: now,
        status: 'cancelled',
        attempts: 0,
        worker_id: null,
      });
    }
    this.cursor = null;
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return (
      this.handledThisGeneration >= this.canAfter ||
      info.continueAsNewSuggested ||
      info.historyLength >= MAX_HISTORY_EVENTS
    );
  }

  /**
   * Publishes status and next fire time in state and, when they changed, in the search attributes.
   * @param final the status of an ended job; otherwise running / paused / pending from the state.
   */
  private publish(final?: JobStatus): void {
    const p = this.progress;
    const status: JobStatus = final ?? (this.active !== null ? 'running' : p.paused ? 'paused' : 'pending');
    const nextMs = final !== undefined || p.paused || this.cursor === null ? null : this.fireMs(this.cursor);
    p.status = status;
    p.next_run_time = nextMs === null ? null : new Date(nextMs).toISOString();
    p.next_occurrence = final !== undefined || this.cursor === null ? null : new Date(this.cursor).toISOString();
    const key = `${status}|${p.next_run_time}|${p.last_run_time}`;
    if (key === this.published) return;
    this.published = key;
    const updates: SearchAttributeUpdatePair[] = [
      { key: JOB_STATUS, value: status },
      { key: NEXT_RUN_TIME, value: nextMs === null ? null : new Date(nextMs) },
    ];
    if (p.last_run_time !== null) updates.push({ key: LAST_RUN_TIME, value: new Date(p.last_run_time) });
    upsertSearchAttributes(updates);
  }
}

/**
 * The payload of a triggered run: the spec's, with `args` (handler) or `body` (http) replaced.
 * @throws ApplicationFailure (type `InvalidTrigger`) when the override does not fit the payload type.
 */
export function overridePayload(payload: JobPayload, request: TriggerRequest | undefined): JobPayload {
  const args = request?.args;
  const body = request?.body;
  if (payload.type === 'handler') {
    if (body !== undefined)
      throw ApplicationFailure.nonRetryable('body applies to http payloads only', 'InvalidTrigger');
    return args === undefined ? payload : { ...payload, args: args as HandlerPayload['args'] };
  }
  if (args !== undefined)
    throw ApplicationFailure.nonRetryable('args apply to handler payloads only', 'InvalidTrigger');
  return body === undefined ? payload : { ...payload, body: body as HttpPayload['body'] };
}
