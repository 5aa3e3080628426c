/**
 * Rate limits (express-rate-limit). Per user per minute: job submissions (`POST /jobs`, and each
 * item of `POST /jobs:batch`), other
 * writes (every other non-GET request, so routes added later are covered too) and reads (GET and
 * HEAD). Per client address per minute: failed logins (401), counted before the key is checked so
 * that a refused address cannot go on trying keys. Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 * (IETF draft-ietf-httpapi-ratelimit-headers, draft 6 names) and, when refused, `Retry-After`
 * and a 429 problem+json. Counts live in a {@link Store}: in memory by default (one API
 * replica); several replicas share counts through a shared store (e.g. `rate-limit-redis`),
 * passed as `rateLimitStore` to createApp.
 */
import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Store } from 'express-rate-limit';
import { principalOf } from './auth';
import { ProblemError, requestPath, sendProblem } from './problem';

export type { Store as RateLimitStore } from 'express-rate-limit';

/** Limits, per user per minute. */
export interface RateLimitOptions {
  submissionsPerMinute: number;
  writesPerMinute: number;
  /** GET and HEAD requests per user per minute; default {@link DEFAULT_READS_PER_MINUTE}. */
  readsPerMinute?: number;
  /** Failed logins per client address per minute; default {@link DEFAULT_FAILED_LOGINS_PER_MINUTE}. */
  failedLoginsPerMinute?: number;
  /** Builds one store per limiter (`prefix` keeps the two counts apart); default: in memory. */
  store?: (prefix: string) => Store;
}

const WINDOW_MS = 60_000;
/** Default of {@link RateLimitOptions.readsPerMinute}: 100 per second, the console's polling many times over. */
export const DEFAULT_READS_PER_MINUTE = 6_000;
/** Default of the failed-login limit, per client address per minute. */
export const DEFAULT_FAILED_LOGINS_PER_MINUTE = 30;

/** The 429 problem of a limit of `limit` `what` (e.g. `job submissions`) per minute. */
export function rateLimitProblem(limit: number, what: string): ProblemError {
  return new ProblemError(
    429,
    'Too many requests',
    `rate limit of ${limit} ${what} per minute reached; retry after the Retry-After seconds`,
    'rate-limited',
  );
}

function refused(limit: number, what: string): RequestHandler {
  return (req, res) => {
    sendProblem(res, rateLimitProblem(limit, what), requestPath(req));
  };
}

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
    handler: refused(limit, what),
  });
}

/** What {@link UserRateLimits.takeSubmissions} granted. */
export interface SubmissionGrant {
  /** How many of the asked submissions fit in the caller's bucket (0 to the number asked). */
  granted: number;
  /** The limit per minute. */
  limit: number;
  /** Submissions left in the window after this grant. */
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
}

/** The per-user limits: the middleware, and item counting for batch submissions. */
export interface UserRateLimits {
  /**
   * Middleware (after authentication): counts and limits the caller's submissions, other writes and
   * reads, each in its own bucket. OPTIONS is never limited; `POST /jobs:batch` is not counted
   * here (its items are, through {@link takeSubmissions}).
   */
  middleware: RequestHandler;
  /**
   * Counts up to `count` job submissions of `userId` against the submissions bucket (the one
   * `POST /jobs` uses), one at a time, and stops at the limit: a batch gets what is left of the
   * caller's minute, and its other items are refused with 429.
   */
  takeSubmissions(userId: string, count: number): Promise<SubmissionGrant>;
}

/** Path of the batch submission route, counted by items rather than by requests. */
export const BATCH_SUBMISSION_PATH = '/jobs:batch';

/** Builds the per-user limits (see {@link UserRateLimits}). */
export function userRateLimits(options: RateLimitOptions): UserRateLimits {
  const submitStore = options.store?.('submit:') ?? new MemoryStore();
  const submissions = limiter(options.submissionsPerMinute, 'job submissions', submitStore);
  const writes = limiter(options.writesPerMinute, 'writes', options.store?.('write:'));
  const reads = limiter(options.readsPerMinute ?? DEFAULT_READS_PER_MINUTE, 'reads', options.store?.('read:'));
  const limit = options.submissionsPerMinute;
  const middleware: RequestHandler = (req, res, next) => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') return reads(req, res, next);
    if (req.method === 'POST' && req.path === BATCH_SUBMISSION_PATH) {
      next();
      return;
    }
    const isSubmission = req.method === 'POST' && (req.path === '/jobs' || req.path === '/jobs/');
    return (isSubmission ? submissions : writes)(req, res, next);
  };
  const takeSubmissions = async (userId: string, count: number): Promise<SubmissionGrant> => {
    let granted = 0;
    let hits = 0;
    let resetTime: Date | undefined;
    while (granted < count) {
      const info = await submitStore.increment(userId);
      resetTime = info.resetTime;
      hits = info.totalHits;
      if (hits > limit) {
        await submitStore.decrement(userId);
        hits -= 1;
        break;
      }
      granted += 1;
    }
    if (count === 0) hits = (await submitStore.get?.(userId))?.totalHits ?? 0;
    const resetSeconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + WINDOW_MS) - Date.now()) / 1000));
    return { granted, limit, remaining: Math.max(0, limit - hits), resetSeconds };
  };
  return { middleware, takeSubmissions };
}

/**
 * Middleware (before authentication): at most `limitPerMinute` failed logins (answers 401) per
 * client address per minute; past it, every request from that address is a 429 until the window
 * ends, a valid key included, so keys cannot be guessed faster. Only answered 401s count (never
 * requests in flight), so a burst of good requests is not refused for a few failed ones. The
 * address is Express's `req.ip` (the socket's, unless `trust proxy` is set), IPv6 grouped by /56.
 * @param store where the counts live (default in memory); it must implement `get` (express-rate-limit's
 *   MemoryStore and shared stores such as rate-limit-redis do).
 */
export function failedLoginLimit(limitPerMinute: number, store?: Store): RequestHandler {
  const counts: Store = store ?? new MemoryStore();
  counts.init?.({ windowMs: WINDOW_MS } as Parameters<NonNullable<Store['init']>>[0]);
  const deny = refused(limitPerMinute, 'failed logins from this address');
  return async (req, res, next) => {
    const key = ipKeyGenerator(req.ip ?? '');
    const seen = await counts.get?.(key);
    if (seen !== undefined && seen.totalHits >= limitPerMinute && (seen.resetTime?.getTime() ?? 0) > Date.now()) {
      const seconds = Math.max(1, Math.ceil(((seen.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
      res.setHeader('Retry-After', String(seconds));
      deny(req, res, next);
      return;
    }
    res.once('finish', () => {
      if (res.statusCode === 401) void counts.increment(key);
    });
    next();
  };
}
