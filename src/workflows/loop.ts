/**
 * The scheduling loop of jobWorkflow and the state its updates change.
 *
 * Per occurrence: sleep until the fire lead before its fire time (scheduled time plus the job's
 * jitter), dispatch its payload activity then (the worker holds the attempt until the fire time),
 * keep planning while it runs (overlap policy), record how it ended in the ledger, and publish the
 * job's search attributes once, when it has ended. Occurrences missed while workers or the server
 * were down follow the misfire policy (src/domain/misfire.ts); occurrences due while the job is
 * paused are skipped. Continue-as-new keeps the history short.
 *
 * Workflow code: deterministic, no Node APIs.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { withWorker } from '../domain/attempts';
import { parseDuration } from '../domain/duration';
import { type HealthTransition, healthAfterRun, healthAt, lateDeadlineMs } from '../domain/health';
import type { HandlerPayload, HttpPayload, JobPayload, JobSpec, JobStatus } from '../domain/job-spec';
import type { ExecutionRecord, ExecutionTrigger, JobDescription, JobProgress, SkipReason } from '../domain/job-state';
import { appendToLedger, emptyProgress, occurrencesOf, skippedEntry } from '../domain/ledger';
import { catchUpCount, missedBefore, type OccurrenceSpan, walkOccurrencesBefore } from '../domain/misfire';
import { fireTime } from '../domain/preview';
import { firstOccurrence, nextOccurrence, occurrenceAtOrAfter } from '../domain/schedule';
import {
  CONSECUTIVE_FAILURES,
  JOB_HEALTH,
  JOB_STATUS,
  LAST_RUN_TIME,
  LAST_SUCCESS_TIME,
  NEXT_RUN_TIME,
  WORKER_IDS,
} from '../domain/search-attributes';
import { AlertSender } from './alerts';
import {
  DEFAULT_FIRE_LEAD_MS,
  JobFailureType,
  type JobWorkflowInput,
  type PatchRequest,
  type TriggerAccepted,
  type TriggerRequest,
  WITHDRAW_BEFORE_MS,
} from './contract';
import { cancelledBeforeBody, cancelledRecord, MIN_TIMER_MS, runOccurrence } from './occurrence';

/** History events after which a run continues as new even if the server did not suggest it. */
const MAX_HISTORY_EVENTS = 5_000;

/** An occurrence running in the background while the loop keeps planning. */
interface ActiveRun {
  scheduledMs: number;
  /** When its body may start (epoch ms): the scheduled time plus jitter, or the trigger time. */
  fireMs: number;
  trigger: ExecutionTrigger;
  /** The scope of its activity: cancelled to withdraw an attempt held before its fire time. */
  scope: CancellationScope;
  /**
   * Why the run was withdrawn during the lead, or null: `paused` (recorded as skipped) or
   * `replanned` (a PATCH replaced the schedule it belonged to: the new plan decides what runs).
   */
  withdrawn: 'paused' | 'replanned' | null;
  /** A pause withdrew it and put the cursor back on its occurrence (resume decides: run or skip). */
  rewound: boolean;
  done: boolean;
  record: ExecutionRecord | null;
  error: unknown;
  settled: Promise<void>;
}

/**
 * A durable timer kept across loop iterations: moved only when its target instant changes, so a
 * wake-up that changes nothing (an update, the end of a run) costs no timer events in the history.
 */
class WakeTimer {
  private atMs: number | null = null;
  private scope: CancellationScope | null = null;
  /** True once the timer of the current target has fired. */
  fired = false;

  /** Aims the timer at `atMs` (epoch ms, workflow clock), or stops it (null). */
  set(atMs: number | null): void {
    if (atMs === this.atMs && !this.fired && this.scope !== null) return;
    const again = atMs === this.atMs && this.fired;
    this.scope?.cancel();
    this.scope = null;
    this.atMs = atMs;
    this.fired = false;
    if (atMs === null) return;
    const scope = new CancellationScope();
    this.scope = scope;
    // Never shorter than a timer's resolution: a target that fired without being handled waits
    // again rather than spinning, and a target less than that away is looked at a little late.
    const ms = again ? MIN_TIMER_MS : Math.max(MIN_TIMER_MS, atMs - Date.now());
    scope
      .run(() => sleep(ms))
      .then(
        () => {
          if (this.scope === scope) this.fired = true;
        },
        () => undefined,
      );
  }
}

