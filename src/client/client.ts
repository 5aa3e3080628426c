/**
 * {@link SchedulerClient}: the REST client of the scheduler, used by the CLI, the job console and
 * other projects. Request and answer types come from the REST contract (src/contract); it needs
 * only `fetch` (Node 18+ and browsers).
 */
import type * as C from '../contract';
import { SchedulerApiError, SchedulerConnectionError } from './errors';
import { backoffMs, RETRY_STATUSES, type RetryOptions, type RetryPolicy, retryAfterMs, retryPolicy } from './retry';

/** Answer of {@link SchedulerClient.create}: the job, and whether this call created it (false: a replay). */
export type CreateJobResult = C.CreatedJob & { created: boolean };

/** Options of {@link SchedulerClient.create}. */
export interface CreateOptions {
  /**
   * The `Idempotency-Key` sent: retries with it return the original job instead of creating
   * another, and the same key with another body is a 409. Default: a new random key per call,
   * reused by the client's own retries of that call; `false` sends none.
   */
  idempotencyKey?: string | false;
}

/** Most items of one `POST /jobs:batch` (the contract's `MAX_BATCH_JOBS`; the client imports no zod). */
const MAX_BATCH_JOBS = 1_000;

/** Totals of a {@link SchedulerClient.createMany} so far. */
export interface CreateManyProgress {
  /** Items given. */
  total: number;
  /** Items answered for good (created, replayed, or failed with a status not tried again). */
  done: number;
  /** Jobs created (201). */
  created: number;
  /** Jobs an `idempotency_key` had created before (200). */
  replayed: number;
  /** Items refused (any other status). */
  failed: number;
}

/** Answer of {@link SchedulerClient.createMany}: the totals, and one result per item in input order. */
export interface CreateManyResult extends CreateManyProgress {
  results: C.BatchItemResult[];
}

/** Options of {@link SchedulerClient.createMany}. */
export interface CreateManyOptions {
  /** Items per `POST /jobs:batch` request, 1 to 1,000 (default 1,000). */
  batchSize?: number;
  /** Requests in flight at once (default 2). */
  concurrency?: number;
  /**
   * Give each item without an `idempotency_key` a new random one (default true): a request sent
   * again after a lost answer then creates nothing twice.
   */
  idempotent?: boolean;
  /** Called after each answered request with the totals so far. */
  onProgress?: (progress: CreateManyProgress) => void;
}

