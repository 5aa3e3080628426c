/**
 * Job chores of the fault scenarios, through the API of a {@link Stack}: submit, cancel and wait,
 * read many ledgers, find the worker of an attempt, and time a scenario.
 */
import type { ExecutionRecord } from '../../../src/domain/job-state';
import type { SinkCall } from '../../helpers/e2e-sink';
import type { Json, Stack } from '../../helpers/e2e-stack';
import { waitFor } from '../../helpers/wait';
import { readLedger } from './accounting';

/** The part of a {@link Stack} these helpers use: its API client. */
export type ApiClient = Pick<Stack, 'request'>;

/**
 * Submits a job (`POST /jobs`).
 * @returns its id.
 * @throws {Error} when the API does not answer 201.
 */
export async function submitJob(api: ApiClient, body: Record<string, unknown>): Promise<string> {
  const res = await api.request('POST', '/jobs', body);
  if (res.status !== 201) throw new Error(`POST /jobs ${body.name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.job_id as string;
}

/** Statuses a job does not leave. */
const ENDED = ['completed', 'failed', 'cancelled'];

/**
 * Cancels jobs (`DELETE /jobs/{id}`) and waits until each has ended (its workflow recorded the
 * run in flight, if any, as it ended).
 * @throws {Error} when a DELETE fails or a job has not ended within `timeoutMs`.
 */
export async function cancelJobs(api: ApiClient, jobIds: readonly string[], timeoutMs = 60_000): Promise<void> {
  await Promise.all(
    jobIds.map(async (id) => {
      const res = await api.request('DELETE', `/jobs/${id}`);
      if (res.status !== 200 && res.status !== 202) {
        throw new Error(`DELETE /jobs/${id}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
  await Promise.all(jobIds.map((id) => waitForJobEnd(api, id, timeoutMs)));
}

/**
 * Waits until a job has ended (completed, failed or cancelled).
 * @returns the job (`GET /jobs/{id}`).
 * @throws {Error} after `timeoutMs`.
 */
export function waitForJobEnd(api: ApiClient, jobId: string, timeoutMs = 90_000): Promise<Json> {
  return waitFor(
    async () => {
      const res = await api.request('GET', `/jobs/${jobId}`);
      return ENDED.includes(res.body?.status) ? res.body : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `job ${jobId} to end` },
  );
}

/** Every ledger of `jobIds` (each newest first), read 5 at a time. */
export async function readLedgers(api: ApiClient, jobIds: readonly string[]): Promise<Map<string, ExecutionRecord[]>> {
  const ledgers = new Map<string, ExecutionRecord[]>();
  for (let i = 0; i < jobIds.length; i += 5) {
    const batch = jobIds.slice(i, i + 5);
    // readLedger only calls `request`.
    const read = await Promise.all(batch.map((id) => readLedger(api as Stack, id)));
    for (const [k, id] of batch.entries()) ledgers.set(id, read[k] as ExecutionRecord[]);
  }
  return ledgers;
}

/** Attempts running on a worker now (`GET /job/executions?worker_id=`). */
export async function runningOn(api: ApiClient, workerId: string): Promise<Json[]> {
  const res = await api.request('GET', `/job/executions?worker_id=${encodeURIComponent(workerId)}&status=running`);
  if (res.status !== 200) throw new Error(`GET /job/executions: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.executions as Json[];
}

/** Arrival times (epoch ms, ascending) of each Idempotency-Key among `calls`. */
export function arrivalsByKey(calls: readonly SinkCall[]): Map<string, number[]> {
  const arrivals = new Map<string, number[]>();
  for (const c of calls) {
    if (c.idempotencyKey === null) continue;
    arrivals.set(c.idempotencyKey, [...(arrivals.get(c.idempotencyKey) ?? []), c.receivedAt]);
  }
  for (const times of arrivals.values()) times.sort((a, b) => a - b);
  return arrivals;
}

/** The sink calls of any of `jobIds` (keys `<job_id>:…`). */
export function callsOf(calls: readonly SinkCall[], jobIds: readonly string[]): SinkCall[] {
  const ids = new Set(jobIds);
  return calls.filter((c) => {
    const key = c.idempotencyKey;
    if (key === null) return false;
    const colon = key.indexOf(':');
    return colon > 0 && ids.has(key.slice(0, colon));
  });
}

/**
 * Starts a scenario's stopwatch.
 * @returns a function printing `[faults] <scenario>: wall time <s> s` and returning the seconds.
 */
export function stopwatch(scenario: string): () => number {
  const started = Date.now();
  return () => {
    const seconds = (Date.now() - started) / 1000;
    console.log(`[faults] ${scenario}: wall time ${seconds.toFixed(1)} s`);
    return seconds;
  };
}
