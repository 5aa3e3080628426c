/**
 * fire-lag: N active periodic jobs spread over the minute (job i fires at second i mod 60 of every
 * minute, cron `S * * * * *`, no jitter); lag = start of the job body − its scheduled time.
 * Seeded through the Temporal client (JobService.create, as POST /jobs); each run is one whole
 * minute window of occurrences (consecutive windows on the same jobs), after the seeding. Each size
 * runs with run_as activity (the default) and then with run_as local_activity, a fresh stack each,
 * on workers as `npm start` gives them; the largest size also on tuned workers (labelled).
 */
import { RUN_AS } from '../../src/domain/job-spec';
import { idempotencyKey } from '../../src/domain/job-state';
import { BENCH_TUNED_WORKER_ENV, type BenchContext, type Benchmark, type BenchOutput, log } from '../lib/context';
import { accountOccurrences, periodicTimes, spreadCron } from '../lib/occurrences';
import { cpuMs } from '../lib/proc';
import { RECORD_HANDLER } from '../lib/record-handler';
import { readRecords } from '../lib/recorder';
import { type GoalCheck, metric, type Section } from '../lib/report';
import { seedJobs, sleep, waitUntil } from '../lib/seed';
import { startStack } from '../lib/stack';
import { formatMs, median } from './common';

/** Figures of one window, by name. */
type WindowFigures = Record<string, number>;

