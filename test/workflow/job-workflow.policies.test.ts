/**
 * jobWorkflow's scheduling policies on the time-skipping test server: misfire policies after a
 * 3 h worker outage (skip, latest, all), overlap with a run longer than the period (skip,
 * buffer_one), pause across 5 occurrences then resume, trigger with args, PATCH of a cron while
 * the job sleeps, jitter. Every test checks the ledger: each occurrence ends exactly once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { JobSpec, JobSubmissionInput } from '../../src/domain/job-spec';
import type { ExecutionRecord, JobDescription, JobProgress } from '../../src/domain/job-state';
import type { TriggerAccepted } from '../../src/workflows/job-workflow';
import {
  buildSpec,
  createTestWorker,
  DOUBLE_WORKER_ID,
  describeJob as describeJobUnbounded,
  type JobHandle,
  jobStatusAttribute,
  missedCount,
  PayloadDouble,
  runCount,
  startJob,
  succeed,
  testSlug,
  updateJob,
  useWorkflowTestEnv,
  waitFor,
} from '../helpers/workflow-harness';

/**
 * The `describe` query, given up after 5 s so that waitFor retries it: on the time-skipping test
 * server a query that arrives while the job continues as new sometimes never gets an answer.
 */
function describeJob(handle: JobHandle): Promise<JobDescription> {
  return Promise.race([
    describeJobUnbounded(handle),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('describe query timed out')), 5_000).unref()),
  ]);
}

/** Waits until the job reports at least `runs` runs (see describeJob). */
function waitForRunCount(handle: JobHandle, runs: number, timeoutMs = 30_000): Promise<JobDescription> {
  return waitFor(
    `run_count >= ${runs}`,
    async () => {
      const d = await describeJob(handle);
      return runCount(d) >= runs ? d : undefined;
    },
    { timeoutMs },
  );
}

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A job anchored at the next whole minute (plus `offsetMs`), built as the API would. */
async function jobAt(
  offsetMs: number,
  submission: Partial<JobSubmissionInput>,
): Promise<{ spec: JobSpec; at: number }> {
  const nowMs = await env.currentTimeMs();
  const at = (Math.floor(nowMs / MINUTE) + 1) * MINUTE + offsetMs;
  const spec = buildSpec(testSlug(), nowMs, { execution_time: iso(at), ...submission });
  return { spec, at };
}

/** Advances the server clock to `ms` (plus a second) while a worker runs. */
async function advanceTo(ms: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (ms + SECOND > now) await env.sleep(ms + SECOND - now);
}

/** Sum of the ledger counts: occurrences that ended. */
function ended(d: JobDescription): number {
  const c = d.counts ?? { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  return c.succeeded + c.failed + c.skipped + c.cancelled;
}

/** Ledger entries oldest first. */
function oldestFirst(d: JobDescription): ExecutionRecord[] {
  return [...d.executions].reverse();
}

/**
 * Every scheduled occurrence from `firstMs` on, `periodMs` apart, appears exactly once in the ledger
 * (a skipped entry stands for `count` of them), `total` in all, none lost or repeated.
 */
function expectLedgerPartition(d: JobDescription, firstMs: number, periodMs: number, total: number): void {
  const times: number[] = [];
  for (const e of oldestFirst(d)) {
    if (e.trigger === 'manual') continue;
    for (let k = 0; k < (e.count ?? 1); k++) times.push(Date.parse(e.scheduled_time) + k * periodMs);
    if (e.last_scheduled_time !== undefined) expect(times.at(-1)).toBe(Date.parse(e.last_scheduled_time));
  }
  times.sort((x, y) => x - y);
  expect(times).toEqual(Array.from({ length: total }, (_, k) => firstMs + k * periodMs));
}

/** A behaviour that blocks each call until the test releases it, heartbeating; tracks concurrency. */
function gate() {
  let release: () => void = () => undefined;
  let running = 0;
  let maxRunning = 0;
  let opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    get maxRunning() {
      return maxRunning;
    },
    open() {
      release();
    },
    close() {
      opened = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    behaviour: async (call: Parameters<typeof succeed>[0], ctx: import('@temporalio/activity').Context) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const beat = setInterval(() => ctx.heartbeat(), 50);
      try {
        await opened;
        return succeed(call);
      } finally {
        clearInterval(beat);
        running--;
      }
    },
  };
}

