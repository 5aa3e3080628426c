/**
 * What one occurrence costs in jobWorkflow's history, on the time-skipping test server, with the
 * fire lead the API uses (2 s). A bare Temporal workflow that sleeps and runs one activity writes
 * 11 events per iteration (TimerStarted, TimerFired, three workflow task events, ActivityTaskScheduled,
 * ActivityTaskStarted, ActivityTaskCompleted, three workflow task events). An occurrence of a job
 * writes the same plus one UpsertWorkflowSearchAttributes (NextRunTime, LastRunTime): 12. Retries
 * of the payload activity add no events (Temporal records only the last attempt), so a run whose
 * 3 attempts fail costs the same 12. No signal, no cancelled timer.
 *
 * A `run_as: local_activity` job writes one MarkerRecorded instead of the activity's three events and
 * one workflow task: TimerFired, three workflow task events, MarkerRecorded, the upsert and the
 * next TimerStarted, 7 per occurrence, whether it succeeds or its 3 attempts fail (the worker
 * retries a local activity without a history event while the backoff is under a minute).
 */
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { RunAs } from '../../src/domain/job-spec';
import {
  buildSpec,
  createTestWorker,
  type PayloadBehaviour,
  PayloadDouble,
  retryableFailure,
  startJob,
  succeed,
  testSlug,
  useWorkflowTestEnv,
  waitFor,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Events from one ActivityTaskScheduled to the next: what each steady-state occurrence wrote. The
 * first occurrence is left out: its span also holds the job's first workflow task (the upsert that
 * publishes the first NextRunTime).
 */
function eventsPerOccurrence(events: HistoryEvent[]): HistoryEvent[][] {
  const starts = events.flatMap((e, i) =>
    e.activityTaskScheduledEventAttributes?.activityType?.name === 'runPayload' || e.markerRecordedEventAttributes
      ? [i]
      : [],
  );
  return starts.slice(2).map((start, k) => events.slice(starts[k + 1], start));
}

/** Runs a per-minute job for `runs` occurrences and returns its history's events. */
async function historyOf(
  behaviour: PayloadBehaviour,
  runs: number,
  retries: number,
  runAs: RunAs = 'activity',
): Promise<HistoryEvent[]> {
  const id = testSlug();
  const nowMs = await env.currentTimeMs();
  const spec = buildSpec(id, nowMs, {
    frequency: 'interval',
    every: '1m',
    // A local activity's backoff runs in real time while the test server skips time: kept short.
    retry: {
      max_retries: retries,
      initial_interval: runAs === 'local_activity' ? '10ms' : '1s',
      backoff_coefficient: 1,
    },
    run_as: runAs,
    ...(runAs === 'local_activity' ? { timeout: '10s' } : {}),
  });
  const double = new PayloadDouble(behaviour);
  const worker = await createTestWorker(env, id, double);
  let events: HistoryEvent[] = [];
  await worker.runUntil(async () => {
    const handle = await startJob(env, id, spec, { fire_lead_ms: 2_000, continue_as_new_after: 1_000 });
    for (let k = 1; k <= runs; k++) {
      await env.sleep('1m');
      await waitFor(`${k} occurrences ended`, async () => {
        const d = await handle.query<{ counts: { succeeded: number; failed: number } }>('describe');
        return d.counts.succeeded + d.counts.failed >= k;
      });
    }
    events = (await handle.fetchHistory()).events ?? [];
    await handle.terminate('test done');
  });
  return events;
}

function expectLean(perOccurrence: HistoryEvent[][], events = 12): void {
  expect(perOccurrence.length).toBeGreaterThanOrEqual(4);
  // 12 = the bare workflow's 11 + one UpsertWorkflowSearchAttributes.
  for (const occurrence of perOccurrence) {
    expect(occurrence).toHaveLength(events);
    expect(occurrence.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toHaveLength(1);
    expect(occurrence.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
    expect(occurrence.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
    expect(occurrence.some((e) => e.timerCanceledEventAttributes)).toBe(false);
  }
}

describe('jobWorkflow: history events per occurrence', () => {
  it('a succeeding periodic job writes 12 events per occurrence (bare workflow: 11)', async () => {
    const events = await historyOf(succeed, 6, 0);
    const perOccurrence = eventsPerOccurrence(events);
    expectLean(perOccurrence);
    expect(perOccurrence.every((o) => o.some((e) => e.activityTaskCompletedEventAttributes))).toBe(true);
  });

  it('a periodic job whose 3 attempts fail every run writes the same 12 events per occurrence', async () => {
    const behaviour: PayloadBehaviour = async (call) => {
      throw retryableFailure(call, `target unavailable (attempt ${call.attempt})`);
    };
    const events = await historyOf(behaviour, 6, 2);
    const perOccurrence = eventsPerOccurrence(events);
    expectLean(perOccurrence);
    const failures = perOccurrence.flatMap((o) => o.flatMap((e) => e.activityTaskFailedEventAttributes ?? []));
    expect(failures).toHaveLength(perOccurrence.length);
    // Each failure is the third attempt's: the first two were retried by the server without an event.
    for (const failure of failures) expect(failure.failure?.message).toBe('target unavailable (attempt 3)');
  });
});

describe('jobWorkflow: history events per occurrence, run_as local_activity', () => {
  it('a succeeding periodic job writes 7 events per occurrence: one marker, no activity task', async () => {
    const perOccurrence = eventsPerOccurrence(await historyOf(succeed, 6, 0, 'local_activity'));
    expectLean(perOccurrence, 7);
    for (const occurrence of perOccurrence) {
      expect(occurrence.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1);
      expect(occurrence.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    }
  });

  it('a periodic job whose 3 attempts fail every run writes the same 7 events, the marker holding the last failure', async () => {
    const behaviour: PayloadBehaviour = async (call) => {
      throw retryableFailure(call, `target unavailable (attempt ${call.attempt})`);
    };
    const perOccurrence = eventsPerOccurrence(await historyOf(behaviour, 5, 2, 'local_activity'));
    expectLean(perOccurrence, 7);
    const failures = perOccurrence.flatMap((o) => o.flatMap((e) => e.markerRecordedEventAttributes?.failure ?? []));
    expect(failures).toHaveLength(perOccurrence.length);
    for (const failure of failures)
      expect(failure.cause?.message ?? failure.message).toBe('target unavailable (attempt 3)');
  });
});
