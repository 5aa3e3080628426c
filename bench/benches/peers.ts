/**
 * peers: BullMQ 5 (job schedulers = repeatable jobs, and delayed jobs) on a local redis-server with
 * AOF (everysec), and pg-boss 10 (jobs with startAfter) on a local PostgreSQL, on this machine in
 * this run: fire lag of 10,000 jobs over a minute and a 50,000-job burst, with ratios vs ours.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import PgBoss from 'pg-boss';
import { type Child, stopProcess, waitForOutput } from '../../src/dev/processes';
import { mapConcurrent } from '../../src/map-concurrent';
import { type BenchContext, type Benchmark, type BenchOutput, log } from '../lib/context';
import { accountOccurrences, type OccurrenceReport, periodicTimes, spreadCron } from '../lib/occurrences';
import { cpuMs } from '../lib/proc';
import { readRecords } from '../lib/recorder';
import { type BenchResult, type GoalCheck, type Metric, metric, type Section } from '../lib/report';
import { sleep, waitUntil } from '../lib/seed';
import { startBenchProcess, tempDir } from '../lib/stack';
import { ratio } from '../lib/stats';
import { type PeerServer, startPostgres, startRedis } from '../peers/servers';

/** Sizes and windows of one peers run. */
interface PeerPlan {
  fireJobs: number;
  periodS: number;
  windows: number;
  burstSize: number;
  timeoutMs: number;
  workers: number;
}

/** What a peer adapter does; every method works on the peer's own queues. */
interface PeerAdapter {
  name: string;
  version: string;
  server: PeerServer;
  recordDir: string;
  workerPids: number[];
  /**
   * Sets up the fire-lag jobs: job i at second (i mod periodS) of every period, for the windows
   * [from, to). @returns the expected occurrences (key → scheduled ms).
   */
  setupFireLag(plan: PeerPlan, from: number, to: number): Promise<Map<string, number>>;
  /** Stops producing fire-lag jobs. */
  teardownFireLag(plan: PeerPlan): Promise<void>;
  /** Enqueues the burst due at `due`. @returns the expected occurrences. */
  setupBurst(size: number, due: number): Promise<Map<string, number>>;
  /** True when the burst queue has nothing waiting, delayed or active. */
  burstDrained(): Promise<boolean>;
  close(): Promise<void>;
}

/** Figures of a fire-lag window. */
type Figures = Record<string, number>;

function fireFigures(report: OccurrenceReport, serverCpuPct: number, workerCpuPct: number): Figures {
  return {
    p50: report.lag.p50,
    p95: report.lag.p95,
    p99: report.lag.p99,
    max: report.lag.max,
    missedPct: (100 * report.missed) / Math.max(1, report.expected),
    doubledPct: (100 * report.doubled) / Math.max(1, report.expected),
    serverCpu: serverCpuPct,
    workerCpu: workerCpuPct,
  };
}

async function measureFireLag(peer: PeerAdapter, plan: PeerPlan): Promise<Figures[]> {
  const periodMs = plan.periodS * 1000;
  // Setting up 10,000 schedulers takes a while: the first window starts one period after it.
  const from = Math.ceil((Date.now() + periodMs + 20_000) / periodMs) * periodMs;
  const to = from + plan.windows * periodMs;
  const expected = await peer.setupFireLag(plan, from, to);
  log(
    'peers',
    `${peer.name}: fire lag, ${plan.fireJobs} jobs, ${plan.windows} window(s) from ${new Date(from).toISOString()}`,
  );
  if (Date.now() > from) log('peers', `${peer.name}: WARNING the setup ended after the first window started`);
  const cpu: Array<{ server: number; workers: number }> = [];
  for (let w = 0; w <= plan.windows; w++) {
    await sleep(from + w * periodMs - Date.now());
    cpu.push({ server: cpuMs(peer.server.pid), workers: peer.workerPids.reduce((s, p) => s + cpuMs(p), 0) });
  }
  await waitUntil(() => accountOccurrences(expected, readRecords(peer.recordDir)).missed === 0, 30_000, 1_000);
  const records = readRecords(peer.recordDir);
  await peer.teardownFireLag(plan);
  const figures: Figures[] = [];
  for (let w = 0; w < plan.windows; w++) {
    const a = from + w * periodMs;
    const window = new Map([...expected].filter(([, t]) => t >= a && t < a + periodMs));
    const c0 = cpu[w] as { server: number; workers: number };
    const c1 = cpu[w + 1] as { server: number; workers: number };
    figures.push(
      fireFigures(
        accountOccurrences(window, records),
        (100 * (c1.server - c0.server)) / periodMs,
        (100 * (c1.workers - c0.workers)) / periodMs,
      ),
    );
  }
  return figures;
}

