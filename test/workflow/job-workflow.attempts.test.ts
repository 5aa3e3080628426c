/**
 * Per-attempt execution records with the real executors on the time-skipping test server: each
 * attempt adds itself to the payload activity's heartbeat details, so the retry knows its
 * predecessors and their checkpoint, and the result or final failure carries the whole list. No
 * attempt signals the workflow. While an attempt runs, Temporal's pending-activity information
 * tells its worker and number; each activity carries a readable summary.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createActivities, defineHandler, demoHandlers, handlerRegistry } from '../../src/activities';
import { runningAttemptOf } from '../../src/api/jobs/service';
import { loadConfig } from '../../src/config';
import type { RunAs } from '../../src/domain/job-spec';
import type { JobDescription } from '../../src/domain/job-state';
import { WORKER_IDS } from '../../src/domain/search-attributes';
import { createWorker } from '../../src/workers/main';
import {
  buildSpec,
  describeJob,
  jobWorkflowBundle,
  startJob,
  testSlug,
  useWorkflowTestEnv,
  waitFor,
} from '../helpers/workflow-harness';

const WORKER_ID = 'attempts-test-worker';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((e) => {
  env = e;
});

/** What the checkpointing handler saw per attempt. */
const seen: { attempt: number; lastCheckpoint: unknown }[] = [];
let release: (() => void) | undefined;

const handlers = handlerRegistry(
  defineHandler<unknown, { next: number }>('test.checkpoint-then-fail-once', async (_args, ctx) => {
    seen.push({ attempt: ctx.attempt, lastCheckpoint: ctx.lastCheckpoint });
    if (ctx.attempt === 1) {
      ctx.checkpoint({ next: 3 });
      throw new Error('first attempt fails after item 2');
    }
    return { resumed_from: ctx.lastCheckpoint?.next };
  }),
  defineHandler('test.always-fails', async (_args, ctx) => {
    throw new Error(`attempt ${ctx.attempt} fails`);
  }),
  defineHandler('test.wait-for-release', async () => {
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  }),
);

async function worker(taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await jobWorkflowBundle(),
    activities: createActivities({ workerIdentity: WORKER_ID, handlers }),
    identity: WORKER_ID,
    maxHeartbeatThrottleInterval: '100ms',
    defaultHeartbeatThrottleInterval: '100ms',
  });
}

async function runOnce(name: string, runAs: RunAs = 'activity') {
  const id = testSlug();
  const nowMs = await env.currentTimeMs();
  const spec = buildSpec(id, nowMs, {
    frequency: 'once',
    execution_time: new Date(nowMs).toISOString(),
    payload: { type: 'handler', name, args: {} },
    retry: { max_retries: 2, initial_interval: runAs === 'local_activity' ? '50ms' : '1s', backoff_coefficient: 2 },
    run_as: runAs,
    ...(runAs === 'local_activity' ? { timeout: '10s' } : {}),
  });
  const w = await worker(id);
  return w.runUntil(async () => {
    const handle = await startJob(env, id, spec);
    await handle.result().catch(() => undefined);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    return { id, job: await describeJob(handle), attributes: description.typedSearchAttributes, history };
  });
}

/**
 * `test.checkpoint-then-fail-once` ran as it should: the job completed, attempt 2 saw attempt 1's
 * checkpoint, and both attempts are recorded with this worker, the first with its error.
 */
function expectCheckpointResumed(job: JobDescription): void {
  expect(job.status).toBe('completed');
  expect(seen).toEqual([
    { attempt: 1, lastCheckpoint: undefined },
    { attempt: 2, lastCheckpoint: { next: 3 } },
  ]);
  expect(job.last_execution?.attempt_history).toEqual([
    expect.objectContaining({
      attempt: 1,
      worker_id: WORKER_ID,
      status: 'failed',
      error: { message: 'first attempt fails after item 2', type: 'Error', non_retryable: false },
    }),
    expect.objectContaining({ attempt: 2, worker_id: WORKER_ID, status: 'succeeded' }),
  ]);
}

