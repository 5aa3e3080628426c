/**
 * Determinism guard: histories written by jobWorkflow (retries, failures,
 * continue-as-new, cancellation) replay without a DeterminismViolationError
 * against the current workflow bundle.
 * - test/fixtures/histories/*.binpb (binary protobuf History) were recorded from the current loop:
 *   a change that alters the commands a running job issues fails here. The project is
 *   unreleased, so such a change records them again (see CONTRIBUTING.md) with
 *   `RECORD_HISTORIES=1 npx vitest run test/workflow/job-workflow.replay.test.ts`.
 * - histories recorded in this run replay too.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  buildSpec,
  createTestWorker,
  jobWorkflowBundle,
  PayloadDouble,
  retryableFailure,
  startJob,
  succeed,
  testSlug,
  updateJob,
  useWorkflowTestEnv,
  waitFor,
  waitForRunCount,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

describe('jobWorkflow: replay', () => {
  it('replays the histories of a periodic job with a retry, continue-as-new and cancellation', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1m',
      retry: { max_retries: 1, initial_interval: '1s', backoff_coefficient: 2 },
    });
    // First attempt of every third call fails, so the history holds activity retries too; every
    // attempt of the third occurrence fails, so it holds the health alerts (failed, then recovered).
    const double = new PayloadDouble(async (call) => {
      const occurrences = [...new Set(double.calls.map((c) => c.input.scheduled_time))];
      if (occurrences.indexOf(call.input.scheduled_time) === 2) throw retryableFailure(call, 'down');
      if (call.attempt === 1 && double.calls.length % 3 === 0) throw retryableFailure(call, 'flaky');
      return succeed(call);
    });
    const worker = await createTestWorker(env, id, double);
    const runIds = new Set<string>();
    await worker.runUntil(async () => {
      // The default fire lead, as the API starts jobs: each attempt is dispatched 2 s early and held.
      const handle = await startJob(env, id, spec, { continue_as_new_after: 3, fire_lead_ms: 2_000 });
      for (let runs = 1; runs <= 7; runs++) {
        await env.sleep('1m'); // time skipping advances only while the test awaits the server
        await waitForRunCount(handle, runs);
      }
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
    });
    for (const call of double.calls) runIds.add(call.runId);
    expect(runIds.size).toBeGreaterThanOrEqual(3); // at least two continue-as-new hand-overs
    expect(double.alerts.map((a) => a.event)).toEqual(['failed', 'recovered']);

    const bundle = await jobWorkflowBundle();
    let index = 0;
    for (const runId of runIds) {
      const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
      expect(history.events?.length ?? 0).toBeGreaterThan(5);
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, `${id}-${runId}`);
      if (process.env.RECORD_HISTORIES) {
        mkdirSync(FIXTURES, { recursive: true });
        const bytes = History.encode(History.fromObject(history)).finish();
        writeFileSync(join(FIXTURES, `${RECORDING_VERSION}-periodic-retry-can-cancel-${index++}.binpb`), bytes);
      }
    }
  });

  it('replays the histories of a job controlled by updates: pause, resume, trigger, patch, overlap', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, { frequency: 'interval', every: '1m', overlap_policy: 'buffer_one' });
    const double = new PayloadDouble();
    // Waits on the double's calls, not on the describe query: on the time-skipping server a query
    // that gets no answer (seen under CI load) keeps time from skipping, and the next env.sleep('2m')
    // then takes 2 real minutes.
    const waitForCalls = (n: number) => waitFor(`${n} payload calls`, () => double.calls.length >= n);
    const worker = await createTestWorker(env, id, double);
    await worker.runUntil(async () => {
      const handle = await startJob(env, id, spec, { continue_as_new_after: 4 });
      await env.sleep('1m');
      await waitForCalls(1);
      await updateJob(handle, 'pause');
      await env.sleep('3m');
      await updateJob(handle, 'resume');
      await updateJob(handle, 'trigger', [{ args: { manual: true } }]);
      await waitForCalls(2);
      const patched = { ...spec, every: '2m', jitter: '10s' };
      await updateJob(handle, 'patch', [{ spec: patched }]);
      for (let runs = 3; runs <= 6; runs++) {
        await env.sleep('2m');
        await waitForCalls(runs);
      }
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
    });
    const runIds = [...new Set(double.calls.map((c) => c.runId))];
    expect(runIds.length).toBeGreaterThanOrEqual(2);
    const bundle = await jobWorkflowBundle();
    let index = 0;
    const described = await env.client.workflow.getHandle(id).describe();
    for (const runId of [...runIds.filter((r) => r !== described.runId), described.runId]) {
      const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, `${id}-${runId}`);
      if (process.env.RECORD_HISTORIES) {
        const bytes = History.encode(History.fromObject(history)).finish();
        writeFileSync(join(FIXTURES, `${RECORDING_VERSION}-controls-${index++}.binpb`), bytes);
      }
    }
  });

  it('replays the recorded histories (test/fixtures/histories)', async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.binpb'));
    expect(files.length).toBeGreaterThan(0);
    const bundle = await jobWorkflowBundle();
    for (const file of files) {
      const history = History.decode(readFileSync(join(FIXTURES, file)));
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
    }
  });
});

const FIXTURES = join(__dirname, '..', 'fixtures', 'histories');
/** Prefix of the recorded fixtures. */
const RECORDING_VERSION = 'loop';
const History = temporal.api.history.v1.History;
