/**
 * kill -9 of the embedded Temporal server (SQLite file database), on the real stack: the server is
 * killed with SIGKILL, kept down for {@link OUTAGE_MS}, then started again on the same database
 * file and port; the worker and the API reconnect on their own. Every job calls the sink.
 * - Mid-burst: {@link BURST_JOBS} one-time jobs due at the same instant; the server is killed once a
 *   quarter of them has reached the sink. Every accepted job runs exactly once at the sink.
 * - Under load: {@link PERIODIC_JOBS} periodic http jobs (every 60 s, spread over the period) and
 *   one interval job per misfire policy (every 2 s; catch-up window 5 s, and one of 10 m). Judged:
 *   nothing lost, no phantom, no duplicate outside the attempts in flight at the kill; every
 *   periodic job runs again after the restart, its late occurrence within its 1 h window; each
 *   misfire policy does what it promises for the occurrences the outage made it miss.
 */
import { basename } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { DEFAULT_SQLITE_PRAGMAS, parseSqlitePragmas } from '../../src/config/schema';
import { parseDuration } from '../../src/domain/duration';
import { DEFAULT_FIRE_LEAD_MS } from '../../src/workflows/contract';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { type Stack, startStack } from '../helpers/e2e-stack';
import { sleep, waitFor } from '../helpers/wait';
import { account, formatFigures } from './lib/accounting';
import { jobOfKey, judge, mapConcurrent, scheduledOfKey, wallClock } from './lib/judge';
import { expectMisfireCase, misfireCases, submitMisfireJobs } from './lib/misfire-jobs';

/** How long the server stays down. */
const OUTAGE_MS = 20_000;
/** Periodic jobs of the load scenario. */
const PERIODIC_JOBS = 1_000;
const PERIODIC_EVERY_S = 60;
/** One-time jobs of the burst. */
const BURST_JOBS = 2_000;
const MISFIRE_EVERY = '2s';
const SHORT_WINDOW = '5s';
/**
 * Attempts dispatched before the kill are held in the worker until their fire time, at most the
 * fire lead later, and run then (the sink is up): the fault's in-flight window ends there.
 */
const IN_FLIGHT_MS = DEFAULT_FIRE_LEAD_MS + 1_000;