describe('jobWorkflow: misfire policy after a 3 h worker outage', () => {
  /**
   * Every 10 minutes; the occurrence at `at` ran, then all workers were down for 3 h 7 min: the
   * job's state still points at at+10m. The 18 occurrences at+10m … at+180m are more than the
   * 5 min catch-up window late when a worker comes back; at+190m is 3 min in the future.
   *
   * The outage is given as that state (the job's input at its last continue-as-new) rather than by
   * stopping the worker: the time-skipping test server does not advance its clock while a workflow
   * task waits for a worker, so a real 3 h outage would take 3 h.
   */
  async function afterOutage(policy: 'skip' | 'latest' | 'all', extra: Partial<JobSubmissionInput> = {}) {
    const now = await env.currentTimeMs();
    const at = Math.floor(now / SECOND) * SECOND - (3 * HOUR + 7 * MINUTE);
    const spec = buildSpec(testSlug(), at - HOUR, {
      frequency: 'interval',
      every: '10m',
      execution_time: iso(at),
      misfire_policy: policy,
      catchup_window: '5m',
      ...extra,
    });
    const ranAt: ExecutionRecord = {
      execution_id: `${spec.job_id}:${iso(at)}`,
      scheduled_time: iso(at),
      started_at: iso(at),
      finished_at: iso(at + SECOND),
      status: 'succeeded',
      attempts: 1,
      worker_id: DOUBLE_WORKER_ID,
      seq: 1,
    };
    const progress: JobProgress = {
      status: 'pending',
      next_run_time: iso(at + 10 * MINUTE),
      next_occurrence: iso(at + 10 * MINUTE),
      last_run_time: iso(at),
      retry_count: 0,
      executions: [ranAt],
      generation: 3,
      counts: { succeeded: 1, failed: 0, skipped: 0, cancelled: 0 },
      paused: false,
      scheduled_runs: 1,
      ledger_seq: 1,
      waiting: [],
      health: {
        state: 'ok',
        consecutive_failures: 0,
        last_success_time: iso(at + SECOND),
        last_failure: null,
      },
    };
    const double = new PayloadDouble();
    const worker = await createTestWorker(env, spec.job_id, double);
    return { spec, at, double, worker, progress };
  }

  it('skip: none of the 18 missed occurrences runs; the job goes on with the next one', async () => {
    const { spec, at, double, worker, progress } = await afterOutage('skip');
    await worker.runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec, { progress });
      const d = await waitFor('the misfires recorded', async () => {
        const x = await describeJob(job);
        return x.counts?.skipped === 18 ? x : undefined;
      });
      expect(d.next_run_time).toBe(iso(at + 190 * MINUTE));
      expect(missedCount(d)).toBe(18);
      expect(double.calls).toHaveLength(0);
      await advanceTo(at + 190 * MINUTE);
      const after = await waitForRunCount(job, 2);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([iso(at + 190 * MINUTE)]);
      expect(after.counts).toEqual({ succeeded: 2, failed: 0, skipped: 18, cancelled: 0 });
      expect(oldestFirst(after).map((e) => [e.status, e.reason ?? null, e.count ?? 1])).toEqual([
        ['succeeded', null, 1],
        ['skipped', 'misfire', 18],
        ['succeeded', null, 1],
      ]);
      expect(oldestFirst(after)[1]).toMatchObject({
        scheduled_time: iso(at + 10 * MINUTE),
        last_scheduled_time: iso(at + 180 * MINUTE),
      });
      // 20 occurrences planned from at to at+190m: each ended exactly once.
      expect(ended(after)).toBe(20);
      expectLedgerPartition(after, at, 10 * MINUTE, 20);
      await job.terminate('test done');
    });
  });

  it('latest: the most recent missed occurrence runs once, the 17 older are skipped', async () => {
    const { spec, at, double, worker, progress } = await afterOutage('latest');
    await worker.runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec, { progress });
      const d = await waitForRunCount(job, 2);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([iso(at + 180 * MINUTE)]);
      // It keeps its own idempotency key (scheduled time), though it runs late.
      expect(double.calls[0]?.input.idempotency_key).toBe(`${spec.job_id}:${iso(at + 180 * MINUTE)}`);
      expect(d.counts).toEqual({ succeeded: 2, failed: 0, skipped: 17, cancelled: 0 });
      expect(oldestFirst(d).map((e) => [e.status, e.reason ?? null, e.count ?? 1])).toEqual([
        ['succeeded', null, 1],
        ['skipped', 'misfire', 17],
        ['succeeded', null, 1],
      ]);
      expect(d.next_run_time).toBe(iso(at + 190 * MINUTE));
      expectLedgerPartition(d, at, 10 * MINUTE, 19);
      await job.terminate('test done');
    });
  });

  it('all: every missed occurrence runs, oldest first, one at a time, across continue-as-new', async () => {
    const { spec, at, double, worker, progress } = await afterOutage('all');
    await worker.runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec, { progress, continue_as_new_after: 7 });
      // No query polling while the job continues as new (see describeJob): wait for the 18 calls,
      // then until the workflow is idle (Temporal's describe, not a query), then read its state once.
      await waitFor('18 caught-up runs', () => double.calls.length >= 18, { timeoutMs: 60_000 });
      await waitFor('the job idle', async () => {
        const raw = (await job.describe()).raw;
        return (raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask;
      });
      const d = await waitForRunCount(job, 19);
      const expected = Array.from({ length: 18 }, (_, k) => iso(at + (k + 1) * 10 * MINUTE));
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual(expected);
      expect(d.counts).toEqual({ succeeded: 19, failed: 0, skipped: 0, cancelled: 0 });
      expect(d.generation).toBeGreaterThanOrEqual(5);
      expectLedgerPartition(d, at, 10 * MINUTE, 19);
      await job.terminate('test done');
    });
  });

  it('all with max_catchup 5: the 5 most recent missed occurrences run, the 13 older are skipped', async () => {
    const { spec, at, double, worker, progress } = await afterOutage('all', { max_catchup: 5 });
    await worker.runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec, { progress });
      const d = await waitForRunCount(job, 6);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual(
        [140, 150, 160, 170, 180].map((m) => iso(at + m * MINUTE)),
      );
      expect(d.counts).toEqual({ succeeded: 6, failed: 0, skipped: 13, cancelled: 0 });
      expectLedgerPartition(d, at, 10 * MINUTE, 19);
      await job.terminate('test done');
    });
  });
});

