/**
 * submit: POST /jobs with 50 concurrent clients for a fixed time, through plain HTTP (fetch) and
 * through the TypeScript client (src/client), beside the Temporal client alone starting the same
 * jobs with the API's start code (no HTTP): requests/s, latency percentiles, errors.
 */
import { JobService } from '../../src/api/jobs/service';
import { SchedulerClient } from '../../src/client';
import { jobSubmissionSchema } from '../../src/domain/job-spec';
import { type BenchContext, type Benchmark, type BenchOutput, log } from '../lib/context';
import { RECORD_HANDLER } from '../lib/record-handler';
import { type GoalCheck, metric, type Section } from '../lib/report';
import { type Stack, startStack } from '../lib/stack';
import { distribution } from '../lib/stats';
import { formatMs, median } from './common';

/** Concurrent clients. */
const CONCURRENCY = 50;

/** Figures of one run. */
interface SubmitFigures {
  rate: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  ok: number;
}

/** A submission that never fires during the benchmark (a year from now). */
function submission(): Record<string, unknown> {
  return {
    name: 'submit-bench',
    frequency: 'once',
    execution_time: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    payload: { type: 'handler', name: RECORD_HANDLER },
  };
}

/**
 * Runs `CONCURRENCY` loops of `submit` for `durationMs`.
 * @param submit resolves true for a 201, false for an error answer; throws for a network error (counted).
 */
async function drive(
  submit: () => Promise<boolean>,
  durationMs: number,
  concurrency = CONCURRENCY,
): Promise<SubmitFigures> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const lane = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await submit();
      } catch {
        ok = false;
      }
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = performance.now() - started;
  const d = distribution(latencies);
  return {
    rate: (latencies.length * 1000) / elapsed,
    p50: d.p50,
    p99: d.p99,
    max: d.max,
    errors,
    ok: latencies.length,
  };
}

function viaFetch(stack: Stack): () => Promise<boolean> {
  const url = `${stack.apiUrl}/jobs`;
  const headers = { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' };
  return async () => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(submission()) });
    await response.arrayBuffer();
    return response.status === 201;
  };
}

function viaClient(stack: Stack): () => Promise<boolean> {
  const client = new SchedulerClient({ baseUrl: stack.apiUrl, apiKey: stack.apiKey });
  return async () => {
    await client.create(submission() as unknown as Parameters<SchedulerClient['create']>[0]);
    return true;
  };
}

/** The API's start code (`JobService.create`) on the bench's own Temporal client: no HTTP, no API process. */
function viaTemporalClient(stack: Stack): () => Promise<boolean> {
  const service = new JobService({ client: stack.client, taskQueue: stack.taskQueue });
  const principal = { user_id: 'bench', role: 'admin' as const };
  return async () => {
    await service.create(jobSubmissionSchema.parse(submission()), principal);
    return true;
  };
}

/** The `submit` benchmark (see the module comment); run by bench/run.ts. */
export const submit: Benchmark = {
  name: 'submit',
  title: 'Submit throughput of POST /jobs',
  description:
    `${CONCURRENCY} concurrent clients submit one-time jobs (due in a year) to \`POST /jobs\` as fast as answers come, ` +
    'for a fixed time per run: accepted submissions per second (201), latency percentiles of the accepted ones, and ' +
    'errors (any other answer or a network error). Once with plain `fetch`, once through the TypeScript client ' +
    '(`SchedulerClient.create`), and, for reference, the Temporal client alone: the same concurrency calling the ' +
    'API’s start code (`JobService.create`) from the benchmark process, without HTTP. The API process is one Node ' +
    'process with its rate limits raised for the benchmark; the workers run the jobs’ first workflow tasks ' +
    'meanwhile, as in production. The three variants run one after the other on the same stack.',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const durationMs = smoke ? 5_000 : 15_000;
    const stack = await startStack({
      cliPath: ctx.cliPath,
      name: 'submit',
      workers: ctx.workers,
      workerEnv: ctx.workerEnv,
      sqlitePragmas: ctx.sqlitePragmas,
    });
    const sections: Section[] = [];
    const goals: GoalCheck[] = [];
    try {
      log('submit', 'warm-up (2 s, 10 clients)');
      await drive(viaFetch(stack), 2_000, 10);
      const rates = new Map<string, number>();
      for (const [variant, make] of [
        ['Temporal client alone', viaTemporalClient],
        ['HTTP (fetch)', viaFetch],
        ['TypeScript client', viaClient],
      ] as const) {
        const runs: SubmitFigures[] = [];
        for (let r = 1; r <= ctx.repeats; r++) {
          const figures = await drive(make(stack), durationMs);
          log(
            'submit',
            `${variant} run ${r}: ${figures.rate.toFixed(0)}/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, errors ${figures.errors}`,
          );
          runs.push(figures);
        }
        const col = (k: keyof SubmitFigures) => runs.map((f) => f[k]);
        rates.set(variant, median(col('rate')));
        sections.push({
          title: `${variant}, ${CONCURRENCY} concurrent clients, ${durationMs / 1000} s per run`,
          repeats: ctx.repeats,
          metrics: [
            metric('accepted submissions', 'jobs/s', col('rate')),
            metric('latency p50', 'ms', col('p50')),
            metric('latency p99', 'ms', col('p99')),
            metric('latency max', 'ms', col('max')),
            metric('errors', 'count', col('errors')),
            metric('accepted', 'count', col('ok')),
          ],
        });
        if (variant === 'HTTP (fetch)') {
          const rate = median(col('rate'));
          const p99 = median(col('p99'));
          goals.push({
            goal: '≥ 1,000 submits/s with p99 ≤ 50 ms',
            measured: `${rate.toFixed(0)}/s, p99 ${formatMs(p99)} (median of runs)`,
            met: rate >= 1_000 && p99 <= 50 && Math.max(...col('errors')) === 0,
          });
          const alone = rates.get('Temporal client alone') ?? Number.NaN;
          goals.push({
            goal: 'POST /jobs ≥ 0.9× the Temporal client alone',
            measured: `${(rate / alone).toFixed(2)}× (${rate.toFixed(0)}/s vs ${alone.toFixed(0)}/s, medians)`,
            met: Number.isNaN(alone) ? null : rate >= 0.9 * alone,
          });
        }
      }
    } finally {
      await stack.stop();
    }
    return {
      settings: {
        concurrency: CONCURRENCY,
        durationS: durationMs / 1000,
        workers: ctx.workers,
        ...ctx.workerEnv,
        sqlite: ctx.sqlitePragmas.join(' ') || 'server defaults',
      },
      sections,
      goals,
      notes: [
        'One API process (Node, single-threaded) in front of one dev-server shard; the load generator runs on the same machine.',
      ],
    };
  },
};
