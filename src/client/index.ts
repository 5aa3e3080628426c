/**
 * Typed TypeScript client of the scheduler's REST API. Types come from the same zod
 * schemas the API validates with (imported as types only: the client runs no server code
 * and needs only `fetch`, built into Node 18+ and browsers). Errors are thrown as
 * {@link SchedulerApiError}, carrying the RFC 9457 problem details of the answer.
 *
 * ```ts
 * import { SchedulerClient } from 'temporal-job-scheduler/client';
 * const scheduler = new SchedulerClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.SCHEDULER_KEY! });
 * const { job_id } = await scheduler.create({ name: 'report', frequency: 'cron', cron: '0 9 * * *',
 *   payload: { type: 'handler', name: 'demo.echo' } }, { idempotencyKey: 'report-v1' });
 * for await (const job of scheduler.listAll({ status: 'pending' })) console.log(job.job_id);
 * ```
 */
import type {
  CancelledJob,
  CreatedJob,
  JobDetails,
  JobExecutions,
  JobPage,
  JobSummary,
  ListJobsParams,
  ProblemDetails,
} from '../api/jobs/schema';
import type { OverviewStats } from '../api/stats/overview';
import type { JobSubmissionInput } from '../domain/job-spec';

export type {
  CancelledJob,
  CreatedJob,
  JobDetails,
  JobExecutions,
  JobPage,
  JobSummary,
  ListJobsParams,
  ProblemDetails,
} from '../api/jobs/schema';
export type { OverviewStats } from '../api/stats/overview';
/** Body of `create`: the job spec as sent (defaults filled in by the server). */
export type JobSubmission = JobSubmissionInput;

/** Answer of `create`: the job, and whether this call created it (false: an Idempotency-Key replay). */
export type CreateJobResult = CreatedJob & { created: boolean };

/** Changes of `update` (`PATCH /jobs/{id}`): fields of the job spec. */
export type JobUpdate = Partial<JobSubmissionInput>;

/** Answers of routes whose shapes the client does not pin yet (pause, resume, trigger, update, workers). */
export type JsonObject = Record<string, unknown>;

/** An error answer of the API: status and problem details (`type`, `title`, `detail`, `errors`). */
export class SchedulerApiError extends Error {
  override name = 'SchedulerApiError';
  /** HTTP status. */
  readonly status: number;
  /** The problem document as received. */
  readonly problem: ProblemDetails;
  /** `Retry-After` seconds of a 429 or 503, when given. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, problem: ProblemDetails, retryAfterSeconds: number | null) {
    super(`${status} ${problem.title}: ${problem.detail}`);
    this.status = status;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Problem type, e.g. `/problems/validation-error`. */
  get type(): string {
    return this.problem.type;
  }

  /** The bad fields of a validation error (dotted paths), else an empty list. */
  get fields(): string[] {
    return (this.problem.errors ?? []).map((e) => e.field);
  }
}

/** Options of {@link SchedulerClient}. */
export interface SchedulerClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** API key, sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Time limit of one call, ms (default 30 000). */
  timeoutMs?: number;
}

