/**
 * The API side of the job console, on the app (supertest) with a Temporal client pointed at
 * 127.0.0.1:1 (nothing listens): `/` and `/assets` from the built folder (public, same-origin,
 * Helmet's CSP unchanged), the 503 problem when the console is not built, `GET /console/config`
 * behind the key, and `GET /stats/overview`'s tenancy check and figures (computeOverview).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { computeOverview, fireLagMs, percentile } from '../../src/api/stats/overview';
import { createTemporalClient } from '../../src/api/temporal-client';
import type { ExecutionRecord } from '../../src/domain/job-state';
import { ADMIN, ALICE, bearer, testAuth } from '../helpers/api-keys';

const client = createTemporalClient('127.0.0.1:1', 'default');
const silent = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'console-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(
  join(dir, 'index.html'),
  '<!doctype html><script type="module" src="/assets/index-abc.js"></script><div id="app"></div>',
);
writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1);');
writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"></svg>');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await client.connection.close();
});

const app = createApp({
  client,
  taskQueue: 't',
  logger: silent,
  auth: testAuth(),
  console: { dir, temporalUiUrl: 'http://ui.test:8233/' },
});

describe('the console page and its assets', () => {
  it('GET / (no key) answers the built index.html, not cached, under the default CSP', async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<div id="app">');
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('GET /assets/* (no key) serves hashed files for a year; a missing one is a 404 problem', async () => {
    const res = await request(app).get('/assets/index-abc.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    const missing = await request(app).get('/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await request(app).get('/favicon.svg')).status).toBe(200);
  });

  it('without a built console, GET / is a 503 problem naming npm run build:console', async () => {
    const bare = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      console: { dir: join(dir, 'missing') },
    });
    const res = await request(bare).get('/');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/console-not-built', status: 503 });
    expect(res.body.detail).toContain('npm run build:console');
  });

  it('the rest of the API still needs a key, and /docs still works', async () => {
    expect((await request(app).get('/jobs')).status).toBe(401);
    expect((await request(app).get('/console/config')).status).toBe(401);
    expect((await request(app).get('/docs/')).status).toBe(200);
  });
});

describe('GET /console/config', () => {
  it('names the caller, the namespace and the Temporal Web UI base (no trailing slash)', async () => {
    const res = await request(app).get('/console/config').set('Authorization', bearer(ALICE));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user_id: 'alice',
      role: 'user',
      namespace: 'default',
      temporal_ui_url: 'http://ui.test:8233',
    });
    const admin = await request(app).get('/console/config').set('Authorization', bearer(ADMIN));
    expect(admin.body.role).toBe('admin');
  });
});

describe('GET /stats/overview', () => {
  it("a user asking for another user's figures is a 403; a bad user_id a 400", async () => {
    const res = await request(app).get('/stats/overview?user_id=bob').set('Authorization', bearer(ALICE));
    expect(res.status).toBe(403);
    const bad = await request(app).get("/stats/overview?user_id=b'ob").set('Authorization', bearer(ADMIN));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('user_id');
    expect((await request(app).get('/stats/overview')).status).toBe(401);
  });

  it('is in the OpenAPI document with its schema', async () => {
    const doc = (await request(app).get('/openapi.json')).body;
    expect(doc.paths['/stats/overview'].get.operationId).toBe('statsOverview');
    expect(doc.paths['/console/config'].get.operationId).toBe('consoleConfig');
    expect(doc.components.schemas.OverviewStats.required).toEqual(
      expect.arrayContaining(['jobs_by_status', 'executions_per_hour', 'fire_lag']),
    );
  });
});

const NOW = Date.parse('2026-11-23T12:30:00.000Z');

function ran(
  status: 'succeeded' | 'failed',
  scheduled: string,
  startLagMs: number,
  extra: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  const s = Date.parse(scheduled);
  return {
    execution_id: `job_1:${scheduled}`,
    scheduled_time: scheduled,
    started_at: new Date(s + startLagMs).toISOString(),
    finished_at: new Date(s + startLagMs + 100).toISOString(),
    status,
    attempts: 1,
    worker_id: 'w1',
    ...extra,
  };
}

describe('computeOverview', () => {
  it('percentile is nearest-rank; empty is null', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([4, 1, 3, 2], 99)).toBe(4);
    expect(
      percentile(
        [...Array(100).keys()].map((i) => i + 1),
        99,
      ),
    ).toBe(99);
  });

  it('fire lag: first attempt start minus scheduled time; manual, skipped and cancelled runs have none', () => {
    expect(fireLagMs(ran('succeeded', '2026-11-23T12:00:00.000Z', 42))).toBe(42);
    const retried = ran('failed', '2026-11-23T12:00:00.000Z', 5_000, {
      attempt_history: [
        {
          attempt: 1,
          worker_id: 'w1',
          started_at: '2026-11-23T12:00:00.007Z',
          finished_at: '2026-11-23T12:00:01.000Z',
          status: 'failed',
        },
      ],
    });
    expect(fireLagMs(retried)).toBe(7);
    expect(fireLagMs(ran('succeeded', '2026-11-23T12:00:00.000Z', 3, { trigger: 'manual' }))).toBeNull();
    expect(fireLagMs({ ...ran('succeeded', '2026-11-23T12:00:00.000Z', 3), status: 'skipped' })).toBeNull();
    expect(fireLagMs({ ...ran('succeeded', '2026-11-23T12:00:00.000Z', 3), status: 'cancelled' })).toBeNull();
  });

  it('counts jobs per status, runs per UTC hour over 24 h, and the lag percentiles', () => {
    const ledgers = [
      [
        ran('succeeded', '2026-11-23T12:10:00.000Z', 10),
        ran('failed', '2026-11-23T12:05:00.000Z', 30),
        ran('succeeded', '2026-11-23T11:59:00.000Z', 20),
        { ...ran('succeeded', '2026-11-23T11:00:00.000Z', 0), status: 'skipped' as const, reason: 'overlap' as const },
        ran('succeeded', '2026-11-22T11:00:00.000Z', 5), // older than 24 h: left out
      ],
      [ran('succeeded', '2026-11-23T00:00:00.000Z', 1_000, { trigger: 'manual' })],
    ];
    const stats = computeOverview({
      statuses: ['pending', 'pending', 'paused', 'failed'],
      healths: ['ok', 'failing', 'unknown', 'failing'],
      truncated: false,
      ledgers,
      nowMs: NOW,
    });
    expect(stats.jobs_by_status).toEqual({ pending: 2, paused: 1, failed: 1 });
    expect(stats.jobs_by_health).toEqual({ ok: 1, failing: 2, late: 0, unknown: 1 });
    expect(stats.jobs_total).toBe(4);
    expect(stats.executions_per_hour).toHaveLength(25);
    expect(stats.executions_per_hour[0]?.hour).toBe('2026-11-22T12:00:00.000Z');
    expect(stats.executions_per_hour.at(-1)).toEqual({ hour: '2026-11-23T12:00:00.000Z', succeeded: 1, failed: 1 });
    expect(stats.executions_per_hour.at(-2)).toEqual({ hour: '2026-11-23T11:00:00.000Z', succeeded: 1, failed: 0 });
    const midnight = stats.executions_per_hour.find((h) => h.hour === '2026-11-23T00:00:00.000Z');
    expect(midnight).toEqual({ hour: '2026-11-23T00:00:00.000Z', succeeded: 1, failed: 0 }); // manual runs count here
    expect(stats.fire_lag).toEqual({ p50_ms: 20, p99_ms: 30, samples: 3 });
    expect(stats.ledgers_read).toBe(2);
    expect(stats.generated_at).toBe('2026-11-23T12:30:00.000Z');
  });

  it('without runs: empty hours and null percentiles', () => {
    const stats = computeOverview({ statuses: [], healths: [], truncated: true, ledgers: [], nowMs: NOW });
    expect(stats.fire_lag).toEqual({ p50_ms: null, p99_ms: null, samples: 0 });
    expect(stats.jobs_truncated).toBe(true);
    expect(stats.executions_per_hour.every((h) => h.succeeded === 0 && h.failed === 0)).toBe(true);
  });
});
