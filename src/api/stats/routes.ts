/**
 * `GET /stats/overview`: the console's overview figures (jobs per status, succeeded/failed runs
 * per hour over 24 h, fire lag p50/p99), for the jobs the caller may see: a user their own, an
 * admin all or one user's (`?user_id=`). Read from one visibility listing (JobService.list, the
 * tenancy rule of GET /jobs) and the ledgers of the most recently run jobs (`executions` query),
 * at most {@link LEDGER_QUERIES_AT_ONCE} at a time; one caller's answer is reused for
 * {@link OVERVIEW_TTL_MS}, so parallel or repeated calls cost one computation.
 */

import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import { MAX_JOBS_COUNTED, type OverviewStats, overviewQuerySchema, overviewSchema } from '../../contract';
import type { ExecutionRecord } from '../../domain/job-state';
import { executionsQuery } from '../../workflows/contract';
import { type Principal, principalOf } from '../auth';
import type { JobService } from '../jobs/service';
import { type ApiRoute, RouteTable } from '../openapi';
import { parseOr400 } from '../problem';
import { computeOverview, OVERVIEW_WINDOW_MS } from './overview';

export { MAX_JOBS_COUNTED };
/** Ledgers read for the per-hour figures and the fire lag: the jobs that ran most recently. */
export const MAX_LEDGERS_READ = 50;

/** How long one caller's overview is reused (ms): parallel and repeated calls share one computation. */
export const OVERVIEW_TTL_MS = 4_000;
/** Ledger queries in flight at once for one overview. */
export const LEDGER_QUERIES_AT_ONCE = 5;

/** Collaborators of the `/stats` handler; `recent` holds one computation per caller and filter at a time. */
interface StatsDeps {
  jobs: JobService;
  client: Client;
  now: () => number;
  recent: Map<string, { atMs: number; answer: Promise<OverviewStats> }>;
}

const table = new RouteTable<StatsDeps>('/stats', 'stats');

table.get('/stats/overview', 'statsOverview', {
  summary: 'Overview figures: jobs per status and health, runs per hour (24 h), fire lag p50/p99',
  description:
    `Over the caller's jobs (admins: all, or \`user_id\`): status counts of the newest ${MAX_JOBS_COUNTED} jobs; ` +
    `succeeded and failed ledger entries per UTC hour and the fire lag, read from the ledgers of the ` +
    `${MAX_LEDGERS_READ} most recently run jobs. One caller's figures are reused for ${OVERVIEW_TTL_MS / 1000} s.`,
  query: overviewQuerySchema,
  ok: { 200: ['The figures', overviewSchema] },
  problems: { 403: "A user asked for another user's figures" },
  async handle(req, res, { jobs, client, now, recent }) {
    const query = parseOr400(overviewQuerySchema, req.query, 'query');
    const principal = principalOf(res);
    const key = `${principal.role}:${principal.user_id}:${query.user_id ?? ''}`;
    const nowMs = now();
    for (const [k, v] of recent) if (nowMs - v.atMs >= OVERVIEW_TTL_MS) recent.delete(k);
    let entry = recent.get(key);
    if (entry === undefined) {
      const answer = computeFor(jobs, client, principal, query.user_id, nowMs);
      entry = { atMs: nowMs, answer };
      recent.set(key, entry);
      answer.catch(() => recent.delete(key));
    }
    res.json(await entry.answer);
  },
});

/** Builds the `/stats` router; one caller's answer is reused for {@link OVERVIEW_TTL_MS}. */
export function statsRouter(jobs: JobService, client: Client, now: () => number = Date.now): Router {
  return table.router({ jobs, client, now, recent: new Map() });
}

/** Reads the inputs of one overview: one visibility listing, then the recent ledgers, a few at a time. */
async function computeFor(
  jobs: JobService,
  client: Client,
  principal: Principal,
  userId: string | undefined,
  nowMs: number,
): Promise<OverviewStats> {
  const page = await jobs.list({ limit: MAX_JOBS_COUNTED, ...(userId ? { user_id: userId } : {}) }, principal);
  const recentJobs = page.jobs
    .filter((j) => j.last_run_time !== null && Date.parse(j.last_run_time) >= nowMs - OVERVIEW_WINDOW_MS)
    .sort((a, b) => (b.last_run_time ?? '').localeCompare(a.last_run_time ?? ''))
    .slice(0, MAX_LEDGERS_READ);
  const ledgers: ExecutionRecord[][] = [];
  for (let i = 0; i < recentJobs.length; i += LEDGER_QUERIES_AT_ONCE) {
    const batch = recentJobs.slice(i, i + LEDGER_QUERIES_AT_ONCE);
    ledgers.push(
      ...(await Promise.all(
        batch.map(
          (job) =>
            client.workflow
              .getHandle(job.job_id)
              .query(executionsQuery)
              .catch(() => [] as ExecutionRecord[]), // no worker answered: left out
        ),
      )),
    );
  }
  return computeOverview({
    statuses: page.jobs.map((j) => j.status),
    healths: page.jobs.map((j) => j.health.state),
    truncated: page.next_page_token !== null,
    ledgers,
    nowMs,
  });
}

/** The `/stats` routes, for the OpenAPI document. */
export const statsRoutes: ApiRoute[] = table.routes;