/** A client of the scheduler API. Every method throws {@link SchedulerApiError} for a 4xx/5xx answer. */
export class SchedulerClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: SchedulerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Submits a job (`POST /jobs`). With `idempotencyKey`, retries of the same call return the
   * original job (`created: false`) instead of creating another; the same key with another body
   * throws a 409 {@link SchedulerApiError}.
   */
  async create(job: JobSubmission, options: { idempotencyKey?: string } = {}): Promise<CreateJobResult> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
    const { status, body } = await this.call<CreatedJob>('POST', '/jobs', job, headers);
    return { ...body, created: status === 201 };
  }

  /** A job's status, next/last run, counters, spec and executions (`GET /jobs/{id}`). */
  async get(jobId: string): Promise<JobDetails> {
    return (await this.call<JobDetails>('GET', `/jobs/${encodeURIComponent(jobId)}`)).body;
  }

  /** One page of jobs (`GET /jobs`); pass the previous page's `next_page_token` as `page_token`. */
  async list(params: ListJobsParams = {}): Promise<JobPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null) query.set(key, String(value));
    }
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return (await this.call<JobPage>('GET', `/jobs${suffix}`)).body;
  }

  /** Every page of a listing, fetched as the iteration goes. */
  async *pages(params: Omit<ListJobsParams, 'page_token'> = {}): AsyncGenerator<JobPage, void, undefined> {
    let token: string | null = null;
    do {
      const page: JobPage = await this.list({ ...params, ...(token !== null ? { page_token: token } : {}) });
      yield page;
      token = page.next_page_token;
    } while (token !== null);
  }

  /** Every job of a listing, across pages: `for await (const job of client.listAll({ status: 'pending' }))`. */
  async *listAll(params: Omit<ListJobsParams, 'page_token'> = {}): AsyncGenerator<JobSummary, void, undefined> {
    for await (const page of this.pages(params)) yield* page.jobs;
  }

  /** Cancels a job (`DELETE /jobs/{id}`); `status` is `cancelled` once it ended. */
  async cancel(jobId: string): Promise<CancelledJob> {
    return (await this.call<CancelledJob>('DELETE', `/jobs/${encodeURIComponent(jobId)}`)).body;
  }

  /** A job's executions, newest first (`GET /jobs/{id}/executions`). */
  async executions(
    jobId: string,
    page: { limit?: number; page_token?: string } = {},
  ): Promise<JobExecutions & { next_page_token: string | null }> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.page_token !== undefined) query.set('page_token', page.page_token);
    const suffix = query.size > 0 ? `?${query}` : '';
    const path = `/jobs/${encodeURIComponent(jobId)}/executions${suffix}`;
    return (await this.call<JobExecutions & { next_page_token: string | null }>('GET', path)).body;
  }

  /** Pauses a job's schedule (`POST /jobs/{id}/pause`). */
  async pause(jobId: string): Promise<JsonObject> {
    return (await this.call<JsonObject>('POST', `/jobs/${encodeURIComponent(jobId)}/pause`)).body;
  }

  /** Resumes a paused job (`POST /jobs/{id}/resume`). */
  async resume(jobId: string): Promise<JsonObject> {
    return (await this.call<JsonObject>('POST', `/jobs/${encodeURIComponent(jobId)}/resume`)).body;
  }

  /**
   * Runs a job now, outside its schedule (`POST /jobs/{id}/trigger`), optionally with other handler
   * `args` or http `body` for this run only. Answers `{ job_id, execution_id, status }` (202).
   */
  async trigger(jobId: string, overrides: { args?: unknown; body?: unknown } = {}): Promise<JsonObject> {
    return (await this.call<JsonObject>('POST', `/jobs/${encodeURIComponent(jobId)}/trigger`, overrides)).body;
  }

  /** Changes a job's spec (`PATCH /jobs/{id}`). */
  async update(jobId: string, changes: JobUpdate): Promise<JsonObject> {
    return (await this.call<JsonObject>('PATCH', `/jobs/${encodeURIComponent(jobId)}`, changes)).body;
  }

  /** The workers polling the task queue (`GET /workers`). */
  async workers(): Promise<JsonObject> {
    return (await this.call<JsonObject>('GET', '/workers')).body;
  }

  /**
   * Overview figures of the caller's jobs (`GET /stats/overview`): jobs per status, succeeded /
   * failed runs per UTC hour over 24 h, fire lag p50 / p99 in ms. Admins may pass `user_id`.
   */
  async overview(params: { user_id?: string } = {}): Promise<OverviewStats> {
    const query = params.user_id ? `?user_id=${encodeURIComponent(params.user_id)}` : '';
    return (await this.call<OverviewStats>('GET', `/stats/overview${query}`)).body;
  }

  /** Sends one call; parses JSON; throws the problem of a non-2xx answer. */
  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...extraHeaders },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!response.ok) {
      const problem: ProblemDetails =
        parsed !== null && typeof parsed === 'object' && 'title' in parsed
          ? (parsed as ProblemDetails)
          : {
              type: 'about:blank',
              title: response.statusText || 'Error',
              status: response.status,
              detail: text.slice(0, 200),
            };
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new SchedulerApiError(
        response.status,
        problem,
        Number.isFinite(retryAfter) && response.headers.has('retry-after') ? retryAfter : null,
      );
    }
    return { status: response.status, body: parsed as T };
  }
}
