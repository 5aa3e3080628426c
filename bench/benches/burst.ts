/**
 * burst: N one-time jobs all due at the same instant T; time until all bodies started and all jobs
 * finished (workflows completed), lag percentiles, none lost, none doubled.
 */
import type { RunAs } from '../../src/domain/job-spec';
import { idempotencyKey } from '../../src/domain/job-state';
import { type BenchContext, type Benchmark, type BenchOutput, envInt, log } from '../lib/context';
import { accountOccurrences } from '../lib/occurrences';
import { RECORD_HANDLER } from '../lib/record-handler';
import { readRecords } from '../lib/recorder';
import { type GoalCheck, metric, type Section } from '../lib/report';
import { seedJobs, sleep } from '../lib/seed';
import { type Stack, startStack } from '../lib/stack';
import { median } from './common';

/** Figures of one burst. */
export interface BurstFigures {
  /** Last body start − T, s. */
  allStartedS: number;
  /** Last workflow completion (polled every 500 ms) − T, s. */
  allFinishedS: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
  doubled: number;
  /** Seeding ended after T − 1 s: the burst was not a burst. */
  seededLate: number;
  seedRate: number;
}

/** Runs one burst of `size` jobs due at a whole second after the seeding is expected to end (also used by `storage`). */
export async function oneBurst(
  stack: Stack,
  size: number,
  label: string,
  rateGuess: number,
  timeoutMs: number,
  runAs: RunAs = 'activity',
): Promise<BurstFigures> {
  const marginMs = Math.max(10_000, (size / rateGuess) * 1_300 + 8_000);
  const due = Math.ceil((Date.now() + marginMs) / 1000) * 1000;
  log('burst', `${label}: ${size} jobs due at ${new Date(due).toISOString()} (in ${Math.round(marginMs / 1000)} s)`);
  const seeded = await seedJobs(
    stack.client,
    stack.taskQueue,
    size,
    () => ({
      name: label,
      frequency: 'once',
      execution_time: new Date(due).toISOString(),
      payload: { type: 'handler', name: RECORD_HANDLER },
      ...(runAs === 'local_activity' ? { run_as: runAs, timeout: '10s' } : {}),
    }),
    label,
    128,
  );
  const seededLate = Date.now() > due - 1_000 ? 1 : 0;
  if (seededLate) log('burst', `${label}: WARNING seeding ended after the due time; the figures are not a burst`);
  const expected = new Map(seeded.jobIds.map((id) => [idempotencyKey(id, due), due] as const));
  const query = `TaskQueue = '${stack.taskQueue}' AND JobName = '${label}' AND ExecutionStatus = 'Completed'`;
  let finishedAt = Number.NaN;
  let report = accountOccurrences(expected, []);
  const deadline = due + timeoutMs;
  await sleep(due - Date.now());
  let lastLog = Date.now();
  while (Date.now() < deadline) {
    report = accountOccurrences(expected, readRecords(stack.recordDir));
    if (report.missed === 0) {
      const { count } = await stack.client.workflow.count(query);
      if (count >= size) {
        finishedAt = Date.now();
        break;
      }
    }
    if (Date.now() - lastLog >= 5_000) {
      lastLog = Date.now();
      log('burst', `${label}: ${report.started}/${size} started after ${((Date.now() - due) / 1000).toFixed(0)} s`);
    }
    await sleep(500);
  }
  await sleep(200);
  report = accountOccurrences(expected, readRecords(stack.recordDir));
  const figures: BurstFigures = {
    allStartedS: report.missed === 0 ? (report.lastStartMs - due) / 1000 : Number.NaN,
    allFinishedS: (finishedAt - due) / 1000,
    p50: report.lag.p50,
    p99: report.lag.p99,
    max: report.lag.max,
    lost: report.missed,
    doubled: report.doubled,
    seededLate,
    seedRate: seeded.rate,
  };
  log(
    'burst',
    `${label}: all started after ${figures.allStartedS.toFixed(1)} s, finished after ${figures.allFinishedS.toFixed(1)} s, ` +
      `p99 ${figures.p99} ms, lost ${figures.lost}, doubled ${figures.doubled}`,
  );
  return figures;
}

/** Longest wait for an earlier burst's backlog to drain before the next burst, ms. */
const DRAIN_LIMIT_MS = 15 * 60_000;

/**
 * Waits until no job workflow of the stack's task queue is still running: a burst that was not
 * done within its time limit must not spill into the next one's figures.
 * @returns the wait, ms.
 * @throws when the backlog is still there after {@link DRAIN_LIMIT_MS}.
 */
export async function drainBacklog(stack: Stack): Promise<number> {
  const started = Date.now();
  const query = `TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Running'`;
  let lastLog = started;
  for (;;) {
    const { count } = await stack.client.workflow.count(query);
    if (count === 0) return Date.now() - started;
    if (Date.now() - started > DRAIN_LIMIT_MS)
      throw new Error(`${count} jobs still running after ${DRAIN_LIMIT_MS / 60_000} min`);
    if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      log('burst', `waiting for the previous burst's ${count} jobs to finish`);
    }
    await sleep(1_000);
  }
}

