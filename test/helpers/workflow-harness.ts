/**
 * Harness for workflow tests on the time-skipping test server: a quiet runtime,
 * a recording test double of the `runPayload` activity, job-spec builders,
 * a worker per test and condition polling.
 *
 * The workflow is under test; the activity is a double. It records each call's
 * input and `Context.current().info` and then does what the test says
 * (succeed, throw ApplicationFailure / plain Error, wait for cancellation).
 */

import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect } from 'vitest';
import type {
  AlertActivities,
  AlertInput,
  AlertResult,
  PayloadActivities,
  RunPayloadInput,
} from '../../src/activities/types';
import { type JobSpec, type JobSubmissionInput, jobSubmissionSchema, toJobSpec } from '../../src/domain/job-spec';
import type { AttemptReport, JobDescription } from '../../src/domain/job-state';
import { JOB_STATUS } from '../../src/domain/search-attributes';
import type { JobWorkflowInput, jobWorkflow } from '../../src/workflows/job-workflow';
import { startTimeSkippingEnv, workflowBundle } from './temporal';
import { waitFor as pollUntil } from './wait';
import { withWorkflowCoverage } from './workflow-coverage';

/** Identity the double reports in its AttemptReport / failure details. */
export const DOUBLE_WORKER_ID = 'test-double-worker';

/** The workflow bundle, built once per test file. */
export const jobWorkflowBundle = workflowBundle;

let runtimeInstalled = false;

/**
 * Installs a Runtime that logs errors only (tests fail activities on purpose); once per process, before any connection.
 * Under --coverage its logger also collects the workflow bundle's coverage (test/helpers/workflow-coverage.ts).
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: withWorkflowCoverage(new DefaultLogger('ERROR')),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed (e.g. by another helper): keep it.
  }
}

/**
 * One time-skipping test server per test file (call in beforeAll): installs the
 * quiet runtime first (it must precede the env's native connection), then builds the bundle.
 */
export async function startWorkflowTestEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  const env = await startTimeSkippingEnv();
  await jobWorkflowBundle();
  return env;
}

/**
 * One time-skipping server for a test file: started in beforeAll (handed to `onReady`),
 * torn down in afterAll.
 */
export function useWorkflowTestEnv(onReady: (env: TestWorkflowEnvironment) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await startWorkflowTestEnv();
    onReady(env);
  });
  afterAll(async () => {
    await env?.teardown();
  });
}

/** One call of the activity double: what it got and what the server said about the attempt. */
export interface PayloadCall {
  input: RunPayloadInput;
  attempt: number;
  /**
   * `info.currentAttemptScheduledTimestampMs`: server time (ms) at which this attempt was scheduled.
   * Note: the time-skipping test server stamps a retry with the time the previous attempt
   * failed (before the backoff), where the real server stamps it with the time after the backoff.
   */
  scheduledMs: number;
  /** Server time (ms) when the attempt started running, if the double was given a server clock. */
  startedMs: number | undefined;
  workflowId: string;
  runId: string;
  activityId: string;
  heartbeatTimeoutMs: number | undefined;
}

/** What the double does on a call; returns the AttemptReport or throws. */
export type PayloadBehaviour = (call: PayloadCall, ctx: Context) => Promise<AttemptReport>;

/** The AttemptReport the real activity returns / attaches to its failures. */
export function attemptReport(call: PayloadCall): AttemptReport {
  return { attempt: call.attempt, worker_id: DOUBLE_WORKER_ID };
}

/** Succeeds, like a 2xx / a handler that returns. */
export async function succeed(call: PayloadCall): Promise<AttemptReport> {
  return attemptReport(call);
}

/** A retryable failure shaped like the real activity's (`details: [AttemptReport]`). */
export function retryableFailure(call: PayloadCall, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: 'HandlerError',
    nonRetryable: false,
    details: [attemptReport(call)],
  });
}