/** The scheduling loop of one job. */
export class JobLoop {
  private spec: JobSpec;
  private readonly progress: JobProgress;
  private readonly canAfter: number;
  private readonly leadMs: number;
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
  private readonly timer = new WakeTimer();
  private readonly alerts = new AlertSender();
  /** Workers of the job's attempts, most recent last (WorkerIds), updated with each ledger entry. */
  private workers: string[];
  /** Search attributes as last published (JobStatus, NextRunTime, LastRunTime, WorkerIds, JobHealth…). */
  private published: {
    status: string | null;
    next: number | null;
    last: string | null;
    workers: string[];
    health: string | null;
    failures: number | null;
    success: string | null;
  };

  constructor(private readonly input: JobWorkflowInput) {
    this.spec = input.spec;
    this.progress = input.progress ?? emptyProgress();
    this.canAfter = input.continue_as_new_after ?? 500;
    this.leadMs = Math.max(0, input.fire_lead_ms ?? DEFAULT_FIRE_LEAD_MS);
    const carried = this.progress.next_occurrence;
    this.cursor = input.progress ? (carried === null ? null : Date.parse(carried)) : firstOccurrence(this.spec);
    // Occurrences that were waiting to run when the previous run continued as new.
    this.catchUp = this.progress.waiting.map((t) => Date.parse(t));
    this.progress.waiting = [];
    // What the API (at start) or the previous run (before continuing as new) published; an
    // attribute not set yet is published by the first workflow task.
    const attributes = workflowInfo().typedSearchAttributes;
    this.published = {
      status: attributes.get(JOB_STATUS) ?? null,
      next: attributes.get(NEXT_RUN_TIME)?.getTime() ?? null,
      last: attributes.get(LAST_RUN_TIME)?.toISOString() ?? null,
      workers: attributes.get(WORKER_IDS) ?? [],
      health: attributes.get(JOB_HEALTH) ?? null,
      failures: attributes.get(CONSECUTIVE_FAILURES) ?? null,
      success: attributes.get(LAST_SUCCESS_TIME)?.toISOString() ?? null,
    };
    this.workers = this.published.workers;
  }

  /** The `describe` query's answer. */
  describe = (): JobDescription => ({
    job_id: this.spec.job_id,
    spec: this.spec,
    ...this.progress,
    last_execution: this.progress.executions[0] ?? null,
  });

  /** The `executions` query's answer: the ledger window, newest first. */
  executions = (): ExecutionRecord[] => this.progress.executions;

  /**
   * Validator of every update: the job must still run.
   * @throws ApplicationFailure `JobEnded` once the job has ended.
   */
  assertOpen = (): void => {
    if (this.ended) throw ApplicationFailure.nonRetryable('the job has ended', JobFailureType.JobEnded);
  };

  /** `pause`: occurrences due from now on are skipped until `resume`. */
  pause = (): JobDescription => {
    this.progress.paused = true;
    this.wake = true;
    this.withdrawHeldRun('paused');
    this.publish();
    return this.describe();
  };

  /** `resume`: runs again from the next occurrence; those due while paused are skipped. */
  resume = (): JobDescription => {
    if (this.progress.paused) {
      this.progress.paused = false;
      this.resumedAt = Date.now();
      this.wake = true;
    }
    this.publish();
    return this.describe();
  };

  /**
   * Validator of `trigger`.
   * @throws ApplicationFailure `JobEnded`, `InvalidTrigger` (override of the wrong payload type) or
   *   `TriggerPending` (a triggered run already waits).
   */
  validateTrigger = (request: TriggerRequest): void => {
    this.assertOpen();
    overridePayload(this.spec.payload, request);
    if (this.manual !== null) {
      throw ApplicationFailure.nonRetryable('a triggered run is already waiting', JobFailureType.TriggerPending);
    }
  };

  /** `trigger`: runs the job now (or right after the active run), without shifting its schedule. */
  trigger = (request: TriggerRequest): TriggerAccepted => {
    const requestedMs = Date.now();
    this.manual = { requestedMs, payload: overridePayload(this.spec.payload, request) };
    this.wake = true;
    const status = this.active === null ? 'started' : 'queued';
    const time = new Date(requestedMs).toISOString();
    return { execution_id: `${this.spec.job_id}:manual:${time}`, scheduled_time: time, status };
  };

