/**
 * Per-user rate limits on writes (express-rate-limit): job submissions (`POST /jobs`) and other
 * writes (every non-GET request under `/jobs`, so routes added later are covered too), each per
 * user per minute. Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 * (IETF draft-ietf-httpapi-ratelimit-headers, draft 6 names) and, when refused, `Retry-After`
 * and a 429 problem+json. Counts live in a {@link Store}: in memory by default (one API
 * replica); several replicas share counts through a shared store (e.g. `rate-limit-redis`),
 * passed as `rateLimitStore` to createApp.
 */
import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { principalOf } from './auth';
import { ProblemError, requestPath, sendProblem } from './problem';

export type { Store as RateLimitStore } from 'express-rate-limit';

/** Limits, per user per minute. */
export interface RateLimitOptions {
  submissionsPerMinute: number;
  writesPerMinute: number;
  /** Builds one store per limiter (`prefix` keeps the two counts apart); default: in memory. */
  store?: (prefix: string) => Store;
}

const WINDOW_MS = 60_000;

function limiter(limit: number, what: string, store: Store | undefined): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    // Keys are user ids, not client IPs: the library's proxy and IP checks do not apply.
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false },
    // One bucket per user (from the API key), not per IP: users behind one proxy do not share.
    keyGenerator: (_req, res) => principalOf(res).user_id,
    handler: (req, res) => {
      sendProblem(
        res,
        new ProblemError(
          429,
          'Too many requests',
          `rate limit of ${limit} ${what} per minute reached; retry after the Retry-After seconds`,
          'rate-limited',
        ),
        requestPath(req),
      );
    },
  });
}

/**
 * Middleware (after authentication): counts and limits the caller's writes.
 * GET, HEAD and OPTIONS are never limited here.
 */
export function writeRateLimit(options: RateLimitOptions): RequestHandler {
  const submissions = limiter(options.submissionsPerMinute, 'job submissions', options.store?.('submit:'));
  const writes = limiter(options.writesPerMinute, 'writes', options.store?.('write:'));
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      next();
      return;
    }
    const isSubmission = req.method === 'POST' && (req.path === '/jobs' || req.path === '/jobs/');
    return (isSubmission ? submissions : writes)(req, res, next);
  };
}
