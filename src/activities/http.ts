/**
 * The `http` executor: one request per attempt.
 * Success = 2xx. 4xx other than 408 and 429 is permanent (non-retryable);
 * 408, 429, 5xx, network errors and timeouts are retried by the job's retry policy.
 * Every request carries `Idempotency-Key: <job_id>:<scheduled_time>` (the same
 * for every retry), per draft-ietf-httpapi-idempotency-key-header.
 * Requests go through node:http/https with the SSRF guard's agents (./http-guard.ts):
 * forbidden targets, oversized answers and bad redirects fail the attempt without retry.
 */

import type { Agent } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseDuration } from '../domain/duration';
import type { HttpPayload } from '../domain/job-spec';
import type { HttpAnswer } from '../domain/job-state';
import { HTTP_BODY_EXCERPT_BYTES, keptHeaders, utf8Prefix } from '../domain/output';
import { NonRetryableError } from './handlers';
import { type AllowedTarget, agentFor, GuardedHttpAgent, GuardedHttpsAgent, type LookupFunction } from './http-guard';

/** The outcome of one HTTP attempt: status, kept headers and the start of the body. */
export type HttpOutcome = HttpAnswer;

/** A non-2xx answer; `retryable` per the rule above. The message carries the body's first 200 characters. */
export class HttpStatusError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(
    readonly answer: HttpAnswer,
    readonly retryable: boolean,
  ) {
    const excerpt = answer.body_excerpt.slice(0, 200);
    super(`HTTP ${answer.status}${excerpt ? `: ${excerpt}` : ''}`);
    this.status = answer.status;
  }
}

/** True when an HTTP status should be retried: 408, 429 and 5xx (RFC 9110 §15). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Limits and guard of the http executor (config: HTTP_ALLOW_TARGETS, HTTP_MAX_RESPONSE_BYTES, HTTP_MAX_REDIRECTS). */
export interface HttpExecutorOptions {
  /** Internal targets allowed despite the SSRF guard ({@link parseAllowTargets}); default none. */
  allow?: readonly AllowedTarget[];
  /** Largest response body read, bytes (default 1 MiB); larger: {@link ResponseTooLargeError}. */
  maxResponseBytes?: number;
  /** Redirects followed, each hop guarded like the first request (default 5; 0: none, a 3xx fails). */
  maxRedirects?: number;
  /** DNS lookup (tests: a stub). */
  lookup?: LookupFunction;
}

/** Default of {@link HttpExecutorOptions.maxResponseBytes}: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
/** Default of {@link HttpExecutorOptions.maxRedirects}. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** A response body over the size cap; not retried. */
export class ResponseTooLargeError extends NonRetryableError {
  override name = 'ResponseTooLargeError';
}

/** A redirect that cannot be followed (too many, no Location, not http/https); not retried. */
export class RedirectError extends NonRetryableError {
  override name = 'RedirectError';
}

/** The http executor: guarded agents plus limits, built once per worker. */
export interface HttpExecutor {
  agents: { http: Agent; https: Agent };
  maxResponseBytes: number;
  maxRedirects: number;
}

