/**
 * The API's Prometheus metrics and its `/metrics` endpoint, as one Express router that
 * `createApp` mounts first: it times every request and serves the registry.
 * - `scheduler_http_request_duration_seconds{method,route,status}`: latency histogram;
 * - `scheduler_job_submissions_total{outcome}`: job submissions, `accepted` (201) or `rejected`: one per
 *   `POST /jobs` answer, one per item of `POST /jobs:batch` (its route sets `res.locals.submissionOutcomes`);
 * - `scheduler_http_errors_total{route,status}`: answers with status >= 400;
 * - the Node process metrics of prom-client (`process_*`, `nodejs_*`).
 */
import { type Request, type RequestHandler, Router } from 'express';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * Remembers the route template (e.g. `/jobs/:job_id`) when Express matches a route: Express sets
 * `req.route` then, while `req.baseUrl` still holds the router's mount path (it is restored when an
 * error leaves the router, so reading both at 'finish' would lose the mount path).
 * @returns a function giving the template, or `unmatched` (keeps label sets small).
 */
function trackRoute(req: Request): () => string {
  let template = 'unmatched';
  let current: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set(value: unknown) {
      current = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      // A literal colon is escaped in Express paths (`/jobs\\:batch`); the label shows the path as requested.
      if (typeof path === 'string')
        template = `${req.baseUrl}${path === '/' && req.baseUrl ? '' : path}`.replaceAll('\\', '') || '/';
    },
  });
  return () => template;
}

/** Submissions one request made, when it made several (`res.locals.submissionOutcomes`). */
export interface SubmissionOutcomes {
  /** Jobs created (201). */
  accepted: number;
  /** Items refused or replayed (any other status). */
  rejected: number;
}

/**
 * Builds the metrics router on its own registry (so several apps in one process never clash).
 * @param registry where the metrics live; default: a new registry with the Node process metrics.
 * @param guard runs before `GET /metrics` is answered (e.g. API-key authentication); default none: public.
 */
export function apiMetrics(registry?: Registry, guard?: RequestHandler): Router {
  const reg = registry ?? new Registry();
  if (registry === undefined) collectDefaultMetrics({ register: reg });
  const registers = [reg];
  const latency = new Histogram({
    name: 'scheduler_http_request_duration_seconds',
    help: 'API request latency in seconds, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const submissions = new Counter({
    name: 'scheduler_job_submissions_total',
    help: 'POST /jobs answers: accepted (201) or rejected (any other status)',
    labelNames: ['outcome'],
    registers,
  });
  const errors = new Counter({
    name: 'scheduler_http_errors_total',
    help: 'API answers with status >= 400, by route template and status',
    labelNames: ['route', 'status'],
    registers,
  });

  const router = Router();
  router.use((req, res, next) => {
    const stop = latency.startTimer();
    const routeOf = trackRoute(req);
    res.once('finish', () => {
      const route = routeOf();
      const status = String(res.statusCode);
      stop({ method: req.method, route, status });
      if (res.statusCode >= 400) errors.inc({ route, status });
      const outcomes = res.locals.submissionOutcomes as SubmissionOutcomes | undefined;
      if (outcomes !== undefined) {
        if (outcomes.accepted > 0) submissions.inc({ outcome: 'accepted' }, outcomes.accepted);
        if (outcomes.rejected > 0) submissions.inc({ outcome: 'rejected' }, outcomes.rejected);
      } else if (req.method === 'POST' && route === '/jobs') {
        submissions.inc({ outcome: res.statusCode === 201 ? 'accepted' : 'rejected' });
      }
    });
    next();
  });
  router.get('/metrics', ...(guard ? [guard] : []), async (_req, res) => {
    res.setHeader('content-type', reg.contentType);
    res.send(await reg.metrics());
  });
  return router;
}
