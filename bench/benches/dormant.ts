/**
 * dormant: many idle jobs (next run a year away): database bytes per job, worker RSS, API list
 * latency (GET /jobs) and the restart time of the embedded stack on that database.
 */
import { type BenchContext, type Benchmark, type BenchOutput, log } from '../lib/context';
import { rssBytes } from '../lib/proc';
import { RECORD_HANDLER } from '../lib/record-handler';
import { type GoalCheck, metric, type Section } from '../lib/report';
import { seedJobs, sleep } from '../lib/seed';
import { type Stack, startStack } from '../lib/stack';
import { distribution } from '../lib/stats';

const MiB = 1024 * 1024;

/** Latencies of `count` sequential GET /jobs?limit=… calls, ms. */
async function listLatencies(stack: Stack, limit: number, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const response = await fetch(`${stack.apiUrl}/jobs?limit=${limit}`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    const body = (await response.json()) as { jobs?: unknown[] };
    if (response.status !== 200 || !Array.isArray(body.jobs)) throw new Error(`GET /jobs answered ${response.status}`);
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

/** The `dormant` benchmark (see the module comment); run by bench/run.ts. */
export const dormant: Benchmark = {
  name: 'dormant',
  title: 'Dormant jobs',
  description:
    'N one-time jobs due in a year are seeded through the Temporal client (API start code), so every job is a ' +
    'sleeping workflow with a timer. Then: growth of the server’s SQLite files (temporal.db with -wal/-shm) per job, ' +
    'resident memory of the worker processes (they cache the workflows they ran; see the cache setting), latency of ' +
    '`GET /jobs` (visibility query, newest first) at two page sizes, and the restart time of the whole embedded ' +
    'stack (server, workers, API stopped, then started on the same database until all are ready).',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const jobs = smoke ? 2_000 : 100_000;
    const listCount = smoke ? 10 : 30;
    let stack = await startStack({
      cliPath: ctx.cliPath,
      name: 'dormant',
      workers: ctx.workers,
      workerEnv: ctx.workerEnv,
      sqlitePragmas: ctx.sqlitePragmas,
    });
    const sections: Section[] = [];
    const goals: GoalCheck[] = [];
    try {
      await sleep(3_000);
      const before = stack.databaseBytes();
      const rssBefore = stack.workers.map((w) => rssBytes(w.process.pid ?? 0));
      const seeded = await seedJobs(
        stack.client,
        stack.taskQueue,
        jobs,
        (i) => ({
          name: `dormant-${i}`,
          frequency: 'once',
          execution_time: new Date(Date.now() + 365 * 86_400_000).toISOString(),
          payload: { type: 'handler', name: RECORD_HANDLER },
        }),
        'dormant',
        128,
        Date.now() + ctx.seedBudgetMs,
      );
      const seededJobs = seeded.jobIds.length;
      await sleep(10_000);
      const after = stack.databaseBytes();
      const rssAfter = stack.workers.map((w) => rssBytes(w.process.pid ?? 0));
      log('dormant', `database ${(before / MiB).toFixed(1)} → ${(after / MiB).toFixed(1)} MiB`);
      const small = distribution(await listLatencies(stack, 50, listCount));
      const large = distribution(await listLatencies(stack, 1000, Math.ceil(listCount / 3)));
      log(
        'dormant',
        `GET /jobs p50 ${small.p50.toFixed(1)} ms (limit 50), ${large.p50.toFixed(1)} ms (limit 1000); restarting`,
      );
      const { dataDir, taskQueue } = stack;
      await stack.stop();
      // A stopped server has checkpointed its write-ahead log into temporal.db: the size at rest.
      const atRest = stack.databaseBytes();
      const t0 = Date.now();
      stack = await startStack({
        cliPath: ctx.cliPath,
        name: 'dormant',
        workers: ctx.workers,
        workerEnv: ctx.workerEnv,
        sqlitePragmas: ctx.sqlitePragmas,
        dataDir,
        taskQueue,
      });
      const restartS = (Date.now() - t0) / 1000;
      const afterRestart = distribution(await listLatencies(stack, 50, listCount));
      await sleep(10_000);
      const rssRestarted = stack.workers.map((w) => rssBytes(w.process.pid ?? 0));
      log('dormant', `restart took ${restartS.toFixed(1)} s`);
      const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
      sections.push(
        {
          title: `${seededJobs.toLocaleString('en-US')} dormant jobs (of ${jobs.toLocaleString('en-US')} planned), ${ctx.workers} worker(s)`,
          repeats: 1,
          metrics: [
            metric('jobs seeded (within the seeding budget)', 'count', [seededJobs]),
            metric('database bytes per job (at rest, server stopped)', 'bytes', [(atRest - before) / seededJobs]),
            metric('database bytes per job (running, with the write-ahead log)', 'bytes', [
              (after - before) / seededJobs,
            ]),
            metric('database size at rest', 'MiB', [atRest / MiB]),
            metric('worker RSS before seeding (all workers)', 'MiB', [sum(rssBefore) / MiB]),
            metric('worker RSS after seeding (all workers)', 'MiB', [sum(rssAfter) / MiB]),
            metric('worker RSS after restart (all workers, 10 s)', 'MiB', [sum(rssRestarted) / MiB]),
            metric('seeding rate (Temporal client)', 'jobs/s', [seeded.rate]),
            metric('restart of the embedded stack until all ready', 's', [restartS]),
          ],
        },
        {
          title: `GET /jobs latency with ${seededJobs.toLocaleString('en-US')} jobs (samples of one run)`,
          repeats: 1,
          metrics: [
            metric(`limit=50 p50 (${small.count} calls)`, 'ms', [small.p50]),
            metric('limit=50 p99', 'ms', [small.p99]),
            metric(`limit=1000 p50 (${large.count} calls)`, 'ms', [large.p50]),
            metric('limit=1000 p99', 'ms', [large.p99]),
            metric('limit=50 p50 after restart', 'ms', [afterRestart.p50]),
          ],
        },
      );
    } finally {
      await stack.stop();
    }
    return {
      settings: {
        jobs,
        workers: ctx.workers,
        ...ctx.workerEnv,
        sqlite: ctx.sqlitePragmas.join(' ') || 'server defaults',
      },
      sections,
      goals,
      notes: [
        'One run (seeding is the long part); list latencies are percentiles of sequential calls within it.',
        `Seeding stops at the seeding budget (BENCH_SEED_BUDGET_S=${ctx.seedBudgetMs / 1000}); the figures are for the jobs seeded by then.`,
        'Restart time includes each worker bundling the workflow code (webpack) before it polls.',
      ],
    };
  },
};
