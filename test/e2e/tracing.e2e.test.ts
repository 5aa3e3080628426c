/**
 * Optional OpenTelemetry tracing (OTEL_TRACING) on a real dev server: a job submitted through the
 * API's traced client runs on a worker with the tracing interceptors, and the client's
 * `StartWorkflow`, the workflow's `RunWorkflow` / `StartActivity` (exported from the sandbox through
 * the sink) and the attempt's `RunActivity` spans form one trace. Spans go to an in-memory exporter.
 */
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities, demoHandlers } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { createTracing, type Tracing } from '../../src/observability/tracing';
import { workflowBundleOptions } from '../../src/workers/workflow-bundle';
import { startDevServerEnv } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { installQuietRuntime } from '../helpers/workflow-harness';

const TASK_QUEUE = `tracing-e2e-${randomUUID()}`;
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  installQuietRuntime();
  tracing = createTracing({ serviceName: 'scheduler-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  env = await startDevServerEnv();
  // As the worker does (src/observability/worker-observability.ts): the workflow interceptor module is
  // bundled with the workflows, the activity interceptors and the span sink are registered.
  const workflowBundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    workflowInterceptorModules: tracing.workerInterceptors.workflowModules,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: console.error,
    },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle,
    activities: createActivities({ workerIdentity: 'tracing-worker', handlers: demoHandlers }),
    interceptors: { activity: tracing.workerInterceptors.activity },
    sinks: tracing.sinks,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await tracing?.shutdown();
});

describe('OpenTelemetry tracing through Temporal interceptors', () => {
  test('submission, workflow and attempt spans share one trace', async () => {
    const client = createTemporalClient(env.address, 'default', tracing.clientInterceptors);
    const app = createApp({
      client,
      taskQueue: TASK_QUEUE,
      logger: pino({ level: 'silent' }),
      auth: { mode: 'disabled' },
    });
    const res = await request(app)
      .post('/jobs')
      .send({
        name: 'traced',
        frequency: 'once',
        execution_time: new Date().toISOString(),
        payload: { type: 'handler', name: 'demo.echo' },
      });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const jobId = res.body.job_id as string;
    await waitFor(async () => (await request(app).get(`/jobs/${jobId}`)).body.status === 'completed', {
      timeoutMs: 60_000,
      what: 'the traced job completed',
    });

    const spans = await waitFor(
      () => {
        const all = exporter.getFinishedSpans();
        const names = all.map((s) => s.name);
        return [
          'StartWorkflow:jobWorkflow',
          'RunWorkflow:jobWorkflow',
          'StartActivity:runPayload',
          'RunActivity:runPayload',
        ].every((n) => names.includes(n))
          ? all
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the four span kinds' },
    );
    const start = spans.find((s) => s.name === 'StartWorkflow:jobWorkflow');
    const traceId = start?.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const name of ['RunWorkflow:jobWorkflow', 'StartActivity:runPayload', 'RunActivity:runPayload']) {
      expect(spans.filter((s) => s.name === name).map((s) => s.spanContext().traceId)).toContain(traceId);
    }
    expect(start?.resource.attributes['service.name']).toBe('scheduler-test');
  });
});