/** Builds the executor's guarded agents and limits. */
export function createHttpExecutor(options: HttpExecutorOptions = {}): HttpExecutor {
  const guard = { allow: options.allow ?? [], ...(options.lookup ? { lookup: options.lookup } : {}) };
  return {
    agents: { http: new GuardedHttpAgent(guard), https: new GuardedHttpsAgent(guard) },
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
  };
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

interface HopAnswer extends HttpAnswer {
  location: string | undefined;
}

/** Sends one request and reads its answer within the size cap. */
function sendHop(hop: Hop, executor: HttpExecutor, signal: AbortSignal): Promise<HopAnswer> {
  return new Promise((resolve, reject) => {
    const send = hop.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      hop.url,
      {
        method: hop.method,
        headers: hop.headers,
        agent: agentFor(hop.url.protocol, executor.agents),
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const declared = Number(res.headers['content-length'] ?? Number.NaN);
        if (declared > executor.maxResponseBytes) {
          res.destroy();
          reject(
            new ResponseTooLargeError(
              `response of ${declared} bytes is over the ${executor.maxResponseBytes}-byte cap`,
            ),
          );
          return;
        }
        let received = 0;
        const keep: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > executor.maxResponseBytes) {
            res.destroy();
            reject(new ResponseTooLargeError(`response body is over the ${executor.maxResponseBytes}-byte cap`));
            return;
          }
          if (kept <= HTTP_BODY_EXCERPT_BYTES) {
            keep.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('end', () =>
          resolve({
            status,
            headers: keptHeaders(res.headers),
            body_excerpt: utf8Prefix(Buffer.concat(keep).toString('utf8'), HTTP_BODY_EXCERPT_BYTES),
            location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (hop.body !== undefined) req.write(hop.body);
    req.end();
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The next hop of a redirect (fetch semantics: 303, and 301/302 of a POST, become GET without body). */
function redirected(hop: Hop, status: number, location: string | undefined): Hop {
  if (location === undefined) throw new RedirectError(`HTTP ${status} redirect without a Location header`);
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new RedirectError(`HTTP ${status} redirect to an invalid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RedirectError(`HTTP ${status} redirect to ${url.protocol} refused: only http and https`);
  }
  const headers = { ...hop.headers };
  if (url.origin !== hop.url.origin) {
    // Headers meant for the first target (credentials, API keys under any name) do not travel to
    // another origin: only the Idempotency-Key and the body's content type do.
    for (const name of Object.keys(headers)) {
      if (!/^(idempotency-key|content-type)$/i.test(name)) delete headers[name];
    }
  }
  const toGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
  if (toGet) {
    for (const name of Object.keys(headers)) if (/^content-(type|length)$/i.test(name)) delete headers[name];
  }
  return {
    url,
    method: toGet && hop.method !== 'HEAD' ? 'GET' : hop.method,
    headers,
    body: toGet ? undefined : hop.body,
  };
}

/**
 * Sends the request of an `http` payload through the SSRF guard, following redirects (each hop
 * guarded) up to the executor's limit, reading at most `maxResponseBytes` of each answer.
 * @param payload validated http payload (timeout is a duration string: the cap on the whole exchange).
 * @param idempotencyKey value of the `Idempotency-Key` header.
 * @param signal aborts the request (cancellation).
 * @returns the answer on 2xx: status, kept headers, the body's first 2 KB.
 * @throws {HttpStatusError} on a non-2xx final status; {@link ForbiddenTargetError},
 *   {@link ResponseTooLargeError}, {@link RedirectError} (not retryable); an AbortError on
 *   cancellation, a TimeoutError after the payload timeout, network errors otherwise.
 */
export async function sendHttp(
  payload: HttpPayload,
  idempotencyKey: string,
  signal: AbortSignal,
  executor: HttpExecutor = createHttpExecutor(),
): Promise<HttpOutcome> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload.headers)) {
    if (name.toLowerCase() !== 'idempotency-key') headers[name] = value;
  }
  headers['Idempotency-Key'] = idempotencyKey;
  let body: string | undefined;
  if (payload.body !== undefined && payload.method !== 'GET' && payload.method !== 'HEAD') {
    if (typeof payload.body === 'string') {
      body = payload.body;
    } else {
      body = JSON.stringify(payload.body);
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
  }
  signal.throwIfAborted();
  const timeout = AbortSignal.timeout(parseDuration(payload.timeout));
  const combined = AbortSignal.any([signal, timeout]);
  let hop: Hop = { url: new URL(payload.url), method: payload.method, headers, body };
  try {
    for (let redirects = 0; ; redirects++) {
      const answer = await sendHop(hop, executor, combined);
      const { location: _location, ...outcome } = answer;
      if (answer.status >= 200 && answer.status < 300) return outcome;
      if (REDIRECTS.has(answer.status) && executor.maxRedirects > 0) {
        if (redirects >= executor.maxRedirects) {
          throw new RedirectError(`more than ${executor.maxRedirects} redirects`);
        }
        hop = redirected(hop, answer.status, answer.location);
        continue;
      }
      throw new HttpStatusError(outcome, isRetryableStatus(answer.status));
    }
  } catch (err) {
    if (timeout.aborted && !signal.aborted) throw timeout.reason;
    throw err;
  }
}