describe('jobWorkflow: overlap with a run longer than the period', () => {
  /**
   * A per-second job whose first run lasts until the test has seen 3 later occurrences come due
   * (the server clock runs in real time while an attempt is in flight).
   */
  async function overlap(policy: 'skip' | 'buffer_one') {
    const { spec, at } = await jobAt(0, { frequency: 'interval', every: '1s', overlap_policy: policy });
    const g = gate();
    const double = new PayloadDouble(g.behaviour);
    let d: JobDescription | undefined;
    // The gate opens whatever happens: a worker does not shut down while an attempt is blocked.
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      try {
        await overlapScenario();
      } finally {
        g.open();
      }
    });
    async function overlapScenario() {
      const job = await startJob(env, spec.job_id, spec);
      await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      await env.sleep(at - (await env.currentTimeMs()));
      await waitFor('the first run to start', () => double.calls.length === 1);
      const running = await waitFor('status running', async () => {
        const x = await describeJob(job);
        return x.status === 'running' ? x : undefined;
      });
      expect(runCount(running)).toBe(0);
      // Visibility keeps the lifecycle status while a run is in flight: no upsert per run start.
      expect(await jobStatusAttribute(job)).toBe('pending');
      await waitFor(
        'three overlapping occurrences handled',
        async () => {
          const x = await describeJob(job);
          return (x.counts?.skipped ?? 0) >= (policy === 'skip' ? 3 : 2);
        },
        { timeoutMs: 30_000 },
      );
      expect(double.calls).toHaveLength(1);
      g.open();
      await waitForRunCount(job, policy === 'skip' ? 3 : 4, 30_000);
      await updateJob(job, 'pause');
      d = await waitFor('idle', async () => {
        const x = await describeJob(job);
        return x.status === 'paused' ? x : undefined;
      });
      await job.terminate('test done');
    }
    expect(g.maxRunning).toBe(1);
    return { at, d: d as JobDescription, calls: double.calls.map((c) => Date.parse(c.input.scheduled_time)) };
  }

  it('skip: occurrences due while the run lasts are skipped (one ledger entry), never two runs at once', async () => {
    const { at, d, calls } = await overlap('skip');
    expect(calls[0]).toBe(at);
    const skip = oldestFirst(d).find((e) => e.status === 'skipped');
    expect(skip).toMatchObject({ reason: 'overlap', scheduled_time: iso(at + SECOND) });
    const skipped = skip?.count ?? 0;
    expect(skipped).toBeGreaterThanOrEqual(3);
    expect(skip?.last_scheduled_time).toBe(iso(at + skipped * SECOND));
    // The next run is the first occurrence after the skipped ones: nothing runs late.
    expect(calls[1]).toBe(at + (skipped + 1) * SECOND);
    expectLedgerPartition(d, at, SECOND, ended(d));
  });

  it('buffer_one: the first overlapping occurrence runs right after, the later ones are skipped', async () => {
    const { at, d, calls } = await overlap('buffer_one');
    expect(calls.slice(0, 2)).toEqual([at, at + SECOND]);
    const skip = oldestFirst(d).find((e) => e.status === 'skipped');
    expect(skip).toMatchObject({ reason: 'overlap', scheduled_time: iso(at + 2 * SECOND) });
    expectLedgerPartition(d, at, SECOND, ended(d));
  });
});

