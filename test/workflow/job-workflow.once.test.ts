/**
 * jobWorkflow, one-time jobs, on the time-skipping test server: the job sleeps
 * until its execution_time, runs its payload once, and ends `completed`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { JOB_STATUS } from '../../src/domain/search-attributes';
import {
  buildSpec,
  createTestWorker,
  DOUBLE_WORKER_ID,
  describeJob,
  jobStatusAttribute,
  missedCount,
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

describe('jobWorkflow: one-time job', () => {
  it('runs exactly once at its execution_time and completes', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const executionMs = Math.floor(nowMs / 1000) * 1000 + 3_600_000;
    const executionTime = new Date(executionMs).toISOString();
    const spec = buildSpec(id, nowMs, { frequency: 'once', execution_time: executionTime });
    expect(spec.execution_time).toBe(executionTime);

    const double = new PayloadDouble();
    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);

      // Before its time: pending, waiting for the execution_time, nothing ran.
      const pending = await waitFor('the first workflow task', async () => {
        const d = await describeJob(handle);
        return d.next_run_time !== null ? d : undefined;
      });
      expect(pending.status).toBe('pending');
      expect(pending.next_run_time).toBe(executionTime);
      expect(runCount(pending)).toBe(0);
      expect(await jobStatusAttribute(handle)).toBe('pending');

      await env.sleep('59m');
      expect(await env.currentTimeMs()).toBeLessThan(executionMs);
      expect(runCount(await describeJob(handle))).toBe(0);
      expect(double.calls).toHaveLength(0);

      // Awaiting the result lets the server skip to the timer.
      const result = await handle.result();

      expect(double.calls).toHaveLength(1);
      const [call] = double.calls;
      expect(call?.input).toEqual({
        job_id: id,
        payload: spec.payload,
        scheduled_time: executionTime,
        idempotency_key: `${id}:${executionTime}`,
        // The timer fired at the execution time: nothing left for the attempt to hold (no hold_ms).
      });
      expect(call?.attempt).toBe(1);
      // Scheduled by the server at (not before) the execution time.
      expect(call?.scheduledMs).toBeGreaterThanOrEqual(executionMs);
      expect(call?.scheduledMs).toBeLessThan(executionMs + 10_000);

      for (const d of [result, await describeJob(handle)]) {
        expect(d.job_id).toBe(id);
        expect(d.status).toBe('completed');
        expect(runCount(d)).toBe(1);
        expect(d.counts.failed).toBe(0);
        expect(d.retry_count).toBe(0);
        expect(missedCount(d)).toBe(0);
        expect(d.next_run_time).toBeNull();
        expect(d.last_run_time).toBe(executionTime);
        expect(d.executions).toHaveLength(1);
        expect(d.executions[0]).toMatchObject({
          execution_id: `${id}:${executionTime}`,
          scheduled_time: executionTime,
          status: 'succeeded',
          attempts: 1,
          worker_id: DOUBLE_WORKER_ID,
        });
        expect(d.executions[0]?.error).toBeUndefined();
        expect(Date.parse(d.executions[0]?.started_at ?? '')).toBeGreaterThanOrEqual(executionMs);
        expect(d.last_execution).toEqual(d.executions[0]);
      }

      const description = await handle.describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.typedSearchAttributes.get(JOB_STATUS)).toBe('completed');
      expect(await jobStatusAttribute(handle)).toBe('completed');
    });
    // Exactly once, also after the workflow ended.
    expect(double.calls).toHaveLength(1);
  });

  it('runs a job whose execution_time has passed at once', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const executionTime = new Date(Math.floor(nowMs / 1000) * 1000 - 3_600_000).toISOString();
    const spec = buildSpec(id, nowMs, { frequency: 'once', execution_time: executionTime });

    const double = new PayloadDouble();
    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(missedCount(result)).toBe(0);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([executionTime]);
      expect(double.calls[0]?.input.hold_ms).toBeUndefined();
      // Ran right away: no time was skipped to run it.
      expect(double.calls[0]?.scheduledMs).toBeLessThan(nowMs + 10_000);
    });
  });
});
