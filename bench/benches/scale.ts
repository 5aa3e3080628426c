/**
 * scale: how the cost of a sleeping job grows with the number of jobs, on two backends: the embedded dev server (SQLite, what `npm start` gives) and the
 * multi-shard Temporal server on PostgreSQL (the cluster test suite's). The set of jobs grows from
 * one size to the next (10,000 → 100,000 → 300,000; smoke 1,000 → 3,000), seeded through
 * `POST /jobs:batch`. 1 % of the smallest size are cron jobs firing every minute, the same ones at
 * every size (paused while a later size seeds); every other job is a one-time job due in a year. At
 * each size: jobs Running, seeding rate, storage bytes per job, worker RSS, `GET /jobs` latency with
 * a status and user filter, fire lag and missed occurrences of the firing jobs over a window, and
 * the restart time of the whole stack on the same database with its first page after the restart.
 *
 * A run of some backends keeps the figures of the others from the previous result of the same scale,
 * so the backends can be run one at a time (`BENCH_SCALE_BACKENDS=postgres`).
 *
 * Settings: BENCH_SCALE_SIZES (comma list; BENCH_SCALE_SIZES_SQLITE / _POSTGRES per backend),
 * BENCH_SCALE_BACKENDS (sqlite,postgres),
 * BENCH_SCALE_SEED_BUDGET_S (per size), BENCH_SCALE_WINDOW_MIN, BENCH_SCALE_SHARDS,
 * BENCH_SCALE_SINGLE_S, BENCH_SCALE_BATCH, BENCH_SCALE_IN_FLIGHT (see {@link scaleSettings}).
 */
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../src/config';
import { idempotencyKey } from '../../src/domain/job-state';
import { mapConcurrent } from '../../src/map-concurrent';
import { seedKey, seedRange, submitSequentially } from '../lib/bulk-seed';
import { type BenchContext, type Benchmark, type BenchOutput, envInt, log } from '../lib/context';
import { accountOccurrences, periodicTimes } from '../lib/occurrences';
import { cpuMs, rssBytes } from '../lib/proc';
import { RECORD_HANDLER } from '../lib/record-handler';
import { readRecords } from '../lib/recorder';
import { type GoalCheck, type Metric, metric, type Section } from '../lib/report';
import {
  SCALE_BACKENDS,
  type ScaleBackend,
  type ScaleBackendName,
  type StorageFigures,
  startScaleBackend,
} from '../lib/scale-backends';
import { sleep, waitUntil } from '../lib/seed';
import { type Distribution, distribution, ratio } from '../lib/stats';
import { formatMs } from './common';

const MiB = 1024 * 1024;
const MINUTE_MS = 60_000;
/** Seeding pauses above this many waiting workflow tasks, and goes on at {@link BACKLOG_LOW}. */
const BACKLOG_HIGH = 4_000;
const BACKLOG_LOW = 1_000;
/** One job in FIRING_EVERY of the smallest size fires every minute (1 %). */
const FIRING_EVERY = 100;
/** The user every job belongs to (the bench stack's admin key). */
const BENCH_USER = 'bench';
/** The list query measured: a page of 50 of the bench user's sleeping jobs (status `pending`). */
const LIST_QUERY = `limit=50&status=pending&user_id=${BENCH_USER}`;
/** Calls of the list measurement start this far apart, ms: 4 per second, within Temporal's default visibility rate limit (10/s per namespace). */
const LIST_PACE_MS = 250;

/** The benchmark's settings, from the environment. */
export interface ScaleSettings {
  /**
   * Job counts of each backend, ascending: BENCH_SCALE_SIZES_SQLITE / BENCH_SCALE_SIZES_POSTGRES, else
   * BENCH_SCALE_SIZES, else full 10,000/100,000/300,000, smoke 1,000/3,000.
   */
  sizes: Record<ScaleBackendName, number[]>;
  /** Backends in run order (BENCH_SCALE_BACKENDS, default sqlite,postgres). */
  backends: ScaleBackendName[];
  /** Seeding budget of each size step, ms (BENCH_SCALE_SEED_BUDGET_S; full 2,700 s, smoke 240 s). */
  seedBudgetMs: number;
  /** Minutes of the firing window at each size (BENCH_SCALE_WINDOW_MIN; full 3, smoke 1). */
  windowMin: number;
  /** History shards of the PostgreSQL cluster (BENCH_SCALE_SHARDS, default 16 as docker-compose.yml). */
  shards: number;
  /** Duration of the single-submit baseline at the smallest size, ms (BENCH_SCALE_SINGLE_S; full 20 s, smoke 10 s). */
  singleMs: number;
  /** Items per POST /jobs:batch (BENCH_SCALE_BATCH, default 1,000) and batches in flight (BENCH_SCALE_IN_FLIGHT, default 4). */
  batchSize: number;
  inFlight: number;
  /** Sequential GET /jobs calls per measurement (50). */
  listCalls: number;
}

/** A comma list of positive integers from the environment, or `fallback`. @throws {Error} on a bad entry. */
function envSizes(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const sizes = raw.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`${name} must be positive integers, got "${raw}"`);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/**
 * Reads the settings of the `scale` benchmark (see {@link ScaleSettings} for each variable).
 * @throws {Error} on a malformed variable or an unknown backend.
 */
