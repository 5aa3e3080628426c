/**
 * The API's /metrics and /readyz without a Temporal server: /readyz answers 503 while Temporal
 * is unreachable (a closed loopback port), and /metrics counts those answers by route template.
 */
import pino from 'pino';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { sampleValue } from '../helpers/prometheus';

const client = createTemporalClient('127.0.0.1:1', 'default');
const app = createApp({ client, taskQueue: 'unused', logger: pino({ level: 'silent' }), auth: { mode: 'disabled' } });

describe('API /readyz and /metrics', () => {
  test('/readyz fails with 503 problem+json while Temporal is unreachable; /healthz still answers', async () => {
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  test('/metrics counts requests by route template and errors by status', async () => {
    await request(app).get('/jobs/job_00000000-0000-0000-0000-000000000000/nope');
    await request(app).post('/jobs').set('content-type', 'application/json').send('{"name": 1}');
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(sampleValue(text, 'scheduler_http_errors_total', { route: '/readyz', status: '503' })).toBe(1);
    expect(sampleValue(text, 'scheduler_http_errors_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(sampleValue(text, 'scheduler_http_errors_total', { route: '/jobs', status: '400' })).toBe(1);
    expect(sampleValue(text, 'scheduler_job_submissions_total', { outcome: 'rejected' })).toBe(1);
    expect(
      sampleValue(text, 'scheduler_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/healthz',
        status: '200',
      }),
    ).toBe(1);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes /m);
  });
});
