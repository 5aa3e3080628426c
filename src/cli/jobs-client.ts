/**
 * A small client of the REST API for the `scheduler jobs` commands: JSON in, JSON out,
 * problem+json errors turned into {@link ApiError}.
 */

/** An answer of the API with a status >= 400 (the body is its problem+json, when it sent one). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const detail = (body as { detail?: unknown; title?: unknown } | null) ?? null;
    const text =
      typeof detail?.detail === 'string' ? detail.detail : typeof detail?.title === 'string' ? detail.title : '';
    super(`HTTP ${status}${text ? `: ${text}` : ''}`);
  }
}

/** Options of {@link JobsClient}. */
export interface JobsClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey?: string | undefined;
  fetch?: typeof fetch;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

/** Filters of `GET /jobs`. */
export interface ListFilters {
  status?: string | undefined;
  user_id?: string | undefined;
  name?: string | undefined;
  limit?: number | undefined;
  page_token?: string | undefined;
}

/** The `/jobs` endpoints (README "REST API"). */
export class JobsClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: JobsClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  /**
   * Sends one request.
   * @throws {ApiError} for an answer >= 400; the fetch error when the API cannot be reached.
   */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const res = await this.fetchFn(`${this.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if (text.length > 0 && /json/.test(res.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    if (res.status >= 400) throw new ApiError(res.status, parsed);
    return parsed;
  }

  /** `POST /jobs` with a job spec; resolves with `{job_id, status, next_run_time}`. */
  create(spec: unknown): Promise<unknown> {
    return this.request('POST', '/jobs', spec);
  }

  /** `GET /jobs?…`; resolves with `{jobs, next_page_token}`. */
  list(filters: ListFilters = {}): Promise<unknown> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value !== undefined) query.set(key, String(value));
    const qs = query.toString();
    return this.request('GET', `/jobs${qs ? `?${qs}` : ''}`);
  }

  /** `GET /jobs/{id}`. */
  get(jobId: string): Promise<unknown> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  /** `GET /jobs/{id}/executions`. */
  executions(jobId: string): Promise<unknown> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}/executions`);
  }

  /** `DELETE /jobs/{id}`. */
  cancel(jobId: string): Promise<unknown> {
    return this.request('DELETE', `/jobs/${encodeURIComponent(jobId)}`);
  }
}
