/**
 * Execution service under faults, end to end: the real dev server, the API and two worker
 * processes (plus more started by the tests), a handler job from examples/ that checkpoints
 * every item and posts each item's side effect to a local sink keyed by
 * `<idempotency key>:<item>`.
 *
 * - kill -9 of the worker running the job: the attempt resumes on the other worker from the last
 *   checkpoint, every item's effect is applied exactly once, both attempts are recorded with
 *   their workers, GET /workers turns the killed worker unhealthy, and GET /job/executions shows
 *   the running attempt on its worker only while it runs.
 * - a worker limited to 2 concurrent executions, serving its own task queue (`queue`), never runs
 *   more than 2 of 10 due jobs at once.
 * - SIGTERM during a run: the attempt is handed back after the grace period and finishes on another
 *   worker, nothing lost or doubled.
 * - `run_as: local_activity`, kill -9 of the worker running the attempt (and the job's workflow
 *   task): the occurrence runs again from attempt 1 on another worker once the workflow task times
 *   out; every item's effect is applied once (the receiver drops the redone ones by key).
 * Failover time and items redone are printed (benchmarks, not assertions).
 */
import { basename } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { stopProcess } from '../../src/dev/processes';
import { type Sink, type SinkCall, startSink } from '../helpers/e2e-sink';
import { E2E_CALLER, type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { waitFor } from '../helpers/wait';

const USER = E2E_CALLER.user_id;
const ITEMS = 30;
const ITEM_MS = 200;

let stack: Stack;
let sink: Sink;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  sink = await startSink();
  stack = await startStack({
    cliPath,
    name: basename(__filename)
      .replace(/\.test\.ts$/, '')
      .replace(/\./g, '-'),
    workers: 2,
    workerEnv: { HANDLER_MODULES: 'examples/process-items.ts', WORKER_HEARTBEAT_INTERVAL: '1s', SHUTDOWN_GRACE: '1s' },
  });
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

/** Submits a one-time job due now that processes `count` items (2 s heartbeat timeout). */
async function submitItemsJob(name: string, count: number): Promise<string> {
  const res = await stack.request('POST', '/jobs', {
    name,
    frequency: 'once',
    execution_time: new Date().toISOString(),
    heartbeat_timeout: '2s',
    timeout: '2m',
    retry: { max_retries: 5, initial_interval: '500ms', backoff_coefficient: 1 },
    payload: {
      type: 'handler',
      name: 'examples.process-items',
      args: { count, item_ms: ITEM_MS, sink_url: `${sink.url}/items` },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.job_id as string;
}

/** The item number of a sink call of an items job (`<job_id>:<scheduled>:<item>`). */
function itemOf(call: SinkCall): number {
  return Number(call.idempotencyKey?.split(':').at(-1));
}

/** Asserts that items 0..count-1 each had their effect applied exactly once; returns the redone items. */
function expectEachItemOnce(jobId: string, count: number): number[] {
  const calls = sink.callsFor(jobId);
  const applied = calls.filter((c) => !c.duplicate).map(itemOf);
  expect([...applied].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  return calls.filter((c) => c.duplicate).map(itemOf);
}

async function runningOn(workerId: string): Promise<Json[]> {
  const res = await stack.request('GET', `/job/executions?worker_id=${encodeURIComponent(workerId)}`);
  expect(res.status).toBe(200);
  return res.body.executions as Json[];
}

async function workersById(): Promise<Map<string, Json>> {
  const res = await stack.request('GET', '/workers');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return new Map((res.body.workers as Json[]).map((w) => [w.worker_id as string, w]));
}

async function waitForJobEnd(jobId: string, timeoutMs = 90_000): Promise<Json> {
  return waitFor(
    async () => {
      const res = await stack.request('GET', `/jobs/${jobId}`);
      return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
    },
    { timeoutMs, what: `job ${jobId} to end\n${stack.diagnostics()}` },
  );
}

test('kill -9 of the worker running a job: resumes on the other worker from its checkpoint, each item once', async () => {
  const [first, second] = stack.workerIdentities as [string, string];
  const both = await waitFor(
    async () => {
      const workers = await workersById();
      return [first, second].every((id) => workers.get(id)?.status === 'healthy') ? workers : undefined;
    },
    { what: 'both workers healthy in GET /workers' },
  );
  expect(both.get(first)).toMatchObject({ task_queue: stack.taskQueue, capacity: 100, load: 0 });

  const jobId = await submitItemsJob('failover', ITEMS);
  // The worker running it, from GET /job/executions (the job's pending activity); the other one runs nothing.
  const victim = await waitFor(
    async () => {
      for (const id of [first, second]) {
        const rows = await runningOn(id);
        if (rows.length > 0) return { id, rows };
      }
      return undefined;
    },
    { what: 'the job running on a worker' },
  );
  const survivor = victim.id === first ? second : first;
  expect(victim.rows).toEqual([
    expect.objectContaining({ job_id: jobId, worker_id: victim.id, attempt: 1, status: 'running', user_id: USER }),
  ]);
  expect(await runningOn(survivor)).toEqual([]);

  await waitFor(() => sink.callsFor(jobId).length >= 10, { what: '10 items processed' });
  const victimChild = stack.workers[stack.workerIdentities.indexOf(victim.id)];
  const killedAt = Date.now();
  victimChild?.process.kill('SIGKILL');
  const itemsBeforeKill = sink.callsFor(jobId).length;

  // The killed worker stops heartbeating: unhealthy after 3 missed 1 s heartbeats.
  const unhealthy = await waitFor(
    async () => {
      const workers = await workersById();
      return workers.get(victim.id)?.status === 'unhealthy' ? workers : undefined;
    },
    { timeoutMs: 30_000, what: 'the killed worker unhealthy' },
  );
  expect(unhealthy.get(survivor)?.status).toBe('healthy');
  const unhealthyAfterMs = Date.now() - killedAt;

  const job = await waitForJobEnd(jobId);
  expect(job.status).toBe('completed');
  const redone = expectEachItemOnce(jobId, ITEMS);

  const executions = (await stack.request('GET', `/jobs/${jobId}/executions`)).body.executions as Json[];
  expect(executions).toHaveLength(1);
  const history = executions[0].attempt_history as Json[];
  expect(history.map((a) => [a.attempt, a.worker_id, a.status])).toEqual([
    [1, victim.id, 'worker_lost'],
    [2, survivor, 'succeeded'],
  ]);
  expect(executions[0]).toMatchObject({ status: 'succeeded', attempts: 2, worker_id: survivor });

  // Resumed from the last checkpoint, not from zero: the second attempt's first item is > 0.
  const resumed = sink
    .callsFor(jobId)
    .map((c) => JSON.parse(c.body) as { attempt: number; resumed_from: number; worker_id: string })
    .filter((b) => b.attempt === 2);
  expect(resumed.length).toBeGreaterThan(0);
  expect(resumed.every((b) => b.worker_id === survivor)).toBe(true);
  expect(resumed[0]?.resumed_from).toBeGreaterThan(0);

  // Nothing runs on either worker after the job ended; the finished attempts are listed by status.
  expect(await runningOn(survivor)).toEqual([]);
  expect(await runningOn(victim.id)).toEqual([]);
  const succeeded = await stack.request('GET', `/job/executions?worker_id=${survivor}&status=succeeded`);
  expect(succeeded.body.executions).toEqual([
    expect.objectContaining({ job_id: jobId, attempt: 2, status: 'succeeded' }),
  ]);
  const lost = await stack.request('GET', `/job/executions?worker_id=${victim.id}&status=worker_lost`);
  expect(lost.body.executions).toEqual([expect.objectContaining({ job_id: jobId, attempt: 1, status: 'worker_lost' })]);

  const failoverMs = Date.parse(history[1].started_at) - killedAt;
  // Recovery within heartbeat_timeout (2 s) + the retry interval (0.5 s) + 5 s of margin.
  expect(failoverMs).toBeLessThanOrEqual(2_000 + 500 + 5_000);
  console.log(
    `[e2e failover] kill -9 → resumed attempt start: ${failoverMs} ms (heartbeat_timeout 2s, retry 500ms); ` +
      `items before kill: ${itemsBeforeKill}, resumed from item ${resumed[0]?.resumed_from}, ` +
      `items redone: ${redone.length} (${redone.join(', ')}); killed worker unhealthy after ${unhealthyAfterMs} ms`,
  );
});

test('a worker limited to 2 concurrent executions runs at most 2 of 10 due jobs at once (queue routing)', async () => {
  const queue = `${stack.taskQueue}-limited`;
  const limitedId = `${stack.workerIdentity}-limited`;
  await stack.startWorker(limitedId, { TASK_QUEUE: queue, MAX_CONCURRENT_EXECUTIONS: '2' });
  const executionTime = new Date().toISOString();
  const jobIds = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const res = await stack.request('POST', '/jobs', {
        name: `limited-${i}`,
        frequency: 'once',
        execution_time: executionTime,
        queue,
        payload: { type: 'http', method: 'POST', url: `${sink.url}/delay/700/limited` },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.job_id as string;
    }),
  );
  const ended = await Promise.all(jobIds.map((id) => waitForJobEnd(id)));
  expect(ended.map((j) => j.status)).toEqual(Array(10).fill('completed'));
  expect(ended.map((j) => j.last_execution.worker_id)).toEqual(Array(10).fill(limitedId));
  const calls = sink.calls.filter((c) => c.path.endsWith('/limited'));
  expect(calls).toHaveLength(10);
  // Without the limit, the 10 due jobs' requests would overlap up to 10 deep.
  expect(Math.max(...calls.map((c) => c.inFlight))).toBeLessThanOrEqual(2);
  console.log(`[e2e concurrency] most requests in flight at once: ${Math.max(...calls.map((c) => c.inFlight))}`);
  const limited = await stack.request('GET', `/workers/${limitedId}?task_queue=${queue}`);
  expect(limited.body).toMatchObject({ worker_id: limitedId, task_queue: queue, capacity: 2, status: 'healthy' });
});

test('SIGTERM during a run: the attempt is handed back and finishes on another worker, nothing lost or doubled', async () => {
  const spareId = `${stack.workerIdentity}-spare`;
  await stack.startWorker(spareId);
  const jobId = await submitItemsJob('graceful', 20);
  const running = await waitFor(
    async () => {
      for (const id of stack.workerIdentities) {
        const rows = await runningOn(id);
        if (rows.some((r) => r.job_id === jobId)) return id;
      }
      return undefined;
    },
    { what: 'the job running on a worker' },
  );
  await waitFor(() => sink.callsFor(jobId).length >= 5, { what: '5 items processed' });
  const child = stack.workers[stack.workerIdentities.indexOf(running)];
  expect(child).toBeDefined();
  const exit = await stopProcess(child as NonNullable<typeof child>);
  expect(exit).toBe(0);

  const job = await waitForJobEnd(jobId);
  expect(job.status).toBe('completed');
  const redone = expectEachItemOnce(jobId, 20);
  const [execution] = (await stack.request('GET', `/jobs/${jobId}/executions`)).body.executions as Json[];
  const history = execution.attempt_history as Json[];
  // 15 items of 200 ms were left, more than the 1 s grace period: the attempt was handed back.
  expect(history.map((a) => [a.attempt, a.status])).toEqual([
    [1, 'failed'],
    [2, 'succeeded'],
  ]);
  expect(history[0]).toMatchObject({ worker_id: running, error: { type: 'WorkerShutdown', non_retryable: false } });
  expect(history[1].worker_id).not.toBe(running);
  console.log(`[e2e sigterm] attempts: ${history.length}, items redone: ${redone.length}`);
});

test('a long HTTP attempt heartbeats while it waits: a 4 s answer with a 1 s heartbeat timeout succeeds at once', async () => {
  const res = await stack.request('POST', '/jobs', {
    name: 'slow-http',
    frequency: 'once',
    execution_time: new Date().toISOString(),
    heartbeat_timeout: '1s',
    payload: { type: 'http', method: 'POST', url: `${sink.url}/delay/4000/slow`, timeout: '10s' },
  });
  expect(res.status).toBe(201);
  const job = await waitForJobEnd(res.body.job_id);
  expect(job.status).toBe('completed');
  expect(job.last_execution).toMatchObject({ status: 'succeeded', attempts: 1 });
  expect(sink.callsFor(res.body.job_id)).toHaveLength(1);
  const unknown = await stack.request('GET', '/workers/no-such-worker');
  expect(unknown.status).toBe(404);
});

/** Temporal's default workflow task timeout (ms): a local attempt's worker is presumed dead after it. */
const WORKFLOW_TASK_TIMEOUT_MS = 10_000;
/** Temporal's default sticky schedule-to-start timeout (ms): then the workflow task goes to any worker. */
const STICKY_TIMEOUT_MS = 5_000;
/** Margin of the failover bound: polling, process start-up, a loaded 2-core machine. */
const FAILOVER_MARGIN_MS = 5_000;

test('run_as local_activity: kill -9 of the worker running the attempt, the occurrence runs again on another worker, each item applied once', async () => {
  await stack.startWorker(`${stack.workerIdentity}-local-spare`);
  const res = await stack.request('POST', '/jobs', {
    name: 'local-failover',
    frequency: 'once',
    execution_time: new Date().toISOString(),
    run_as: 'local_activity',
    timeout: '10s',
    retry: { max_retries: 2, initial_interval: '200ms', backoff_coefficient: 1 },
    payload: {
      type: 'handler',
      name: 'examples.process-items',
      args: { count: 20, item_ms: ITEM_MS, sink_url: `${sink.url}/items` },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const jobId = res.body.job_id as string;
  const bodies = () =>
    sink.callsFor(jobId).map((c) => JSON.parse(c.body) as { item: number; attempt: number; worker_id: string });
  await waitFor(() => bodies().length >= 5, { what: '5 items processed' });
  const victim = bodies()[0]?.worker_id as string;
  const victimChild = stack.workers[stack.workerIdentities.indexOf(victim)];
  expect(victimChild).toBeDefined();
  const killedAt = Date.now();
  victimChild?.process.kill('SIGKILL');

  const job = await waitForJobEnd(jobId);
  expect(job.status).toBe('completed');
  const redone = expectEachItemOnce(jobId, 20);
  const rerun = bodies().filter((b) => b.worker_id !== victim);
  expect(rerun.length).toBeGreaterThan(0);
  const rerunAt = sink.callsFor(jobId).find((c) => JSON.parse(c.body).worker_id !== victim)?.receivedAt ?? 0;
  const failoverMs = rerunAt - ITEM_MS - killedAt;
  // Bound: the dead worker's workflow task times out, then waits out its sticky queue.
  expect(failoverMs).toBeLessThanOrEqual(WORKFLOW_TASK_TIMEOUT_MS + STICKY_TIMEOUT_MS + FAILOVER_MARGIN_MS);
  // The lost attempt left no record (a local activity has no heartbeat): the run starts again at attempt 1.
  const [execution] = (await stack.request('GET', `/jobs/${jobId}/executions`)).body.executions as Json[];
  expect(execution.attempt_history.map((a: Json) => [a.attempt, a.status])).toEqual([[1, 'succeeded']]);
  expect(execution.worker_id).not.toBe(victim);
  console.log(
    `[e2e local failover] kill -9 → first item of the re-run: ${failoverMs} ms; items redone: ${redone.length}`,
  );
});
