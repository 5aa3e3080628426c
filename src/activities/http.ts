/**
 * The `http` executor: one request per attempt.
 * Success = 2xx. 4xx other than 408 and 429 is permanent (non-retryable);
 * 408, 429, 5xx, network errors and timeouts are retried by the job's retry policy.
 * Every request carries `Idempotency-Key: <job_id>:<scheduled_time>` (the same
 * for every retry), per draft-ietf-httpapi-idempotency-key-header.
 */

import { parseDuration } from '../domain/duration';
import type { HttpPayload } from '../domain/job-spec';

/** The outcome of one HTTP attempt. */
export interface HttpOutcome {
  status: number;
}

/** A non-2xx answer; `retryable` per the rule above. */
export class HttpStatusError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly retryable: boolean,
    bodyExcerpt: string,
  ) {
    super(`HTTP ${status}${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`);
  }
}

/** True when an HTTP status should be retried: 408, 429 and 5xx (RFC 9110 §15). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Sends the request of an `http` payload.
 * @param payload validated http payload (timeout is a duration string).
 * @param idempotencyKey value of the `Idempotency-Key` header.
 * @param signal aborts the request (cancellation).
 * @returns the status on 2xx.
 * @throws {HttpStatusError} on a non-2xx status; a TypeError/AbortError from fetch on network errors and timeouts.
 */
export async function sendHttp(
  payload: HttpPayload,
  idempotencyKey: string,
  signal: AbortSignal,
  fetchImpl: typeof fetch = fetch,
): Promise<HttpOutcome> {
  const headers = new Headers(payload.headers);
  headers.set('Idempotency-Key', idempotencyKey);
  let body: string | undefined;
  if (payload.body !== undefined && payload.method !== 'GET' && payload.method !== 'HEAD') {
    if (typeof payload.body === 'string') {
      body = payload.body;
    } else {
      body = JSON.stringify(payload.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  const response = await fetchImpl(payload.url, {
    method: payload.method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.any([signal, AbortSignal.timeout(parseDuration(payload.timeout))]),
    redirect: 'follow',
  });
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const text = (await response.text().catch(() => '')).slice(0, 200);
  throw new HttpStatusError(response.status, isRetryableStatus(response.status), text);
}