export function scaleSettings(smoke: boolean): ScaleSettings {
  const rawBackends = process.env.BENCH_SCALE_BACKENDS;
  const backends = (rawBackends && rawBackends.trim() !== '' ? rawBackends.split(',') : [...SCALE_BACKENDS]).map((b) =>
    b.trim(),
  );
  for (const b of backends) {
    if (!(SCALE_BACKENDS as readonly string[]).includes(b)) {
      throw new Error(`BENCH_SCALE_BACKENDS: unknown backend "${b}" (known: ${SCALE_BACKENDS.join(', ')})`);
    }
  }
  const defaultSizes = envSizes('BENCH_SCALE_SIZES', smoke ? [1_000, 3_000] : [10_000, 100_000, 300_000]);
  return {
    sizes: Object.fromEntries(
      SCALE_BACKENDS.map((b) => [b, envSizes(`BENCH_SCALE_SIZES_${b.toUpperCase()}`, defaultSizes)]),
    ) as Record<ScaleBackendName, number[]>,
    backends: backends as ScaleBackendName[],
    seedBudgetMs: envInt('BENCH_SCALE_SEED_BUDGET_S', smoke ? 240 : 2_700) * 1000,
    windowMin: envInt('BENCH_SCALE_WINDOW_MIN', smoke ? 1 : 3),
    shards: envInt('BENCH_SCALE_SHARDS', 16),
    singleMs: envInt('BENCH_SCALE_SINGLE_S', smoke ? 10 : 20) * 1000,
    batchSize: Math.min(1000, envInt('BENCH_SCALE_BATCH', 1000)),
    inFlight: envInt('BENCH_SCALE_IN_FLIGHT', 4),
    listCalls: 50,
  };
}

/**
 * Latencies of `count` sequential `GET /jobs?<LIST_QUERY>` calls, ms, and the rows of the last page.
 * @param everyMs start the calls at least this far apart (0: back to back). Temporal's frontend
 *   limits visibility calls to 10 per second per namespace by default (`frontend.namespaceRPS.visibility`);
 *   calls above it are refused and retried by the client after a pause.
 */
