/**
 * jobWorkflow, periodic jobs, on the time-skipping test server: an interval job and
 * cron jobs run occurrence after occurrence across several continue-as-new runs,
 * with every occurrence of the schedule run exactly once, in order.
 */
import { tsToMs } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../src/domain/job-spec';
import {
  buildSpec,
  createTestWorker,
  describeJob,
  type JobHandle,
  jobStatusAttribute,
  missedCount,
  PayloadDouble,
  runCount,
  startJob,
  testSlug,
  useWorkflowTestEnv,
  waitFor,
  waitForRunCount,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

const RUNS = 26;
const CONTINUE_AS_NEW_AFTER = 5;
const MINUTE = 60_000;

/**
 * Drives the job through `expected` occurrences: advances the server clock to each one
 * (plus a second) and waits until the workflow reports it ran, then checks what ran.
 */
async function runThrough(handle: JobHandle, double: PayloadDouble, expected: number[]): Promise<void> {
  for (const [k, occurrenceMs] of expected.entries()) {
    const before = await describeJob(handle);
    expect(runCount(before)).toBe(k);
    expect(before.status).toBe('pending');
    expect(before.next_run_time).toBe(new Date(occurrenceMs).toISOString());
    // Nothing runs early.
    expect(double.calls).toHaveLength(k);

    const now = await env.currentTimeMs();
    await env.sleep(Math.max(0, occurrenceMs - now) + 1_000);
    const after = await waitForRunCount(handle, k + 1);
    expect(runCount(after)).toBe(k + 1);
    expect(after.generation).toBe(Math.floor((k + 1) / CONTINUE_AS_NEW_AFTER));
  }
  await verifyRuns(handle, double, expected);
}

/** Checks that the job ran exactly the `expected` occurrences, once each, over several runs. */
async function verifyRuns(handle: JobHandle, double: PayloadDouble, expected: number[]): Promise<void> {
  const iso = expected.map((ms) => new Date(ms).toISOString());
  // Exactly the schedule's consecutive occurrences: none lost, none repeated, in order.
  expect(double.calls.map((c) => c.input.scheduled_time)).toEqual(iso);
  expect(double.calls.map((c) => c.input.idempotency_key)).toEqual(iso.map((t) => `${handle.workflowId}:${t}`));
  expect(double.calls.every((c) => c.attempt === 1)).toBe(true);
  // Each occurrence was scheduled by the server at (not before) its time.
  double.calls.forEach((c, k) => {
    expect(c.scheduledMs).toBeGreaterThanOrEqual(expected[k] as number);
    expect(c.scheduledMs).toBeLessThan((expected[k] as number) + 10_000);
  });

  // Several continue-as-new runs, each running at most CONTINUE_AS_NEW_AFTER occurrences.
  const generations = Math.floor(expected.length / CONTINUE_AS_NEW_AFTER);
  expect(generations).toBeGreaterThanOrEqual(4);
  const runsOfCalls = new Map<string, number>();
  for (const c of double.calls) runsOfCalls.set(c.runId, (runsOfCalls.get(c.runId) ?? 0) + 1);
  expect(runsOfCalls.size).toBe(Math.ceil(expected.length / CONTINUE_AS_NEW_AFTER));
  expect([...runsOfCalls.values()].every((n) => n <= CONTINUE_AS_NEW_AFTER)).toBe(true);
  expect(runsOfCalls.has(handle.firstExecutionRunId)).toBe(true);

  const description = await handle.describe();
  expect(description.runId).not.toBe(handle.firstExecutionRunId);
  expect(description.status.name).toBe('RUNNING');
  expect(await jobStatusAttribute(handle)).toBe('pending');

  const d = await describeJob(handle);
  expect(d.generation).toBe(generations);
  expect(runCount(d)).toBe(expected.length);
  expect(d.counts.failed).toBe(0);
  expect(missedCount(d)).toBe(0);
  expect(d.last_run_time).toBe(iso.at(-1));
  // Executions are carried over continue-as-new, newest first.
  expect(d.executions.map((e) => e.scheduled_time)).toEqual([...iso].reverse());
  expect(d.executions.every((e) => e.status === 'succeeded')).toBe(true);
  // The executions query agrees.
  expect(await handle.query('executions')).toEqual(d.executions);
}

/**
 * Runs a periodic job through `expected` occurrences. `advance: 'step'` moves the clock to each
 * occurrence in turn; `'leap'` skips the whole span in one env.sleep (the server fires every
 * timer on the way and the workflow must keep up).
 */
async function runPeriodicJob(spec: JobSpec, expected: number[], advance: 'step' | 'leap' = 'step'): Promise<void> {
  const double = new PayloadDouble();
  const worker = await createTestWorker(env, spec.job_id, double);
  await worker.runUntil(async () => {
    const handle = await startJob(env, spec.job_id, spec, { continue_as_new_after: CONTINUE_AS_NEW_AFTER });
    await waitFor('the first workflow task', async () => (await describeJob(handle)).next_run_time !== null);
    if (advance === 'step') {
      await runThrough(handle, double, expected);
    } else {
      expect(double.calls).toHaveLength(0);
      const now = await env.currentTimeMs();
      await env.sleep((expected.at(-1) as number) - now + 1_000);
      await waitForRunCount(handle, expected.length);
      await verifyRuns(handle, double, expected);
    }
    // The next occurrence is published and has not run.
    const next = await describeJob(handle);
    expect(next.next_run_time).not.toBeNull();
    expect(Date.parse(next.next_run_time as string)).toBeGreaterThan(expected.at(-1) as number);
    await handle.terminate('test done');
  });
}

describe('jobWorkflow: periodic jobs', () => {
  it('runs an interval job every minute across continue-as-new', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    // Anchor 30 s into a minute, in the future.
    const anchorMs = (Math.floor(nowMs / MINUTE) + 1) * MINUTE + 30_000;
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1m',
      execution_time: new Date(anchorMs).toISOString(),
    });
    const expected = Array.from({ length: RUNS }, (_, k) => anchorMs + k * MINUTE);
    await runPeriodicJob(spec, expected);
  });

  it('keeps up with an interval job when 26 minutes are skipped at once', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const anchorMs = (Math.floor(nowMs / MINUTE) + 1) * MINUTE;
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1m',
      execution_time: new Date(anchorMs).toISOString(),
    });
    const expected = Array.from({ length: RUNS }, (_, k) => anchorMs + k * MINUTE);
    await runPeriodicJob(spec, expected, 'leap');
  });

  it('runs a 5-field cron job (*/5 * * * *) across continue-as-new', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, { frequency: 'cron', cron: '*/5 * * * *' });
    // UTC 5-minute boundaries are multiples of 5 minutes since the epoch.
    const firstMs = Math.ceil(nowMs / (5 * MINUTE)) * 5 * MINUTE;
    const expected = Array.from({ length: RUNS }, (_, k) => firstMs + k * 5 * MINUTE);
    await runPeriodicJob(spec, expected);
  });

  it('runs a 6-field cron job with uneven gaps (15 */7 * * * *) across continue-as-new', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, { frequency: 'cron', cron: '15 */7 * * * *' });
    // Second 15 of minutes 0, 7, ..., 56 of every hour (a 4-minute gap across the hour).
    const expected: number[] = [];
    for (let m = Math.floor(nowMs / MINUTE); expected.length < RUNS; m++) {
      const ms = m * MINUTE + 15_000;
      if ((m % 60) % 7 === 0 && ms >= nowMs) expected.push(ms);
    }
    await runPeriodicJob(spec, expected);
  });

  it('runs a per-second cron job (* * * * * *) with no sub-second timers: the attempt gets hold_ms', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, { frequency: 'cron', cron: '* * * * * *' });
    const firstMs = Math.ceil(nowMs / 1000) * 1000;
    const count = 12;
    const double = new PayloadDouble();
    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec, { continue_as_new_after: CONTINUE_AS_NEW_AFTER });
      await waitForRunCount(handle, 0);
      await env.sleep(firstMs + (count - 1) * 1000 - (await env.currentTimeMs()) + 100);
      const d = await waitForRunCount(handle, count);
      expect(missedCount(d)).toBe(0);
      expect(d.generation).toBeGreaterThanOrEqual(2);
      await handle.terminate('test done');

      // Consecutive seconds, none lost or repeated (a few more may have run early, held).
      expect(double.calls.length).toBeGreaterThanOrEqual(count);
      double.calls.forEach((c, k) => {
        expect(c.input.scheduled_time).toBe(new Date(firstMs + k * 1000).toISOString());
      });
      // Each attempt is scheduled at its time, or less than a second before it with hold_ms
      // covering the rest: scheduled (server clock) + hold_ms lands at or just after the occurrence.
      for (const c of double.calls) {
        const hold = c.input.hold_ms ?? 0;
        const occurrenceMs = Date.parse(c.input.scheduled_time);
        expect(hold).toBeGreaterThanOrEqual(0);
        expect(hold).toBeLessThan(1000);
        expect(c.scheduledMs + hold, c.input.scheduled_time).toBeGreaterThanOrEqual(occurrenceMs);
        expect(c.scheduledMs + hold, c.input.scheduled_time).toBeLessThan(occurrenceMs + 1000);
      }
      // Occurrences less than a second away were not waited for with a timer...
      expect(double.calls.some((c) => (c.input.hold_ms ?? 0) > 0)).toBe(true);
      // ...and no run started a timer shorter than a second.
      const runIds = [...new Set(double.calls.map((c) => c.runId))];
      expect(runIds.length).toBeGreaterThanOrEqual(3);
      for (const runId of runIds) {
        const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
        const timers = (history.events ?? []).flatMap((e) =>
          e.timerStartedEventAttributes ? [tsToMs(e.timerStartedEventAttributes.startToFireTimeout)] : [],
        );
        for (const ms of timers) expect(ms).toBeGreaterThanOrEqual(1000);
      }
    });
  });
});
