/**
 * kill -9 of the API during submissions, on the real stack. A client submits one-time HTTP jobs,
 * four at a time, each with its own `Idempotency-Key`, retrying a submission on a connection error,
 * a 5xx or a 429 (with backoff) until it gets 201 or 200. The API is killed with SIGKILL mid-stream
 * and a fresh API process started on the same port; the client finishes its retries.
 * Asserts: exactly one job per key (GET /jobs by name prefix, and the workflows Temporal counts),
 * and every job's occurrence ran once at the sink (nothing lost, no phantom, no duplicate).
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { E2E_CALLER, type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { sleep, waitFor } from '../helpers/wait';
import { account, formatFigures } from './lib/accounting';
import { callsOf, readLedgers, stopwatch, waitForJobEnd } from './lib/jobs';

/** Jobs the client submits. */
const JOBS = 40;
/** Submissions in flight at once. */
const CONCURRENCY = 4;
/** The API is killed once this many submissions have been answered. */
const KILL_AFTER = 12;
/** A submission is given up after this long (the test fails). */
const SUBMIT_DEADLINE_MS = 90_000;

let stack: Stack;
let sink: Sink;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  const done = stopwatch('API kill: stack start');
  sink = await startSink();
  stack = await startStack({ cliPath, name: 'faults-api-kill' });
  done();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

/** How one key's submission went. */
interface Submission {
  key: string;
  /** Statuses answered, or `error` for a request that got no answer (connection refused or reset). */
  tries: Array<number | 'error'>;
  jobId: string | null;
}

/** Submits `body` under `key` until the API answers 201 or 200 (retrying errors, 5xx and 429 with backoff). */
async function submitUntilAccepted(key: string, body: unknown): Promise<Submission> {
  const submission: Submission = { key, tries: [], jobId: null };
  const deadline = Date.now() + SUBMIT_DEADLINE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${stack.apiUrl}/jobs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${E2E_CALLER.key}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const answer = (await res.json().catch(() => null)) as Json;
      submission.tries.push(res.status);
      if (res.status === 201 || res.status === 200) {
        submission.jobId = answer.job_id as string;
        return submission;
      }
      if (res.status < 500 && res.status !== 429) {
        throw new Error(`${key}: POST /jobs answered ${res.status} ${JSON.stringify(answer)}`);
      }
    } catch (err) {
      if ((err as Error).message.startsWith(`${key}:`)) throw err;
      submission.tries.push('error');
    }
    if (Date.now() > deadline)
      throw new Error(`${key}: not accepted within ${SUBMIT_DEADLINE_MS} ms: ${submission.tries}`);
    await sleep(Math.min(2_000, 100 * 2 ** attempt));
  }
}

test('kill -9 of the API during submissions: exactly one job per Idempotency-Key, each run once at the sink', async () => {
  const done = stopwatch('kill -9 of the API during submissions');
  const prefix = `api-kill-${Date.now().toString(36)}`;
  const bodies = Array.from({ length: JOBS }, (_, i) => ({
    key: `${prefix}-key-${i}`,
    body: {
      name: `${prefix}-${i}`,
      frequency: 'once',
      execution_time: new Date().toISOString(),
      payload: { type: 'http', method: 'POST', url: `${sink.url}/api-kill`, body: { i } },
    },
  }));

  const results: Submission[] = [];
  let next = 0;
  let killedAt = 0;
  let restartedAt = 0;
  let restarted: Promise<unknown> = Promise.resolve();
  const killer = async () => {
    const api = stack.api;
    killedAt = Date.now();
    api.process.kill('SIGKILL');
    await api.exited;
    await stack.restartApi();
    restartedAt = Date.now();
  };
  const client = async () => {
    while (next < bodies.length) {
      const { key, body } = bodies[next++] as (typeof bodies)[number];
      results.push(await submitUntilAccepted(key, body));
      if (results.length === KILL_AFTER) restarted = killer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  await restarted;
  expect(restartedAt).toBeGreaterThan(killedAt);

  // Every key accepted; the outage was felt (some submissions got no answer and were retried).
  expect(results).toHaveLength(JOBS);
  const jobIds = results.map((r) => r.jobId as string);
  expect(jobIds.every((id) => typeof id === 'string')).toBe(true);
  expect(new Set(jobIds).size).toBe(JOBS);
  const failedTries = results.flatMap((r) => r.tries).filter((t) => t !== 201 && t !== 200).length;
  const replayed = results.filter((r) => r.tries.at(-1) === 200).length;
  expect(failedTries).toBeGreaterThan(0);

  // Exactly one job per key: through the API (visibility, by name prefix) and in Temporal.
  const listed = await waitFor(
    async () => {
      const res = await stack.request('GET', `/jobs?name=${encodeURIComponent(prefix)}&limit=1000`);
      return res.status === 200 && (res.body.jobs as Json[]).length >= JOBS ? (res.body.jobs as Json[]) : undefined;
    },
    { timeoutMs: 30_000, what: `${JOBS} jobs listed under ${prefix}` },
  );
  expect(listed.map((j) => j.job_id).sort()).toEqual([...jobIds].sort());
  const counted = await stack.cli(['workflow', 'count', '--query', `JobName STARTS_WITH '${prefix}'`]);
  expect(Number(/(\d+)/.exec(counted)?.[1])).toBe(JOBS);

  // Each job's occurrence ran once at the sink.
  const ended = await Promise.all(jobIds.map((id) => waitForJobEnd(stack, id, 90_000)));
  expect(ended.map((j) => j.status)).toEqual(Array(JOBS).fill('completed'));
  const ledgers = await readLedgers(stack, jobIds);
  const calls = callsOf(sink.calls, jobIds);
  const figures = account({ ledgers, calls, faultAtMs: killedAt });
  console.log(formatFigures('kill -9 of the API during submissions', figures));
  console.log(
    `[faults] kill -9 of the API during submissions: ${JOBS} keys, ${failedTries} submissions unanswered or 5xx ` +
      `and retried, ${replayed} accepted as a replay (200), API back ${((restartedAt - killedAt) / 1000).toFixed(1)} s after the kill`,
  );
  expect(figures.ran).toBe(JOBS);
  expect(figures.lost).toEqual([]);
  expect(figures.phantom).toEqual([]);
  expect(figures.duplicates).toEqual([]);
  for (const id of jobIds) expect(sink.callsFor(id), id).toHaveLength(1);
  done();
});