/** The `fire-lag` benchmark (see the module comment); run by bench/run.ts. */
export const fireLag: Benchmark = {
  name: 'fire-lag',
  title: 'Fire lag of periodic jobs',
  description:
    'N active periodic jobs (cron, one occurrence per job per minute, spread evenly over the seconds of the minute, ' +
    'no jitter) run `bench.record`, a handler that records `Date.now()` first thing with the idempotency key. ' +
    'Lag = body start − scheduled time. Missed = an occurrence of the window that never started; doubled = one that ' +
    'started twice. Jobs are seeded through the Temporal client with the API’s own start code (the API is not what ' +
    'this measures). A run is one window of one period on the same jobs (consecutive windows). CPU is the share of ' +
    'one core used by the Temporal server and by all workers during the window.',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const sizes = smoke ? [100] : [1_000, 10_000];
    // Each size with the default run_as (activity), then with local_activity (README "Activity or
    // local activity"), on the workers `npm start` gives; the largest size also on tuned workers.
    const largest = sizes[sizes.length - 1] as number;
    const cases = [
      ...RUN_AS.flatMap((runAs) => sizes.map((size) => ({ size, runAs, tuned: false }))),
      ...(smoke ? [] : RUN_AS.map((runAs) => ({ size: largest, runAs, tuned: true }))),
    ];
    const periodS = smoke ? 30 : 60;
    const windows = ctx.repeats;
    const sections: Section[] = [];
    const goals: GoalCheck[] = [];
    const notes: string[] = [];
    for (const { size, runAs, tuned } of cases) {
      const local = runAs === 'local_activity';
      const workerEnv = tuned ? { ...ctx.workerEnv, ...BENCH_TUNED_WORKER_ENV } : ctx.workerEnv;
      const config = tuned
        ? `tuned workers (${Object.entries(BENCH_TUNED_WORKER_ENV)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`
        : 'workers as npm start gives';
      log('fire-lag', `${size} jobs, run_as ${runAs}, ${config}: starting the stack`);
      const stack = await startStack({
        cliPath: ctx.cliPath,
        name: `fire-lag-${size}-${runAs}${tuned ? '-tuned' : ''}`,
        workers: ctx.workers,
        workerEnv,
        sqlitePragmas: ctx.sqlitePragmas,
        api: false,
      });
      try {
        const seeded = await seedJobs(
          stack.client,
          stack.taskQueue,
          size,
          (i) => ({
            name: `fire-lag-${i}`,
            frequency: 'cron',
            cron: spreadCron(i % periodS, periodS),
            timezone: 'UTC',
            payload: { type: 'handler', name: RECORD_HANDLER },
            ...(local ? { run_as: runAs, timeout: '10s' } : {}),
          }),
          `fire-lag ${size} ${runAs}`,
        );
        const periodMs = periodS * 1000;
        const firstStart = Math.ceil((Date.now() + 3_000) / periodMs) * periodMs;
        const end = firstStart + windows * periodMs;
        log(
          'fire-lag',
          `${size} jobs: ${windows} window(s) of ${periodS} s from ${new Date(firstStart).toISOString()}`,
        );
        const expectedOf = (from: number, to: number) => {
          const map = new Map<string, number>();
          seeded.jobIds.forEach((jobId, i) => {
            for (const t of periodicTimes(i % periodS, periodS, from, to)) map.set(idempotencyKey(jobId, t), t);
          });
          return map;
        };
        const cpu: Array<{ server: number; workers: number }> = [];
        const sampleCpu = () =>
          cpu.push({
            server: cpuMs(stack.server.process.pid ?? 0),
            workers: stack.workers.reduce((s, w) => s + cpuMs(w.process.pid ?? 0), 0),
          });
        for (let w = 0; w <= windows; w++) {
          await sleep(firstStart + w * periodMs - Date.now());
          sampleCpu();
          if (w > 0) log('fire-lag', `${size} jobs: window ${w}/${windows} done`);
        }
        const all = expectedOf(firstStart, end);
        await waitUntil(
          () => accountOccurrences(all, readRecords(stack.recordDir)).missed === 0,
          smoke ? 10_000 : 30_000,
          1_000,
        );
        const records = readRecords(stack.recordDir);
        const runs: WindowFigures[] = [];
        for (let w = 0; w < windows; w++) {
          const from = firstStart + w * periodMs;
          const report = accountOccurrences(expectedOf(from, from + periodMs), records);
          const c0 = cpu[w] as { server: number; workers: number };
          const c1 = cpu[w + 1] as { server: number; workers: number };
          runs.push({
            p50: report.lag.p50,
            p95: report.lag.p95,
            p99: report.lag.p99,
            max: report.lag.max,
            occurrences: report.expected,
            missedPct: (100 * report.missed) / report.expected,
            doubledPct: (100 * report.doubled) / report.expected,
            serverCpu: (100 * (c1.server - c0.server)) / periodMs,
            workerCpu: (100 * (c1.workers - c0.workers)) / periodMs,
          });
        }
        const col = (k: string) => runs.map((r) => r[k] as number);
        sections.push({
          title: `${size.toLocaleString('en-US')} periodic jobs, run_as ${runAs}${local ? '' : ' (default)'}, ${ctx.workers} ${config}`,
          repeats: windows,
          metrics: [
            metric('lag p50', 'ms', col('p50')),
            metric('lag p95', 'ms', col('p95')),
            metric('lag p99', 'ms', col('p99')),
            metric('lag max', 'ms', col('max')),
            metric('occurrences in the window', 'count', col('occurrences')),
            metric('missed', '%', col('missedPct')),
            metric('doubled', '%', col('doubledPct')),
            metric('Temporal server CPU', '% of a core', col('serverCpu')),
            metric('workers CPU (all)', '% of a core', col('workerCpu')),
            metric('seeding rate (Temporal client)', 'jobs/s', [seeded.rate]),
          ],
        });
        if (size === sizes[0] && !smoke && !local && !tuned) {
          const p50 = median(col('p50'));
          const p99 = median(col('p99'));
          const label = `${size.toLocaleString('en-US')} jobs, run_as activity, median of runs`;
          goals.push(
            {
              goal: `lag p50 ≤ 5 ms at ${size.toLocaleString('en-US')} jobs`,
              measured: `${formatMs(p50)} (${label})`,
              met: p50 <= 5,
            },
            {
              goal: `lag p99 ≤ 50 ms at ${size.toLocaleString('en-US')} jobs`,
              measured: `${formatMs(p99)} (${label})`,
              met: p99 <= 50,
            },
            {
              goal: `no occurrence missed or doubled at ${size.toLocaleString('en-US')} jobs`,
              measured: `missed ${Math.max(...col('missedPct'))} %, doubled ${Math.max(...col('doubledPct'))} % (worst run)`,
              met: Math.max(...col('missedPct'), ...col('doubledPct')) === 0,
            },
          );
        }
        if (size === sizes[sizes.length - 1]) {
          const p50 = median(col('p50'));
          const p99 = median(col('p99'));
          const label = `${size.toLocaleString('en-US')} jobs${smoke ? ' (smoke size; goal is at 10,000)' : ''}`;
          goals.push(
            {
              goal: `run_as ${runAs}, ${config}: lag p50 ≤ 30 ms at 10,000 jobs`,
              measured: `${formatMs(p50)} (${label}, median of runs)`,
              met: smoke ? null : p50 <= 30,
            },
            {
              goal: `run_as ${runAs}, ${config}: lag p99 ≤ 100 ms at 10,000 jobs`,
              measured: `${formatMs(p99)} (${label}, median of runs)`,
              met: smoke ? null : p99 <= 100,
            },
            {
              goal: `run_as ${runAs}, ${config}: no occurrence missed or doubled at 10,000 jobs`,
              measured: `missed ${Math.max(...col('missedPct'))} %, doubled ${Math.max(...col('doubledPct'))} % (worst run)`,
              met: Math.max(...col('missedPct'), ...col('doubledPct')) === 0,
            },
          );
        }
      } finally {
        await stack.stop();
      }
    }
    notes.push(
      `Runs are consecutive ${periodS} s windows after seeding, on the same jobs and stack (not independent restarts).`,
      'Occurrences due at the same second start together (one-second schedule resolution): at 10,000 jobs that is about 167 per second.',
      'run_as activity (default): each occurrence is dispatched FIRE_LEAD (2 s) before its scheduled time: timer fired → workflow task → activity scheduled → activity task polled, all ahead of time; the worker holds the attempt until the scheduled instant by its own clock, so the lag is the hold timer’s and the handler’s start (README "On time"). Lag grows when the machine cannot finish that path within the lead.',
      'run_as local_activity: the timer fires at the scheduled time and the worker runs the payload in that workflow task (no lead, no activity task): the lag is the timer’s, the workflow task’s dispatch and the handler’s start.',
    );
    return {
      settings: {
        sizes: sizes.join('/'),
        periodS,
        workers: ctx.workers,
        workerConfig: 'as npm start gives (sections on tuned workers say so)',
        ...ctx.workerEnv,
        sqlite: ctx.sqlitePragmas.join(' ') || 'server defaults',
      },
      sections,
      goals,
      notes,
    };
  },
};
