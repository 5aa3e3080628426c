/**
 * jobWorkflow, health and alerts, on the time-skipping test server: a job whose runs fail turns
 * `failing` and alerts once (not on every run), alerts once more when it recovers; a job with no
 * success within `expected_within` turns `late`; `notify.events` chooses what is sent; the
 * JobHealth search attribute follows the state.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { JobSubmissionInput } from '../../src/domain/job-spec';
import { CONSECUTIVE_FAILURES, JOB_HEALTH, LAST_SUCCESS_TIME } from '../../src/domain/search-attributes';
import {
  buildSpec,
  createTestWorker,
  describeJob,
  type JobHandle,
  type PayloadBehaviour,
  PayloadDouble,
  retryableFailure,
  startJob,
  succeed,
  testSlug,
  useWorkflowTestEnv,
  waitFor,
  waitForRunCount,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

const failing: PayloadBehaviour = async (call) => {
  throw retryableFailure(call, `target unavailable (attempt ${call.attempt})`);
};

/** The job's health search attributes as the server stores them. */
async function healthAttributes(handle: JobHandle) {
  const attributes = (await handle.describe()).typedSearchAttributes;
  return {
    state: attributes.get(JOB_HEALTH),
    failures: attributes.get(CONSECUTIVE_FAILURES),
    lastSuccess: attributes.get(LAST_SUCCESS_TIME),
  };
}

/** Runs `body` with a per-minute interval job on its own worker. */
async function withJob(
  submission: Partial<JobSubmissionInput> | ((nowMs: number) => Partial<JobSubmissionInput>),
  behaviour: PayloadBehaviour,
  body: (handle: JobHandle, double: PayloadDouble) => Promise<void>,
): Promise<void> {
  const id = testSlug();
  const nowMs = await env.currentTimeMs();
  const spec = buildSpec(id, nowMs, {
    frequency: 'interval',
    every: '1m',
    retry: { max_retries: 1, initial_interval: '1s', backoff_coefficient: 1 },
    ...(typeof submission === 'function' ? submission(nowMs) : submission),
  });
  const double = new PayloadDouble(behaviour);
  const worker = await createTestWorker(env, id, double);
  await worker.runUntil(async () => {
    const handle = await startJob(env, id, spec);
    try {
      await body(handle, double);
    } finally {
      await handle.terminate('test done');
    }
  });
}

describe('jobWorkflow: health and alerts', () => {
  it('failing: one `failed` alert for 3 failed runs, then one `recovered` alert when a run succeeds', async () => {
    await withJob({}, failing, async (handle, double) => {
      await env.sleep('3m');
      const failed = await waitForRunCount(handle, 3);
      expect(failed.health.state).toBe('failing');
      expect(failed.health.consecutive_failures).toBeGreaterThanOrEqual(3);
      expect(failed.health.last_success_time).toBeNull();
      expect(failed.health.last_failure?.error?.message).toBe('target unavailable (attempt 2)');
      expect(failed.health.last_failure?.scheduled_time).toBe(failed.last_run_time);
      await waitFor('JobHealth failing', async () => (await healthAttributes(handle)).state === 'failing');
      expect((await healthAttributes(handle)).failures).toBe(failed.health.consecutive_failures);
      await waitFor('the failed alert', () => double.alerts.length >= 1);
      expect(double.alerts.map((a) => a.event)).toEqual(['failed']);
      const [alert] = double.alerts;
      const firstFailure = failed.executions.filter((e) => e.status === 'failed').at(-1);
      expect(alert?.scheduled_time).toBe(firstFailure?.scheduled_time);
      expect(alert?.idempotency_key).toBe(`${failed.job_id}:alert:failed:${firstFailure?.scheduled_time}`);
      expect(alert?.error?.message).toBe('target unavailable (attempt 2)');
      expect(alert?.name).toBe(failed.spec.name);

      double.behaviour = succeed;
      await env.sleep('2m');
      const recovered = await waitFor('a success', async () => {
        const d = await describeJob(handle);
        return d.counts.succeeded >= 1 ? d : undefined;
      });
      expect(recovered.health).toMatchObject({ state: 'ok', consecutive_failures: 0, last_failure: null });
      expect(recovered.health.last_success_time).not.toBeNull();
      await waitFor('the recovered alert', () => double.alerts.length >= 2);
      expect(double.alerts.map((a) => a.event)).toEqual(['failed', 'recovered']);
      expect(double.alerts[1]?.health).toMatchObject({ state: 'ok', consecutive_failures: 0 });
      await waitFor('JobHealth ok', async () => (await healthAttributes(handle)).state === 'ok');
      expect((await healthAttributes(handle)).lastSuccess?.toISOString()).toBe(recovered.health.last_success_time);
    });
  });

  it('an alert its receiver refuses is given up; the job goes on and the next transition alerts again', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1m',
      retry: { max_retries: 0, initial_interval: '1s', backoff_coefficient: 1 },
    });
    const double = new PayloadDouble(failing);
    const refused: string[] = [];
    double.activities.sendAlert = async (input) => {
      refused.push(input.event);
      throw ApplicationFailure.nonRetryable('HTTP 410 from the receiver', 'AlertRejected');
    };
    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      await env.sleep('1m');
      await waitFor('the refused failed alert', () => refused.length >= 1);
      double.behaviour = succeed;
      await env.sleep('2m');
      await waitFor('the refused recovered alert', () => refused.length >= 2);
      expect(refused).toEqual(['failed', 'recovered']);
      const d = await describeJob(handle);
      expect(d.health.state).toBe('ok');
      expect(d.status).not.toBe('failed');
      await handle.terminate('test done');
    });
  });

  it('notify.events [] sends no alert; a succeeding job is ok with no alert', async () => {
    await withJob({ notify: { events: [] } }, failing, async (handle, double) => {
      await env.sleep('2m');
      expect((await waitForRunCount(handle, 2)).health.state).toBe('failing');
      expect(double.alerts).toEqual([]);
    });
    await withJob({ notify: { url: 'https://hooks.example.test/alerts' } }, succeed, async (handle, double) => {
      await env.sleep('2m');
      expect((await waitForRunCount(handle, 2)).health.state).toBe('ok');
      expect(double.alerts).toEqual([]);
    });
  });

  it('expected_within: no success for that long turns the job late with one `late` alert, to the job’s url', async () => {
    const url = 'https://hooks.example.test/alerts';
    const firstInAnHour = (nowMs: number) => ({
      every: '1h',
      execution_time: new Date(Math.floor(nowMs / 1000) * 1000 + 3_600_000).toISOString(),
      expected_within: '10m',
      notify: { url },
    });
    await withJob(firstInAnHour, failing, async (handle, double) => {
      // Unknown until its first run; the first run comes after an hour, the deadline after 10 minutes.
      expect((await describeJob(handle)).health.state).toBe('unknown');
      await env.sleep('11m');
      const late = await waitFor('late', async () => {
        const d = await describeJob(handle);
        return d.health.state === 'late' ? d : undefined;
      });
      expect(late.counts.succeeded + late.counts.failed).toBe(0);
      await waitFor('the late alert', () => double.alerts.length >= 1);
      expect(double.alerts).toHaveLength(1);
      expect(double.alerts[0]).toMatchObject({ event: 'late', scheduled_time: null, url });
      await waitFor('JobHealth late', async () => (await healthAttributes(handle)).state === 'late');
    });
  });
});
