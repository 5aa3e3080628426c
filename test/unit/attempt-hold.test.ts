/**
 * The hold of an attempt dispatched before its fire time (runPayload in a MockActivityEnvironment):
 * the body never starts before the fire time, even when the runtime's timers fire early (Node's
 * can, by a millisecond, against Date.now()); here every timer fires 20 ms early.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, expect, test, vi } from 'vitest';
import { createActivities } from '../../src/activities';
import type { HandlerRegistry } from '../../src/activities/handlers';
import type { RunPayloadInput } from '../../src/activities/types';
import type { AttemptReport } from '../../src/domain/job-state';

afterEach(() => {
  vi.restoreAllMocks();
});

test('timers firing 20 ms early: a body held 200 ms starts at or after its fire time, once', async () => {
  const realSetTimeout = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number, ...args: unknown[]) =>
    realSetTimeout(fn, Math.max(0, (ms ?? 0) - 20), ...args)) as typeof setTimeout);
  const bodyStarts: number[] = [];
  const handlers: HandlerRegistry = new Map([
    [
      'test.record',
      async () => {
        bodyStarts.push(Date.now());
      },
    ],
  ]);
  const activities = createActivities({ workerIdentity: 'worker-hold-test', handlers });
  const fireMs = Date.now() + 200;
  const input: RunPayloadInput = {
    job_id: 'job_hold',
    payload: { type: 'handler', name: 'test.record', args: {} },
    scheduled_time: new Date(fireMs).toISOString(),
    idempotency_key: `job_hold:${new Date(fireMs).toISOString()}`,
    hold_ms: 200,
  };
  const report = (await new MockActivityEnvironment({ heartbeatTimeoutMs: 10_000 }).run(
    activities.runPayload,
    input,
  )) as AttemptReport;
  expect(bodyStarts).toHaveLength(1);
  expect(bodyStarts[0]).toBeGreaterThanOrEqual(fireMs);
  expect(report.attempt).toBe(1);
});