describe('attempt records', () => {
  it('records each attempt with its worker and error; the retry resumes from the checkpoint', async () => {
    seen.length = 0;
    const { id, job, attributes, history } = await runOnce('test.checkpoint-then-fail-once');
    expectCheckpointResumed(job);
    const records = job.last_execution?.attempt_history;
    expect(records?.[0]?.finished_at).not.toBeNull();
    expect(Date.parse(records?.[1]?.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(records?.[0]?.finished_at ?? ''),
    );
    expect(job.last_execution).toMatchObject({ attempts: 2, worker_id: WORKER_ID, status: 'succeeded' });
    expect(job.last_execution?.execution_id.startsWith(`${id}:`)).toBe(true);
    expect(attributes.get(WORKER_IDS)).toEqual([WORKER_ID]);
    // Nothing signals the workflow: the records came with the activity's result.
    expect(history.events?.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
  });

  it('a job whose attempts all fail carries every attempt in the final failure', async () => {
    const { job, history } = await runOnce('test.always-fails');
    expect(job.status).toBe('failed');
    expect(job.last_execution).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'attempt 3 fails' } });
    expect(
      job.last_execution?.attempt_history?.map((a) => [a.attempt, a.worker_id, a.status, a.error?.message]),
    ).toEqual([
      [1, WORKER_ID, 'failed', 'attempt 1 fails'],
      [2, WORKER_ID, 'failed', 'attempt 2 fails'],
      [3, WORKER_ID, 'failed', 'attempt 3 fails'],
    ]);
    expect(history.events?.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
  });

  it('tells the running attempt from pending-activity information, and summarises the activity', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      name: 'nightly report',
      frequency: 'once',
      execution_time: new Date(nowMs).toISOString(),
      payload: { type: 'handler', name: 'test.wait-for-release', args: {} },
      heartbeat_timeout: '1m',
    });
    release = undefined;
    const w = await worker(id);
    await w.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      await waitFor('the handler running', () => release !== undefined);
      const running = await waitFor('the attempt started', async () => {
        const attempt = runningAttemptOf(await handle.describe());
        return attempt?.state === 'started' ? attempt : undefined;
      });
      expect(running).toMatchObject({
        execution_id: `${id}:${spec.execution_time}`,
        attempt: 1,
        worker_id: WORKER_ID,
        last_failure: null,
      });
      expect(Date.parse(running.started_at ?? '')).not.toBeNaN();
      release?.();
      await handle.result();
      expect(runningAttemptOf(await handle.describe())).toBeNull();
      const job = await describeJob(handle);
      expect(job.last_execution?.attempt_history).toEqual([
        expect.objectContaining({ attempt: 1, status: 'succeeded', worker_id: WORKER_ID }),
      ]);
      const history = await handle.fetchHistory();
      const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes);
      const summary = scheduled?.userMetadata?.summary?.data;
      expect(summary && Buffer.from(summary).toString()).toContain('nightly report');
      expect(summary && Buffer.from(summary).toString()).toContain('test.wait-for-release');
    });
  });
});

describe('attempt records, run_as local_activity', () => {
  it('records each attempt in the worker; the retry resumes from the checkpoint; one marker, no activity task', async () => {
    seen.length = 0;
    const { job, attributes, history } = await runOnce('test.checkpoint-then-fail-once', 'local_activity');
    expectCheckpointResumed(job);
    expect(job.last_execution).toMatchObject({ attempts: 2, worker_id: WORKER_ID, status: 'succeeded' });
    expect(attributes.get(WORKER_IDS)).toEqual([WORKER_ID]);
    const events = history.events ?? [];
    expect(events.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1);
    expect(events.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    const summary = events.find((e) => e.markerRecordedEventAttributes)?.userMetadata?.summary?.data;
    expect(summary && Buffer.from(summary).toString()).toContain('test.checkpoint-then-fail-once');
  });

  it('a job whose attempts all fail carries every attempt in the final failure', async () => {
    const { job } = await runOnce('test.always-fails', 'local_activity');
    expect(job.status).toBe('failed');
    expect(job.last_execution).toMatchObject({
      status: 'failed',
      attempts: 3,
      worker_id: WORKER_ID,
      error: { message: 'attempt 3 fails', type: 'Error', non_retryable: false },
    });
    expect(
      job.last_execution?.attempt_history?.map((a) => [a.attempt, a.worker_id, a.status, a.error?.message]),
    ).toEqual([
      [1, WORKER_ID, 'failed', 'attempt 1 fails'],
      [2, WORKER_ID, 'failed', 'attempt 2 fails'],
      [3, WORKER_ID, 'failed', 'attempt 3 fails'],
    ]);
  });
});

describe('queue routing', () => {
  it('runs the attempts of a job with `queue` on that task queue, the workflow stays on its own', async () => {
    const id = testSlug();
    const heavyQueue = `${id}-heavy`;
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'once',
      execution_time: new Date(nowMs).toISOString(),
      queue: heavyQueue,
      payload: { type: 'handler', name: 'demo.echo', args: {} },
    });
    const main = await worker(id);
    const heavy = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: heavyQueue,
      activities: createActivities({ workerIdentity: 'heavy-worker', handlers: demoHandlers }),
      identity: 'heavy-worker',
    });
    const job = await heavy.runUntil(
      main.runUntil(async () => {
        const handle = await startJob(env, id, spec);
        await handle.result();
        return describeJob(handle);
      }),
    );
    expect(job.last_execution).toMatchObject({ status: 'succeeded', worker_id: 'heavy-worker' });
  });
});

describe('createWorker (src/workers/main.ts)', () => {
  it('applies the configured limits, grace period, identity and task queue', async () => {
    const config = loadConfig({
      TASK_QUEUE: testSlug(),
      WORKER_IDENTITY: 'limited-worker',
      MAX_CONCURRENT_EXECUTIONS: '2',
      EXECUTIONS_PER_SECOND: '5',
      TASK_QUEUE_EXECUTIONS_PER_SECOND: '20',
      SHUTDOWN_GRACE: '3s',
    });
    const w = await createWorker({
      config,
      connection: env.nativeConnection,
      handlers: demoHandlers,
      workflowBundle: await jobWorkflowBundle(),
    });
    expect(w.options).toMatchObject({
      taskQueue: config.TASK_QUEUE,
      identity: 'limited-worker',
      maxActivitiesPerSecond: 5,
      maxTaskQueueActivitiesPerSecond: 20,
      shutdownGraceTimeMs: 3_000,
    });
    expect(JSON.stringify(w.options.tuner)).toContain('"numSlots":2');
    await w.runUntil(Promise.resolve()); // starts and shuts down, releasing the connection
  });
});