describe('jobWorkflow: control of a live job (updates)', () => {
  it('pause across 5 occurrences, then resume: 5 skipped (paused), the schedule goes on', async () => {
    const { spec, at } = await jobAt(0, { frequency: 'interval', every: '1m' });
    const double = new PayloadDouble();
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec);
      await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      await advanceTo(at);
      await waitForRunCount(job, 1);

      const paused = await updateJob<JobDescription>(job, 'pause');
      expect(paused.status).toBe('paused');
      expect(paused.paused).toBe(true);
      expect(paused.next_run_time).toBeNull();
      expect(await jobStatusAttribute(job)).toBe('paused');

      await advanceTo(at + 5 * MINUTE);
      expect(double.calls).toHaveLength(1);
      const resumed = await updateJob<JobDescription>(job, 'resume');
      expect(resumed.paused).toBe(false);
      const d = await waitFor('the paused occurrences recorded', async () => {
        const x = await describeJob(job);
        return x.counts?.skipped === 5 ? x : undefined;
      });
      expect(d.executions[0]).toMatchObject({
        status: 'skipped',
        reason: 'paused',
        count: 5,
        scheduled_time: iso(at + MINUTE),
        last_scheduled_time: iso(at + 5 * MINUTE),
      });
      expect(d.next_run_time).toBe(iso(at + 6 * MINUTE));
      expect(await jobStatusAttribute(job)).toBe('pending');

      await advanceTo(at + 6 * MINUTE);
      const after = await waitForRunCount(job, 2);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([iso(at), iso(at + 6 * MINUTE)]);
      expect(after.counts).toEqual({ succeeded: 2, failed: 0, skipped: 5, cancelled: 0 });
      expect(ended(after)).toBe(7);
      await job.terminate('test done');
    });
  });

  it('trigger with args: runs now with the override, keeps the schedule; a second trigger waits for the first', async () => {
    const { spec, at } = await jobAt(HOUR, { frequency: 'interval', every: '1h' });
    const g = gate();
    const double = new PayloadDouble(g.behaviour);
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec);
      await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      const accepted = await updateJob<TriggerAccepted>(job, 'trigger', [{ args: { report: 'adhoc' } }]);
      expect(accepted.status).toBe('started');
      expect(accepted.execution_id).toBe(`${spec.job_id}:manual:${accepted.scheduled_time}`);
      await waitFor('the triggered run', () => double.calls.length === 1);
      expect(double.calls[0]?.input.payload).toEqual({
        type: 'handler',
        name: 'test.double',
        args: { report: 'adhoc' },
      });
      expect(double.calls[0]?.input.idempotency_key).toBe(accepted.execution_id);

      // While it runs, a second trigger is queued behind it (never two runs at once).
      // (Rejected updates are tested on the dev server, test/e2e/job-control.e2e.test.ts: the
      // time-skipping test server never answers an update its validator rejects.)
      const queued = await updateJob<TriggerAccepted>(job, 'trigger', [{}]);
      expect(queued.status).toBe('queued');
      g.open();
      const d = await waitForRunCount(job, 2);
      expect(g.maxRunning).toBe(1);
      expect(double.calls[1]?.input.payload).toEqual(spec.payload);
      // The schedule did not move.
      expect(d.next_run_time).toBe(iso(at));
      expect(d.executions.map((e) => e.trigger)).toEqual(['manual', 'manual']);
      await advanceTo(at);
      const after = await waitForRunCount(job, 3);
      expect(double.calls[2]?.input.scheduled_time).toBe(iso(at));
      expect(double.calls[2]?.input.payload).toEqual(spec.payload);
      expect(after.counts?.succeeded).toBe(3);
      await job.terminate('test done');
    });
  });

  it('PATCH of a cron while the job sleeps: it wakes, re-plans and runs on the new schedule', async () => {
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(testSlug(), nowMs, { frequency: 'cron', cron: '0 0 * * *' });
    const double = new PayloadDouble();
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec);
      const first = await waitFor('the job to sleep', async () => (await describeJob(job)).next_run_time);
      const midnight = Math.ceil(nowMs / (24 * HOUR)) * 24 * HOUR;
      expect(first).toBe(iso(midnight));

      const patched: JobSpec = {
        ...spec,
        cron: '*/5 * * * *',
        payload: { type: 'handler', name: 'test.v2', args: {} },
      };
      const d = await updateJob<JobDescription>(job, 'patch', [{ spec: patched }]);
      const now = await env.currentTimeMs();
      const nextFive = Math.ceil((now + 1) / (5 * MINUTE)) * 5 * MINUTE;
      expect(d.spec.cron).toBe('*/5 * * * *');
      const replanned = await waitFor('the new next run', async () => {
        const x = await describeJob(job);
        return x.next_run_time === iso(nextFive) ? x : undefined;
      });
      expect(replanned.status).toBe('pending');
      await advanceTo(nextFive + 5 * MINUTE);
      await waitForRunCount(job, 2);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([iso(nextFive), iso(nextFive + 5 * MINUTE)]);
      expect(double.calls.every((c) => c.input.payload.type === 'handler' && c.input.payload.name === 'test.v2')).toBe(
        true,
      );
      await job.terminate('test done');
    });
  });

  it('PATCH of an interval job that has run, to once: it runs once at the new execution_time, then completes', async () => {
    const { spec, at } = await jobAt(0, { frequency: 'interval', every: '1m' });
    const double = new PayloadDouble();
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec);
      await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      await advanceTo(at);
      await waitForRunCount(job, 1);
      const once = at + 3 * HOUR;
      const patched: JobSpec = { ...spec, frequency: 'once', every: undefined, execution_time: iso(once) };
      delete patched.every;
      const d = await updateJob<JobDescription>(job, 'patch', [{ spec: patched }]);
      expect(d.spec.frequency).toBe('once');
      const planned = await waitFor('the once occurrence planned', async () => {
        const x = await describeJob(job);
        return x.next_run_time === iso(once) ? x : undefined;
      });
      expect(planned.status).toBe('pending');
      const result = await job.result();
      expect(result.status).toBe('completed');
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([iso(at), iso(once)]);
      expect(result.counts).toEqual({ succeeded: 2, failed: 0, skipped: 0, cancelled: 0 });
    });
  });

  it('jitter: fires at scheduled time + a stable offset; the ledger and idempotency key keep the scheduled time', async () => {
    const { spec, at } = await jobAt(0, { frequency: 'interval', every: '10m', jitter: '5m' });
    const double = new PayloadDouble(succeed, () => env.currentTimeMs());
    const { fireTime } = await import('../../src/domain/preview');
    const fire = fireTime(spec.job_id, at, 5 * MINUTE);
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec);
      const next = await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      expect(next).toBe(iso(fire));
      expect((await describeJob(job)).next_occurrence).toBe(iso(at));
      await advanceTo(fire);
      const d = await waitForRunCount(job, 1);
      expect(double.calls[0]?.input.scheduled_time).toBe(iso(at));
      expect(double.calls[0]?.input.idempotency_key).toBe(`${spec.job_id}:${iso(at)}`);
      expect(double.calls[0]?.scheduledMs).toBeGreaterThanOrEqual(fire - SECOND);
      expect(d.executions[0]?.scheduled_time).toBe(iso(at));
      await job.terminate('test done');
    });
  });

  it('max_runs: the job completes after that many runs', async () => {
    const { spec, at } = await jobAt(0, { frequency: 'interval', every: '1m', max_runs: 3 });
    const double = new PayloadDouble();
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec);
      await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      await advanceTo(at + 3 * MINUTE);
      const result = await job.result();
      expect(result.status).toBe('completed');
      expect(runCount(result)).toBe(3);
      expect(double.calls.map((c) => c.input.scheduled_time)).toEqual([0, 1, 2].map((k) => iso(at + k * MINUTE)));
      // Fire lead 0 (the harness's): each attempt is dispatched at its fire time and never held.
      expect(double.calls.every((c) => c.input.hold_ms === undefined)).toBe(true);
      expect(DOUBLE_WORKER_ID).toBe(result.executions[0]?.worker_id);
    });
  });
});
