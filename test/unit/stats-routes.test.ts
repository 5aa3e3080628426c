/**
 * `GET /stats/overview` costs: parallel calls of one caller share one computation, and the ledger
 * queries it makes run a few at a time (stub JobService and Temporal client: no server needed).
 */
import type { Client } from '@temporalio/client';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/api/auth';
import type { JobService } from '../../src/api/jobs/service';
import { problemHandler } from '../../src/api/problem';
import { LEDGER_QUERIES_AT_ONCE, OVERVIEW_TTL_MS, statsRouter } from '../../src/api/stats/routes';
import { createLogger } from '../../src/logger';

const NOW = Date.parse('2026-11-23T12:30:00.000Z');

function stubs(jobCount: number) {
  const calls = { lists: 0, queries: 0, inFlight: 0, maxInFlight: 0 };
  const jobs = {
    async list() {
      calls.lists++;
      return {
        jobs: Array.from({ length: jobCount }, (_, i) => ({
          job_id: `job-${i}`,
          status: 'pending',
          last_run_time: new Date(NOW - 60_000 - i).toISOString(),
          health: { state: 'ok' },
        })),
        next_page_token: null,
      };
    },
  } as unknown as JobService;
  const client = {
    workflow: {
      getHandle: () => ({
        async query() {
          calls.queries++;
          calls.inFlight++;
          calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          calls.inFlight--;
          return [];
        },
      }),
    },
  } as unknown as Client;
  return { calls, jobs, client };
}

function appWith(jobs: JobService, client: Client, now: () => number, principal: Principal) {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = principal;
    next();
  });
  app.use('/stats', statsRouter(jobs, client, now));
  app.use(problemHandler(createLogger('test', 'silent')));
  return app;
}

describe('GET /stats/overview cost', () => {
  it('20 parallel calls of one caller: one listing, ledger queries at most 5 at a time', async () => {
    const { calls, jobs, client } = stubs(50);
    let now = NOW;
    const app = appWith(jobs, client, () => now, { user_id: 'alice', role: 'user' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(app).get('/stats/overview')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers[0]?.body.jobs_total).toBe(50);
    expect(calls.lists).toBe(1);
    expect(calls.queries).toBe(50);
    expect(calls.maxInFlight).toBeLessThanOrEqual(LEDGER_QUERIES_AT_ONCE);
    // Reused within the TTL, computed again after it.
    await request(app).get('/stats/overview');
    expect(calls.lists).toBe(1);
    now += OVERVIEW_TTL_MS;
    await request(app).get('/stats/overview');
    expect(calls.lists).toBe(2);
  });
});
