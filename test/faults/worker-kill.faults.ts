/**
 * kill -9 of a worker, on the real stack (embedded dev server, two worker processes, the API) and
 * under `npm start`, judged against the sink (test/faults/lib/accounting.ts).
 *
 * - One SIGKILL of the worker that runs a checkpointing handler job (examples/process-items.ts)
 *   while 30 periodic HTTP jobs (15 every second, 15 on a `*\/2` seconds cron; each request answered
 *   after 3 s) have requests in flight on both workers:
 *   (a) HTTP jobs: nothing lost, no phantom, duplicates only of the attempts in flight at the kill
 *       (same key); each attempt of the killed worker arrives again within heartbeat_timeout + 5 s.
 *   (b) the handler job: its killed attempt ends `worker_lost`, the next starts on the other worker
 *       within heartbeat_timeout + 5 s and resumes from its checkpoint; each item applied once.
 * - `npm start` (src/dev/main.ts): kill -9 of its worker, the launcher restarts it and a periodic
 *   HTTP job goes on, nothing lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type Child, startEntry, stopProcess, waitForOutput } from '../../src/dev/processes';
import type { ExecutionRecord } from '../../src/domain/job-state';
import { freePorts } from '../../src/free-ports';
import { type Sink, type SinkCall, startSink } from '../helpers/e2e-sink';
import { type ApiResponse, cleanEnv, type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { childPids, commandLine } from '../helpers/procfs';
import { sleep, waitFor } from '../helpers/wait';
import { account, formatFigures } from './lib/accounting';
import {
  type ApiClient,
  arrivalsByKey,
  callsOf,
  cancelJobs,
  readLedgers,
  runningOn,
  stopwatch,
  submitJob,
  waitForJobEnd,
} from './lib/jobs';

/** The jobs' heartbeat_timeout (the default), ms. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/**
 * Margin of the failover bounds: the retry's initial interval (1 s), the sticky workflow queue's
 * timeout, polling, and a 2-core machine shared with other test processes.
 */
const FAILOVER_MARGIN_MS = 5_000;
/** HTTP jobs of scenario (a), half interval, half cron. */
const HTTP_JOBS = 30;
/** How long the HTTP jobs run on after the kill (a stated period, not a wait for a condition). */
const RUN_AFTER_KILL_MS = 20_000;
const ITEMS = 80;
const ITEM_MS = 250;

let stack: Stack;
let sink: Sink;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  const done = stopwatch('kill -9 of a worker: stack start');
  sink = await startSink();
  stack = await startStack({
    cliPath,
    name: 'faults-worker-kill',
    workers: 2,
    workerEnv: { HANDLER_MODULES: 'examples/process-items.ts', WORKER_HEARTBEAT_INTERVAL: '1s' },
  });
  done();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

