/**
 * The contract of jobWorkflow, shared by the workflow, the API and the tests: its input, the
 * queries and updates it answers, and the failure types its updates refuse with. The API imports
 * these definitions instead of naming queries and updates by string.
 *
 * Pure definitions: safe to import from workflow code and from Node processes alike.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { JobSpec } from '../domain/job-spec';
import type { ExecutionRecord, JobDescription, JobProgress } from '../domain/job-state';

/** Default lead (ms): the workflow dispatches an occurrence's attempt this long before its fire time. */
export const DEFAULT_FIRE_LEAD_MS = 2_000;

/**
 * How long before the fire time a held attempt sends its last heartbeat (ms). A cancellation the job
 * asks for before then (a cancel, pause or PATCH during the lead) reaches the attempt through that
 * heartbeat's answer, before its body starts.
 */
export const HOLD_HEARTBEAT_BEFORE_MS = 500;

/**
 * The latest a pause or PATCH withdraws a held attempt (ms before its fire time): its last heartbeat
 * ({@link HOLD_HEARTBEAT_BEFORE_MS}) plus time for the workflow task that asks for the cancellation.
 * Later, the occurrence runs under the spec it was dispatched with.
 */
export const WITHDRAW_BEFORE_MS = HOLD_HEARTBEAT_BEFORE_MS + 250;

/** Input of jobWorkflow. */
export interface JobWorkflowInput {
  /** The job spec; after a `PATCH`, the patched spec is carried across continue-as-new. */
  spec: JobSpec;
  /** Set when continuing as new: the progress so far. */
  progress?: JobProgress;
  /** Continue as new after this many occurrences in one run (default 500); tests lower it. */
  continue_as_new_after?: number;
  /**
   * Milliseconds before an occurrence's fire time at which its attempt is dispatched to a worker,
   * which holds it until the fire time by its own clock (default {@link DEFAULT_FIRE_LEAD_MS}; 0
   * dispatches when a timer's resolution, 1 s, is left).
   */
  fire_lead_ms?: number;
}

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

/** Query: the job's current state (spec, status, next/last run, ledger window, counts). */
export const describeQuery = defineQuery<JobDescription>('describe');
/** Query: the job's ledger window, newest first. */
export const executionsQuery = defineQuery<ExecutionRecord[]>('executions');

/** Update: pause the job; occurrences due while paused are skipped (reason `paused`). Answers the new state. */
export const pauseUpdate = defineUpdate<JobDescription>('pause');
/** Update: resume a paused job from its next occurrence. Answers the new state. */
export const resumeUpdate = defineUpdate<JobDescription>('resume');
/** Update: run the job now, without shifting its schedule. */
export const triggerUpdate = defineUpdate<TriggerAccepted, [TriggerRequest]>('trigger');
/** Update: replace the spec; applies from the next occurrence (the sleeping loop wakes and re-plans). */
export const patchUpdate = defineUpdate<JobDescription, [PatchRequest]>('patch');

/** `ApplicationFailure` types with which the updates and the workflow refuse or fail. */
export const JobFailureType = {
  /** An update reached a job that has ended. */
  JobEnded: 'JobEnded',
  /** `trigger` while a triggered run is already waiting. */
  TriggerPending: 'TriggerPending',
  /** `trigger` with an override that does not fit the payload type. */
  InvalidTrigger: 'InvalidTrigger',
  /** `patch` with the spec of another job. */
  InvalidPatch: 'InvalidPatch',
  /** A one-time job's occurrence failed after its retries (the workflow's own failure). */
  JobFailed: 'JobFailed',
} as const;

/** One of {@link JobFailureType}. */
export type JobFailureType = (typeof JobFailureType)[keyof typeof JobFailureType];
