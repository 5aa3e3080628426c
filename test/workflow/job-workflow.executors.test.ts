/**
 * jobWorkflow with the real executors (createActivities: http + handlers) on the
 * time-skipping test server, against an HTTP server the test starts on 127.0.0.1:
 * idempotency keys across retries, the HTTP status rules, handler failures, and
 * cancellation reaching a running handler.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, demoHandlers, type JobHandler } from '../../src/activities';
import { parseAllowTargets } from '../../src/activities/http-guard';
import type { JobSubmissionInput } from '../../src/domain/job-spec';
import {
  buildSpec,
  describeJob,
  jobWorkflowBundle,
  runCount,
  startJob,
  startWorkflowTestEnv,
  testSlug,
  waitFor,
} from '../helpers/workflow-harness';

const WORKER_ID = 'executors-test-worker';

let env: TestWorkflowEnvironment;
let sink: Server;
let sinkUrl: string;
/** Requests the sink received, by path. */
const received = new Map<string, { key: string | undefined; attempt: number }[]>();
/** Status codes the sink answers per path, one per request (last one repeats). */
const scripted = new Map<string, number[]>();

/** Calls a custom handler saw: attempt, idempotency key, and whether its signal aborted. */
const handlerCalls: { attempt: number; key: string; aborted?: boolean }[] = [];

const handlers = new Map<string, JobHandler>([
  ...demoHandlers,
  [
    'test.flaky-once',
    async (_args, ctx) => {
      handlerCalls.push({ attempt: ctx.attempt, key: ctx.idempotencyKey });
      if (ctx.attempt === 1) throw new Error('first attempt fails');
      return { ok: true };
    },
  ],
  ['test.big-output', async () => ({ text: 'x'.repeat(10_000) })],
  [
    'test.wait-for-abort',
    (_args, ctx) =>
      new Promise((_resolve, reject) => {
        const call: (typeof handlerCalls)[number] = { attempt: ctx.attempt, key: ctx.idempotencyKey, aborted: false };
        handlerCalls.push(call);
        ctx.signal.addEventListener('abort', () => {
          call.aborted = true;
          reject(ctx.signal.reason);
        });
      }),
  ],
]);

