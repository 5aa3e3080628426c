/**
 * jobWorkflow, failures and retries, on the time-skipping test server: the job's
 * retry policy drives Temporal's activity retries (attempts, exponential backoff),
 * a one-time job fails after its last attempt, non-retryable failures are not
 * retried, and a periodic job outlives a failed occurrence.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { JobDescription } from '../../src/domain/job-state';
import {
  buildSpec,
  createTestWorker,
  DOUBLE_WORKER_ID,
  describeJob,
  type JobHandle,
  jobStatusAttribute,
  PayloadDouble,
  permanentFailure,
  retryableFailure,
  runCount,
  startJob,
  succeed,
  testSlug,
  useWorkflowTestEnv,
  waitForRunCount,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

/** Awaits the job's result, which must fail; returns the WorkflowFailedError. */
async function expectJobFailure(handle: JobHandle): Promise<WorkflowFailedError> {
  const err = await handle.result().then(
    (value) => {
      throw new Error(`expected the job to fail, it returned ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

describe('jobWorkflow: retries', () => {
  it('attempts a failing one-time job max_retries + 1 times with exponential backoff, then fails', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const executionTime = new Date(Math.floor(nowMs / 1000) * 1000 + 60_000).toISOString();
    const spec = buildSpec(id, nowMs, {
      frequency: 'once',
      execution_time: executionTime,
      retry: { max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 },
    });
    const double = new PayloadDouble(
      async (call) => {
        throw retryableFailure(call, `target unavailable (attempt ${call.attempt})`);
      },
      () => env.currentTimeMs(),
    );

    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      const err = await expectJobFailure(handle);
      expect(err.cause).toBeInstanceOf(ApplicationFailure);
      expect((err.cause as ApplicationFailure).type).toBe('JobFailed');
      expect((err.cause as ApplicationFailure).nonRetryable).toBe(true);
      expect(err.cause?.message).toContain('4 attempt(s)');
      expect(err.cause?.message).toContain('target unavailable (attempt 4)');

      // Exactly 4 attempts of the same occurrence, same input each time.
      expect(double.calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
      for (const call of double.calls) {
        expect(call.input.scheduled_time).toBe(executionTime);
        expect(call.input.idempotency_key).toBe(`${id}:${executionTime}`);
        expect(call.activityId).toBe(double.calls[0]?.activityId);
      }

      // Backoff on the server's clock: about 1 s, 2 s, 4 s between attempts, each at least the previous.
      const started = double.calls.map((c) => c.startedMs as number);
      const delays = started.slice(1).map((t, i) => t - (started[i] as number));
      const expected = [1_000, 2_000, 4_000];
      delays.forEach((delay, i) => {
        const what = `delay before attempt ${i + 2} (all: ${delays.join(', ')})`;
        expect(delay, what).toBeGreaterThanOrEqual(expected[i] as number);
        expect(delay, what).toBeLessThan((expected[i] as number) + 1_000);
        if (i > 0) expect(delay, what).toBeGreaterThanOrEqual(delays[i - 1] as number);
      });
      // currentAttemptScheduledTimestampMs grows the same way. The test server stamps a retry
      // with the time the previous attempt failed, so its gaps are the backoffs shifted by one
      // attempt (~0, 1 s, 2 s); each attempt starts no earlier than it was scheduled.
      const scheduled = double.calls.map((c) => c.scheduledMs);
      const scheduledGaps = scheduled.slice(1).map((t, i) => t - (scheduled[i] as number));
      scheduledGaps.forEach((gap, i) => {
        if (i > 0)
          expect(gap, `scheduled gaps ${scheduledGaps.join(', ')}`).toBeGreaterThanOrEqual(
            scheduledGaps[i - 1] as number,
          );
      });
      expect(scheduledGaps[2]).toBeGreaterThanOrEqual(2_000);
      double.calls.forEach((c) => {
        expect(c.startedMs as number).toBeGreaterThanOrEqual(c.scheduledMs);
      });
      expect(scheduled[0]).toBeGreaterThanOrEqual(Date.parse(executionTime));

      const d = await describeJob(handle);
      expect(d.status).toBe('failed');
      expect(runCount(d)).toBe(1);
      expect(d.counts.failed).toBe(1);
      expect(d.retry_count).toBe(3);
      expect(d.next_run_time).toBeNull();
      expect(d.executions).toHaveLength(1);
      expect(d.executions[0]).toMatchObject({
        scheduled_time: executionTime,
        status: 'failed',
        attempts: 4,
        error: { message: 'target unavailable (attempt 4)', type: 'HandlerError', non_retryable: false },
      });
      expect(await jobStatusAttribute(handle)).toBe('failed');
      expect((await handle.describe()).status.name).toBe('FAILED');
    });
    expect(double.calls).toHaveLength(4);
  });

  it('does not retry a non-retryable failure', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const executionTime = new Date(Math.floor(nowMs / 1000) * 1000 + 60_000).toISOString();
    const spec = buildSpec(id, nowMs, {
      frequency: 'once',
      execution_time: executionTime,
      retry: { max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 },
    });
    const double = new PayloadDouble(async (call) => {
      throw permanentFailure(call, 'HTTP 404 from target');
    });

    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      const err = await expectJobFailure(handle);
      expect((err.cause as ApplicationFailure).type).toBe('JobFailed');
      expect(err.cause?.message).toContain('1 attempt(s)');

      expect(double.calls.map((c) => c.attempt)).toEqual([1]);
      const d = await describeJob(handle);
      expect(d.status).toBe('failed');
      expect(runCount(d)).toBe(1);
      expect(d.counts.failed).toBe(1);
      expect(d.retry_count).toBe(0);
      expect(d.executions[0]).toMatchObject({
        status: 'failed',
        attempts: 1,
        worker_id: expect.any(String),
        error: { message: 'HTTP 404 from target', type: 'NonRetryableError', non_retryable: true },
      });
      expect(await jobStatusAttribute(handle)).toBe('failed');
    });
    expect(double.calls).toHaveLength(1);
  });

  it('keeps a periodic job running after a failed occurrence', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const anchorMs = (Math.floor(nowMs / 60_000) + 1) * 60_000;
    const at = (k: number) => new Date(anchorMs + k * 60_000).toISOString();
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1m',
      execution_time: at(0),
      retry: { max_retries: 1, initial_interval: '1s', backoff_coefficient: 2 },
    });
    // The first occurrence fails on both attempts (a plain Error, as a crashing handler
    // would throw); later occurrences succeed.
    const double = new PayloadDouble(async (call) => {
      if (call.input.scheduled_time === at(0)) throw new Error(`handler crashed (attempt ${call.attempt})`);
      return succeed(call);
    });

    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      await waitForRunCount(handle, 0);
      await env.sleep(anchorMs - (await env.currentTimeMs()) + 10_000);

      let d: JobDescription = await waitForRunCount(handle, 1);
      expect(d.status).toBe('pending');
      expect(await jobStatusAttribute(handle)).toBe('pending');
      expect(d.next_run_time).toBe(at(1));
      expect(d.counts.failed).toBe(1);
      expect(d.retry_count).toBe(1);
      expect(d.executions[0]).toMatchObject({
        scheduled_time: at(0),
        status: 'failed',
        attempts: 2,
        error: { message: 'handler crashed (attempt 2)', non_retryable: false },
      });
      expect(double.calls.map((c) => [c.input.scheduled_time, c.attempt])).toEqual([
        [at(0), 1],
        [at(0), 2],
      ]);
      expect((await handle.describe()).status.name).toBe('RUNNING');

      // The next occurrence still runs, and succeeds.
      await env.sleep('1m');
      d = await waitForRunCount(handle, 2);
      expect(d.status).toBe('pending');
      expect(d.next_run_time).toBe(at(2));
      expect(runCount(d)).toBe(2);
      expect(d.counts.failed).toBe(1);
      expect(d.retry_count).toBe(0);
      expect(d.executions.map((e) => [e.scheduled_time, e.status])).toEqual([
        [at(1), 'succeeded'],
        [at(0), 'failed'],
      ]);
      expect(d.executions[0]).toMatchObject({ attempts: 1, worker_id: DOUBLE_WORKER_ID });
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([at(0), at(0), at(1)]);
      expect((await handle.describe()).status.name).toBe('RUNNING');

      await handle.terminate('test done');
    });
  });
});