async function measureBurst(peer: PeerAdapter, plan: PeerPlan): Promise<Figures> {
  const due = Math.ceil((Date.now() + Math.max(10_000, (plan.burstSize / 2_000) * 1_500 + 5_000)) / 1000) * 1000;
  const expected = await peer.setupBurst(plan.burstSize, due);
  const late = Date.now() > due - 1_000 ? 1 : 0;
  log(
    'peers',
    `${peer.name}: burst of ${plan.burstSize} due at ${new Date(due).toISOString()}${late ? ' (enqueued LATE)' : ''}`,
  );
  await sleep(due - Date.now());
  let finishedAt = Number.NaN;
  let report = accountOccurrences(expected, []);
  while (Date.now() < due + plan.timeoutMs) {
    report = accountOccurrences(expected, readRecords(peer.recordDir));
    if (report.missed === 0 && (await peer.burstDrained())) {
      finishedAt = Date.now();
      break;
    }
    await sleep(500);
  }
  report = accountOccurrences(expected, readRecords(peer.recordDir));
  log(
    'peers',
    `${peer.name}: burst all started after ${((report.lastStartMs - due) / 1000).toFixed(1)} s, lost ${report.missed}`,
  );
  return {
    allStartedS: report.missed === 0 ? (report.lastStartMs - due) / 1000 : Number.NaN,
    allFinishedS: (finishedAt - due) / 1000,
    p50: report.lag.p50,
    p99: report.lag.p99,
    lost: report.missed,
    doubled: report.doubled,
    late,
  };
}

/** Worker processes of a peer. */
interface PeerWorkers {
  pids: number[];
  /** Stops them (before their server, so that they can close their connections). */
  stop(): Promise<void>;
}

async function startWorkers(
  kind: 'bullmq' | 'pgboss',
  count: number,
  env: NodeJS.ProcessEnv,
  recordDir: string,
): Promise<PeerWorkers> {
  const children: Child[] = [];
  for (let i = 1; i <= count; i++) {
    const child = startBenchProcess(`${kind}-worker-${i}`, `peers/${kind}-worker.ts`, {
      ...env,
      BENCH_RECORD_DIR: recordDir,
      WORKER_IDENTITY: `${kind}-worker-${i}`,
    });
    children.push(child);
    await waitForOutput(child, kind === 'bullmq' ? /bullmq worker ready/ : /pg-boss worker ready/, 60_000);
  }
  return {
    pids: children.map((c) => c.process.pid ?? 0),
    stop: async () => {
      await Promise.all(children.map((c) => stopProcess(c, 5_000)));
    },
  };
}

async function bullmqAdapter(workers: number): Promise<PeerAdapter> {
  const server = await startRedis();
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const fire = new Queue('fire', { connection });
  const burstQueue = new Queue('burst', { connection });
  const recordDir = join(tempDir('bullmq'), 'records');
  const workerProcesses = await startWorkers(
    'bullmq',
    workers,
    { REDIS_PORT: String(server.port), QUEUES: 'fire,burst' },
    recordDir,
  );
  return {
    name: 'BullMQ',
    version: `bullmq ${require('bullmq/package.json').version}, ${server.version}`,
    server,
    recordDir,
    workerPids: workerProcesses.pids,
    async setupFireLag(plan, from, to) {
      const expected = new Map<string, number>();
      const ids = Array.from({ length: plan.fireJobs }, (_, i) => i);
      await mapConcurrent(ids, 50, (i) =>
        fire.upsertJobScheduler(
          `fl-${i}`,
          { pattern: spreadCron(i % plan.periodS, plan.periodS) },
          { name: 'fl', data: {} },
        ),
      );
      for (const i of ids) {
        for (const t of periodicTimes(i % plan.periodS, plan.periodS, from, to)) expected.set(`repeat:fl-${i}:${t}`, t);
      }
      return expected;
    },
    async teardownFireLag(plan) {
      await mapConcurrent(
        Array.from({ length: plan.fireJobs }, (_, i) => i),
        50,
        (i) => fire.removeJobScheduler(`fl-${i}`),
      );
    },
    async setupBurst(size, due) {
      const expected = new Map<string, number>();
      for (let start = 0; start < size; start += 1_000) {
        const chunk = Array.from({ length: Math.min(1_000, size - start) }, (_, k) => {
          const id = `b-${start + k}`;
          expected.set(id, due);
          return { name: 'b', data: { scheduled_ms: due }, opts: { jobId: id, delay: Math.max(0, due - Date.now()) } };
        });
        await burstQueue.addBulk(chunk);
      }
      return expected;
    },
    async burstDrained() {
      const counts = await burstQueue.getJobCounts('wait', 'delayed', 'active', 'prioritized', 'paused');
      return Object.values(counts).every((c) => c === 0);
    },
    async close() {
      await workerProcesses.stop();
      await fire.close();
      await burstQueue.close();
    },
  };
}

