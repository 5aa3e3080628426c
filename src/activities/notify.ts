/**
 * The `sendAlert` activity: one signed JSON POST per attempt to a job's notify target (the job's
 * own URL, else the worker's `NOTIFY_URL`), reporting a health transition of the job.
 *
 * The request goes through the http executor of `http` jobs (./http.ts): the same SSRF guard
 * (`HTTP_ALLOW_TARGETS`), response cap and timeout handling. Redirects are not followed: a 3xx
 * answer is a rejection, so an alert is never turned into a body-less GET by a 301/302.
 *
 * Signature: with a signing secret, `Scheduler-Signature: sha256=<hex>` carries the lowercase hex
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) of the exact raw body bytes, keyed by the secret, as GitHub's
 * `X-Hub-Signature-256` does. A receiver verifies it on the raw body, before parsing it:
 *
 * ```ts
 * import { createHmac, timingSafeEqual } from 'node:crypto';
 * const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
 * const given = Buffer.from(String(req.headers['scheduler-signature'] ?? ''));
 * const valid = given.length === expected.length && timingSafeEqual(given, expected);
 * ```
 *
 * `Idempotency-Key` is the same for every retry of one alert (draft-ietf-httpapi-idempotency-key-header):
 * a receiver drops the alerts whose key it has already seen.
 */

import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { version } from '../../package.json';
import type { HttpPayload } from '../domain/job-spec';
import { NonRetryableError } from './handlers';
import { createHttpExecutor, type HttpExecutorOptions, HttpStatusError, sendHttp } from './http';
import type { AlertActivities, AlertInput, AlertResult } from './types';

export type { AlertActivities, AlertInput, AlertResult } from './types';

/** Collaborators of {@link createAlertActivities}. */
export interface AlertDeps {
  /** Target of jobs without their own notify URL (config NOTIFY_URL); unset: those jobs send no alert. */
  defaultUrl?: string | undefined;
  /** HMAC key of the `Scheduler-Signature` header (config NOTIFY_SIGNING_SECRET); unset: unsigned. */
  signingSecret?: string | undefined;
  /** SSRF allow-list and limits, as `http` jobs get them (redirects are never followed here). */
  http?: HttpExecutorOptions | undefined;
}

/** Name of the signature header. */
export const SIGNATURE_HEADER = 'Scheduler-Signature';
/** `User-Agent` of alert requests. */
export const ALERT_USER_AGENT = `temporal-job-scheduler/${version}`;
/** Time limit of one alert request (the whole exchange). */
export const ALERT_TIMEOUT = '10s';

/**
 * The `Scheduler-Signature` value of a body: `sha256=` + lowercase hex HMAC-SHA256 (RFC 2104)
 * of its bytes (a string is taken as UTF-8), keyed by `secret`.
 */
export function alertSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Builds the alert activity.
 * @param deps default target, signing secret and http options (read once: the executor is shared).
 * @returns `{ sendAlert }`, see {@link AlertActivities}.
 */
export function createAlertActivities(deps: AlertDeps): AlertActivities {
  const executor = createHttpExecutor({ ...deps.http, maxRedirects: 0 });
  return {
    async sendAlert(input: AlertInput): Promise<AlertResult> {
      const target = input.url ?? deps.defaultUrl;
      if (target === undefined) return { sent: false };
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        throw invalidUrl(input.job_id, 'is not a URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw invalidUrl(input.job_id, `has protocol ${url.protocol}; only http and https are allowed`);
      }
      const urlHost = url.host;
      const body = JSON.stringify({
        event: input.event,
        job_id: input.job_id,
        name: input.name,
        scheduled_time: input.scheduled_time,
        error: input.error,
        health: input.health ?? null,
      });
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body, 'utf8')),
        'User-Agent': ALERT_USER_AGENT,
      };
      if (deps.signingSecret !== undefined) headers[SIGNATURE_HEADER] = alertSignature(deps.signingSecret, body);
      const payload: HttpPayload = {
        type: 'http',
        method: 'POST',
        url: url.href,
        headers,
        body,
        timeout: ALERT_TIMEOUT,
      };
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      try {
        const { status } = await sendHttp(payload, input.idempotency_key, signal, executor);
        ctx.log.info('alert sent', { job_id: input.job_id, event: input.event, url_host: urlHost, status });
        return { sent: true, status, url_host: urlHost };
      } catch (err) {
        if (signal.aborted) {
          throw signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('alert cancelled');
        }
        throw toAlertFailure(err, input, urlHost);
      }
    },
  };
}

/** The non-retryable failure of a target that cannot be sent to. */
function invalidUrl(jobId: string, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `alert target of job ${jobId} ${why}`,
    type: 'InvalidAlertUrl',
    nonRetryable: true,
  });
}

/** Coerces what sendHttp threw into the failure the workflow's retry policy acts on. */
function toAlertFailure(err: unknown, input: AlertInput, urlHost: string): ApplicationFailure {
  const what = `alert ${input.event} of job ${input.job_id} to ${urlHost}`;
  if (err instanceof HttpStatusError) {
    return ApplicationFailure.create({
      message: `${what} answered ${err.message}`,
      type: err.retryable ? 'HttpError' : 'AlertRejected',
      nonRetryable: !err.retryable,
      details: [{ http_status: err.status, url_host: urlHost }],
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return ApplicationFailure.create({
    message: `${what} failed: ${error.message}${cause ? `: ${cause}` : ''}`,
    type: error.name || 'Error',
    nonRetryable: error instanceof NonRetryableError,
    details: [{ url_host: urlHost }],
  });
}