/** A permanent failure (`ApplicationFailure.nonRetryable`), details `[AttemptReport]`. */
export function permanentFailure(call: PayloadCall, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'NonRetryableError', attemptReport(call));
}

/** Recording test double of the payload activity. */
export class PayloadDouble {
  readonly calls: PayloadCall[] = [];
  /** Errors the activity observed through `Context.current().cancelled`, one per cancelled call. */
  readonly cancellations: unknown[] = [];
  /** `Context.current().cancellationSignal.aborted` when each cancellation was observed. */
  readonly signalAbortedOnCancel: boolean[] = [];
  /** Every `sendAlert` call, in order (the double sends nothing). */
  readonly alerts: AlertInput[] = [];
  readonly activities: PayloadActivities & AlertActivities;

  /**
   * @param behaviour what each call does.
   * @param serverClock reads the server's clock (e.g. `() => env.currentTimeMs()`) at the start
   *   of each attempt, for `startedMs`.
   */
  constructor(
    public behaviour: PayloadBehaviour = succeed,
    private readonly serverClock?: () => Promise<number>,
  ) {
    this.activities = {
      runPayload: async (input: RunPayloadInput): Promise<AttemptReport> => {
        const ctx = Context.current();
        const { info } = ctx;
        const call: PayloadCall = {
          input,
          attempt: info.attempt,
          scheduledMs: info.currentAttemptScheduledTimestampMs,
          workflowId: info.workflowExecution?.workflowId ?? '',
          runId: info.workflowExecution?.runId ?? '',
          activityId: info.activityId,
          heartbeatTimeoutMs: info.heartbeatTimeoutMs,
          startedMs: this.serverClock ? await this.serverClock() : undefined,
        };
        this.calls.push(call);
        return this.behaviour(call, ctx);
      },
      sendAlert: async (input: AlertInput): Promise<AlertResult> => {
        this.alerts.push(input);
        return { sent: false };
      },
    };
  }

  /** Behaviour: heartbeat and wait until cancelled; records the observed cancellation and rethrows it. */
  blockUntilCancelled(periodMs = 100): PayloadBehaviour {
    return async (_call, ctx) => {
      const beat = setInterval(() => ctx.heartbeat(), periodMs);
      ctx.heartbeat();
      try {
        await ctx.cancelled;
        throw new Error('Context.cancelled resolved instead of rejecting');
      } catch (err) {
        this.cancellations.push(err);
        this.signalAbortedOnCancel.push(ctx.cancellationSignal.aborted);
        throw err;
      } finally {
        clearInterval(beat);
      }
    };
  }
}

/** `name-of-the-test` from vitest's current test, for task queues and workflow ids. */
export function testSlug(): string {
  const name = expect.getState().currentTestName ?? 'test';
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
}

/** A job spec as the API would build it: validated submission + toJobSpec at `nowMs`. */
export function buildSpec(jobId: string, nowMs: number, submission: Partial<JobSubmissionInput>): JobSpec {
  const parsed = jobSubmissionSchema.parse({
    name: `workflow test ${jobId}`,
    payload: { type: 'handler', name: 'test.double', args: { job: jobId } },
    ...submission,
  });
  return toJobSpec(parsed, jobId, nowMs, 'u-workflow-test');
}

/** Epoch ms of the next whole minute strictly after `ms` (plus `minutes` - 1 more minutes). */
export function wholeMinuteAfter(ms: number, minutes = 1): number {
  return (Math.floor(ms / 60_000) + minutes) * 60_000;
}

/** Creates a worker for one test's task queue with the shared bundle and the double's activities. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  double: PayloadDouble,
): Promise<Worker> {
  installQuietRuntime();
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await jobWorkflowBundle(),
    activities: double.activities,
    identity: DOUBLE_WORKER_ID,
    // Deliver heartbeats (and so cancellation) quickly.
    maxHeartbeatThrottleInterval: '100ms',
    defaultHeartbeatThrottleInterval: '100ms',
  });
}

export type JobHandle = WorkflowHandleWithFirstExecutionRunId<typeof jobWorkflow>;

/**
 * Starts jobWorkflow as the API does (workflow id = job id). The fire lead defaults to 0 here: on
 * the time-skipping server the workflow's clock runs ahead of the worker's, so a lead would make
 * every attempt hold for the whole lead in real time.
 */