async function pgbossAdapter(workers: number): Promise<PeerAdapter> {
  const server = await startPostgres();
  const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, max: 10 });
  boss.on('error', (err) => console.error(`[pg-boss] ${err.message}`));
  await boss.start();
  await boss.createQueue('fire');
  await boss.createQueue('burst');
  const recordDir = join(tempDir('pgboss'), 'records');
  const workerProcesses = await startWorkers('pgboss', workers, { PG_URL: url, QUEUES: 'fire,burst' }, recordDir);
  const insert = async (queue: string, times: number[], expected: Map<string, number>) => {
    for (let start = 0; start < times.length; start += 1_000) {
      const chunk = times.slice(start, start + 1_000).map((t) => {
        const id = randomUUID();
        expected.set(id, t);
        return { id, name: queue, data: { scheduled_ms: t }, startAfter: new Date(t) };
      });
      await boss.insert(chunk);
    }
  };
  return {
    name: 'pg-boss',
    version: `pg-boss ${require('pg-boss/package.json').version}, ${server.version}`,
    server,
    recordDir,
    workerPids: workerProcesses.pids,
    async setupFireLag(plan, from, to) {
      const expected = new Map<string, number>();
      const times: number[] = [];
      for (let i = 0; i < plan.fireJobs; i++) times.push(...periodicTimes(i % plan.periodS, plan.periodS, from, to));
      await insert('fire', times, expected);
      return expected;
    },
    async teardownFireLag() {},
    async setupBurst(size, due) {
      const expected = new Map<string, number>();
      await insert('burst', new Array<number>(size).fill(due), expected);
      return expected;
    },
    async burstDrained() {
      return (await boss.getQueueSize('burst', { before: 'completed' })) === 0;
    },
    async close() {
      await workerProcesses.stop();
      await boss.stop({ graceful: false, wait: true });
    },
  };
}

/** The median of metric `name` in the section of `result` whose title starts with `prefix`. */
function oursFigure(result: BenchResult | undefined, prefix: string, name: string): number {
  const section = result?.sections.find((s) => s.title.startsWith(prefix));
  const m: Metric | undefined = section?.metrics.find((x) => x.name === name);
  return m?.summary.median ?? Number.NaN;
}

