/**
 * The production topology with real processes: a Temporal server built from its Go module, on a
 * local PostgreSQL with 8 history shards, set up by docker-compose.yml's own `temporal-schema` and
 * `temporal-setup` scripts; the API and two workers as separate Node processes
 * (src/api/main.ts, src/workers/main.ts); HTTP jobs calling a local sink that records every
 * request's Idempotency-Key.
 *
 * 200 jobs (170 one-time jobs spread over 85 s, 30 interval jobs every 5 s) are submitted through
 * the API; the Temporal server is killed with SIGKILL mid-run and started again, then one worker
 * is replaced. Every occurrence must run (one-time: one call each; periodic: contiguous scheduled
 * times, no misfires) and none twice (a key reaches the sink twice only when its attempt was in
 * flight at the kill), and the jobs must spread over every history shard.
 *
 * Then a second process runs only the history service on the same database: it takes shards from
 * the first; 40 jobs fire every 2 s; it is killed with SIGKILL and its shards move back. Ledgers
 * held against the sink: 0 lost, 0 phantom, no duplicate outside the kill, no misfire.
 *
 * Run with `npm run test:cluster` (scripts/cluster/run.sh builds the server first).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Child, startEntry, stopProcess, waitForOutput } from '../../src/dev/processes';
import { freePorts } from '../../src/free-ports';
import { account, formatFigures } from '../faults/lib/accounting';
import { apiKeysEnv } from '../helpers/api-keys';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { cleanEnv, E2E_CALLER, type Json } from '../helpers/e2e-stack';
import { waitFor } from '../helpers/wait';
import { type Postgres, startPostgres } from './postgres';
import {
  freeServerPorts,
  prepareNamespace,
  type ServerPorts,
  setupSchema,
  TemporalServer,
  writeServerConfig,
} from './temporal-server';

const SHARDS = 8;
const ONCE_JOBS = 170;
const PERIODIC_JOBS = 30;
const PERIOD_S = 5;
const NAMESPACE = 'default';
const RUN_ID = Date.now().toString(36);
const TASK_QUEUE = `cluster-${RUN_ID}`;

let baseDir: string;
let pg: Postgres | undefined;
let server: TemporalServer;
let serverPorts: ServerPorts;
let sink: Sink;
let apiUrl: string;
let childEnv: NodeJS.ProcessEnv;
const children: Child[] = [];

function log(message: string): void {
  console.log(`[cluster ${new Date().toISOString()}] ${message}`);
}

async function startWorker(identity: string): Promise<Child> {
  const worker = startEntry(identity, 'workers/main.ts', { ...childEnv, WORKER_IDENTITY: identity });
  children.push(worker);
  await waitForOutput(worker, /worker started/, 180_000);
  return worker;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${E2E_CALLER.key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T);
      }
    }),
  );
  return results;
}

function diagnostics(): string {
  return [server?.diagnostics() ?? '', ...children.map((c) => `----- ${c.name} -----\n${c.output.join('\n')}`)].join(
    '\n',
  );
}

beforeAll(async () => {
  const started = Date.now();
  baseDir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const [pgPort, apiPort] = (await freePorts(2)) as [number, number];
  pg = startPostgres(baseDir, pgPort);
  log(`PostgreSQL on 127.0.0.1:${pgPort}`);
  setupSchema(pg);
  log("schema set up by docker-compose.yml's temporal-schema script (temporal-sql-tool)");
  const ports = await freeServerPorts();
  serverPorts = ports;
  const configFile = writeServerConfig(baseDir, pg, ports, SHARDS);
  server = new TemporalServer(configFile, `127.0.0.1:${ports.frontend}`);
  await server.start();
  log(`Temporal server on ${server.address} (${SHARDS} history shards)`);
  await prepareNamespace(server.address, NAMESPACE);
  log("namespace and search attributes registered by docker-compose.yml's temporal-setup script");

  sink = await startSink();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  childEnv = {
    ...cleanEnv(),
    NO_PROXY: '127.0.0.1,localhost',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TASK_QUEUE,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    LOG_LEVEL: 'info',
    API_KEYS: apiKeysEnv([E2E_CALLER]),
    // The sink listens on loopback, which http jobs may not call by default (SSRF guard).
    HTTP_ALLOW_TARGETS: '127.0.0.1,::1',
    // 200 submissions in a few seconds: above the default per-user limit is fine here.
    RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '100000',
  };
  const apiChild = startEntry('api', 'api/main.ts', childEnv);
  children.push(apiChild);
  await Promise.all([
    startWorker('worker-a'),
    startWorker('worker-b'),
    waitForOutput(apiChild, /api listening/, 60_000),
  ]);
  log(`API and 2 workers up; setup took ${Math.round((Date.now() - started) / 1000)} s`);
}, 600_000);

afterAll(async () => {
  for (const child of [...children].reverse()) await stopProcess(child);
  await server?.stop();
  await sink?.close();
  try {
    pg?.stop();
  } finally {
    if (baseDir && !process.env.KEEP_CLUSTER_DIR) rmSync(baseDir, { recursive: true, force: true });
  }
});

describe('multi-shard Temporal server on PostgreSQL, API + 2 workers as processes', () => {
  test('200 jobs across shards: every occurrence runs once through a server kill -9 and a worker restart', async () => {
    let workerStoppedAt = 0;
    let killedAt = 0;
    try {
      const base = Math.ceil((Date.now() + 45_000) / 1000) * 1000;
      const iso = (ms: number) => new Date(ms).toISOString();
      const specs = [
        ...Array.from({ length: ONCE_JOBS }, (_, i) => ({
          kind: 'once' as const,
          at: base + (i % 85) * 1000,
          body: {
            name: `cluster once ${i}`,
            frequency: 'once',
            execution_time: iso(base + (i % 85) * 1000),
            payload: { type: 'http', method: 'POST', url: `${sink.url}/hook/once`, body: { i } },
          },
        })),
        ...Array.from({ length: PERIODIC_JOBS }, (_, i) => ({
          kind: 'periodic' as const,
          at: base,
          body: {
            name: `cluster periodic ${i}`,
            frequency: 'interval',
            every: `${PERIOD_S}s`,
            execution_time: iso(base),
            // A restart can delay a run past the next fire time: run that one right after, not skip it.
            overlap_policy: 'buffer_one',
            payload: { type: 'http', method: 'POST', url: `${sink.url}/hook/periodic`, body: { i } },
          },
        })),
      ];
      const submitStart = Date.now();
      const created = await pool(specs, 8, async (spec) => {
        const res = await api('POST', '/jobs', spec.body);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return { ...spec, id: res.body.job_id as string };
      });
      log(`submitted ${created.length} jobs in ${Date.now() - submitStart} ms; first occurrences at ${iso(base)}`);
      expect(Date.now()).toBeLessThan(base); // all submitted before the first occurrence

      // The Temporal server is killed (SIGKILL: no shutdown) 20 s into the run and started again.
      await waitFor(() => Date.now() >= base + 20_000, { timeoutMs: 120_000, intervalMs: 250, what: 'base + 20 s' });
      const callsBeforeRestart = sink.calls.length;
      killedAt = Date.now();
      await server.kill();
      log(`Temporal server killed with SIGKILL (${callsBeforeRestart} sink calls so far)`);
      await server.start();
      log(`Temporal server restarted: down for ${Date.now() - killedAt} ms`);

      // Then worker A is replaced by a new process (SIGTERM: it finishes running attempts first).
      await waitFor(() => Date.now() >= base + 50_000, { timeoutMs: 120_000, intervalMs: 250, what: 'base + 50 s' });
      const workerA = children.find((c) => c.name === 'worker-a') as Child;
      workerStoppedAt = Date.now();
      expect(await stopProcess(workerA)).toBe(0);
      await startWorker('worker-a2');
      log(`worker-a replaced by worker-a2 in ${Date.now() - workerStoppedAt} ms`);

      // Every one-time job calls the sink once.
      const onceJobs = created.filter((c) => c.kind === 'once');
      await waitFor(() => onceJobs.every((j) => sink.callsFor(j.id).length > 0), {
        timeoutMs: 180_000,
        intervalMs: 500,
        what: 'a sink call from every one-time job',
      });
      await waitFor(() => Date.now() >= base + 100_000, { timeoutMs: 120_000, intervalMs: 250, what: 'base + 100 s' });

      const periodicJobs = created.filter((c) => c.kind === 'periodic');
      const cancels = await pool(periodicJobs, 8, (j) => api('DELETE', `/jobs/${j.id}`));
      for (const res of cancels) expect([200, 202], JSON.stringify(res.body)).toContain(res.status);
      await waitFor(
        async () => {
          const states = await pool(periodicJobs, 8, async (j) => (await api('GET', `/jobs/${j.id}`)).body.status);
          return states.every((s) => s === 'cancelled');
        },
        { timeoutMs: 60_000, what: 'every periodic job cancelled' },
      );
      log(`periodic jobs cancelled; ${sink.calls.length} sink calls in all`);

      // Lost, phantom and duplicates, ledgers against the sink: a key may reach the sink twice only
      // when its attempt was in flight as the server was killed (its completion was never stored).
      const ledgers = new Map(
        await pool(
          created,
          8,
          async (j) => [j.id, (await api('GET', `/jobs/${j.id}/executions?limit=100`)).body.executions] as const,
        ),
      );
      const figures = account({ ledgers, calls: sink.calls, faultAtMs: killedAt });
      log(formatFigures('server kill -9 (multi-shard)', figures));
      expect(figures.lost).toEqual([]);
      expect(figures.phantom).toEqual([]);
      expect(figures.unexplainedDuplicates, 'keys delivered twice that were not in flight at the kill').toEqual([]);
      expect(sink.calls.every((c) => c.idempotencyKey !== null)).toBe(true);

      // Every one-time job ran for its own occurrence, and once (but for an attempt in flight at the kill).
      for (const job of onceJobs) {
        const keys = new Set(sink.callsFor(job.id).map((c) => c.idempotencyKey));
        expect([...keys]).toEqual([`${job.id}:${iso(job.at)}`]);
      }
      const onceStates = await pool(onceJobs, 8, async (j) => (await api('GET', `/jobs/${j.id}`)).body);
      for (const state of onceStates) {
        expect(state).toMatchObject({
          status: 'completed',
          counts: { succeeded: 1, failed: 0, skipped: 0, cancelled: 0 },
        });
      }

      // Every periodic occurrence from the first to the last handled one ends as exactly one ledger
      // entry (the ledger partitions the timeline, every 5 s); the ones that ran reached the sink once.
      const workers = new Set<string>();
      let onStoppedWorker = 0;
      let periodicRuns = 0;
      let periodicSkipped = 0;
      for (const job of periodicJobs) {
        const times = sink
          .callsFor(job.id)
          .map((c) => Date.parse((c.idempotencyKey as string).slice(job.id.length + 1)))
          .sort((a, b) => a - b);
        periodicRuns += times.length;
        expect(times[0]).toBe(base);
        // It ran until it was cancelled (at base + 100 s or later).
        expect(times.at(-1) as number).toBeGreaterThanOrEqual(base + 90_000);
        const ledger = ((await api('GET', `/jobs/${job.id}/executions?limit=100`)).body.executions as Json[])
          .slice()
          .reverse();
        const covered: number[] = [];
        const ran: number[] = [];
        for (const e of ledger) {
          const at = Date.parse(e.scheduled_time);
          for (let k = 0; k < (e.count ?? 1); k++) covered.push(at + k * PERIOD_S * 1000);
          if (e.status === 'succeeded') ran.push(at);
          if (e.status === 'skipped') {
            expect(e.reason, `${job.id} skipped ${e.scheduled_time}`).toBe('overlap');
            periodicSkipped += e.count ?? 1;
          }
          if (e.worker_id) workers.add(e.worker_id);
          if (e.worker_id === 'worker-a' && at > workerStoppedAt) onStoppedWorker++;
        }
        // Ledger entries are in the order they ended (a skip is recorded while an earlier run still goes).
        covered.sort((a, b) => a - b);
        ran.sort((a, b) => a - b);
        expect(covered).toEqual(covered.map((_, i) => base + i * PERIOD_S * 1000));
        // The sink saw exactly the occurrences that succeeded (plus, at most, the one cancelled mid-call).
        const distinct = [...new Set(times)];
        expect(distinct.slice(0, ran.length)).toEqual(ran);
        expect(distinct.length - ran.length).toBeLessThanOrEqual(1);
      }
      log(`periodic occurrences skipped by the overlap policy: ${periodicSkipped}`);
      log(`periodic occurrences run: ${periodicRuns}; workers that ran them: ${[...workers].sort().join(', ')}`);
      // Both original workers executed jobs; after worker-a stopped, its jobs ran elsewhere (every
      // occurrence above is accounted for). The new worker-a2 polls the task queue: it gets work
      // only when a workflow task reaches it, since activities are dispatched eagerly to the worker
      // that holds the workflow in its sticky cache (worker-b, after worker-a left).
      expect(workers.has('worker-a') && workers.has('worker-b')).toBe(true);
      expect(onStoppedWorker).toBe(0);
      const connection = await Connection.connect({ address: server.address });
      try {
        const described = await connection.workflowService.describeTaskQueue({
          namespace: NAMESPACE,
          taskQueue: { name: TASK_QUEUE },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        const pollers = (described.pollers ?? []).map((p) => p.identity);
        log(`activity pollers: ${pollers.join(', ')}`);
        expect(pollers).toContain('worker-a2');
        expect(pollers).toContain('worker-b');
      } finally {
        await connection.close();
      }

      // The jobs are spread over every history shard (the server's own executions table).
      const rows = (pg as Postgres)
        .sql('temporal', "SELECT shard_id, count(*) FROM executions WHERE workflow_id LIKE 'job_%' GROUP BY shard_id")
        .trim()
        .split('\n');
      const perShard = rows.map((r) => r.split('|').map(Number) as [number, number]);
      log(`workflows per shard: ${perShard.map(([s, n]) => `${s}:${n}`).join(' ')}`);
      expect(perShard).toHaveLength(SHARDS);
      expect(perShard.reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThanOrEqual(ONCE_JOBS + PERIODIC_JOBS);
      expect(server.generations).toHaveLength(2);
    } catch (err) {
      console.error(diagnostics());
      throw err;
    }
  });
  test('a second history process takes shards; killed with SIGKILL while jobs fire, its shards move back: 0 lost, 0 phantom', async () => {
    const shardRanges = () =>
      new Map(
        (pg as Postgres)
          .sql('temporal', 'SELECT shard_id, range_id FROM shards ORDER BY shard_id')
          .trim()
          .split('\n')
          .map((r) => r.split('|').map(Number) as [number, number]),
      );
    const moved = (before: Map<number, number>, after: Map<number, number>) =>
      [...after].filter(([shard, range]) => range > (before.get(shard) ?? range)).map(([shard]) => shard);

    // History process B: its own gRPC and membership ports, the same database and ring.
    const dirB = join(baseDir, 'history-b');
    mkdirSync(dirB);
    const fresh = await freeServerPorts();
    const configB = writeServerConfig(
      dirB,
      pg as Postgres,
      { ...serverPorts, history: fresh.history, historyMembership: fresh.historyMembership },
      SHARDS,
    );
    const historyB = new TemporalServer(configB, server.address, ['history']);
    const beforeB = shardRanges();
    await historyB.start();
    const takenByB = await waitFor(
      () => {
        const shards = moved(beforeB, shardRanges());
        return shards.length > 0 ? shards : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: 'history process B to own shards' },
    );
    log(`history process B owns shards ${takenByB.join(', ')}`);

    try {
      const base = Math.ceil((Date.now() + 15_000) / 1000) * 1000;
      const iso = (ms: number) => new Date(ms).toISOString();
      const jobs = await pool(
        Array.from({ length: 40 }, (_, i) => i),
        8,
        async (i) => {
          const res = await api('POST', '/jobs', {
            name: `cluster failover ${i}`,
            frequency: 'interval',
            every: '2s',
            execution_time: iso(base),
            overlap_policy: 'buffer_one',
            payload: { type: 'http', method: 'POST', url: `${sink.url}/hook/failover`, body: { i } },
          });
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          return res.body.job_id as string;
        },
      );
      await waitFor(() => Date.now() >= base + 15_000, { timeoutMs: 120_000, intervalMs: 250, what: 'base + 15 s' });
      const beforeKill = shardRanges();
      const killedAt = Date.now();
      await historyB.kill();
      log('history process B killed with SIGKILL');
      const returned = await waitFor(
        () => {
          const shards = moved(beforeKill, shardRanges());
          return takenByB.every((s) => shards.includes(s)) ? shards : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1_000, what: "B's shards to move back" },
      );
      const movedAfterS = (Date.now() - killedAt) / 1000;
      log(`B's shards moved back ${movedAfterS.toFixed(1)} s after the kill (shards ${returned.join(', ')})`);
      // Every job fires again after the move: the first occurrence due after it reaches the sink.
      const settledAt = Date.now();
      await waitFor(() => jobs.every((id) => sink.callsFor(id).some((c) => c.receivedAt > settledAt)), {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: 'every job firing after the shards moved',
      });
      const cancels = await pool(jobs, 8, (id) => api('DELETE', `/jobs/${id}`));
      for (const res of cancels) expect([200, 202], JSON.stringify(res.body)).toContain(res.status);
      await waitFor(
        async () =>
          (await pool(jobs, 8, async (id) => (await api('GET', `/jobs/${id}`)).body.status)).every(
            (st) => st === 'cancelled',
          ),
        { timeoutMs: 60_000, what: 'every job cancelled' },
      );
      const ledgers = new Map(
        await pool(
          jobs,
          8,
          async (id) => [id, (await api('GET', `/jobs/${id}/executions?limit=100`)).body.executions] as const,
        ),
      );
      const figures = account({
        ledgers,
        calls: sink.calls.filter((c) => c.path === '/hook/failover'),
        faultAtMs: killedAt,
      });
      log(formatFigures('history process kill -9', figures));
      expect(figures.ran).toBeGreaterThan(40 * 10);
      expect(figures.lost).toEqual([]);
      expect(figures.phantom).toEqual([]);
      expect(figures.unexplainedDuplicates).toEqual([]);
      // No occurrence was given up: the ledgers hold no misfire.
      for (const entries of ledgers.values()) {
        expect((entries as Json[]).filter((e) => e.reason === 'misfire')).toEqual([]);
      }
      // Occurrences due while B's shards had no owner ran late, then the jobs caught up: bounded by
      // the membership's failure detection and shard handover measured above, plus 30 s of margin.
      const lateness = sink.calls
        .filter((c) => c.path === '/hook/failover' && c.receivedAt > killedAt)
        .map((c) => c.receivedAt - Date.parse((c.idempotencyKey as string).split(':').slice(1).join(':')));
      const worstS = Math.max(...lateness) / 1000;
      log(`worst lateness after the kill: ${worstS.toFixed(1)} s`);
      expect(worstS).toBeLessThanOrEqual(movedAfterS + 30);
    } catch (err) {
      console.error(historyB.diagnostics());
      throw err;
    } finally {
      await historyB.kill();
    }
  });
});
