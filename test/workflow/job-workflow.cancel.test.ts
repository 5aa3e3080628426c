/**
 * jobWorkflow, cancellation, on the time-skipping test server: cancelling a job
 * (DELETE /jobs/{id}) ends it `cancelled`, whether it is sleeping until its next
 * occurrence or running its payload (the running attempt is cancelled too).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import {
  buildSpec,
  createTestWorker,
  describeJob,
  type JobHandle,
  jobStatusAttribute,
  PayloadDouble,
  runCount,
  startJob,
  testSlug,
  useWorkflowTestEnv,
  waitFor,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

/** Awaits the result of a cancelled job: WorkflowFailedError caused by CancelledFailure. */
async function expectCancelled(handle: JobHandle): Promise<void> {
  const err = await handle.result().then(
    (value) => {
      throw new Error(`expected the job to be cancelled, it returned ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  expect((await describeJob(handle)).status).toBe('cancelled');
  expect(await jobStatusAttribute(handle)).toBe('cancelled');
}

describe('jobWorkflow: cancellation', () => {
  it('cancels a job that is sleeping until its next occurrence', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1h',
      execution_time: new Date(Math.floor(nowMs / 1000) * 1000 + 3_600_000).toISOString(),
    });
    const double = new PayloadDouble();

    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      await waitFor('the job to sleep until its first occurrence', async () => {
        const d = await describeJob(handle);
        return d.status === 'pending' && d.next_run_time === spec.execution_time;
      });
      expect(await jobStatusAttribute(handle)).toBe('pending');

      await handle.cancel();
      await expectCancelled(handle);

      const d = await describeJob(handle);
      expect(runCount(d)).toBe(0);
      expect(d.next_run_time).toBeNull();
      expect(d.executions).toEqual([]);
      // Awaiting the result let the server skip time freely: the occurrence never ran.
      expect(double.calls).toHaveLength(0);
    });
    expect(double.calls).toHaveLength(0);
  });

  it('cancels a job while its payload is running, cancelling the running attempt', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const executionMs = Math.floor(nowMs / 1000) * 1000 + 60_000;
    const executionTime = new Date(executionMs).toISOString();
    const spec = buildSpec(id, nowMs, {
      frequency: 'once',
      execution_time: executionTime,
      heartbeat_timeout: '5s',
      retry: { max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 },
    });
    const double = new PayloadDouble();
    double.behaviour = double.blockUntilCancelled(100);

    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      await waitFor('the first workflow task', async () => (await describeJob(handle)).next_run_time !== null);
      // To the occurrence (the clock runs on in real time, not skipping, while the attempt is in flight).
      await env.sleep(executionMs - (await env.currentTimeMs()));
      await waitFor('the payload to start', () => double.calls.length === 1);
      const running = await waitFor('status running', async () => {
        const d = await describeJob(handle);
        return d.status === 'running' ? d : undefined;
      });
      expect(runCount(running)).toBe(0);
      // Visibility keeps the lifecycle status while a run is in flight: no upsert per run start.
      expect(await jobStatusAttribute(handle)).toBe('pending');

      await handle.cancel();
      // The attempt learns of the cancellation through its heartbeats.
      await waitFor('the activity to observe the cancellation', () => double.cancellations.length === 1);
      expect(double.cancellations[0]).toBeInstanceOf(CancelledFailure);
      expect(double.signalAbortedOnCancel).toEqual([true]);

      await expectCancelled(handle);
      // The cancelled attempt was not retried.
      expect(double.calls).toHaveLength(1);
      expect(double.calls[0]?.input.scheduled_time).toBe(executionTime);
      expect(double.calls[0]?.heartbeatTimeoutMs).toBe(5_000);
      expect((await describeJob(handle)).next_run_time).toBeNull();
    });
    expect(double.calls).toHaveLength(1);
    expect(double.cancellations).toHaveLength(1);
  });
});