async function listLatencies(
  backend: ScaleBackend,
  count: number,
  everyMs: number,
): Promise<{ latencies: number[]; rows: number }> {
  const latencies: number[] = [];
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const response = await fetch(`${backend.apiUrl}/jobs?${LIST_QUERY}`, {
      headers: { authorization: `Bearer ${backend.apiKey}` },
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await response.json()) as { jobs?: unknown[] };
    if (response.status !== 200 || !Array.isArray(body.jobs)) {
      throw new Error(`GET /jobs?${LIST_QUERY} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    const ms = performance.now() - t0;
    latencies.push(ms);
    rows = body.jobs.length;
    if (i < count - 1) await sleep(everyMs - ms);
  }
  return { latencies, rows };
}

/** Resident memory of all worker processes, bytes. */
function workerRss(backend: ScaleBackend): number {
  return backend.workers.reduce((sum, w) => sum + rssBytes(w.process.pid ?? 0), 0);
}

/** CPU time so far of the server processes and of all workers, ms, and of each server process by label. */
function cpuSample(backend: ScaleBackend): { server: number; workers: number; byProcess: Record<string, number> } {
  const byProcess: Record<string, number> = {};
  for (const p of backend.serverProcesses()) byProcess[p.label] = p.pid > 0 ? cpuMs(p.pid) : 0;
  return {
    server: Object.values(byProcess).reduce((s, v) => s + v, 0),
    workers: backend.workers.reduce((s, w) => s + cpuMs(w.process.pid ?? 0), 0),
    byProcess,
  };
}

/** Workflow tasks of the backend's task queue waiting for a worker (Temporal's approximate backlog count). */
async function workflowBacklog(backend: ScaleBackend): Promise<number> {
  const answer = await backend.client.workflowService.describeTaskQueue({
    namespace: backend.client.options.namespace,
    taskQueue: { name: backend.taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    reportStats: true,
  });
  return Number(answer.stats?.approximateBacklogCount ?? 0);
}

/**
 * Seeding gate: while more than {@link BACKLOG_HIGH} workflow tasks wait for a worker, waits
 * until at most {@link BACKLOG_LOW} do. The start of a job is accepted long before a worker has
 * run its first workflow task (its timer set); without the gate, seeding outruns the workers and
 * the rate measured is the API's, not that of jobs that sleep.
 */
function backlogGate(backend: ScaleBackend): () => Promise<void> {
  return async () => {
    if ((await workflowBacklog(backend)) <= BACKLOG_HIGH) return;
    while ((await workflowBacklog(backend)) > BACKLOG_LOW) await sleep(1_000);
  };
}

/**
 * Waits until no more than 10 workflow tasks wait for a worker and the server processes and the
 * workers together use less than `thresholdPct` % of one core over 2 s (the workflow tasks of the
 * jobs just started are done), or, after a minute, until the backlog alone is drained (the firing
 * jobs keep the CPU busy); at least `minMs`, at most `maxMs`.
 * @returns the time waited, ms.
 */
async function settle(backend: ScaleBackend, minMs: number, maxMs: number, thresholdPct = 25): Promise<number> {
  const t0 = Date.now();
  await sleep(minMs - 2_000);
  for (;;) {
    const a = cpuSample(backend);
    await sleep(2_000);
    const b = cpuSample(backend);
    const pct = (100 * (b.server - a.server + b.workers - a.workers)) / 2_000;
    // The firing jobs keep the CPU busy at large sizes: a drained backlog is enough there.
    const drained = (await workflowBacklog(backend)) <= 10;
    if ((drained && (pct < thresholdPct || Date.now() - t0 >= 60_000)) || Date.now() - t0 >= maxMs) {
      return Date.now() - t0;
    }
  }
}

/**
 * Pauses (`POST /jobs/{id}/pause`) or resumes every job of `jobIds`, 16 at a time. A refusal is
 * logged, not thrown: the sizes measured so far are worth more than one job's state.
 */
async function setPaused(backend: ScaleBackend, jobIds: readonly string[], paused: boolean): Promise<void> {
  const action = paused ? 'pause' : 'resume';
  const problems = await mapConcurrent(jobIds, 16, (jobId) =>
    fetch(`${backend.apiUrl}/jobs/${jobId}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${backend.apiKey}` },
      signal: AbortSignal.timeout(60_000),
    }).then(
      async (response) =>
        response.ok ? null : `POST /jobs/${jobId}/${action}: ${response.status} ${await response.text()}`,
      (err: Error) => `POST /jobs/${jobId}/${action}: ${err.message}`,
    ),
  );
  const refused = problems.filter((p) => p !== null);
  for (const problem of refused) console.warn(`[scale] ${problem}`);
  log(
    'scale',
    `${backend.name}: ${jobIds.length - refused.length} firing jobs ${paused ? 'paused' : 'resumed'}, ${refused.length} refused`,
  );
}

/** Workflows of the backend's task queue that are Running (visibility), once it reaches `expected` or after `timeoutMs`. */
async function countRunning(backend: ScaleBackend, expected: number, timeoutMs: number): Promise<number> {
  const query = `TaskQueue = '${backend.taskQueue}' AND ExecutionStatus = 'Running'`;
  let count = 0;
  await waitUntil(
    async () => {
      count = Number((await backend.client.workflow.count(query)).count);
      return count >= expected;
    },
    timeoutMs,
    2_000,
  );
  return count;
}

/** What the firing window measured. */
interface FiringFigures {
  firingJobs: number;
  expected: number;
  missed: number;
  doubled: number;
  /** Minutes of the window in which no firing job started. */
  silentMinutes: number;
  lag: Distribution;
  /** CPU of the server processes and of the workers over the window, % of one core. */
  serverCpuPct: number;
  workerCpuPct: number;
  /** CPU of each server process (by label) over the window, % of one core. */
  processCpuPct: Record<string, number>;
  /** PostgreSQL write-ahead log written and transactions committed over the window (PostgreSQL only). */
  walBytes: number | null;
  commits: number | null;
  windowMs: number;
}

/**
 * Waits for the next whole minute (at least 5 s away), then measures `minutes` minutes of the
 * firing jobs: every job's occurrence at second 0 of each minute is expected once.
 */
async function firingWindow(
  backend: ScaleBackend,
  firingJobIds: readonly string[],
  minutes: number,
  graceMs: number,
): Promise<FiringFigures> {
  const start = Math.ceil((Date.now() + 5_000) / MINUTE_MS) * MINUTE_MS;
  const end = start + minutes * MINUTE_MS;
  log('scale', `${backend.name}: firing window of ${minutes} min from ${new Date(start).toISOString()}`);
  await sleep(start - Date.now());
  const cpu0 = cpuSample(backend);
  const db0 = backend.database ? { wal: backend.database.walBytes(), commits: backend.database.commits() } : null;
  await sleep(end - Date.now());
  const cpu1 = cpuSample(backend);
  const db1 = backend.database ? { wal: backend.database.walBytes(), commits: backend.database.commits() } : null;
  const expected = new Map<string, number>();
  for (const jobId of firingJobIds) {
    for (const t of periodicTimes(0, 60, start, end)) expected.set(idempotencyKey(jobId, t), t);
  }
  await waitUntil(() => accountOccurrences(expected, readRecords(backend.recordDir)).missed === 0, graceMs, 2_000);
  const records = readRecords(backend.recordDir);
  const report = accountOccurrences(expected, records);
  const startedMinutes = new Set<number>();
  for (const r of records) if (expected.has(r.key)) startedMinutes.add(r.scheduled_ms);
  return {
    firingJobs: firingJobIds.length,
    expected: report.expected,
    missed: report.missed,
    doubled: report.doubled,
    silentMinutes: minutes - startedMinutes.size,
    lag: report.lag,
    serverCpuPct: (100 * (cpu1.server - cpu0.server)) / (end - start),
    workerCpuPct: (100 * (cpu1.workers - cpu0.workers)) / (end - start),
    processCpuPct: Object.fromEntries(
      Object.entries(cpu1.byProcess).map(([label, ms]) => [
        label,
        (100 * (ms - (cpu0.byProcess[label] ?? 0))) / (end - start),
      ]),
    ),
    walBytes: db0 && db1 ? db1.wal - db0.wal : null,
    commits: db0 && db1 ? db1.commits - db0.commits : null,
    windowMs: end - start,
  };
}

/** Everything measured at one size of one backend. */
interface SizeFigures {
  planned: number;
  seeded: number;
  running: number;
  seedS: number;
  bulkRate: number;
  single: { submitted: number; rate: number } | null;
  /** PostgreSQL WAL bytes and commits per job seeded in this step (PostgreSQL only). */
  seedWalPerJob: number | null;
  seedCommitsPerJob: number | null;
  storageRunning: StorageFigures;
  storageAtRest: StorageFigures;
  rssSeeded: number;
  rssRestarted: number;
  list: Distribution;
  /** The same calls back to back (no pause). */
  listBackToBack: Distribution;
  listRows: number;
  firing: FiringFigures;
  restartS: number;
  firstPageMs: number;
  listAfterRestart: Distribution;
}

/** The metrics of one size. */
function sizeMetrics(f: SizeFigures, base: StorageFigures, previous: SizeFigures | null, cache: string): Metric[] {
  const perJob = (s: StorageFigures) => (s.total - base.total) / f.seeded;
  const metrics: Metric[] = [
    metric('jobs seeded', 'count', [f.seeded]),
    metric('jobs Running (visibility count)', 'count', [f.running]),
    metric(
      f.single
        ? 'seeding rate (POST /jobs:batch as fast as the API accepts; the workers catch up afterwards)'
        : 'seeding rate (POST /jobs:batch, paced by the workers: jobs that reach their sleep)',
      'jobs/s',
      [f.bulkRate],
    ),
    metric('seeding time of this step', 's', [f.seedS]),
  ];
  if (f.single) {
    metrics.push(
      metric(`single-submit rate (sequential POST /jobs, ${f.single.submitted} jobs)`, 'jobs/s', [f.single.rate]),
      metric('bulk rate / single-submit rate', '×', [ratio(f.bulkRate, f.single.rate)]),
    );
  }
  metrics.push(
    metric('storage bytes per job (at rest, server stopped)', 'bytes', [perJob(f.storageAtRest)]),
    metric('storage bytes per job (running)', 'bytes', [perJob(f.storageRunning)]),
  );
  if (previous) {
    metrics.push(
      metric('storage bytes per job added since the previous size (at rest)', 'bytes', [
        (f.storageAtRest.total - previous.storageAtRest.total) / (f.seeded - previous.seeded),
      ]),
    );
  }
  metrics.push(metric('storage at rest', 'MiB', [f.storageAtRest.total / MiB]));
  for (const [part, bytes] of Object.entries(f.storageAtRest.parts)) {
    metrics.push(metric(`database ${part} at rest`, 'MiB', [bytes / MiB]));
  }
  for (const [table, bytes] of Object.entries(f.storageAtRest.tables)) {
    metrics.push(metric(`table ${table} (with indexes) per job`, 'bytes', [bytes / f.seeded]));
  }
  metrics.push(
    metric(`worker RSS after seeding (all workers; cache ${cache} per worker)`, 'MiB', [f.rssSeeded / MiB]),
    metric('worker RSS 10 s after restart (all workers)', 'MiB', [f.rssRestarted / MiB]),
    metric(`GET /jobs?${LIST_QUERY} p50 (${f.list.count} calls, ${1000 / LIST_PACE_MS} per second)`, 'ms', [
      f.list.p50,
    ]),
    metric('GET /jobs … p99', 'ms', [f.list.p99]),
    metric('GET /jobs … rows on the page', 'count', [f.listRows]),
    metric(`GET /jobs … p50 back to back (${f.listBackToBack.count} calls)`, 'ms', [f.listBackToBack.p50]),
    metric('GET /jobs … p99 back to back', 'ms', [f.listBackToBack.p99]),
    metric(`firing jobs (1 in ${FIRING_EVERY} of the smallest size, cron * * * * *)`, 'count', [f.firing.firingJobs]),
    metric('fire lag p50', 'ms', [f.firing.lag.p50]),
    metric('fire lag p99', 'ms', [f.firing.lag.p99]),
    metric('fire lag max', 'ms', [f.firing.lag.max]),
    metric('occurrences expected in the window', 'count', [f.firing.expected]),
    metric('occurrences missed', 'count', [f.firing.missed]),
    metric('occurrences missed', '%', [(100 * f.firing.missed) / Math.max(1, f.firing.expected)]),
    metric('occurrences doubled', 'count', [f.firing.doubled]),
    metric('minutes of the window without any start', 'count', [f.firing.silentMinutes]),
    metric('server CPU in the window (Temporal, PostgreSQL)', '% of a core', [f.firing.serverCpuPct]),
    metric('workers CPU in the window (all)', '% of a core', [f.firing.workerCpuPct]),
  );
  // Per occurrence of the window: what each process spent, sleeping jobs' upkeep included.
  const perOccurrence = (pct: number) => (pct / 100) * (f.firing.windowMs / Math.max(1, f.firing.expected));
  for (const [label, pct] of Object.entries(f.firing.processCpuPct)) {
    metrics.push(metric(`${label} CPU per occurrence in the window`, 'ms', [perOccurrence(pct)]));
  }
  metrics.push(metric('workers CPU per occurrence in the window', 'ms', [perOccurrence(f.firing.workerCpuPct)]));
  if (f.firing.walBytes !== null && f.firing.commits !== null) {
    const occurrences = Math.max(1, f.firing.expected);
    metrics.push(
      metric('PostgreSQL WAL per occurrence in the window', 'bytes', [f.firing.walBytes / occurrences]),
      metric('PostgreSQL commits per occurrence in the window', 'count', [f.firing.commits / occurrences]),
      metric('PostgreSQL commits per second in the window', '1/s', [f.firing.commits / (f.firing.windowMs / 1000)]),
    );
  }
  if (f.seedWalPerJob !== null && f.seedCommitsPerJob !== null) {
    metrics.push(
      metric('PostgreSQL WAL per job seeded', 'bytes', [f.seedWalPerJob]),
      metric('PostgreSQL commits per job seeded', 'count', [f.seedCommitsPerJob]),
    );
  }
  metrics.push(
    metric('restart of the whole stack until all ready', 's', [f.restartS]),
    metric('first GET /jobs page after the restart', 'ms', [f.firstPageMs]),
    metric('GET /jobs … p50 after the restart', 'ms', [f.listAfterRestart.p50]),
  );
  return metrics;
}

/**
 * Whether job `i` fires every minute: every FIRING_EVERY-th job below `firingBelow` (the smallest
 * size). The same firing jobs fire at every size, so the firing window shows whether the sleeping
 * jobs slow them.
 */
function isFiring(i: number, firingBelow: number): boolean {
  return i % FIRING_EVERY === 0 && i < firingBelow;
}

/** Job `i` of the run: a cron job firing every minute when {@link isFiring}, else a one-time job due at `dueIso`. */
function makeJob(dueIso: string, firingBelow: number): (i: number) => Record<string, unknown> {
  const payload = { type: 'handler', name: RECORD_HANDLER };
  return (i) =>
    isFiring(i, firingBelow)
      ? { name: `scale-${i}`, frequency: 'cron', cron: '* * * * *', payload }
      : { name: `scale-${i}`, frequency: 'once', execution_time: dueIso, payload };
}

/**
 * Runs every size on one backend, growing one set of jobs, and fills `out` as it goes: the
 * backend's description, its empty storage (`base`) and the figures of each size it finished
 * (kept when a later size fails).
 */
async function runBackend(
  ctx: BenchContext,
  settings: ScaleSettings,
  name: ScaleBackendName,
  out: { describe: string; base: StorageFigures | null; sizes: SizeFigures[] },
): Promise<void> {
  const smoke = ctx.scale === 'smoke';
  const backend = await startScaleBackend(name, {
    cliPath: ctx.cliPath,
    workers: ctx.workers,
    workerEnv: ctx.workerEnv,
    apiEnv: { RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '10000000', RATE_LIMIT_READS_PER_MINUTE: '10000000' },
    sqlitePragmas: ctx.sqlitePragmas,
    shards: settings.shards,
  });
  out.describe = backend.describe;
  try {
    // Same specs for the same index within the run: a retried item is an idempotent replay.
    const firingBelow = settings.sizes[name][0] ?? 0;
    const make = makeJob(new Date(Date.now() + 365 * 86_400_000).toISOString(), firingBelow);
    const runId = Date.now().toString(36);
    const keyOf = (i: number) => seedKey(`scale-${runId}`, i);
    const firing: string[] = [];
    const onJob = (i: number, jobId: string) => {
      if (isFiring(i, firingBelow)) firing.push(jobId);
    };
    await sleep(3_000);
    const base = backend.storage();
    out.base = base;
    let seeded = 0;
    for (const size of settings.sizes[name]) {
      if (seeded >= size) continue;
      const t0 = Date.now();
      const deadlineMs = t0 + settings.seedBudgetMs;
      let single: SizeFigures['single'] = null;
      if (out.sizes.length === 0) {
        log('scale', `${name}: single-submit baseline (sequential POST /jobs, ${settings.singleMs / 1000} s)`);
        const s = await submitSequentially(
          backend,
          seeded,
          make,
          keyOf,
          settings.singleMs,
          Math.floor(size / 3),
          onJob,
        );
        single = { submitted: s.submitted, rate: s.rate };
        seeded += s.submitted;
        log('scale', `${name}: single submit ${s.submitted} jobs, ${s.rate.toFixed(1)}/s`);
      }
      // Later steps seed with the firing jobs paused: the seeding rate is that of jobs going to sleep.
      if (single === null) await setPaused(backend, firing, true);
      const db0 = backend.database ? { wal: backend.database.walBytes(), commits: backend.database.commits() } : null;
      const seededBefore = seeded;
      const bulk = await seedRange(backend, seeded, size, make, keyOf, {
        label: `${name} → ${size}`,
        batchSize: settings.batchSize,
        inFlight: settings.inFlight,
        deadlineMs,
        onJob,
        // The first step measures the API's bulk path against the single-submit baseline, as
        // fast as the API accepts; the workers catch up while the size settles. Later steps wait
        // for the workers.
        ...(single === null ? { gate: backlogGate(backend) } : {}),
      });
      seeded += bulk.seeded;
      const seedS = (Date.now() - t0) / 1000;
      const db1 = backend.database ? { wal: backend.database.walBytes(), commits: backend.database.commits() } : null;
      const seededNow = Math.max(1, seeded - seededBefore);
      const seedWalPerJob = db0 && db1 ? (db1.wal - db0.wal) / seededNow : null;
      const seedCommitsPerJob = db0 && db1 ? (db1.commits - db0.commits) / seededNow : null;
      const running = await countRunning(backend, seeded, smoke ? 30_000 : 120_000);
      log(
        'scale',
        `${name}: ${seeded} jobs seeded (${bulk.rate.toFixed(0)}/s through POST /jobs:batch), ${running} Running`,
      );
      const settledMs = await settle(backend, 5_000, smoke ? 60_000 : 900_000);
      if (single === null) await setPaused(backend, firing, false);
      log('scale', `${name}: settled after ${(settledMs / 1000).toFixed(0)} s`);
      const storageRunning = backend.storage();
      const rssSeeded = workerRss(backend);
      const listed = await listLatencies(backend, settings.listCalls, LIST_PACE_MS);
      const list = distribution(listed.latencies);
      const listBackToBack = distribution((await listLatencies(backend, 30, 0)).latencies);
      log('scale', `${name}: GET /jobs p50 ${formatMs(list.p50)}, p99 ${formatMs(list.p99)}`);
      const firingFigures = await firingWindow(backend, firing, settings.windowMin, smoke ? 20_000 : 45_000);
      log(
        'scale',
        `${name}: fire lag p50 ${formatMs(firingFigures.lag.p50)} p99 ${formatMs(firingFigures.lag.p99)}, missed ${firingFigures.missed}/${firingFigures.expected}; restarting`,
      );
      const { atRest, restartS } = await backend.restart();
      const firstPage = await listLatencies(backend, 1, 0);
      const listAfterRestart = distribution((await listLatencies(backend, 10, LIST_PACE_MS)).latencies);
      await sleep(10_000);
      const rssRestarted = workerRss(backend);
      log('scale', `${name}: restart ${restartS.toFixed(1)} s, first page ${formatMs(firstPage.latencies[0] ?? NaN)}`);
      out.sizes.push({
        planned: size,
        seeded,
        running,
        seedS,
        bulkRate: bulk.rate,
        single,
        seedWalPerJob,
        seedCommitsPerJob,
        storageRunning,
        storageAtRest: atRest,
        rssSeeded,
        rssRestarted,
        list,
        listBackToBack,
        listRows: listed.rows,
        firing: firingFigures,
        restartS,
        firstPageMs: firstPage.latencies[0] ?? Number.NaN,
        listAfterRestart,
      });
      if (seeded < size) {
        log('scale', `${name}: seeding budget reached at ${seeded} of ${size} jobs: no larger size`);
        break;
      }
    }
  } finally {
    await backend.stop();
  }
}

/** `1.23×`, or `n/a`. */
function times(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a';
}

/** The scale goals of one backend: flat cost per job, list latency, bulk submission. */
function backendGoals(
  name: string,
  sizes: SizeFigures[],
  base: StorageFigures,
  smoke: boolean,
  cachedJobs: number,
): GoalCheck[] {
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  if (!first || !last) {
    return [{ goal: `${name}: the scale goals`, measured: 'no size finished', met: null }];
  }
  const n = (v: number) => v.toLocaleString('en-US');
  const decided = !smoke && sizes.length >= 2;
  const sizeNote = smoke
    ? ' (smoke sizes; the goal is at ≥ 300,000)'
    : last.seeded < 300_000
      ? ' (largest < 300,000)'
      : '';
  const perJob = (f: SizeFigures) => (f.storageAtRest.total - base.total) / f.seeded;
  const storageRatio = ratio(perJob(last), perJob(first));
  // Workers cache at most `cachedJobs` workflows in all: below that, their memory still grows with the jobs.
  const full = sizes.find((f) => f.seeded >= cachedJobs) ?? first;
  const rssRatio = ratio(last.rssSeeded, full.rssSeeded);
  const goals: GoalCheck[] = [
    {
      goal: `${name}: storage per job at the largest size within 1.2× of the smallest`,
      measured: `${perJob(first).toFixed(0)} B at ${n(first.seeded)} → ${perJob(last).toFixed(0)} B at ${n(last.seeded)} (${times(storageRatio)}, at rest)${sizeNote}`,
      met: decided ? storageRatio <= 1.2 : null,
    },
    {
      goal: `${name}: worker RSS at the largest size within 1.2× of the smallest size with full workflow caches (${n(cachedJobs)} jobs)`,
      measured: `${(full.rssSeeded / MiB).toFixed(0)} MiB at ${n(full.seeded)} → ${(last.rssSeeded / MiB).toFixed(0)} MiB at ${n(last.seeded)} (${times(rssRatio)}, after seeding)${sizeNote}`,
      met: decided && full !== last ? rssRatio <= 1.2 : null,
    },
    {
      goal: `${name}: GET /jobs p99 (limit=50, status and user filter) ≤ 300 ms at the largest size`,
      measured: `${formatMs(last.list.p99)} at ${n(last.seeded)} jobs (${last.list.count} calls, ${1000 / LIST_PACE_MS}/s; back to back ${formatMs(last.listBackToBack.p99)})${sizeNote}`,
      met: smoke ? null : last.list.p99 <= 300,
    },
  ];
  const single = first.single;
  if (single) {
    const r = ratio(first.bulkRate, single.rate);
    goals.push({
      goal: `${name}: bulk submission (POST /jobs:batch) ≥ 3× the single-submit rate (sequential POST /jobs)`,
      measured: `${first.bulkRate.toFixed(0)} vs ${single.rate.toFixed(0)} jobs/s (${times(r)}) at the smallest size`,
      met: Number.isFinite(r) ? r >= 3 : null,
    });
  }
  return goals;
}

/** The `scale` benchmark (see the module comment); run by bench/run.ts. */
export const scale: Benchmark = {
  name: 'scale',
  title: 'Scale of sleeping jobs',
  description:
    'One growing set of jobs per backend, (a) the embedded dev server on its SQLite file (what `npm start` gives) and ' +
    '(b) the Temporal server built from its Go module with several history shards on PostgreSQL (the cluster test ' +
    'suite’s). 1 % of the smallest size are cron jobs firing every minute (`* * * * *`), the same ones at every size, ' +
    'running `bench.record`; every other job is a one-time job due in a year. Jobs are seeded through `POST /jobs:batch` (batches of 1,000, a few in flight, an ' +
    '`idempotency_key` per item); at the smallest size a sequential `POST /jobs` baseline runs first. At each size: ' +
    'jobs Running (visibility count), storage bytes per job (SQLite: temporal.db with -wal/-shm; PostgreSQL: ' +
    '`pg_database_size` of `temporal` and `temporal_visibility`, and the largest tables), worker RSS, `GET /jobs` ' +
    'p50/p99 with a status and user filter, fire lag and missed occurrences of the firing jobs over a window of whole ' +
    'minutes, then the restart of the whole stack on the same database (storage at rest, time until all ready, the ' +
    'first page after it).',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const settings = scaleSettings(smoke);
    const defaultCache = loadConfig({}).WORKER_MAX_CACHED_WORKFLOWS;
    const cache = ctx.workerEnv.WORKER_MAX_CACHED_WORKFLOWS ?? `${defaultCache} (default)`;
    const cacheSize = Number(ctx.workerEnv.WORKER_MAX_CACHED_WORKFLOWS ?? defaultCache);
    /** Sections, goals and notes of each backend (`<backend>: …`), this run's or kept from the previous result. */
    const parts = new Map<ScaleBackendName, { sections: Section[]; goals: GoalCheck[]; notes: string[] }>();
    const ran: string[] = [];
    for (const name of settings.backends) {
      const part = { sections: [] as Section[], goals: [] as GoalCheck[], notes: [] as string[] };
      parts.set(name, part);
      const out: { describe: string; base: StorageFigures | null; sizes: SizeFigures[] } = {
        describe: name,
        base: null,
        sizes: [],
      };
      log('scale', `${name}: sizes ${settings.sizes[name].join(' → ')}`);
      try {
        await runBackend(ctx, settings, name, out);
      } catch (err) {
        console.error(`[scale] ${name} failed: ${(err as Error).stack ?? err}`);
        part.notes.push(`${name}: FAILED after ${out.sizes.length} size(s): ${(err as Error).message.split('\n')[0]}`);
      }
      const base = out.base;
      if (base === null || out.sizes.length === 0) continue;
      ran.push(`${name} ${out.sizes.map((f) => f.seeded.toLocaleString('en-US')).join(' → ')}`);
      out.sizes.forEach((f, k) => {
        part.sections.push({
          title: `${name}: ${f.seeded.toLocaleString('en-US')} jobs (size ${f.planned.toLocaleString('en-US')}) on the ${out.describe}, ${ctx.workers} worker(s)`,
          repeats: 1,
          metrics: sizeMetrics(f, base, out.sizes[k - 1] ?? null, cache),
        });
      });
      part.goals.push(...backendGoals(name, out.sizes, base, smoke, ctx.workers * cacheSize));
      const short = out.sizes.filter((f) => f.seeded < f.planned);
      if (short.length > 0) {
        part.notes.push(
          `${name}: the seeding budget (${settings.seedBudgetMs / 1000} s per size) stopped at ${short.map((f) => `${f.seeded.toLocaleString('en-US')} of ${f.planned.toLocaleString('en-US')}`).join(', ')}; the figures are for the jobs reached.`,
        );
      }
    }
    const kept: Record<string, string | number | boolean> = {};
    const previous = ctx.previous.get('scale');
    if (previous && previous.scale === ctx.scale) {
      for (const name of SCALE_BACKENDS.filter((b) => !settings.backends.includes(b))) {
        const mine = (text: string) => text.startsWith(`${name}: `);
        const sectionsKept = previous.sections.filter((sec) => mine(sec.title));
        if (sectionsKept.length === 0) continue;
        parts.set(name, {
          sections: sectionsKept,
          goals: previous.goals.filter((g) => mine(g.goal)),
          notes: [
            ...previous.notes.filter(mine),
            `${name}: figures kept from the run of ${previous.date} (\`${previous.command}\`, sizes ${previous.settings[`sizes.${name}`] ?? previous.settings.sizes ?? '?'}); this run measured ${settings.backends.join(', ')}.`,
          ],
        });
        kept[`sizes.${name}`] = previous.settings[`sizes.${name}`] ?? '?';
      }
    }
    const ordered = SCALE_BACKENDS.flatMap((b) => {
      const part = parts.get(b);
      return part ? [part] : [];
    });
    const sections = ordered.flatMap((p) => p.sections);
    const goals = ordered.flatMap((p) => p.goals);
    const notes = ordered.flatMap((p) => p.notes);
    notes.unshift(`Measured in this run: ${ran.join('; ') || 'nothing'} jobs.`);
    if (ran.length === 0) throw new Error(`no backend finished a size: ${notes.join('; ')}`);
    notes.push(
      `Each size is one run: the jobs of the previous size stay and the step adds the rest (seeding budget ${settings.seedBudgetMs / 1000} s per step, BENCH_SCALE_SEED_BUDGET_S). Storage per job is the growth since the empty store, divided by the jobs seeded.`,
      `GET /jobs is measured at ${1000 / LIST_PACE_MS} calls per second, and back to back. Temporal's frontend limits visibility calls per namespace and frontend (frontend.namespaceRPS.visibility, default 10 per second, shared by every API instance and user; refused calls are retried by the client after about 1–2 s); deploy/dynamicconfig.yaml, which the PostgreSQL server runs with, raises it to 100. The embedded dev server has no such limit.`,
      'PostgreSQL server: one process per role (frontend; history; matching with the internal worker service) on one config, so each role’s CPU is measured on its own. CPU per occurrence = the process’s CPU over the firing window ÷ the occurrences expected in it (the upkeep of the sleeping jobs included); WAL and commits from pg_current_wal_lsn and pg_stat_database.',
      `Sleeping jobs have the status \`pending\` (\`running\` means an occurrence is in progress), so the list measured is \`GET /jobs?${LIST_QUERY}\`: a page of the bench user’s sleeping jobs, the admin’s \`user_id\` filter and the status filter together; the user is the only one, so the filter matches every job.`,
      `Worker RSS: the sum over the ${ctx.workers} worker processes; each keeps at most WORKER_MAX_CACHED_WORKFLOWS=${cache} workflows in its sticky cache, so memory should stop growing once the caches are full. After the restart the caches are empty.`,
      `Firing: 1 job in ${FIRING_EVERY} of the smallest size fires at second 0 of every minute (all at once), the same jobs at every size, so the window shows whether sleeping jobs slow the firing ones; while a later size seeds they are paused (POST /jobs/{id}/pause), and resumed once it has settled; the window is ${settings.windowMin} whole minute(s) after the seeding, on the same stack. Missed = an occurrence of the window with no start within ${smoke ? 20 : 45} s after the window; lag = body start − scheduled time.`,
      `Seeding after the first step is gated by the workers (the first step measures the API's bulk path against the single-submit baseline, then settles): above ${BACKLOG_HIGH.toLocaleString('en-US')} workflow tasks waiting for a worker (Temporal's approximate backlog count of the task queue) it pauses until ${BACKLOG_LOW.toLocaleString('en-US')} are left, so the seeding rate is that of jobs that reach their sleep (first workflow task done, timer set), not only of starts the API accepted.`,
      'Before the storage, memory, list and firing figures of a size, the benchmark waits until no workflow task waits for a worker and the server and the workers use less than a quarter of a core (after a minute, a drained backlog is enough: the firing jobs keep the CPU busy), at most 15 minutes.',
      'Restart: API, workers and the Temporal server are stopped (PostgreSQL itself stays up, as a database server would) and started again on the same database; the time runs from the start of the new processes until all are ready, workers bundling the workflow code included.',
      `PostgreSQL is the cluster suite’s throw-away instance (fsync, synchronous_commit and full_page_writes off), with ${settings.shards} history shards: storage figures are those of the tables (pg_database_size, WAL excluded), its speed is an upper bound of a durable setup.`,
    );
    return {
      settings: {
        ...Object.fromEntries(settings.backends.map((b) => [`sizes.${b}`, settings.sizes[b].join('/')])),
        ...kept,
        backends: settings.backends.join(','),
        workers: ctx.workers,
        WORKER_MAX_CACHED_WORKFLOWS: cache,
        ...ctx.workerEnv,
        historyShardsPostgres: settings.shards,
        seedBudgetSPerSize: settings.seedBudgetMs / 1000,
        batch: `${settings.batchSize} × ${settings.inFlight} in flight`,
        singleSubmitS: settings.singleMs / 1000,
        firing: `1/${FIRING_EVERY} of the smallest size, cron * * * * *`,
        windowMin: settings.windowMin,
        listCalls: settings.listCalls,
        sqlite: ctx.sqlitePragmas.join(' ') || 'server defaults',
      },
      sections,
      goals,
      notes,
    };
  },
};