describe('kill -9 of one of two workers', () => {
  let httpJobs: string[] = [];
  let itemsJob = '';
  let victim = '';
  let survivor = '';
  let killedAt = 0;
  let ledgers = new Map<string, ExecutionRecord[]>();
  let itemsExecution: Json;

  beforeAll(async () => {
    const done = stopwatch('kill -9 of a worker: jobs and kill');
    const [first, second] = stack.workerIdentities as [string, string];
    const url = `${sink.url}/delay/3000/http`;
    httpJobs = await Promise.all(
      Array.from({ length: HTTP_JOBS }, (_, i) =>
        submitJob(stack, {
          name: `kill-http-${i}`,
          ...(i % 2 === 0 ? { frequency: 'interval', every: '1s' } : { frequency: 'cron', cron: '*/2 * * * * *' }),
          payload: { type: 'http', method: 'POST', url, body: { i }, timeout: '10s' },
        }),
      ),
    );
    itemsJob = await submitJob(stack, {
      name: 'kill-items',
      frequency: 'once',
      execution_time: new Date().toISOString(),
      timeout: '5m',
      retry: { max_retries: 5, initial_interval: '500ms', backoff_coefficient: 1 },
      payload: {
        type: 'handler',
        name: 'examples.process-items',
        args: { count: ITEMS, item_ms: ITEM_MS, sink_url: `${sink.url}/items` },
      },
    });
    // The victim is the worker running the handler job; it must also hold HTTP attempts, and requests
    // must be in flight at the sink.
    victim = await waitFor(
      async () => {
        for (const id of [first, second]) {
          if ((await runningOn(stack, id)).some((r) => r.job_id === itemsJob)) return id;
        }
        return undefined;
      },
      { timeoutMs: 60_000, what: 'the handler job running on a worker' },
    );
    survivor = victim === first ? second : first;
    await waitFor(
      async () => {
        if (sink.callsFor(itemsJob).length < 8) return false;
        const http = (await runningOn(stack, victim)).filter((r) => httpJobs.includes(r.job_id));
        const inFlight = callsOf(sink.calls, httpJobs).filter((c) => c.receivedAt > Date.now() - 2_500);
        return http.length >= 3 && inFlight.length >= 5;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: '8 items done, HTTP attempts on the victim and requests in flight' },
    );
    const victimChild = stack.workers[stack.workerIdentities.indexOf(victim)] as Child;
    killedAt = Date.now();
    victimChild.process.kill('SIGKILL');
    expect(await victimChild.exited).toBe('SIGKILL');
    // The HTTP jobs run on for a stated period; the handler job runs to its end.
    await sleep(RUN_AFTER_KILL_MS);
    const items = await waitForJobEnd(stack, itemsJob, 120_000);
    expect(items.status).toBe('completed');
    await cancelJobs(stack, httpJobs);
    ledgers = await readLedgers(stack, httpJobs);
    [itemsExecution] = (await stack.request('GET', `/jobs/${itemsJob}/executions`)).body.executions as Json[];
    done();
  });

  test('(a) HTTP jobs: nothing lost, no phantom, duplicates only in flight at the kill, redelivered within heartbeat_timeout + 5 s', () => {
    const calls = callsOf(sink.calls, httpJobs);
    const figures = account({ ledgers, calls, faultAtMs: killedAt });
    console.log(formatFigures('kill -9 of a worker during HTTP jobs', figures));
    expect(figures.ran).toBeGreaterThan(HTTP_JOBS);
    expect(figures.lost).toEqual([]);
    expect(figures.phantom).toEqual([]);
    expect(figures.unexplainedDuplicates).toEqual([]);

    // The killed worker's attempts: recorded `worker_lost` (by it, or with no worker when it died
    // before it could record itself), then run again on the survivor.
    const arrivals = arrivalsByKey(calls);
    const lostEntries = [...ledgers.values()]
      .flat()
      .filter((e) =>
        (e.attempt_history ?? []).some(
          (a) => a.status === 'worker_lost' && (a.worker_id === victim || a.worker_id === null),
        ),
      );
    expect(lostEntries.length, 'attempts of the killed worker').toBeGreaterThan(0);
    const recoveries = lostEntries.map((e) => {
      expect(e.status, JSON.stringify(e)).toBe('succeeded');
      expect(e.worker_id).toBe(survivor);
      const again = (arrivals.get(e.execution_id) ?? []).find((t) => t > killedAt);
      expect(again, `${e.execution_id} arrived after the kill`).toBeDefined();
      return (again as number) - killedAt;
    });
    // Every duplicate is one of those attempts (the key arrived before the kill and again after it).
    const lostKeys = new Set(lostEntries.map((e) => e.execution_id));
    expect(figures.duplicates.filter((k) => !lostKeys.has(k))).toEqual([]);
    const worst = Math.max(...recoveries);
    console.log(
      `[faults] kill -9 of a worker during HTTP jobs: ${lostEntries.length} attempts of the killed worker ` +
        `(${figures.duplicates.length} had reached the sink), redelivered ${(Math.min(...recoveries) / 1000).toFixed(1)}–` +
        `${(worst / 1000).toFixed(1)} s after the kill (bound ${(HEARTBEAT_TIMEOUT_MS + FAILOVER_MARGIN_MS) / 1000} s)`,
    );
    expect(worst).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + FAILOVER_MARGIN_MS);
  });

  test('(b) checkpointing handler job: worker_lost, resumed on the other worker from its checkpoint, each item once', () => {
    const history = itemsExecution.attempt_history as Json[];
    expect(history.map((a) => [a.attempt, a.worker_id, a.status])).toEqual([
      [1, victim, 'worker_lost'],
      [2, survivor, 'succeeded'],
    ]);
    expect(itemsExecution).toMatchObject({ status: 'succeeded', attempts: 2, worker_id: survivor });
    const failoverMs = Date.parse(history[1].started_at) - killedAt;

    // Each item's effect applied exactly once (the sink drops a redone item by its key).
    const calls = sink.callsFor(itemsJob);
    const itemOf = (c: SinkCall) => Number(c.idempotencyKey?.split(':').at(-1));
    expect(
      calls
        .filter((c) => !c.duplicate)
        .map(itemOf)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    const redone = calls.filter((c) => c.duplicate).map(itemOf);
    // Resumed from the last checkpoint that reached the server, not from item 0.
    const resumed = calls
      .map((c) => JSON.parse(c.body) as { attempt: number; resumed_from: number; worker_id: string })
      .filter((b) => b.attempt === 2);
    expect(resumed.every((b) => b.worker_id === survivor)).toBe(true);
    expect(resumed[0]?.resumed_from).toBeGreaterThan(0);
    const itemsBeforeKill = calls.filter((c) => c.receivedAt <= killedAt).length;
    console.log(
      `[faults] kill -9 of a worker during a checkpointing handler job: ${itemsBeforeKill} items before the kill, ` +
        `resumed from item ${resumed[0]?.resumed_from} on the other worker ${(failoverMs / 1000).toFixed(1)} s after it ` +
        `(bound ${(HEARTBEAT_TIMEOUT_MS + FAILOVER_MARGIN_MS) / 1000} s), items redone ${redone.length}, applied twice 0`,
    );
    expect(failoverMs).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + FAILOVER_MARGIN_MS);
    // Checkpoints go out at most once a second (maxHeartbeatThrottleInterval): about 1 s of items is
    // redone; 2 s of items is the margin on a loaded machine.
    expect(redone.length).toBeLessThanOrEqual(Math.ceil(2_000 / ITEM_MS));
  });
});