/** The `peers` benchmark (see the module comment); run by bench/run.ts. */
export const peers: Benchmark = {
  name: 'peers',
  title: 'Side by side with BullMQ and pg-boss',
  description:
    'The same two loads on BullMQ 5 (redis-server from Debian, AOF on: appendonly yes, appendfsync everysec) and ' +
    'pg-boss 10 (PostgreSQL from Debian, synchronous_commit=off, fsync on), each started by the benchmark on ' +
    'loopback in a temp dir, with as many worker processes as ours, each recording its job body’s start like ours. ' +
    'Fire lag: BullMQ uses one job scheduler (repeatable job) per job with the same 6-field cron as ours; pg-boss ' +
    'schedules have minute resolution, so it gets one job per occurrence with `startAfter` at the same times. ' +
    'Burst: delayed jobs (BullMQ `delay`, pg-boss `startAfter`) all due at the same instant. Ratios are ours ÷ ' +
    'peer, with ours from the fire-lag and burst results of this run (or the last one in bench/results): above 1 ' +
    'means ours is slower. BullMQ workers: concurrency 100 per process; pg-boss: 2 work() loops per process, batch 500, ' +
    'polling every 0.5 s (its minimum).',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const plan: PeerPlan = {
      fireJobs: smoke ? 100 : 10_000,
      periodS: smoke ? 30 : 60,
      windows: Math.min(ctx.repeats, 2),
      burstSize: smoke ? 500 : 50_000,
      timeoutMs: smoke ? 60_000 : 300_000,
      workers: ctx.workers,
    };
    const oursFire = ctx.previous.get('fire-lag');
    const oursBurst = ctx.previous.get('burst');
    const fireSize = smoke ? '100 ' : '10,000 ';
    const burstSize = smoke ? '500 ' : '50,000 ';
    const ours = {
      p50: oursFigure(oursFire, fireSize, 'lag p50'),
      p99: oursFigure(oursFire, fireSize, 'lag p99'),
      allStartedS: oursFigure(oursBurst, burstSize, 'all started after'),
      burstP99: oursFigure(oursBurst, burstSize, 'lag p99'),
    };
    const sections: Section[] = [];
    const notes: string[] = [];
    for (const make of [bullmqAdapter, pgbossAdapter]) {
      const peer = await make(plan.workers);
      try {
        const fire = await measureFireLag(peer, plan);
        const burstFigures = await measureBurst(peer, plan);
        const col = (k: string) => fire.map((f) => f[k] as number);
        sections.push({
          title: `${peer.name}: fire lag, ${plan.fireJobs.toLocaleString('en-US')} jobs over ${plan.periodS} s (${peer.version})`,
          repeats: plan.windows,
          metrics: [
            metric('lag p50', 'ms', col('p50')),
            metric('lag p95', 'ms', col('p95')),
            metric('lag p99', 'ms', col('p99')),
            metric('lag max', 'ms', col('max')),
            metric('missed', '%', col('missedPct')),
            metric('doubled', '%', col('doubledPct')),
            metric('server CPU (redis / postgres main process tree)', '% of a core', col('serverCpu')),
            metric('workers CPU (all)', '% of a core', col('workerCpu')),
            metric(
              'ratio ours ÷ peer, lag p50',
              '×',
              col('p50').map((v) => ratio(ours.p50, v)),
            ),
            metric(
              'ratio ours ÷ peer, lag p99',
              '×',
              col('p99').map((v) => ratio(ours.p99, v)),
            ),
          ],
        });
        sections.push({
          title: `${peer.name}: burst of ${plan.burstSize.toLocaleString('en-US')} jobs due at once`,
          repeats: 1,
          metrics: [
            metric('all started after', 's', [burstFigures.allStartedS as number]),
            metric('all finished after', 's', [burstFigures.allFinishedS as number]),
            metric('lag p50', 'ms', [burstFigures.p50 as number]),
            metric('lag p99', 'ms', [burstFigures.p99 as number]),
            metric('lost', 'count', [burstFigures.lost as number]),
            metric('doubled', 'count', [burstFigures.doubled as number]),
            metric('enqueued late (run invalid)', 'count', [burstFigures.late as number]),
            metric('ratio ours ÷ peer, all started after', '×', [
              ratio(ours.allStartedS, burstFigures.allStartedS as number),
            ]),
            metric('ratio ours ÷ peer, lag p99', '×', [ratio(ours.burstP99, burstFigures.p99 as number)]),
          ],
        });
      } finally {
        await peer.close().catch(() => undefined);
        await peer.server.stop();
      }
    }
    if (Number.isNaN(ours.p50))
      notes.push('No fire-lag result of ours at this size: ratios n/a (run `fire-lag` in the same run).');
    if (Number.isNaN(ours.allStartedS))
      notes.push('No burst result of ours at this size: ratios n/a (run `burst` in the same run).');
    notes.push(
      `Ours for the ratios: fire lag p50 ${ours.p50} ms, p99 ${ours.p99} ms; burst all started after ${ours.allStartedS} s, p99 ${ours.burstP99} ms (medians).`,
      'Reference from the issue (another 2-core machine, not ours): BullMQ 10k over a minute p50/p99 ≈ 50/120 ms, pg-boss ≈ 245/490 ms; 50k burst fully started after ≈ 2.7 s (BullMQ), 13 s (pg-boss).',
    );
    const goals: GoalCheck[] = [];
    return {
      settings: { fireJobs: plan.fireJobs, periodS: plan.periodS, burst: plan.burstSize, workers: plan.workers },
      sections,
      goals,
      notes,
    };
  },
};
