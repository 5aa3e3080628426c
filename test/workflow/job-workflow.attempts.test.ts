/**
 * Per-attempt execution records (src/workflows/attempts.ts) with the real executors and the
 * attempt signals on the time-skipping test server: checkpoints carried into the retry,
 * attempt_history with workers and errors, an attempt that never reported its end (its worker
 * died) recorded as `worker_lost`, and the RunningWorker / RunningAttempt / WorkerIds search
 * attributes while an attempt runs and after it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  type AttemptReporter,
  createActivities,
  defineHandler,
  demoHandlers,
  handlerRegistry,
} from '../../src/activities';
import { loadConfig } from '../../src/config';
import { RUNNING_ATTEMPT, RUNNING_WORKER, WORKER_IDS } from '../../src/domain/search-attributes';
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
  defineHandler('test.wait-for-release', async () => {
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  }),
);

/** Signals through the env's client; `drop` filters events out (a worker that died sends nothing). */
function reporter(client: Client, drop: (name: string, attempt: number) => boolean = () => false): AttemptReporter {
  return async (jobId, name, event) => {
    if (drop(name, event.attempt)) return;
    await client.workflow.getHandle(jobId).signal(name, event);
  };
}

async function worker(taskQueue: string, reportAttempt: AttemptReporter): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await jobWorkflowBundle(),
    activities: createActivities({ workerIdentity: WORKER_ID, handlers, reportAttempt }),
    identity: WORKER_ID,
    maxHeartbeatThrottleInterval: '100ms',
    defaultHeartbeatThrottleInterval: '100ms',
  });
}

async function runOnce(name: string, reportAttempt: (client: Client) => AttemptReporter) {
  const id = testSlug();
  const nowMs = await env.currentTimeMs();
  const spec = buildSpec(id, nowMs, {
    frequency: 'once',
    execution_time: new Date(nowMs).toISOString(),
    payload: { type: 'handler', name, args: {} },
    retry: { max_retries: 2, initial_interval: '1s', backoff_coefficient: 2 },
  });
  const w = await worker(id, reportAttempt(env.client));
  return w.runUntil(async () => {
    const handle = await startJob(env, id, spec);
    await handle.result().catch(() => undefined);
    const description = await handle.describe();
    return { id, job: await describeJob(handle), attributes: description.typedSearchAttributes, handle };
  });
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

describe('attempt records', () => {
  it('records each attempt with its worker and error; the retry resumes from the checkpoint', async () => {
    seen.length = 0;
    const { id, job, attributes } = await runOnce('test.checkpoint-then-fail-once', (c) => reporter(c));
    expect(job.status).toBe('completed');
    expect(seen).toEqual([
      { attempt: 1, lastCheckpoint: undefined },
      { attempt: 2, lastCheckpoint: { next: 3 } },
    ]);
    const history = job.last_execution?.attempt_history;
    expect(history).toEqual([
      expect.objectContaining({
        attempt: 1,
        worker_id: WORKER_ID,
        status: 'failed',
        error: { message: 'first attempt fails after item 2', type: 'Error', non_retryable: false },
      }),
      expect.objectContaining({ attempt: 2, worker_id: WORKER_ID, status: 'succeeded' }),
    ]);
    expect(history?.[0]?.finished_at).not.toBeNull();
    expect(job.last_execution?.execution_id.startsWith(`${id}:`)).toBe(true);
    expect(attributes.get(RUNNING_WORKER)).toBeUndefined();
    expect(attributes.get(WORKER_IDS)).toEqual([WORKER_ID]);
  });

  it('replays a history with attempt signals (recorded as a fixture with RECORD_HISTORIES=1)', async () => {
    const { handle } = await runOnce('test.checkpoint-then-fail-once', (c) =>
      reporter(c, (name, attempt) => name === 'attemptEnded' && attempt === 1),
    );
    const history = await handle.fetchHistory();
    const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? [];
    expect(signals.length).toBe(3); // start 1, start 2, end 2
    await Worker.runReplayHistory({ workflowBundle: await jobWorkflowBundle() }, history, handle.workflowId);
    if (process.env.RECORD_HISTORIES) {
      mkdirSync(FIXTURES, { recursive: true });
      const History = temporal.api.history.v1.History;
      writeFileSync(
        join(FIXTURES, 'attempt-signals-worker-lost.binpb'),
        History.encode(History.fromObject(history)).finish(),
      );
    }
  });

  it('an attempt that never reported its end is worker_lost when the next one starts', async () => {
    seen.length = 0;
    // Attempt 1 "dies": its end never reaches the workflow (like a worker killed mid-attempt).
    const { job } = await runOnce('test.checkpoint-then-fail-once', (c) =>
      reporter(c, (name, attempt) => name === 'attemptEnded' && attempt === 1),
    );
    const history = job.last_execution?.attempt_history;
    expect(history?.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'worker_lost'],
      [2, 'succeeded'],
    ]);
    expect(history?.[0]).toMatchObject({ error: { type: 'WorkerLost' }, finished_at: history?.[1]?.started_at });
  });

  it('an attempt that reported neither start nor end gets its record from the outcome', async () => {
    const { job } = await runOnce('test.checkpoint-then-fail-once', (c) =>
      reporter(c, (name, attempt) => attempt === 2 && name === 'attemptStarted'),
    );
    expect(job.last_execution?.attempt_history?.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it('publishes RunningWorker and RunningAttempt while the attempt runs, clears them after', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'once',
      execution_time: new Date(nowMs).toISOString(),
      payload: { type: 'handler', name: 'test.wait-for-release', args: {} },
      heartbeat_timeout: '1m',
    });
    release = undefined;
    const w = await worker(id, reporter(env.client));
    await w.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      const running = await waitFor('RunningWorker set', async () => {
        const attributes = (await handle.describe()).typedSearchAttributes;
        return attributes.get(RUNNING_WORKER) === WORKER_ID ? attributes : undefined;
      });
      expect(JSON.parse(running.get(RUNNING_ATTEMPT) ?? 'null')).toEqual({
        execution_id: `${id}:${spec.execution_time}`,
        attempt: 1,
        started_at: expect.any(String),
      });
      await waitFor('the handler running', () => release !== undefined);
      // Signals of another occurrence (a late attempt of an older one) are ignored.
      const other = { execution_id: `${id}:2000-01-01T00:00:00.000Z`, attempt: 7, worker_id: 'old-worker' };
      await handle.signal('attemptStarted', { ...other, started_at: new Date(nowMs).toISOString() });
      await handle.signal('attemptEnded', { ...other, finished_at: new Date(nowMs).toISOString(), status: 'failed' });
      release?.();
      await handle.result();
      const after = (await handle.describe()).typedSearchAttributes;
      expect(after.get(RUNNING_WORKER)).toBeUndefined();
      expect(after.get(RUNNING_ATTEMPT)).toBeUndefined();
      const job = await describeJob(handle);
      expect(job.last_execution?.attempt_history).toEqual([
        expect.objectContaining({ attempt: 1, status: 'succeeded', worker_id: WORKER_ID }),
      ]);
    });
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
    const main = await worker(id, reporter(env.client));
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