/** Options of {@link SchedulerClient}. */
export interface SchedulerClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:3000`; `''` for the page's own origin in a browser. */
  baseUrl: string;
  /** API key sent as `Authorization: Bearer <key>`, or a function read at each call; none when absent or null. */
  apiKey?: string | (() => string | null | undefined) | undefined;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Time limit of one try, ms (default 30 000). */
  timeoutMs?: number;
  /** How calls are tried again (default 3 tries, 200 ms doubling, 20 % jitter); `false`: once. */
  retry?: RetryOptions | false;
  /** Sleeps `ms` (tests pass their own); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
}

/** One call: what to send, and whether a call that got no answer may be sent again. */
interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sending it twice has the effect of once; otherwise only 429 and 503 answers are retried. */
  idempotent: boolean;
}

/** A new random idempotency key (a UUID), also where `crypto.randomUUID` is missing (plain-HTTP pages). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `?a=1&b=x` of the defined, non-empty values, or `''`. */
export function queryString(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const job = (jobId: string) => `/jobs/${encodeURIComponent(jobId)}`;

/**
 * A client of the scheduler API. Every method resolves with the answer's typed body, and throws
 * {@link SchedulerApiError} for an error answer (4xx/5xx) or {@link SchedulerConnectionError}
 * when no answer came. Answers 429 and 503 are tried again (honouring `Retry-After`), and so are
 * calls that got no answer, except `trigger` (which is not idempotent).
 *
 * ```ts
 * const scheduler = new SchedulerClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.SCHEDULER_KEY });
 * const { job_id } = await scheduler.create({ name: 'report', frequency: 'cron', cron: '0 9 * * *',
 *   payload: { type: 'handler', name: 'demo.echo' } });
 * for await (const row of scheduler.listAll({ status: 'pending' })) console.log(row.job_id);
 * ```
 */
export class SchedulerClient {
  private readonly baseUrl: string;
  private readonly apiKey: () => string | null | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  /** @throws RangeError for a `retry.attempts` below 1. */
  constructor(options: SchedulerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const key = options.apiKey;
    this.apiKey = typeof key === 'function' ? key : () => key;
    // Called as a plain function: a browser's fetch refuses another `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = retryPolicy(options.retry);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /**
   * Submits a job (`POST /jobs`), idempotently: see {@link CreateOptions.idempotencyKey}.
   * @returns the job id, its status and first run time (UTC), and whether this call created it.
   */
  async create(submission: C.JobSubmission, options: CreateOptions = {}): Promise<CreateJobResult> {
    const key = options.idempotencyKey === undefined ? newIdempotencyKey() : options.idempotencyKey;
    const headers: Record<string, string> = key === false ? {} : { 'idempotency-key': key };
    const { status, body } = await this.send<C.CreatedJob>({
      method: 'POST',
      path: '/jobs',
      body: submission,
      headers,
      idempotent: key !== false,
    });
    return { ...body, created: status === 201 };
  }

  /**
   * Submits many jobs through `POST /jobs:batch`, {@link CreateManyOptions.batchSize} per request.
   * Each item is answered on its own: a bad item never stops the others. Items answered 429 (past
   * the submission rate limit) or 503 are sent again after the answer's `Retry-After` (else the
   * backoff), until a try admits none of them `retry.attempts` times in a row; their last answer
   * is then their result.
   * @returns one result per item, in input order, and the totals.
   * @throws SchedulerApiError when a whole request is refused (e.g. 400 for an empty list);
   *   SchedulerConnectionError when no answer came.
   */
  async createMany(submissions: readonly C.BatchJob[], options: CreateManyOptions = {}): Promise<CreateManyResult> {
    const batchSize = options.batchSize ?? MAX_BATCH_JOBS;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_JOBS) {
      throw new RangeError(`batchSize must be a whole number from 1 to ${MAX_BATCH_JOBS}`);
    }
    const items =
      options.idempotent === false
        ? submissions
        : submissions.map((s) =>
            s.idempotency_key === undefined ? { ...s, idempotency_key: newIdempotencyKey() } : s,
          );
    const results = new Array<C.BatchItemResult>(items.length);
    const progress: CreateManyProgress = { total: items.length, done: 0, created: 0, replayed: 0, failed: 0 };
    const chunks: number[][] = [];
    for (let i = 0; i < items.length; i += batchSize) {
      chunks.push(Array.from({ length: Math.min(batchSize, items.length - i) }, (_, k) => i + k));
    }
    const settle = (index: number, result: C.BatchItemResult) => {
      results[index] = result;
      progress.done += 1;
      if (result.status === 201) progress.created += 1;
      else if (result.status === 200) progress.replayed += 1;
      else progress.failed += 1;
    };
    const sendChunk = async (chunk: number[]): Promise<void> => {
      let pending = chunk;
      for (let idle = 0; pending.length > 0; ) {
        const { body, headers } = await this.send<C.BatchResult>({
          method: 'POST',
          path: '/jobs:batch',
          body: { jobs: pending.map((i) => items[i]) },
          idempotent: options.idempotent !== false || pending.every((i) => items[i]?.idempotency_key !== undefined),
        });
        const again: number[] = [];
        body.results.forEach((result, k) => {
          const index = pending[k] as number;
          if (RETRY_STATUSES.includes(result.status)) {
            results[index] = result;
            again.push(index);
          } else settle(index, result);
        });
        idle = again.length === pending.length ? idle + 1 : 0;
        options.onProgress?.({ ...progress });
        if (again.length === 0) return;
        if (idle >= this.retry.attempts) {
          for (const index of again) settle(index, results[index] as C.BatchItemResult);
          options.onProgress?.({ ...progress });
          return;
        }
        const retryAfter = retryAfterMs(headers.get('retry-after'), Date.now());
        await this.sleep(retryAfter ?? (backoffMs(this.retry, Math.max(1, idle), null, this.random()) as number));
        pending = again;
      }
    };
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) await sendChunk(chunks[next++] as number[]);
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 2, chunks.length) }, lane));
    return { ...progress, results };
  }

  /** A job: status, next and last run, health, counters, spec, recent executions (`GET /jobs/{id}`). */
  async get(jobId: string): Promise<C.JobDetails> {
    return this.read<C.JobDetails>(job(jobId));
  }

  /** One page of jobs, newest first (`GET /jobs`); pass the previous page's `next_page_token` as `page_token`. */
  async list(params: C.ListJobsParams = {}): Promise<C.JobPage> {
    return this.read<C.JobPage>(`/jobs${queryString(params)}`);
  }

  /** Every page of a listing, fetched as the iteration goes. */
  async *pages(params: Omit<C.ListJobsParams, 'page_token'> = {}): AsyncGenerator<C.JobPage, void, undefined> {
    let token: string | null = null;
    do {
      const page: C.JobPage = await this.list({ ...params, ...(token !== null ? { page_token: token } : {}) });
      yield page;
      token = page.next_page_token;
    } while (token !== null);
  }

  /** Every job of a listing, across pages: `for await (const job of client.listAll({ status: 'pending' }))`. */
  async *listAll(params: Omit<C.ListJobsParams, 'page_token'> = {}): AsyncGenerator<C.JobSummary, void, undefined> {
    for await (const page of this.pages(params)) yield* page.jobs;
  }

  /** Cancels a job (`DELETE /jobs/{id}`); `status` is `cancelled` once it ended (else it ends shortly). */
  async cancel(jobId: string): Promise<C.CancelledJob> {
    return (await this.send<C.CancelledJob>({ method: 'DELETE', path: job(jobId), idempotent: true })).body;
  }

  /** A page of the job's ledger, newest first (`GET /jobs/{id}/executions`). */
  async executions(jobId: string, params: C.LedgerParams = {}): Promise<C.LedgerPage> {
    return this.read<C.LedgerPage>(`${job(jobId)}/executions${queryString(params)}`);
  }

  /** One run of the job by its execution id: attempts, output, HTTP answer (`GET /jobs/{id}/executions/{execution_id}`). */
  async execution(jobId: string, executionId: string): Promise<C.ExecutionRecord> {
    return this.read<C.ExecutionRecord>(`${job(jobId)}/executions/${encodeURIComponent(executionId)}`);
  }

  /** Pauses a job's schedule: occurrences due while paused are skipped (`POST /jobs/{id}/pause`). */
  async pause(jobId: string): Promise<C.JobControlState> {
    return (await this.send<C.JobControlState>({ method: 'POST', path: `${job(jobId)}/pause`, idempotent: true })).body;
  }

  /** Resumes a paused job from its next occurrence (`POST /jobs/{id}/resume`). */
  async resume(jobId: string): Promise<C.JobControlState> {
    return (await this.send<C.JobControlState>({ method: 'POST', path: `${job(jobId)}/resume`, idempotent: true }))
      .body;
  }

  /**
   * Runs a job now, outside its schedule (`POST /jobs/{id}/trigger`), optionally with other handler
   * `args` or http `body` for this run only. A call that got no answer is not sent again.
   */
  async trigger(jobId: string, overrides: C.TriggerRequest = {}): Promise<C.TriggerAccepted> {
    const call: Call = { method: 'POST', path: `${job(jobId)}/trigger`, body: overrides, idempotent: false };
    return (await this.send<C.TriggerAccepted>(call)).body;
  }

  /** Changes a job from its next occurrence (`PATCH /jobs/{id}`): fields replaced whole, `null` removes one. */
  async update(jobId: string, changes: C.JobPatch): Promise<C.JobUpdated> {
    return (await this.send<C.JobUpdated>({ method: 'PATCH', path: job(jobId), body: changes, idempotent: true })).body;
  }

  /** The next run times of a schedule, without creating a job (`POST /schedules/preview`). */
  async previewSchedule(schedule: C.SchedulePreviewParams): Promise<C.SchedulePreview> {
    const call: Call = { method: 'POST', path: '/schedules/preview', body: schedule, idempotent: true };
    return (await this.send<C.SchedulePreview>(call)).body;
  }

  /** The workers of a task queue, from their heartbeats (`GET /workers`). */
  async workers(params: C.WorkersParams = {}): Promise<C.WorkerList> {
    return this.read<C.WorkerList>(`/workers${queryString(params)}`);
  }

  /** One worker by identity (`GET /workers/{worker_id}`). */
  async worker(workerId: string, params: C.WorkersParams = {}): Promise<C.WorkerDetail> {
    return this.read<C.WorkerDetail>(`/workers/${encodeURIComponent(workerId)}${queryString(params)}`);
  }

  /** The attempts of one worker, running or ended with `status` (`GET /job/executions`). */
  async workerExecutions(params: C.WorkerExecutionsParams): Promise<C.WorkerExecutions> {
    return this.read<C.WorkerExecutions>(`/job/executions${queryString(params)}`);
  }

  /** The handler names a job's `payload.name` may take on a task queue (`GET /handlers`). */
  async handlers(params: C.HandlersParams = {}): Promise<C.HandlersAnswer> {
    return this.read<C.HandlersAnswer>(`/handlers${queryString(params)}`);
  }

  /**
   * Overview figures of the caller's jobs (`GET /stats/overview`): jobs per status and health,
   * succeeded / failed runs per UTC hour over 24 h, fire lag p50 / p99 in ms. Admins may pass `user_id`.
   */
  async overview(params: C.OverviewParams = {}): Promise<C.OverviewStats> {
    return this.read<C.OverviewStats>(`/stats/overview${queryString(params)}`);
  }

  /** Who the key belongs to, and the Temporal Web UI's address (`GET /console/config`). */
  async consoleConfig(): Promise<C.ConsoleConfig> {
    return this.read<C.ConsoleConfig>('/console/config');
  }

  /** Liveness of the API process (`GET /healthz`, no key needed). */
  async health(): Promise<C.HealthAnswer> {
    return this.read<C.HealthAnswer>('/healthz');
  }

  private async read<T>(path: string): Promise<T> {
    return (await this.send<T>({ method: 'GET', path, idempotent: true })).body;
  }

  /**
   * Sends a call, trying again after 429, 503 and (idempotent calls) no answer.
   * @throws SchedulerApiError for an error answer; SchedulerConnectionError when no answer came.
   */
  private async send<T>(call: Call): Promise<{ status: number; body: T; headers: Headers }> {
    const url = `${this.baseUrl}${call.path}`;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, this.init(call));
      } catch (err) {
        const wait = call.idempotent && attempt < this.retry.attempts ? this.wait(attempt, null) : null;
        if (wait === null) throw new SchedulerConnectionError(url, attempt, err);
        await this.sleep(wait);
        continue;
      }
      if (response.ok) {
        return { status: response.status, body: (await readJson(response)) as T, headers: response.headers };
      }
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
      const error = await apiError(response, retryAfter);
      const wait =
        RETRY_STATUSES.includes(response.status) && attempt < this.retry.attempts
          ? this.wait(attempt, retryAfter)
          : null;
      if (wait === null) throw error;
      await this.sleep(wait);
    }
  }

  private wait(attempt: number, retryAfter: number | null): number | null {
    return backoffMs(this.retry, attempt, retryAfter, this.random());
  }

  private init(call: Call): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    const key = this.apiKey();
    if (key) headers.authorization = `Bearer ${key}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    return {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    };
  }
}

/** The body as JSON, or null when empty or not JSON. */
async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The error of an answer: its problem document, or one made from the status when the body is not one. */
async function apiError(response: Response, retryAfter: number | null): Promise<SchedulerApiError> {
  const parsed = await readJson(response);
  const problem: C.ProblemDetails =
    parsed !== null && typeof parsed === 'object' && 'title' in parsed
      ? (parsed as C.ProblemDetails)
      : {
          type: 'about:blank',
          title: response.statusText || 'Error',
          status: response.status,
          detail: `HTTP ${response.status}`,
        };
  return new SchedulerApiError(response.status, problem, retryAfter === null ? null : Math.ceil(retryAfter / 1000));
}
