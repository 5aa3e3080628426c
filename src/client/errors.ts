/**
 * What the client throws: {@link SchedulerApiError} for an answer of the API that is an error
 * (4xx/5xx, with its RFC 9457 problem), {@link SchedulerConnectionError} when no answer came.
 */
import type { ProblemDetails } from '../contract';

/**
 * The one-line text of a problem: `<status> <title>: <detail>`, or, when the problem names bad
 * fields, each field and why, e.g. `400 Invalid request: cron: is not a valid cron expression`.
 */
export function problemMessage(status: number, problem: ProblemDetails): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return `${status} ${problem.title}: ${fields.length > 0 ? fields.join('; ') : problem.detail}`;
}

/** An error answer of the API: its status and problem details (`type`, `title`, `detail`, `errors`). */
export class SchedulerApiError extends Error {
  override name = 'SchedulerApiError';
  /** HTTP status. */
  readonly status: number;
  /** The problem document as received (synthesised from the status when the body was not one). */
  readonly problem: ProblemDetails;
  /** `Retry-After` of the answer in seconds (429, 503), or null when it had none. */
  readonly retryAfterSeconds: number | null;

  /**
   * @param status HTTP status of the answer.
   * @param problem its problem document.
   * @param retryAfterSeconds its `Retry-After`, seconds, or null.
   */
  constructor(status: number, problem: ProblemDetails, retryAfterSeconds: number | null) {
    super(problemMessage(status, problem));
    this.status = status;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Problem type, e.g. `/problems/validation-error`. */
  get type(): string {
    return this.problem.type;
  }

  /** The bad fields of a validation error (dotted paths such as `retry.max_retries`), else an empty list. */
  get fields(): string[] {
    return (this.problem.errors ?? []).map((e) => e.field);
  }
}

/**
 * No answer from the API: the connection was refused or cut, the name did not resolve, or the
 * call timed out. Thrown after the client's retries; `cause` is the last underlying error.
 */
export class SchedulerConnectionError extends Error {
  override name = 'SchedulerConnectionError';
  /** The URL called. */
  readonly url: string;
  /** Tries made, the first included. */
  readonly attempts: number;

  /**
   * @param url the URL called.
   * @param attempts tries made.
   * @param cause the last error of `fetch` (e.g. `TypeError: fetch failed` whose cause is `ECONNREFUSED`).
   */
  constructor(url: string, attempts: number, cause: unknown) {
    super(`cannot reach the scheduler API at ${url}: ${describeCause(cause)}`, { cause });
    this.url = url;
    this.attempts = attempts;
  }
}

/** The most telling message of a fetch error: Node's `fetch failed` hides the socket error in `cause`. */
function describeCause(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    messages.push(typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
  }
  if (messages.length === 0) return String(err);
  return messages.length > 1 && messages[0] === 'fetch failed' ? messages.slice(1).join(': ') : messages.join(': ');
}
