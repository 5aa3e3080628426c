/**
 * Seeding through the API: `POST /jobs:batch` (batches of up to 1,000 specs, a few batches in
 * flight, an `idempotency_key` per item so that a retried batch never duplicates a job), and the
 * single-submit baseline (sequential `POST /jobs` with an `Idempotency-Key` header). Job `i` is
 * always made by the same `make(i)` with the key `keyOf(i)`, so seeding can grow a set of jobs
 * from one size to the next. Prints a progress line every 10 s.
 */
import { sleep } from './seed';

/** Where and as whom jobs are submitted. */
export interface SeedTarget {
  apiUrl: string;
  /** Bearer key of the admin user `bench`. */
  apiKey: string;
}

/** Makes the raw submission of job `i` (a body of `POST /jobs`, without `idempotency_key`). */
export type MakeJob = (i: number) => Record<string, unknown>;

/** Result of {@link seedRange}. */
export interface SeedRangeResult {
  /** Jobs created (or replayed) in this call: indices [from, from + seeded). */
  seeded: number;
  /** Wall-clock time, ms. */
  elapsedMs: number;
  /** Jobs per second. */
  rate: number;
  /** Items answered 201/200 only after a retry (429, 5xx, a failed request). */
  retriedItems: number;
}

/** Options of {@link seedRange}. */
export interface SeedRangeOptions {
  /** Items per `POST /jobs:batch` (1 to 1,000; default 1,000). */
  batchSize?: number;
  /** Batches in flight (default 4). */
  inFlight?: number;
  /** Stop starting batches at this epoch ms (those in flight finish); default never. */
  deadlineMs?: number;
  /** Printed in progress lines. */
  label: string;
  /** Called with the job id of every job seeded (index, job id). */
  onJob?: (i: number, jobId: string) => void;
  /** Awaited before each batch is sent (e.g. until the workers have caught up); default none. */
  gate?: () => Promise<void>;
}

/** Idempotency key of job `i` of a seeding run (`<prefix>-<i>`). */
export function seedKey(prefix: string, i: number): string {
  return `${prefix}-${i}`;
}

/** One item's answer in `POST /jobs:batch`. */
interface ItemResult {
  status: number;
  job?: { job_id: string };
  problem?: { title?: string; detail?: string; type?: string };
}