let stack: Stack;
let sink: Sink;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  sink = await startSink();
  stack = await startStack({
    cliPath,
    name: basename(__filename).replace(/\.faults\.ts$/, ''),
    // The database as `npm start` has it.
    sqlitePragmas: parseSqlitePragmas(DEFAULT_SQLITE_PRAGMAS),
    env: {
      RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '100000',
      RATE_LIMIT_WRITES_PER_MINUTE: '100000',
      RATE_LIMIT_READS_PER_MINUTE: '1000000',
      // The failed-login limit counts every request in flight from an address until it is answered:
      // 32 submissions at once would pass it.
      RATE_LIMIT_FAILED_LOGINS_PER_MINUTE: '100000',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

/** Submits `count` jobs through the API, 32 at a time; throws on the first refusal. */
async function submitMany(count: number, make: (i: number) => Record<string, unknown>): Promise<string[]> {
  return mapConcurrent(
    Array.from({ length: count }, (_, i) => i),
    32,
    async (i) => {
      const res = await stack.request('POST', '/jobs', make(i));
      if (res.status !== 201) throw new Error(`POST /jobs #${i}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.job_id as string;
    },
  );
}

/** Kills the server, keeps it down for {@link OUTAGE_MS}, starts it again. */
async function serverOutage(): Promise<{ downAt: number; upAt: number; answeringAt: number; probe: string }> {
  const downAt = await stack.killServer();
  // A submission while the server is down: refused as unavailable (503), never a 500.
  const probe = stack
    .request('POST', '/jobs', {
      name: 'during the outage',
      frequency: 'once',
      execution_time: new Date(Date.now() + 3_600_000).toISOString(),
      payload: { type: 'http', url: `${sink.url}/outage-probe` },
    })
    .then(
      (res) => `${res.status} ${res.body?.type ?? ''} retry-after ${res.status === 503 ? 'set' : 'n/a'}`,
      (err: Error) => `no answer: ${err.message}`,
    );
  await sleep(OUTAGE_MS);
  const upAt = Date.now();
  await stack.restartServer();
  return { downAt, upAt, answeringAt: Date.now(), probe: await probe };
}

test(`kill -9 of the server mid-burst of ${BURST_JOBS} one-time jobs`, async () => {
  const clock = wallClock('server kill mid-burst');
  // Due once they are all seeded (about 80 a second through the API on 2 cores).
  const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5_000 + BURST_JOBS * 12).toISOString();
  const burst = await submitMany(BURST_JOBS, (i) => ({
    name: `burst ${i}`,
    frequency: 'once',
    execution_time: dueAt,
    payload: { type: 'http', method: 'POST', url: `${sink.url}/burst`, body: { i } },
  }));
  const submittedAt = Date.now();
  console.log(
    `[faults] burst: ${burst.length} jobs accepted, ${((Date.parse(dueAt) - submittedAt) / 1000).toFixed(1)} s before they are due`,
  );
  const ids = new Set(burst);
  const burstCalls = () => sink.calls.filter((c) => ids.has(jobOfKey(c.idempotencyKey) ?? ''));
  const quarter = await waitFor(
    () => {
      const n = new Set(burstCalls().map((c) => c.idempotencyKey)).size;
      return n >= BURST_JOBS / 4 ? n : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, what: 'a quarter of the burst at the sink' },
  );

  const { downAt, upAt, probe } = await serverOutage();
  console.log(
    `[faults] burst: killed with ${quarter} of ${BURST_JOBS} at the sink; down ${((upAt - downAt) / 1000).toFixed(1)} s; POST /jobs → ${probe}`,
  );
  await waitFor(() => new Set(burstCalls().map((c) => c.idempotencyKey)).size >= BURST_JOBS, {
    timeoutMs: 240_000,
    intervalMs: 1_000,
    what: 'every burst job at the sink',
  });
  const doneAt = Date.now();
  console.log(
    `[faults] burst: all ${BURST_JOBS} at the sink ${((doneAt - Date.parse(dueAt)) / 1000).toFixed(1)} s after they were due`,
  );

  const { figures, ledgers, calls, readMs } = await judge({
    stack,
    sink,
    jobIds: burst,
    faultAtMs: downAt + IN_FLIGHT_MS,
    concurrency: 32,
  });
  console.log(formatFigures(`server kill -9 mid-burst of ${BURST_JOBS}`, figures));
  console.log(`[faults] burst: ${ledgers.size} ledgers read in ${(readMs / 1000).toFixed(1)} s`);
  expect(figures.lost).toEqual([]);
  expect(figures.phantom).toEqual([]);
  expect(figures.unexplainedDuplicates).toEqual([]);
  // Each accepted job: one succeeded entry, one key at the sink.
  const notOnce = burst.filter((id) => {
    const entries = ledgers.get(id) ?? [];
    const keys = new Set(calls.filter((c) => jobOfKey(c.idempotencyKey) === id).map((c) => c.idempotencyKey));
    return entries.length !== 1 || entries[0]?.status !== 'succeeded' || keys.size !== 1;
  });
  expect(notOnce).toEqual([]);
  clock.done();
});

test(`kill -9 of the server under ${PERIODIC_JOBS} periodic jobs and the misfire jobs`, async () => {
  const clock = wallClock('server kill under periodic load');
  const everyMs = PERIODIC_EVERY_S * 1000;
  const base = Math.ceil(Date.now() / 1000) * 1000 + 15_000;
  const anchor = (i: number) => base + (i % PERIODIC_EVERY_S) * 1000;
  const periodic = await submitMany(PERIODIC_JOBS, (i) => ({
    name: `periodic ${i}`,
    frequency: 'interval',
    every: `${PERIODIC_EVERY_S}s`,
    execution_time: new Date(anchor(i)).toISOString(),
    payload: { type: 'http', method: 'POST', url: `${sink.url}/periodic`, body: { i } },
  }));
  const seededAt = Date.now();
  const cases = misfireCases(SHORT_WINDOW, '10m');
  const misfire = await submitMisfireJobs(stack, sink.url, MISFIRE_EVERY, cases);
  console.log(
    `[faults] server kill: ${periodic.length} periodic jobs (seeded in ${((seededAt - base + 15_000) / 1000).toFixed(1)} s) and ${misfire.length} misfire jobs`,
  );
  /** The occurrences of periodic job `i` after the seeding and before `beforeMs`: each must run. */
  const due = (i: number, beforeMs: number) => {
    const keys: string[] = [];
    const from = Math.max(anchor(i), anchor(i) + Math.ceil((seededAt - anchor(i)) / everyMs) * everyMs);
    for (let t = from; t < beforeMs; t += everyMs) keys.push(`${periodic[i]}:${new Date(t).toISOString()}`);
    return keys;
  };

  // A third of the periodic jobs has fired: the load is steady.
  const ids = new Set(periodic);
  const fired = () => new Set(sink.calls.map((c) => jobOfKey(c.idempotencyKey)).filter((id) => ids.has(id ?? ''))).size;
  await waitFor(() => fired() >= PERIODIC_JOBS / 3, {
    timeoutMs: 120_000,
    intervalMs: 500,
    what: 'a third of the periodic jobs at the sink',
  });

  const firedBefore = fired();
  const { downAt, upAt, answeringAt, probe } = await serverOutage();
  console.log(
    `[faults] server kill: killed with ${firedBefore} periodic jobs fired; down ${((upAt - downAt) / 1000).toFixed(1)} s; during it POST /jobs → ${probe}`,
  );
  expect(probe).toMatch(/^503 \/problems\/temporal-unavailable/);

  // Every occurrence due until 15 s after the restart reaches the sink (those of the outage late:
  // their window is 1 h); the misfire jobs run on past that instant.
  const judgedUntil = answeringAt + 15_000;
  const expected = periodic.flatMap((_, i) => due(i, judgedUntil));
  await waitFor(
    () => {
      const arrived = new Set(sink.calls.map((c) => c.idempotencyKey));
      return (
        expected.every((k) => arrived.has(k)) &&
        misfire.every((id) => sink.callsFor(id).some((c) => scheduledOfKey(c.idempotencyKey) >= judgedUntil))
      );
    },
    {
      timeoutMs: 180_000,
      intervalMs: 1_000,
      what: `the ${expected.length} periodic occurrences due until restart + 15 s at the sink`,
    },
  );
  const firstBack = Math.min(...sink.calls.map((c) => c.receivedAt).filter((t) => t > downAt + IN_FLIGHT_MS));
  console.log(
    `[faults] server kill: first arrival ${((firstBack - upAt) / 1000).toFixed(1)} s after the restart began; ` +
      `the ${expected.length} periodic occurrences due until restart + 15 s all arrived ${((Date.now() - judgedUntil) / 1000).toFixed(1)} s after that instant`,
  );

  const faultAtMs = downAt + IN_FLIGHT_MS;
  const all = await judge({ stack, sink, jobIds: [...periodic, ...misfire], faultAtMs, cutoffMs: judgedUntil });
  const load = new Map(periodic.map((id) => [id, all.judged.get(id) ?? []]));
  console.log(
    formatFigures(
      `server kill -9, ${PERIODIC_JOBS} periodic jobs`,
      account({ ledgers: load, calls: all.calls, faultAtMs }),
    ),
  );
  console.log(formatFigures('server kill -9, all jobs (periodic + misfire)', all.figures));
  console.log(`[faults] server kill: ${all.ledgers.size} ledgers read in ${(all.readMs / 1000).toFixed(1)} s`);
  expect(all.figures.lost).toEqual([]);
  expect(all.figures.phantom).toEqual([]);
  expect(all.figures.unexplainedDuplicates).toEqual([]);

  // Periodic jobs (window 1 h): every occurrence due ran, nothing skipped.
  const notRun = periodic.flatMap((id, i) => {
    const ran = new Set((load.get(id) ?? []).filter((e) => e.status === 'succeeded').map((e) => e.execution_id));
    const others = (load.get(id) ?? []).filter((e) => e.status !== 'succeeded');
    return [
      ...due(i, judgedUntil).filter((k) => !ran.has(k)),
      ...others.map((e) => `${e.execution_id} ${e.status} ${e.reason ?? ''}`),
    ];
  });
  expect(notRun).toEqual([]);

  cases.forEach((c, k) => {
    const id = misfire[k] as string;
    expectMisfireCase(
      c,
      all.judged.get(id) ?? [],
      sink.callsFor(id),
      parseDuration(MISFIRE_EVERY),
      { downAt, upAt, leadMs: DEFAULT_FIRE_LEAD_MS },
      parseDuration(SHORT_WINDOW),
    );
  });
  clock.done();
});
