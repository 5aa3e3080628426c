/**
 * Observability end to end: the worker and the API as separate processes on the dev server.
 * After a few executions (three that succeed, one HTTP job that fails twice: one retry), the
 * worker's metrics port exposes the execution counter by status, the fire-lag histogram with
 * one observation per occurrence, the retry counter and the Temporal SDK's runtime metrics;
 * the API's /metrics counts submissions, errors and request latency; every execution log line
 * is JSON with job id, occurrence, attempt and worker.
 */
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { freePorts } from '../../src/free-ports';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { sampleValue } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait';

let stack: Stack;
let sink: Sink;
let workerMetricsUrl: string;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  sink = await startSink();
  const [metricsPort] = (await freePorts(1)) as [number];
  workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  stack = await startStack({
    cliPath,
    name: basename(__filename)
      .replace(/\.test\.ts$/, '')
      .replace(/\./g, '-'),
    env: { WORKER_METRICS_PORT: String(metricsPort) },
  });
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

function onceJob(name: string, payload: Json, retry?: Json): Json {
  return {
    name,
    frequency: 'once',
    execution_time: new Date().toISOString(),
    payload,
    ...(retry ? { retry } : {}),
  };
}

describe('metrics and structured logs (worker and API processes, dev server)', () => {
  const jobIds: string[] = [];

  test('after a few executions the worker exposes executions by status, fire lag and retries', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await stack.request(
        'POST',
        '/jobs',
        onceJob(`metrics ok ${i}`, { type: 'handler', name: 'demo.echo' }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      jobIds.push(res.body.job_id);
    }
    const failing = await stack.request(
      'POST',
      '/jobs',
      onceJob(
        'metrics failing',
        { type: 'http', url: `${sink.url}/status/500` },
        { max_retries: 1, initial_interval: '1s' },
      ),
    );
    expect(failing.status, JSON.stringify(failing.body)).toBe(201);
    jobIds.push(failing.body.job_id);

    const finals = await waitFor(
      async () => {
        const statuses = await Promise.all(
          jobIds.map(async (id) => (await stack.request('GET', `/jobs/${id}`)).body.status),
        );
        return statuses.every((s) => s === 'completed' || s === 'failed') ? statuses : undefined;
      },
      { timeoutMs: 60_000, what: 'all four jobs ended' },
    );
    expect(finals).toEqual(['completed', 'completed', 'completed', 'failed']);
    expect(sink.callsFor(failing.body.job_id)).toHaveLength(2);

    const text = await scrape(workerMetricsUrl);
    expect(sampleValue(text, 'scheduler_executions_total', { status: 'succeeded' })).toBe(3);
    expect(sampleValue(text, 'scheduler_executions_total', { status: 'failed' })).toBe(2);
    expect(sampleValue(text, 'scheduler_execution_retries_total')).toBe(1);
    // One fire-lag observation per occurrence (first attempts only): 4 jobs, one occurrence each.
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_count')).toBe(4);
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_bucket', { le: '+Inf' })).toBe(4);
    expect(sampleValue(text, 'scheduler_execution_duration_seconds_count', { status: 'succeeded' })).toBe(3);
    expect(sampleValue(text, 'scheduler_execution_checkpoints_total')).toBe(0);
    // The Temporal SDK's runtime metrics are served on the same port.
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  test('every execution log line is JSON with job id, occurrence, attempt and worker', () => {
    const lines = stack.worker.output
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json)
      .filter((l) => l.msg === 'execution started' || l.msg === 'execution ended');
    // 3 + 2 attempts, each with a start and an end line.
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      expect(jobIds).toContain(line.job_id);
      expect(line.occurrence).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(line.attempt).toBeGreaterThanOrEqual(1);
      expect(line.worker).toBe(stack.workerIdentity);
      expect(line.idempotency_key).toBe(`${line.job_id}:${line.occurrence}`);
    }
    const failedEnds = lines.filter((l) => l.msg === 'execution ended' && l.status === 'failed');
    expect(failedEnds.map((l) => l.attempt).sort()).toEqual([1, 2]);
  });

  test('the API exposes submissions, errors and request latency at /metrics', async () => {
    const bad = await stack.request('POST', '/jobs', { name: 'no frequency' });
    expect(bad.status).toBe(400);
    const text = await scrape(`${stack.apiUrl}/metrics`);
    expect(sampleValue(text, 'scheduler_job_submissions_total', { outcome: 'accepted' })).toBe(4);
    expect(sampleValue(text, 'scheduler_job_submissions_total', { outcome: 'rejected' })).toBe(1);
    expect(sampleValue(text, 'scheduler_http_errors_total', { route: '/jobs', status: '400' })).toBe(1);
    expect(
      sampleValue(text, 'scheduler_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/jobs',
        status: '201',
      }),
    ).toBe(4);
    expect(
      sampleValue(text, 'scheduler_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/jobs/:job_id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(4);
  });
});