beforeAll(async () => {
  env = await startWorkflowTestEnv();
  sink = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/';
    const calls = received.get(path) ?? [];
    calls.push({ key: req.headers['idempotency-key'] as string | undefined, attempt: calls.length + 1 });
    received.set(path, calls);
    const codes = scripted.get(path) ?? [200];
    const status = codes[Math.min(calls.length, codes.length) - 1] ?? 200;
    req.resume();
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${status}`);
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => sink?.close(resolve));
  await env?.teardown();
});

async function worker(taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await jobWorkflowBundle(),
    // The test server listens on loopback, which http jobs may call only when allow-listed.
    activities: createActivities({
      workerIdentity: WORKER_ID,
      handlers,
      http: { allow: parseAllowTargets('127.0.0.1') },
    }),
    identity: WORKER_ID,
    maxHeartbeatThrottleInterval: '100ms',
    defaultHeartbeatThrottleInterval: '100ms',
  });
}

/** Runs a one-time job due now to its end; returns its final description. */
async function runOnce(submission: Partial<JobSubmissionInput>) {
  const id = testSlug();
  const nowMs = await env.currentTimeMs();
  const spec = buildSpec(id, nowMs, {
    frequency: 'once',
    execution_time: new Date(nowMs).toISOString(),
    ...submission,
  });
  const w = await worker(id);
  return w.runUntil(async () => {
    const handle = await startJob(env, id, spec);
    await handle.result().catch(() => undefined);
    return { id, spec, job: await describeJob(handle) };
  });
}

describe('jobWorkflow with the real executors', () => {
  it('http: 2xx succeeds and sends Idempotency-Key = <job_id>:<scheduled_time>', async () => {
    const { id, spec, job } = await runOnce({
      payload: { type: 'http', method: 'POST', url: `${sinkUrl}/ok`, body: { a: 1 } },
    });
    expect(job.status).toBe('completed');
    expect(job.last_execution).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      http_status: 200,
      worker_id: WORKER_ID,
      http: { status: 200, headers: { 'content-type': 'text/plain' }, body_excerpt: 'answer 200' },
    });
    expect(received.get('/ok')?.map((c) => c.key)).toEqual([`${id}:${spec.execution_time}`]);
  });

  it('http: 503 is retried with the same Idempotency-Key, then 200 succeeds', async () => {
    scripted.set('/flaky', [503, 200]);
    const { id, job } = await runOnce({
      payload: { type: 'http', url: `${sinkUrl}/flaky` },
      retry: { max_retries: 2, initial_interval: '1s', backoff_coefficient: 2 },
    });
    expect(job.status).toBe('completed');
    expect(job.last_execution).toMatchObject({ status: 'succeeded', attempts: 2, http_status: 200 });
    expect(job.retry_count).toBe(1);
    const keys = received.get('/flaky')?.map((c) => c.key) ?? [];
    expect(keys).toHaveLength(2);
    expect(new Set(keys)).toEqual(new Set([job.last_execution?.execution_id]));
    expect(keys[0]?.startsWith(`${id}:`)).toBe(true);
  });

  it('http: 404 fails at once (non-retryable), 429 and 500 are retried until max_retries', async () => {
    scripted.set('/gone', [404]);
    const gone = await runOnce({ payload: { type: 'http', url: `${sinkUrl}/gone` } });
    expect(gone.job.status).toBe('failed');
    expect(gone.job.last_execution).toMatchObject({ status: 'failed', attempts: 1, http_status: 404 });
    expect(gone.job.last_execution?.error).toMatchObject({ type: 'HttpError', non_retryable: true });
    // A failed run keeps the answer of its last attempt too.
    expect(gone.job.last_execution?.http).toEqual({
      status: 404,
      headers: { 'content-type': 'text/plain' },
      body_excerpt: 'answer 404',
    });
    expect(received.get('/gone')).toHaveLength(1);

    scripted.set('/busy', [429, 500]);
    const busy = await runOnce({
      payload: { type: 'http', url: `${sinkUrl}/busy` },
      retry: { max_retries: 2, initial_interval: '1s', backoff_coefficient: 2 },
    });
    expect(busy.job.status).toBe('failed');
    expect(busy.job.last_execution).toMatchObject({ attempts: 3, http_status: 500 });
    expect(busy.job.last_execution?.error).toMatchObject({ type: 'HttpError', non_retryable: false });
    expect(received.get('/busy')).toHaveLength(3);
  });

  it('handler: an unknown name fails at once with UnknownHandler', async () => {
    const { job } = await runOnce({ payload: { type: 'handler', name: 'no.such-handler' } });
    expect(job.status).toBe('failed');
    expect(job.last_execution).toMatchObject({ attempts: 1, worker_id: WORKER_ID });
    expect(job.last_execution?.error).toMatchObject({ type: 'UnknownHandler', non_retryable: true });
    expect(job.last_execution?.error?.message).toContain('no.such-handler');
  });

  it('handler: NonRetryableError fails at once; a plain error is retried with the same idempotency key', async () => {
    const permanent = await runOnce({ payload: { type: 'handler', name: 'demo.fail', args: { non_retryable: true } } });
    expect(permanent.job.last_execution?.error).toMatchObject({ type: 'NonRetryableError', non_retryable: true });
    expect(permanent.job.last_execution?.attempts).toBe(1);

    const flaky = await runOnce({ payload: { type: 'handler', name: 'test.flaky-once' } });
    expect(flaky.job.status).toBe('completed');
    expect(flaky.job.last_execution?.attempts).toBe(2);
    expect(flaky.job.last_execution?.output).toEqual({ ok: true });
    expect(flaky.job.last_execution?.output_truncated).toBeUndefined();
    const flakyCalls = handlerCalls.filter((c) => c.key.startsWith(`${flaky.id}:`));
    expect(flakyCalls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(new Set(flakyCalls.map((c) => c.key))).toEqual(new Set([flaky.job.last_execution?.execution_id]));
  });

  it('handler: the return value is kept capped at 8 KB, across continue-as-new', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'interval',
      every: '1m',
      payload: { type: 'handler', name: 'test.big-output' },
    });
    const w = await worker(id);
    await w.runUntil(async () => {
      const handle = await startJob(env, id, spec, { continue_as_new_after: 2 });
      await env.sleep('3m');
      const job = await waitFor('3 runs and a continue-as-new', async () => {
        const d = await describeJob(handle);
        return runCount(d) >= 3 && d.generation >= 1 ? d : undefined;
      });
      expect(job.executions.length).toBeGreaterThanOrEqual(3);
      for (const run of job.executions) {
        expect(run.output_truncated).toBe(true);
        expect(Buffer.byteLength(run.output as string)).toBe(8_192);
        expect((run.output as string).startsWith('{"text":"xxxx')).toBe(true);
      }
      await handle.terminate('test done');
    });
  });

  it('cancellation reaches a running handler through its signal, and the job ends cancelled', async () => {
    const id = testSlug();
    const nowMs = await env.currentTimeMs();
    const spec = buildSpec(id, nowMs, {
      frequency: 'once',
      execution_time: new Date(nowMs).toISOString(),
      payload: { type: 'handler', name: 'test.wait-for-abort' },
      heartbeat_timeout: '2s',
    });
    const w = await worker(id);
    await w.runUntil(async () => {
      const handle = await startJob(env, id, spec);
      await waitFor('the attempt to start', async () => (await describeJob(handle)).status === 'running');
      // Let the first heartbeat reach the server, so the cancellation is delivered through it.
      await waitFor('a running activity', async () => {
        const { raw } = await handle.describe();
        return (raw.pendingActivities ?? []).some((a) => a.lastHeartbeatTime);
      });
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      const job = await describeJob(handle);
      expect(job.status).toBe('cancelled');
      expect(runCount(job)).toBe(0);
      expect(handlerCalls.filter((c) => c.key.startsWith(`${id}:`))).toEqual([
        { attempt: 1, key: `${id}:${spec.execution_time}`, aborted: true },
      ]);
    });
  });
});