  /**
   * Validator of `patch`.
   * @throws ApplicationFailure `JobEnded`, or `InvalidPatch` for the spec of another job.
   */
  validatePatch = ({ spec }: PatchRequest): void => {
    this.assertOpen();
    if (spec?.job_id !== this.spec.job_id) {
      throw ApplicationFailure.nonRetryable('the spec belongs to another job', JobFailureType.InvalidPatch);
    }
  };

  /** `patch`: the new spec applies from the next occurrence. */
  patch = ({ spec }: PatchRequest): JobDescription => {
    this.spec = spec;
    this.replan = true;
    this.wake = true;
    this.withdrawHeldRun('replanned');
    return this.describe();
  };

  /**
   * Runs the job until its schedule ends or the workflow is cancelled.
   * @returns the final description when the job completes (one-time success, or schedule exhausted).
   * @throws ApplicationFailure `JobFailed` when a one-time job fails after its retries;
   *   CancelledFailure when the job was cancelled (status `cancelled` is published first).
   */
  async run(): Promise<JobDescription> {
    try {
      for (;;) {
        this.settle();
        if (this.replan) this.planAfterPatch();
        if (this.progress.paused) this.dropQueuedWhilePaused();
        else if (this.startDueOccurrences()) await this.walkDueOccurrences();
        if (this.cursor === null && this.idle()) break;
        if (
          this.active === null &&
          this.manual === null &&
          !this.wake &&
          this.alerts.idle() &&
          this.shouldContinueAsNew()
        ) {
          await this.continueAsNew();
        }
        this.startNext();
        this.checkLate();
        this.publish();
        await this.waitForChange();
      }
      // The last alerts (a one-time job's failure) go out before the job ends.
      await this.alerts.settle();
      this.ended = true;
      const last = this.lastScheduledRecord;
      const failed = this.spec.frequency === 'once' && last !== null && last.status === 'failed';
      this.publish(failed ? 'failed' : 'completed');
      if (failed && last !== null) {
        throw ApplicationFailure.nonRetryable(
          `job ${this.spec.job_id} failed after ${last.attempts ?? '?'} attempt(s): ${last.error?.message ?? 'unknown error'}`,
          JobFailureType.JobFailed,
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

  private async continueAsNew(): Promise<never> {
    this.progress.next_occurrence = this.cursor === null ? null : new Date(this.cursor).toISOString();
    this.progress.waiting = [...this.catchUp, ...(this.buffered === null ? [] : [this.buffered])].map((ms) =>
      new Date(ms).toISOString(),
    );
    this.progress.generation++;
    return continueAsNew<(input: JobWorkflowInput) => Promise<JobDescription>>({
      ...this.input,
      spec: this.spec,
      progress: this.progress,
    });
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
    if (run.withdrawn !== null) {
      if (run.record === null && cancelledBeforeBody(run.error)) {
        // Withdrawn during the lead: its body never started; not a run.
        if (run.withdrawn === 'paused' && !run.rewound) this.skip(single(run.scheduledMs), 'paused');
        return;
      }
      // The withdrawal came too late: the body had started. It counts as the run it was.
      this.progress.scheduled_runs++;
      if (this.cursor === run.scheduledMs) {
        this.cursor = nextOccurrence(this.spec, run.scheduledMs);
        this.checkMaxRuns();
      }
      if (run.record === null && isCancellation(run.error)) {
        this.append(cancelledRecord(this.spec, run.scheduledMs, run.trigger, run.error));
        return;
      }
    }
    if (run.record === null) throw run.error;
    const record = run.record;
    this.progress.retry_count = Math.max(0, (record.attempts ?? 1) - 1);
    this.progress.last_run_time = record.scheduled_time;
    if (run.trigger === 'schedule') this.lastScheduledRecord = record;
    this.append(record);
    const { health, transition } = healthAfterRun(this.progress.health, record, this.spec);
    this.progress.health = health;
    this.alert(transition);
  }

  /** A job without a success for `expected_within` turns `late` (checked at each wake-up). */
  private checkLate(): void {
    if (this.progress.paused) return;
    const { health, transition } = healthAt(this.progress.health, this.spec, this.spec.created_at, Date.now());
    this.progress.health = health;
    this.alert(transition);
  }

  /** Sends the alert of a health transition (none for null). */
  private alert(transition: HealthTransition | null): void {
    if (transition !== null) this.alerts.send(this.spec, transition, this.progress.health);
  }

  private append(entry: ExecutionRecord): void {
    for (const attempt of entry.attempt_history ?? []) {
      if (attempt.worker_id !== null) this.workers = withWorker(this.workers, attempt.worker_id);
    }
    appendToLedger(this.progress, entry);
    this.handledThisGeneration += occurrencesOf(entry);
  }

  private skip(span: OccurrenceSpan | null, reason: SkipReason): void {
    if (span === null) return;
    this.append(skippedEntry(this.spec.job_id, span, reason, Date.now()));
    if (reason !== 'overlap') log.warn('occurrences skipped', { reason, count: span.count });
    if (reason === 'misfire') {
      const error = {
        message: `${span.count} occurrence(s) missed by more than catchup_window (${this.spec.catchup_window}), up to ${new Date(span.last).toISOString()}`,
        type: 'Missed',
        non_retryable: true,
      };
      this.alert({ event: 'missed', scheduled_time: new Date(span.first).toISOString(), error });
    }
  }

  /** `patch`: the next occurrence of the new schedule, from now (or its start, whichever is later). */
  private planAfterPatch(): void {
    this.replan = false;
    const now = Date.now();
    const { spec } = this;
    // A scheduled run still in flight keeps its occurrence: the new plan starts after it.
    const run = this.active;
    const inFlight = run !== null && run.trigger === 'schedule' && run.withdrawn === null ? run.scheduledMs : null;
    if (spec.frequency === 'once') {
      // Runs once at `execution_time`, unless an occurrence at or after it already ran or is running.
      const at = Date.parse(spec.execution_time as string);
      const handled = Math.max(inFlight ?? Number.NEGATIVE_INFINITY, this.lastScheduledLedgerMs());
      this.cursor = handled >= at ? null : at;
      return;
    }
    const from = inFlight !== null ? Math.max(now, inFlight + 1) : now;
    const start =
      spec.frequency === 'interval' || spec.execution_time === undefined ? from : Date.parse(spec.execution_time);
    this.cursor = occurrenceAtOrAfter(spec, Math.max(from, start));
    this.checkMaxRuns();
  }

  /** Scheduled time of the newest scheduled occurrence in the ledger window (epoch ms), or -Infinity. */
  private lastScheduledLedgerMs(): number {
    const entry = this.progress.executions.find((e) => e.trigger !== 'manual');
    return entry === undefined
      ? Number.NEGATIVE_INFINITY
      : Date.parse(entry.last_scheduled_time ?? entry.scheduled_time);
  }

  /** Occurrences waiting to run when the job was paused: skipped (reason `paused`). */
  private dropQueuedWhilePaused(): void {
    const waiting = [...this.catchUp, ...(this.buffered === null ? [] : [this.buffered])];
    this.catchUp = [];
    this.buffered = null;
    for (const ms of waiting) this.skip(single(ms), 'paused');
  }

  /**
   * Handles, without waiting, every occurrence that is due: started, buffered or skipped (overlap
   * policy). Stops at the first one not yet due, or at the first that needs a walk (skipped as
   * paused after a resume, or missed: misfire policy).
   * @returns true when a walk is needed ({@link walkDueOccurrences}).
   */
  private startDueOccurrences(): boolean {
    // A withdrawn run settles first (at its last heartbeat before its fire time): it decides
    // whether its occurrence is still to run.
    if (this.active !== null && this.active.withdrawn !== null) return false;
    if (this.resumedAt !== null) return true;
    while (this.cursor !== null) {
      const now = Date.now();
      if (this.cursor < missedBefore(now, this.spec.catchup_window, this.spec.created_at)) return true;
      const fire = this.fireMs(this.cursor);
      // Idle: an occurrence within the fire lead (plus a timer's resolution) is dispatched now and
      // held by its attempt until its fire time. Busy (a run in flight or about to start): it
      // counts as overlapping once its fire time has come.
      const busy = !this.idle();
      if (busy ? fire > now : fire - now >= this.lead() + MIN_TIMER_MS) return false;
      this.occurrenceDue(this.cursor);
      this.cursor = nextOccurrence(this.spec, this.cursor);
      this.checkMaxRuns();
    }
    return false;
  }

  /**
   * Walks what {@link startDueOccurrences} stopped at (occurrences skipped as paused after a
   * resume, missed ones by the misfire policy), then handles the due ones, until none needs a walk.
   */
  private async walkDueOccurrences(): Promise<void> {
    do {
      if (this.resumedAt !== null) {
        const before = this.resumedAt;
        this.resumedAt = null;
        await this.walk(before, 0, 'paused');
        continue;
      }
      const missed = missedBefore(Date.now(), this.spec.catchup_window, this.spec.created_at);
      if (this.cursor === null || this.cursor >= missed) continue;
      const kept = await this.walk(missed, catchUpCount(this.spec.misfire_policy, this.spec.max_catchup), 'misfire');
      for (const ms of kept) {
        if (this.spec.max_runs !== undefined && this.plannedRuns() >= this.spec.max_runs) break;
        this.catchUp.push(ms);
      }
      this.checkMaxRuns();
    } while (this.startDueOccurrences());
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
      this.skip(single(scheduledMs), 'overlap');
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
    const fireMs = trigger === 'schedule' ? this.fireMs(scheduledMs) : scheduledMs;
    const scope = new CancellationScope();
    const run: ActiveRun = {
      scheduledMs,
      fireMs,
      trigger,
      scope,
      withdrawn: null,
      rewound: false,
      done: false,
      record: null,
      error: null,
      settled: Promise.resolve(),
    };
    const spec = this.spec;
    const options = {
      ...(trigger === 'manual' ? { trigger, ...(payload !== undefined ? { payload } : {}) } : {}),
      fireMs,
      holdMs: Math.max(0, fireMs - Date.now()),
    };
    run.settled = scope
      .run(() => runOccurrence(spec, scheduledMs, options))
      .then(
        (record) => {
          run.record = record;
          run.done = true;
        },
        (err: unknown) => {
          run.error = err;
          run.done = true;
        },
      );
    this.active = run;
  }

  /**
   * A pause or PATCH during the lead: cancels the active scheduled run if its attempt is still held
   * (at least {@link WITHDRAW_BEFORE_MS} before its fire time), so its body never starts. A run
   * closer to its fire time, or already running, goes on.
   */
  private withdrawHeldRun(reason: 'paused' | 'replanned'): void {
    const run = this.active;
    if (run === null || run.done || run.withdrawn !== null || run.trigger !== 'schedule') return;
    if (Date.now() > run.fireMs - WITHDRAW_BEFORE_MS) return;
    run.withdrawn = reason;
    run.scope.cancel();
    // Until it settles it counts as not run: the PATCHed plan, or the cursor put back on it for
    // a resume, decides whether the occurrence runs.
    this.progress.scheduled_runs--;
    if (reason === 'paused' && (this.cursor === null || this.cursor === nextOccurrence(this.spec, run.scheduledMs))) {
      this.cursor = run.scheduledMs;
      run.rewound = true;
    }
  }

  /**
   * The job's fire lead (ms): the configured lead, at most half the heartbeat timeout, so that a
   * held attempt never goes a heartbeat timeout without a heartbeat.
   */
  private lead(): number {
    // A local activity holds the workflow task while it runs: no lead, so updates are never held back.
    if (this.spec.run_as === 'local_activity') return 0;
    return Math.min(this.leadMs, Math.floor(parseDuration(this.spec.heartbeat_timeout) / 2));
  }

  /**
   * When the loop must look again (epoch ms), or null: idle, at the next occurrence's dispatch
   * (fire time minus the lead); busy, at the dispatch and then at the fire time (overlap policy);
   * and, with `expected_within`, when the job turns late for want of a success, if that is sooner.
   */
  private wakeAt(): number | null {
    if (this.progress.paused) return null;
    const late = lateDeadlineMs(this.progress.health, this.spec, this.spec.created_at);
    if (this.cursor === null) return late;
    const fire = this.fireMs(this.cursor);
    const dispatch = fire - this.lead();
    const due = this.active === null || Date.now() < dispatch ? dispatch : fire;
    return late === null ? due : Math.min(due, late);
  }

  /** Sleeps until the next dispatch or fire time, the active run's end, an update, or the last alert sent. */
  private waitForChange(): Promise<void> {
    this.wake = false;
    const run = this.active;
    // Alerts in flight hold back continue-as-new: look again once they are sent.
    const alerting = !this.alerts.idle();
    this.timer.set(this.wakeAt());
    return condition(() => this.wake || run?.done === true || this.timer.fired || (alerting && this.alerts.idle()));
  }

  /** Cancellation: the active run (once its attempt acknowledged) and waiting ones end `cancelled`. */
  private async recordCancelled(): Promise<void> {
    this.timer.set(null);
    const run = this.active;
    if (run !== null) {
      await run.settled;
      this.active = null;
      // A run that ended as the cancellation came keeps its record; otherwise it ends `cancelled`.
      this.append(run.record ?? cancelledRecord(this.spec, run.scheduledMs, run.trigger, run.error));
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
   * Publishes the job's state: in the `describe` state always, and in the search attributes when
   * they changed, in one upsert. Visibility holds the lifecycle status (pending, paused or the
   * final one) and, as NextRunTime, the fire time of the run in flight or else of the next
   * occurrence: a run dispatched ahead of its fire time changes nothing there, and the upsert of an
   * occurrence happens once, when it has ended (with LastRunTime and WorkerIds).
   * @param final the status of an ended job; otherwise running / paused / pending from the state.
   */
  private publish(final?: JobStatus): void {
    const p = this.progress;
    const status: JobStatus = final ?? (p.paused ? 'paused' : this.active !== null ? 'running' : 'pending');
    const nextMs = final !== undefined || p.paused || this.cursor === null ? null : this.fireMs(this.cursor);
    p.status = status;
    p.next_run_time = nextMs === null ? null : new Date(nextMs).toISOString();
    p.next_occurrence = final !== undefined || this.cursor === null ? null : new Date(this.cursor).toISOString();

    const shown = {
      status: final ?? (p.paused ? 'paused' : 'pending'),
      next: final !== undefined || p.paused ? null : (this.active?.fireMs ?? nextMs),
      last: p.last_run_time,
      workers: this.workers,
      health: p.health.state === 'unknown' ? null : p.health.state,
      failures: p.health.state === 'unknown' ? null : p.health.consecutive_failures,
      success: p.health.last_success_time,
    };
    const before = this.published;
    const updates: SearchAttributeUpdatePair[] = [];
    if (shown.status !== before.status) updates.push({ key: JOB_STATUS, value: shown.status });
    if (shown.next !== before.next) {
      updates.push({ key: NEXT_RUN_TIME, value: shown.next === null ? null : new Date(shown.next) });
    }
    if (shown.last !== before.last && shown.last !== null)
      updates.push({ key: LAST_RUN_TIME, value: new Date(shown.last) });
    if (shown.workers.join('\n') !== before.workers.join('\n')) updates.push({ key: WORKER_IDS, value: shown.workers });
    if (shown.health !== before.health && shown.health !== null) updates.push({ key: JOB_HEALTH, value: shown.health });
    if (shown.failures !== before.failures && shown.failures !== null) {
      updates.push({ key: CONSECUTIVE_FAILURES, value: shown.failures });
    }
    if (shown.success !== before.success && shown.success !== null) {
      updates.push({ key: LAST_SUCCESS_TIME, value: new Date(shown.success) });
    }
    if (updates.length === 0) return;
    this.published = shown;
    upsertSearchAttributes(updates);
  }
}

/** The span of one occurrence (epoch ms). */
function single(scheduledMs: number): OccurrenceSpan {
  return { first: scheduledMs, last: scheduledMs, count: 1 };
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
      throw ApplicationFailure.nonRetryable('body applies to http payloads only', JobFailureType.InvalidTrigger);
    return args === undefined ? payload : { ...payload, args: args as HandlerPayload['args'] };
  }
  if (args !== undefined)
    throw ApplicationFailure.nonRetryable('args apply to handler payloads only', JobFailureType.InvalidTrigger);
  return body === undefined ? payload : { ...payload, body: body as HttpPayload['body'] };
}
