/**
 * Long life on the time-skipping test server. (1) A daily job for 10 years: every one of its 3,653
 * occurrences runs exactly once, DST days included. (2) A per-second job through more than 100,000
 * occurrences (about 28 simulated hours) and 10+ continue-as-new runs, with the ledger count
 * exactly matching the planned count: no occurrence lost or repeated.
 *
 * Each of 10 phases: the job runs 5 occurrences, is paused for 9,995 s (no timer while paused,
 * so the server skips the time at once), then resumed: those 9,995 occurrences are recorded as
 * one `skipped` (paused) entry. Running 100,000 real activity round trips would take many minutes;
 * the ledger, the bookkeeping across continue-as-new and the walk are the same either way.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { type JobDescription, MAX_RECORDED_EXECUTIONS } from '../../src/domain/job-state';
import { planOccurrences } from '../../src/domain/preview';
import { waitFor as pollUntil } from '../helpers/wait';
import {
  buildSpec,
  createTestWorker,
  describeJob,
  PayloadDouble,
  startJob,
  testSlug,
  updateJob,
  useWorkflowTestEnv,
  waitFor,
} from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

const SECOND = 1000;
const PHASES = 10;
const RUNS_PER_PHASE = 5;
const PAUSED_PER_PHASE = 9_995;

function ended(d: JobDescription): number {
  const c = d.counts ?? { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  return c.succeeded + c.failed + c.skipped + c.cancelled;
}

describe('jobWorkflow: long life', () => {
  it('a per-second job through 100,000 occurrences and continue-as-new: ledger count = planned count', async () => {
    const started = Date.now();
    const nowMs = await env.currentTimeMs();
    const at = (Math.floor(nowMs / SECOND) + 2) * SECOND;
    const spec = buildSpec(testSlug(), nowMs, {
      frequency: 'interval',
      every: '1s',
      execution_time: new Date(at).toISOString(),
    });
    const double = new PayloadDouble();
    await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec, { continue_as_new_after: 1_000 });
      await waitFor('first workflow task', async () => (await describeJob(job)).next_run_time);
      // No queries while the job runs: on the time-skipping test server a query that arrives while the
      // job continues as new can stay unanswered and keep the server from skipping time afterwards.
      const pausedFrom: number[] = [];
      for (let phase = 0; phase < PHASES; phase++) {
        // Run RUNS_PER_PHASE more occurrences (the server fires each per-second timer on the way).
        const runsBefore = double.calls.length;
        await env.sleep(RUNS_PER_PHASE * SECOND);
        await pollUntil(() => double.calls.length >= runsBefore + RUNS_PER_PHASE, {
          what: `phase ${phase}: ${RUNS_PER_PHASE} runs`,
        });
        // Pause, let PAUSED_PER_PHASE occurrences pass, resume.
        const paused = await updateJob<JobDescription>(job, 'pause');
        expect(paused.paused).toBe(true);
        const cursor = Date.parse(paused.next_occurrence as string);
        pausedFrom.push(cursor);
        await env.sleep(cursor + PAUSED_PER_PHASE * SECOND - SECOND / 2 - (await env.currentTimeMs()));
        await updateJob<JobDescription>(job, 'resume');
      }
      await env.sleep(RUNS_PER_PHASE * SECOND);
      await updateJob<JobDescription>(job, 'pause');
      const d = await waitFor('the final state (paused, nothing running)', async () => {
        const x = await describeJob(job);
        return x.status === 'paused' ? x : undefined;
      });
      // Each pause: one skipped (paused) entry from the occurrence after the pause on; the clock moves
      // on in real time between the sleep and the resume, so a few more than PAUSED_PER_PHASE may be skipped.
      for (const from of pausedFrom) {
        const entry = d.executions.find(
          (e) => e.reason === 'paused' && e.scheduled_time === new Date(from).toISOString(),
        );
        expect(entry?.count).toBeGreaterThanOrEqual(PAUSED_PER_PHASE);
        expect(entry?.count).toBeLessThanOrEqual(PAUSED_PER_PHASE + 3);
      }
      // Planned: every occurrence of the schedule from its first one up to the next one not yet handled.
      const cursor = Date.parse(d.next_occurrence as string);
      const planned = (cursor - at) / SECOND;
      expect(planOccurrences(spec, cursor - 3 * SECOND, 3)).toEqual([
        cursor - 3 * SECOND,
        cursor - 2 * SECOND,
        cursor - SECOND,
      ]);
      expect(planned).toBeGreaterThanOrEqual(100_000);
      expect(ended(d)).toBe(planned);
      expect(d.counts?.succeeded).toBe(double.calls.length);
      expect(d.counts?.skipped).toBe(planned - double.calls.length);
      expect(d.counts?.failed).toBe(0);
      // Every run ran once: no scheduled time repeated.
      const runTimes = double.calls.map((c) => c.input.scheduled_time);
      expect(new Set(runTimes).size).toBe(runTimes.length);
      // The window still holds the whole ledger here: it partitions the timeline exactly.
      expect(d.executions.length).toBeLessThan(MAX_RECORDED_EXECUTIONS);
      const covered: number[] = [];
      for (const e of [...d.executions].reverse()) {
        for (let k = 0; k < (e.count ?? 1); k++) covered.push(Date.parse(e.scheduled_time) + k * SECOND);
      }
      expect(covered).toEqual(Array.from({ length: planned }, (_, k) => at + k * SECOND));
      // History stayed bounded: one continue-as-new per 1,000 occurrences handled, at least one per phase.
      expect(d.generation).toBeGreaterThanOrEqual(PHASES - 1);
      const history = await job.fetchHistory();
      expect(history.events?.length ?? 0).toBeLessThan(500);
      await job.terminate('test done');
      console.info(
        `long life: ${planned} occurrences (${double.calls.length} ran, ${planned - double.calls.length} skipped), ` +
          `${d.generation} continue-as-new, ${((Date.now() - started) / 1000).toFixed(1)} s wall time`,
      );
    });
  });

  it('a daily 02:30 Europe/Berlin job for 10 years: every day runs exactly once, DST gaps included', async () => {
    const started = Date.now();
    const nowMs = await env.currentTimeMs();
    const startAt = Date.parse('2027-01-01T00:00:00Z') > nowMs ? '2027-01-01T00:00:00Z' : new Date(nowMs).toISOString();
    const endAt = new Date(Date.parse(startAt) + 3_653 * 86_400_000).toISOString(); // 10 years and a few days
    const spec = buildSpec(testSlug(), nowMs, {
      frequency: 'daily',
      execution_time: '2027-01-01T01:30:00Z', // 02:30 in Berlin (CET)
      timezone: 'Europe/Berlin',
      start_at: startAt,
      end_at: endAt,
    });
    const planned = planOccurrences(spec, Date.parse(startAt), 10_000);
    const double = new PayloadDouble();
    const result = await (await createTestWorker(env, spec.job_id, double)).runUntil(async () => {
      const job = await startJob(env, spec.job_id, spec, { continue_as_new_after: 500 });
      // The job completes when its schedule passes end_at; time skipping moves through the 10 years.
      return (await job.result()) as JobDescription;
    });
    // One occurrence per local day, and the days of the spring-forward gap (02:30 does not exist) run
    // at the transition instant, 03:00 CEST (cronie's rule for fixed-time jobs).
    const localDay = (ms: number) => new Date(ms).toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' });
    expect(planned.length).toBeGreaterThanOrEqual(3_650);
    expect(new Set(planned.map(localDay)).size).toBe(planned.length);
    expect(planned).toContain(Date.parse('2027-03-28T01:00:00Z'));
    // Every planned occurrence ran exactly once, and nothing else ran.
    const ran = double.calls.filter((c) => c.attempt === 1).map((c) => Date.parse(c.input.scheduled_time));
    expect(ran.length).toBe(planned.length);
    expect(new Set(ran).size).toBe(ran.length);
    expect([...ran].sort((a, b) => a - b)).toEqual(planned);
    expect(result.status).toBe('completed');
    expect(result.counts?.succeeded).toBe(planned.length);
    expect(result.counts?.skipped ?? 0).toBe(0);
    expect(result.generation).toBeGreaterThanOrEqual(Math.floor(planned.length / 500));
    console.info(
      `long life daily: ${planned.length} occurrences over 10 years, ${result.generation} continue-as-new, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s wall time`,
    );
  }, 600_000);
});
