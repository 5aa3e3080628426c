/**
 * `POST /jobs:batch`: up to 1,000 job submissions in one request (bulk load, as BullMQ's
 * `addBulk` or Google's AIP-233 batch create). Each item is validated and started exactly like
 * `POST /jobs` and answered on its own, in order: a bad item never blocks the others. The
 * submission rate limit counts items, not requests. The answer is 200 when every item was
 * created or replayed, else 207 (WebDAV's Multi-Status, RFC 4918) with each item's problem.
 */
import express, { type RequestHandler } from 'express';
import {
  type BatchItemResult,
  type BatchResult,
  batchEnvelopeSchema,
  batchJobSchema,
  batchRequestSchema,
  batchResultSchema,
} from '../../contract';
import type { Logger } from '../../logger';
import { mapConcurrent } from '../../map-concurrent';
import type { SubmissionOutcomes } from '../../observability/http-metrics';
import { type Principal, principalOf } from '../auth';
import { checkHandlerName } from '../handler-names';
import { type ApiRoute, apiRoute } from '../openapi';
import {
  ProblemError,
  parseOr400,
  problemDocument,
  requestPath,
  requireJsonBody,
  toProblem,
  validationProblem,
} from '../problem';
import { rateLimitProblem, type UserRateLimits } from '../rate-limit';
import type { JobService } from './service';

/** Largest batch body: 1,000 typical job specs fit many times over; one item is still at most {@link ITEM_LIMIT_BYTES}. */
export const BATCH_BODY_LIMIT = '8mb';
/** Largest item, as JSON, bytes: the body limit of `POST /jobs`. */
export const ITEM_LIMIT_BYTES = 64 * 1024;
/** Items of one batch started against Temporal at once. */
export const BATCH_CONCURRENCY = 32;

/** Collaborators of the batch route. */
export interface BatchDeps {
  jobs: JobService;
  limits: UserRateLimits;
  logger: Logger;
  /** `HANDLER_NAMES` patterns; undefined: no submit-time check of handler names. */
  handlerNames?: readonly string[];
}

/** A failed item's result: its status and problem document. */
function failed(problem: ProblemError, instance: string): BatchItemResult {
  return { status: problem.status, problem: problemDocument(problem, instance) };
}

/**
 * The item validated as a submission plus its idempotency key, or the problem to answer for it.
 * Field names in a validation problem are relative to the item (`cron`, `payload.name`), as in a
 * `POST /jobs` answer; `job` names the item itself.
 */
function parseItem(
  item: unknown,
  handlerNames: readonly string[] | undefined,
): { ok: true; parsed: ReturnType<typeof batchJobSchema.parse> } | { ok: false; problem: ProblemError } {
  const bytes = Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
  if (bytes > ITEM_LIMIT_BYTES) {
    return {
      ok: false,
      problem: new ProblemError(
        413,
        'Payload too large',
        `the job is larger than ${ITEM_LIMIT_BYTES} bytes`,
        'too-large',
      ),
    };
  }
  const result = batchJobSchema.safeParse(item);
  if (!result.success) return { ok: false, problem: validationProblem(result.error, 'job') };
  try {
    checkHandlerName(result.data, handlerNames);
  } catch (err) {
    return { ok: false, problem: toProblem(err) };
  }
  return { ok: true, parsed: result.data };
}

/** Starts one valid item's job; its result (201, 200 for a replay, or the problem). */
async function submitOne(
  deps: BatchDeps,
  principal: Principal,
  parsed: ReturnType<typeof batchJobSchema.parse>,
  instance: string,
): Promise<BatchItemResult> {
  const { idempotency_key: idempotencyKey, ...submission } = parsed;
  try {
    const { job, created } = await deps.jobs.create(submission, principal, idempotencyKey);
    return { status: created ? 201 : 200, job };
  } catch (err) {
    const problem = toProblem(err);
    if (problem.status >= 500) deps.logger.error({ err, path: instance }, problem.title);
    return failed(problem, instance);
  }
}

/**
 * The handlers of `POST /jobs:batch` (mounted at app level, after authentication and the rate
 * limits, before the app's 64 KB JSON parser): a JSON parser with {@link BATCH_BODY_LIMIT}, then
 * the batch itself.
 * - 400 for an envelope that is not `{ "jobs": [1 to 1,000 items] }`, 415 for a body that is not JSON;
 * - otherwise 200 or 207 with one result per item (see {@link BatchItemResult}). Valid items take
 *   their share of the caller's submission rate limit in order; those past it get 429, and the
 *   answer then carries `Retry-After` (seconds).
 */
export function batchHandlers(deps: BatchDeps): RequestHandler[] {
  const parseJson = express.json({
    limit: BATCH_BODY_LIMIT,
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  const handle: RequestHandler = async (req, res) => {
    requireJsonBody(req, 'the batch');
    const principal = principalOf(res);
    const { jobs: items } = parseOr400(batchEnvelopeSchema, req.body, 'body');
    const instance = requestPath(req);
    const parsed = items.map((item) => parseItem(item, deps.handlerNames));
    const valid = parsed.filter((p) => p.ok).length;
    const grant = await deps.limits.takeSubmissions(principal.user_id, valid);
    let admitted = 0;
    const results = await mapConcurrent(parsed, BATCH_CONCURRENCY, async (item, index) => {
      const itemInstance = `${instance}#/jobs/${index}`;
      if (!item.ok) return failed(item.problem, itemInstance);
      // Items are admitted in request order: `admitted` counts up synchronously before any await.
      if (admitted++ >= grant.granted) return failed(rateLimitProblem(grant.limit, 'job submissions'), itemInstance);
      return submitOne(deps, principal, item.parsed, itemInstance);
    });
    const accepted = results.filter((r) => r.status === 201).length;
    const replayed = results.filter((r) => r.status === 200).length;
    res.locals.submissionOutcomes = { accepted, rejected: results.length - accepted } satisfies SubmissionOutcomes;
    res.locals.writeLogFields = {
      items: results.length,
      created: accepted,
      replayed,
      failed: results.length - accepted - replayed,
    };
    res.setHeader('RateLimit-Limit', String(grant.limit));
    res.setHeader('RateLimit-Remaining', String(grant.remaining));
    res.setHeader('RateLimit-Reset', String(grant.resetSeconds));
    if (grant.granted < valid) res.setHeader('Retry-After', String(grant.resetSeconds));
    res.status(accepted + replayed === results.length ? 200 : 207).json({ results } satisfies BatchResult);
  };
  return [parseJson, handle];
}

/** `POST /jobs:batch` in the OpenAPI document. */
export const batchRoutes: ApiRoute[] = [
  apiRoute('post', '/jobs:batch', 'createJobs', 'jobs', {
    summary: 'Submit up to 1,000 jobs in one request',
    description:
      'Each item is validated and started like POST /jobs (with `idempotency_key` in place of the header) and ' +
      'answered in `results`, in order: 201 with the job, 200 for an idempotent replay, or the status and problem ' +
      'of that item (400, 403, 409, 413, 429, 503). A bad item never blocks the others. The submission rate limit ' +
      'counts items; items past it get 429 and the answer carries Retry-After.',
    body: batchRequestSchema,
    ok: {
      200: ['Every item was created or replayed', batchResultSchema],
      207: ['Some items failed: see each result', batchResultSchema],
    },
  }),
];