/** An API client for a URL and key, shaped like {@link Stack.request}. */
function apiAt(url: string, key: string): ApiClient {
  return {
    async request<T = Json>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      return {
        status: response.status,
        contentType,
        location: response.headers.get('location'),
        body: (/json/.test(contentType) && text.length > 0 ? JSON.parse(text) : text) as T,
      };
    },
  };
}

test('npm start: kill -9 of its worker, the launcher restarts it and a periodic job goes on, nothing lost', async () => {
  const done = stopwatch('kill -9 of the npm start worker');
  const [apiPort] = (await freePorts(1)) as [number];
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-dev-start-'));
  let dev: Child | undefined;
  try {
    // Against the stack's Temporal server (TEMPORAL_ADDRESS): the launcher runs a worker and the API.
    dev = startEntry('dev', 'dev/main.ts', {
      ...cleanEnv(),
      NO_PROXY: '127.0.0.1,localhost',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TASK_QUEUE: `faults-dev-start-${process.pid}-${Date.now().toString(36)}`,
      DATA_DIR: dataDir,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      LOG_LEVEL: 'info',
      HTTP_ALLOW_TARGETS: '127.0.0.1',
    });
    const line = await waitForOutput(dev, /API key\s+sk_/, 180_000);
    const key = /(sk_[A-Za-z0-9_-]{43})/.exec(line)?.[1] as string;
    await waitForOutput(dev, /Press Ctrl-C/, 60_000);
    const api = apiAt(`http://127.0.0.1:${apiPort}`, key);
    const jobId = await submitJob(api, {
      name: 'dev-start-kill',
      frequency: 'interval',
      every: '1s',
      payload: { type: 'http', method: 'POST', url: `${sink.url}/delay/1500/dev-start`, timeout: '10s' },
    });
    // Kill while a request is in flight.
    await waitFor(
      () => {
        const calls = sink.callsFor(jobId);
        return calls.length >= 3 && (calls.at(-1)?.receivedAt ?? 0) > Date.now() - 1_000;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the job running, a request in flight' },
    );
    const workerPid = childPids(dev.process.pid ?? 0).find((pid) => commandLine(pid).includes('workers/main.ts'));
    expect(workerPid).toBeDefined();
    const killedAt = Date.now();
    process.kill(workerPid as number, 'SIGKILL');
    await waitForOutput(dev, /worker exited unexpectedly \(SIGKILL\); restarting it/, 30_000);
    await waitForOutput(dev, /worker restarted \(pid \d+\)/, 120_000);
    const restartedAt = Date.now();
    // Goes on: three occurrences not seen before the kill arrive after the restart.
    const seenBefore = new Set(
      sink
        .callsFor(jobId)
        .filter((c) => c.receivedAt <= killedAt)
        .map((c) => c.idempotencyKey),
    );
    await waitFor(
      () =>
        sink.callsFor(jobId).filter((c) => c.receivedAt > restartedAt && !seenBefore.has(c.idempotencyKey)).length >= 3,
      { timeoutMs: 60_000, what: 'three new occurrences after the restart' },
    );
    expect(dev.process.exitCode).toBeNull();
    await cancelJobs(api, [jobId]);
    const ledgers = await readLedgers(api, [jobId]);
    const figures = account({ ledgers, calls: sink.callsFor(jobId), faultAtMs: killedAt });
    console.log(formatFigures('kill -9 of the npm start worker', figures));
    console.log(
      `[faults] kill -9 of the npm start worker: restarted ${((restartedAt - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    expect(figures.lost).toEqual([]);
    expect(figures.phantom).toEqual([]);
    expect(figures.unexplainedDuplicates).toEqual([]);
    expect(figures.recoveryMs).not.toBeNull();
    expect(await stopProcess(dev)).toBe(0);
  } finally {
    if (dev) await stopProcess(dev);
    rmSync(dataDir, { recursive: true, force: true });
    done();
  }
}, 400_000);