export function startJob(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  spec: JobSpec,
  extra: Omit<JobWorkflowInput, 'spec'> = {},
): Promise<JobHandle> {
  return env.client.workflow.start<typeof jobWorkflow>('jobWorkflow', {
    workflowId: spec.job_id,
    taskQueue,
    args: [{ spec, fire_lead_ms: 0, ...extra }],
  });
}

/** Occurrences that ran (succeeded or failed), from the ledger counts. */
export function runCount(d: Pick<JobDescription, 'counts'>): number {
  return d.counts.succeeded + d.counts.failed;
}

/** Occurrences the misfire policy skipped, from the ledger window. */
export function missedCount(d: Pick<JobDescription, 'executions'>): number {
  return d.executions.filter((e) => e.reason === 'misfire').reduce((sum, e) => sum + (e.count ?? 1), 0);
}

/** The `describe` query (latest run of the chain). */
export function describeJob(handle: JobHandle): Promise<JobDescription> {
  // Given up after 5 s so that polling (waitFor) asks again: on the time-skipping test server a query
  // that arrives while the job continues as new sometimes never gets an answer.
  return Promise.race([
    handle.query<JobDescription>('describe'),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('describe query timed out')), 5_000).unref()),
  ]);
}

/** The JobStatus search attribute as the server stores it. */
export async function jobStatusAttribute(handle: JobHandle): Promise<string | undefined> {
  const description = await handle.describe();
  return description.typedSearchAttributes.get(JOB_STATUS);
}

/**
 * Polls (real time, short interval) until `check` returns a value other than undefined/false,
 * and returns it. Queries do not unlock time skipping, so the workflow's clock
 * stands still while this waits. Throws with `what` and the last value on timeout.
 */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 25 } = {},
): Promise<Exclude<T, undefined | false>> {
  return pollUntil(check, { what, timeoutMs, intervalMs });
}

/** Waits until the job's describe query reports at least `runs` occurrences, returns the description. */
export function waitForRunCount(handle: JobHandle, runs: number, timeoutMs?: number): Promise<JobDescription> {
  return waitFor(
    `runs >= ${runs}`,
    async () => {
      const d = await describeJob(handle);
      return runCount(d) >= runs ? d : undefined;
    },
    timeoutMs === undefined ? {} : { timeoutMs },
  );
}

/**
 * Runs a workflow update (`pause`, `resume`, `trigger`, `patch`) and returns its result. Each try is
 * given up after `perTryMs` (default 5 s) and sent again with the same update id, up to `tries` times:
 * on the time-skipping test server an update that arrives while the job's workflow task is in
 * flight or while it continues as new sometimes never gets an answer (seen under CI load). Reusing
 * the update id lets the server deduplicate a try that did arrive, so a non-idempotent update
 * (`trigger`) is applied once.
 */
export async function updateJob<R = unknown>(
  handle: JobHandle,
  name: 'pause' | 'resume' | 'trigger' | 'patch',
  args: unknown[] = [],
  { tries = 4, perTryMs = 5_000 } = {},
): Promise<R> {
  const updateId = `${name}-${randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const noAnswer = new Error(`update ${name} got no answer in ${perTryMs} ms (try ${attempt} of ${tries})`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        handle.executeUpdate<R, [unknown, ...unknown[]]>(name, { args: args as [unknown, ...unknown[]], updateId }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(noAnswer), perTryMs);
        }),
      ]);
    } catch (err) {
      if (err !== noAnswer || attempt >= tries) throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