/** HTTP statuses worth retrying (the request or one item). */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function postBatch(
  target: SeedTarget,
  items: Array<Record<string, unknown>>,
): Promise<{ status: number; results: ItemResult[]; text: string }> {
  const response = await fetch(`${target.apiUrl}/jobs:batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jobs: items }),
    signal: AbortSignal.timeout(600_000),
  });
  const text = await response.text();
  if (response.status !== 200 && response.status !== 207) {
    return { status: response.status, results: [], text };
  }
  const body = JSON.parse(text) as { results?: ItemResult[] };
  if (!Array.isArray(body.results) || body.results.length !== items.length) {
    throw new Error(`POST /jobs:batch answered ${response.status} without one result per item: ${text.slice(0, 300)}`);
  }
  return { status: response.status, results: body.results, text };
}

/**
 * Creates jobs `from` … `to − 1` (`make(i)` with the idempotency key `keyOf(i)`) through
 * `POST /jobs:batch`. A batch that fails as a whole (network error, 429, 5xx) is sent again after
 * a pause, and so are the items answered 429 or 5xx: the keys make that safe.
 * @returns how many were seeded, contiguous from `from` (fewer than asked when the deadline came first).
 * @throws {Error} on an answer or an item refused for good (e.g. 400, 403, 404, 409), or after 8
 *   failed tries of a batch.
 */
export async function seedRange(
  target: SeedTarget,
  from: number,
  to: number,
  make: MakeJob,
  keyOf: (i: number) => string,
  options: SeedRangeOptions,
): Promise<SeedRangeResult> {
  const batchSize = Math.min(1000, Math.max(1, options.batchSize ?? 1000));
  const inFlight = options.inFlight ?? 4;
  const deadlineMs = options.deadlineMs ?? Number.POSITIVE_INFINITY;
  const started = Date.now();
  let next = from;
  let done = 0;
  let retriedItems = 0;
  let lastPrint = started;
  const progress = () => {
    const now = Date.now();
    if (now - lastPrint < 10_000) return;
    lastPrint = now;
    console.log(
      `[seed] ${options.label}: ${from + done}/${to} (${Math.round((done * 1000) / (now - started))}/s this step)`,
    );
  };
  const runBatch = async (indices: number[]) => {
    let pending = indices;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`POST /jobs:batch: ${pending.length} items still failing after 8 tries`);
      if (attempt > 1) await sleep(Math.min(30_000, 1_000 * 2 ** (attempt - 2)));
      let answer: Awaited<ReturnType<typeof postBatch>>;
      try {
        answer = await postBatch(
          target,
          pending.map((i) => ({ ...make(i), idempotency_key: keyOf(i) })),
        );
      } catch (err) {
        console.warn(`[seed] ${options.label}: POST /jobs:batch failed (${(err as Error).message}); retrying`);
        continue;
      }
      if (answer.results.length === 0) {
        if (!retryable(answer.status)) {
          throw new Error(`POST /jobs:batch answered ${answer.status}: ${answer.text.slice(0, 300)}`);
        }
        console.warn(`[seed] ${options.label}: POST /jobs:batch answered ${answer.status}; retrying`);
        continue;
      }
      const again: number[] = [];
      answer.results.forEach((result, k) => {
        const i = pending[k] as number;
        if ((result.status === 201 || result.status === 200) && result.job) {
          options.onJob?.(i, result.job.job_id);
          done++;
          if (attempt > 1) retriedItems++;
        } else if (retryable(result.status)) {
          again.push(i);
        } else {
          const p = result.problem;
          throw new Error(`job ${i} refused with ${result.status}: ${p?.title ?? ''} ${p?.detail ?? ''}`.trim());
        }
      });
      pending = again;
      progress();
    }
  };
  const lane = async () => {
    while (next < to && Date.now() < deadlineMs) {
      await options.gate?.();
      if (next >= to || Date.now() >= deadlineMs) break;
      const first = next;
      next = Math.min(to, next + batchSize);
      await runBatch(Array.from({ length: next - first }, (_, k) => first + k));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const elapsedMs = Date.now() - started;
  const rate = (done * 1000) / Math.max(1, elapsedMs);
  console.log(
    `[seed] ${options.label}: ${done} jobs in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round(rate)}/s, bulk)`,
  );
  return { seeded: done, elapsedMs, rate, retriedItems };
}

/** Result of {@link submitSequentially}. */
export interface SingleSubmitResult {
  /** Jobs created: indices [from, from + submitted). */
  submitted: number;
  elapsedMs: number;
  /** Jobs per second. */
  rate: number;
}

/**
 * The single-submit baseline: `POST /jobs` one at a time (each waits for the previous answer),
 * job `from` onwards, for `durationMs` or `maxCount` jobs, whichever comes first.
 * @throws {Error} on an answer other than 201/200 (a 429 or 5xx is retried once after 1 s).
 */
export async function submitSequentially(
  target: SeedTarget,
  from: number,
  make: MakeJob,
  keyOf: (i: number) => string,
  durationMs: number,
  maxCount: number,
  onJob?: (i: number, jobId: string) => void,
): Promise<SingleSubmitResult> {
  const started = Date.now();
  let submitted = 0;
  while (Date.now() - started < durationMs && submitted < maxCount) {
    const i = from + submitted;
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${target.apiUrl}/jobs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': keyOf(i),
        },
        body: JSON.stringify(make(i)),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json()) as { job_id?: string };
      if ((response.status === 201 || response.status === 200) && body.job_id) {
        onJob?.(i, body.job_id);
        break;
      }
      if (attempt >= 2 || !retryable(response.status)) {
        throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
      }
      await sleep(1_000);
    }
    submitted++;
  }
  const elapsedMs = Date.now() - started;
  return { submitted, elapsedMs, rate: (submitted * 1000) / Math.max(1, elapsedMs) };
}
