/**
 * A real outage of every worker, longer than the catch-up window, on the real stack: both worker
 * processes are killed with SIGKILL while the Temporal server and the API stay up, kept down for
 * {@link OUTAGE_MS} (the jobs' window is 5 s), then one worker is started again. One interval http
 * job per misfire policy (every second) calls the sink. Judged: nothing lost, no phantom, no
 * duplicate outside the attempts in flight at the kill; each misfire policy does what it promises
 * for the occurrences the outage made it miss, and a job whose window is longer than the outage
 * runs them late instead.
 */
import { basename } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { DEFAULT_SQLITE_PRAGMAS, parseSqlitePragmas } from '../../src/config/schema';
import { parseDuration } from '../../src/domain/duration';
import { DEFAULT_FIRE_LEAD_MS } from '../../src/workflows/contract';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { type Stack, startStack } from '../helpers/e2e-stack';
import { sleep, waitFor } from '../helpers/wait';
import { formatFigures } from './lib/accounting';
import { judge, scheduledOfKey, wallClock } from './lib/judge';
import { expectMisfireCase, misfireCases, submitMisfireJobs } from './lib/misfire-jobs';

/** How long no worker runs (from the kill to the new worker's start; its startup comes on top). */
const OUTAGE_MS = 12_000;
const EVERY = '1s';
const SHORT_WINDOW = '5s';

let stack: Stack;
let sink: Sink;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  sink = await startSink();
  stack = await startStack({
    cliPath,
    name: basename(__filename).replace(/\.faults\.ts$/, ''),
    workers: 2,
    // The database as `npm start` has it.
    sqlitePragmas: parseSqlitePragmas(DEFAULT_SQLITE_PRAGMAS),
  });
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

test('every worker down longer than the catch-up window: each misfire policy', async () => {
  const clock = wallClock('worker outage');
  const cases = misfireCases(SHORT_WINDOW, '10m');
  const ids = await submitMisfireJobs(stack, sink.url, EVERY, cases);
  await waitFor(() => ids.every((id) => sink.callsFor(id).length >= 3), {
    timeoutMs: 60_000,
    what: 'every misfire job at the sink 3 times',
  });

  const downAt = Date.now();
  for (const worker of stack.workers) worker.process.kill('SIGKILL');
  await Promise.all(stack.workers.map((w) => w.exited));
  await sleep(OUTAGE_MS);
  const upAt = Date.now();
  await stack.startWorker(`${stack.workerIdentity}-back`);
  const readyAt = Date.now();
  console.log(
    `[faults] worker outage: no worker for ${((upAt - downAt) / 1000).toFixed(1)} s, then ${((readyAt - upAt) / 1000).toFixed(1)} s until the new one polled`,
  );

  // Each job runs again, past its catch-up (runs scheduled after the new worker polled).
  await waitFor(
    () => ids.every((id) => sink.callsFor(id).some((c) => scheduledOfKey(c.idempotencyKey) > readyAt + 3_000)),
    { timeoutMs: 60_000, what: 'every misfire job running on time again' },
  );
  const firstBack = Math.min(...sink.calls.map((c) => c.receivedAt).filter((t) => t > upAt));
  console.log(
    `[faults] worker outage: first arrival ${((firstBack - readyAt) / 1000).toFixed(1)} s after the new worker polled`,
  );

  const { figures, judged } = await judge({
    stack,
    sink,
    jobIds: ids,
    faultAtMs: downAt,
    cutoffMs: Date.now() - 3_000,
  });
  console.log(formatFigures('every worker killed, 12 s outage vs 5 s catch-up window', figures));
  expect(figures.lost).toEqual([]);
  expect(figures.phantom).toEqual([]);
  expect(figures.unexplainedDuplicates).toEqual([]);

  cases.forEach((c, k) => {
    const id = ids[k] as string;
    expectMisfireCase(
      c,
      judged.get(id) ?? [],
      sink.callsFor(id),
      parseDuration(EVERY),
      { downAt, upAt, leadMs: DEFAULT_FIRE_LEAD_MS },
      parseDuration(SHORT_WINDOW),
    );
  });
  clock.done();
});