/** The `burst` benchmark (see the module comment); run by bench/run.ts. */
export const burst: Benchmark = {
  name: 'burst',
  title: 'Burst of one-time jobs due at the same instant',
  description:
    'N one-time jobs (`frequency: once`, all with the same `execution_time` T, handler `bench.record`) are seeded ' +
    'through the Temporal client before T; then: time from T until every body started and until every job ' +
    'workflow completed (visibility count, polled every 500 ms), lag percentiles, lost (never started within the ' +
    'time limit) and doubled (started twice). The seeding rate of the Temporal client is reported too. Sizes from ' +
    '20,000 up run once; a size whose seeding would exceed the seeding budget at the rate measured so far is skipped.',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const sizes = smoke ? [500] : [5_000, 20_000, 50_000];
    // Long enough for a burst that one shard drains at its ceiling (about 75 starts/s here) to be
    // measured to its end rather than counted as lost; BENCH_BURST_LIMIT_S overrides it.
    const timeoutMs = envInt('BENCH_BURST_LIMIT_S', smoke ? 120 : 360) * 1000;
    const stack = await startStack({
      cliPath: ctx.cliPath,
      name: 'burst',
      workers: ctx.workers,
      workerEnv: ctx.workerEnv,
      sqlitePragmas: ctx.sqlitePragmas,
      api: false,
    });
    const sections: Section[] = [];
    const goals: GoalCheck[] = [];
    const notes: string[] = [];
    const startedWithin60: number[] = [];
    let rateGuess = 60;
    try {
      let measuredRate: number | null = null;
      // Every size with run_as activity (the default), then the first size with run_as local_activity.
      const cases = [
        ...sizes.map((size) => ({ size, runAs: 'activity' as RunAs })),
        { size: sizes[0] as number, runAs: 'local_activity' as RunAs },
      ];
      for (const { size, runAs } of cases) {
        const local = runAs === 'local_activity';
        const repeats = size >= 20_000 ? 1 : ctx.repeats;
        if (measuredRate !== null && (size / measuredRate) * 1000 > ctx.seedBudgetMs) {
          const minutes = (size / measuredRate / 60).toFixed(1);
          log('burst', `${size} jobs: skipped, seeding would take ${minutes} min at ${measuredRate.toFixed(0)}/s`);
          notes.push(
            `${size.toLocaleString('en-US')} jobs: not run — seeding them before T would take about ${minutes} min at the measured ${measuredRate.toFixed(0)} starts/s, over the seeding budget (BENCH_SEED_BUDGET_S=${ctx.seedBudgetMs / 1000}). That start rate is the ceiling of one dev-server shard here.`,
          );
          continue;
        }
        const runs: BurstFigures[] = [];
        for (let r = 1; r <= repeats; r++) {
          const label = `burst-${size}-${local ? 'local-' : ''}${r}`;
          const drainMs = await drainBacklog(stack);
          if (drainMs > 1_000)
            log('burst', `${label}: the previous burst drained ${(drainMs / 1000).toFixed(0)} s later`);
          const figures = await oneBurst(stack, size, label, rateGuess, timeoutMs, runAs);
          rateGuess = Math.min(rateGuess * 2, figures.seedRate);
          measuredRate = Math.min(measuredRate ?? Number.POSITIVE_INFINITY, figures.seedRate);
          runs.push(figures);
        }
        const col = (k: keyof BurstFigures) => runs.map((f) => f[k]);
        sections.push({
          title: `${size.toLocaleString('en-US')} jobs due at once, run_as ${runAs}${local ? '' : ' (default)'}, ${ctx.workers} worker(s)`,
          repeats,
          metrics: [
            metric('all started after', 's', col('allStartedS')),
            metric('all finished after', 's', col('allFinishedS')),
            metric('lag p50', 'ms', col('p50')),
            metric('lag p99', 'ms', col('p99')),
            metric('lag max', 'ms', col('max')),
            metric('lost (not started within the time limit)', 'count', col('lost')),
            metric('doubled', 'count', col('doubled')),
            metric('seeding ended late (run invalid)', 'count', col('seededLate')),
            metric('seeding rate (Temporal client)', 'jobs/s', col('seedRate')),
          ],
        });
        const m = median(col('allStartedS'));
        if (!local && m <= 60 && Math.max(...col('lost')) === 0) startedWithin60.push(size);
        if (size === sizes[0]) {
          goals.push({
            goal: `run_as ${runAs}: ${size.toLocaleString('en-US')} jobs due at once all started within 60 s, none lost or doubled`,
            measured: `all started after ${m.toFixed(1)} s (median), lost ${Math.max(...col('lost'))}, doubled ${Math.max(...col('doubled'))}`,
            met: smoke ? null : m <= 60 && Math.max(...col('lost'), ...col('doubled')) === 0,
          });
        }
        if (size === sizes[sizes.length - 1] && !local) {
          goals.push({
            goal: '50,000 jobs due in one minute: all started within that minute, none lost',
            measured: `${size.toLocaleString('en-US')} jobs: all started after ${m.toFixed(1)} s, lost ${Math.max(...col('lost'))}${smoke ? ' (smoke size)' : ''}`,
            met: smoke ? null : m <= 60 && Math.max(...col('lost')) === 0,
          });
        }
      }
    } finally {
      await stack.stop();
    }
    const largest = startedWithin60.length > 0 ? Math.max(...startedWithin60) : null;
    notes.push(
      `Largest burst with run_as activity that fully started within 60 s (median run, none lost): ${largest === null ? 'none' : largest.toLocaleString('en-US')} (sizes tried: ${sizes.map((s) => s.toLocaleString('en-US')).join(', ')}).`,
      `Time limit per burst: ${timeoutMs / 1000} s after T; occurrences not started by then count as lost (Temporal still holds them: they run later).`,
      'All sizes run on one stack, one after the other (earlier bursts’ completed workflows stay in the database); each burst starts once every job of the previous one has finished, so a backlog never spills into the next figures. The due time T is set from the seeding rate measured so far, so that seeding ends before T.',
    );
    return {
      settings: {
        sizes: sizes.join('/'),
        workers: ctx.workers,
        timeoutS: timeoutMs / 1000,
        ...ctx.workerEnv,
        sqlite: ctx.sqlitePragmas.join(' ') || 'server defaults',
      },
      sections,
      goals,
      notes,
    };
  },
};
