/**
 * The fire lead on a real dev server: an occurrence's attempt is dispatched FIRE_LEAD before its fire
 * time and held in the worker until then, so the body never starts early; a pause, a PATCH or a
 * cancel that arrives while the attempt is held wins, and the held attempt never runs its body.
 * The API runs with an 8 s lead, so the test can act inside the lead without racing it (the jobs'
 * heartbeat timeout is 20 s: a job's lead is at most half of it). The worker throttles heartbeats
 * to at most one a second, as src/workers/main.ts does.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities';
import { defineHandler, handlerRegistry } from '../../src/activities/handlers';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { actingAs, type TestCaller, testAuth } from '../helpers/api-keys';
import { startDevServerEnv, workflowBundle } from '../helpers/temporal';
import { sleep, waitFor } from '../helpers/wait';
import { installQuietRuntime } from '../helpers/workflow-harness';

const TASK_QUEUE = `lead-e2e-${randomUUID()}`;
const USER = `u-lead-${randomUUID().slice(0, 8)}`;
const CALLER: TestCaller = { user_id: USER, role: 'admin', key: `sk_test_lead_${randomUUID()}` };
const LEAD_MS = 8_000;
/** How far ahead the test's occurrences are scheduled: the lead plus time to see the dispatch. */
const AHEAD_MS = LEAD_MS + 4_000;

/** Every body start the handler saw: idempotency key, scheduled time, args and the worker's clock. */
const bodies: Array<{ key: string; scheduledMs: number; args: unknown; atMs: number }> = [];
const record = defineHandler('lead.record', async (args, ctx) => {
  bodies.push({ key: ctx.idempotencyKey, scheduledMs: Date.parse(ctx.scheduledTime), args, atMs: Date.now() });
  return { ok: true };
});

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let app: Express;

interface JobView {
  status: string;
  paused: boolean;
  counts: { succeeded: number; failed: number; skipped: number; cancelled: number };
  running_attempt: { execution_id: string } | null;
  executions: Array<{ scheduled_time: string; status: string; reason?: string }>;
}

async function view(id: string): Promise<JobView> {
  const res = await request(app).get(`/jobs/${id}`);
  expect(res.status).toBe(200);
  return res.body as JobView;
}

/** A per-minute job whose first occurrence is AHEAD_MS away (a whole second). */
async function createJob(
  name: string,
  extra: Record<string, unknown> = { heartbeat_timeout: '20s' },
): Promise<{ id: string; scheduledMs: number; key: string }> {
  const scheduledMs = Math.ceil((Date.now() + AHEAD_MS) / 1000) * 1000;
  const res = await request(app)
    .post('/jobs')
    .send({
      name,
      frequency: 'interval',
      every: '1m',
      execution_time: new Date(scheduledMs).toISOString(),
      payload: { type: 'handler', name: 'lead.record', args: { v: 1 } },
      ...extra,
    });
  expect(res.status).toBe(201);
  const id = res.body.job_id as string;
  return { id, scheduledMs, key: `${id}:${new Date(scheduledMs).toISOString()}` };
}

/** Waits until the occurrence's attempt is dispatched (held in the worker) and checks it is early. */
async function waitForHeldAttempt(id: string, scheduledMs: number): Promise<void> {
  const held = await waitFor(
    async () => {
      const v = await view(id);
      return v.running_attempt !== null ? Date.now() : undefined;
    },
    { what: 'the attempt to be dispatched ahead of its fire time', timeoutMs: AHEAD_MS + 5_000, intervalMs: 100 },
  );
  // Dispatched within the lead, and the body has not started.
  expect(held).toBeLessThan(scheduledMs);
  expect(bodies.filter((b) => b.scheduledMs === scheduledMs)).toHaveLength(0);
}

beforeAll(async () => {
  installQuietRuntime();
  env = await startDevServerEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ workerIdentity: 'lead-e2e-worker', handlers: handlerRegistry(record) }),
    maxHeartbeatThrottleInterval: '1s',
  });
  running = worker.run();
  const client = createTemporalClient(env.address, 'default');
  const api = createApp({
    client,
    taskQueue: TASK_QUEUE,
    logger: pino({ level: 'silent' }),
    auth: testAuth([CALLER]),
    fireLeadMs: LEAD_MS,
  });
  app = actingAs(CALLER, api);
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('fire lead: dispatched early, held until the fire time', () => {
  it('the body starts at its fire time, never before, after a dispatch within the lead', async () => {
    const { id, scheduledMs, key } = await createJob('lead-on-time');
    await waitForHeldAttempt(id, scheduledMs);
    const body = await waitFor(() => bodies.find((b) => b.key === key), {
      what: 'the body to start',
      timeoutMs: AHEAD_MS + 10_000,
    });
    // 0 early starts: the worker held the attempt until the scheduled instant by its own clock.
    expect(body.atMs).toBeGreaterThanOrEqual(scheduledMs);
    const v = await waitFor(
      async () => {
        const x = await view(id);
        return x.counts.succeeded === 1 ? x : undefined;
      },
      { what: 'the run recorded' },
    );
    expect(v.executions[0]).toMatchObject({ scheduled_time: new Date(scheduledMs).toISOString(), status: 'succeeded' });
    await request(app).delete(`/jobs/${id}`);
  });

  it('a job whose timeout and heartbeat timeout are shorter than the lead: held within them, runs in one attempt', async () => {
    // Lead = half the heartbeat timeout (1 s); the hold is added to the start-to-close timeout.
    const { id, scheduledMs, key } = await createJob('lead-short-timeouts', { timeout: '1s', heartbeat_timeout: '2s' });
    const v = await waitFor(
      async () => {
        const x = await view(id);
        return x.counts.succeeded + x.counts.failed === 1 ? x : undefined;
      },
      { what: 'the run recorded', timeoutMs: AHEAD_MS + 15_000 },
    );
    expect(v.executions[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    const ran = bodies.filter((b) => b.key === key);
    expect(ran).toHaveLength(1);
    expect(ran[0]?.atMs).toBeGreaterThanOrEqual(scheduledMs);
    await request(app).delete(`/jobs/${id}`);
  });

  it('a pause during the lead wins: the held attempt is withdrawn, its body never runs; resumed later, it is skipped as paused', async () => {
    const { id, scheduledMs, key } = await createJob('lead-pause');
    await waitForHeldAttempt(id, scheduledMs);
    expect((await request(app).post(`/jobs/${id}/pause`)).status).toBe(200);
    const paused = await waitFor(
      async () => {
        const x = await view(id);
        return x.running_attempt === null ? x : undefined;
      },
      { what: 'the held attempt withdrawn', timeoutMs: AHEAD_MS + 10_000 },
    );
    expect(paused.status).toBe('paused');
    // Past the fire time: the body never started, and nothing ran.
    await sleep(Math.max(0, scheduledMs + 1_000 - Date.now()));
    expect(bodies.filter((b) => b.key === key)).toHaveLength(0);
    expect((await view(id)).counts).toEqual({ succeeded: 0, failed: 0, skipped: 0, cancelled: 0 });
    // Resumed after its fire time: the occurrence was due while paused, so it is skipped.
    expect((await request(app).post(`/jobs/${id}/resume`)).status).toBe(200);
    const v = await waitFor(
      async () => {
        const x = await view(id);
        return x.counts.skipped === 1 ? x : undefined;
      },
      { what: 'the withdrawn occurrence skipped at resume' },
    );
    expect(v.executions[0]).toMatchObject({
      scheduled_time: new Date(scheduledMs).toISOString(),
      status: 'skipped',
      reason: 'paused',
    });
    expect(v.counts).toEqual({ succeeded: 0, failed: 0, skipped: 1, cancelled: 0 });
    expect(bodies.filter((b) => b.key === key)).toHaveLength(0);
    await request(app).delete(`/jobs/${id}`);
  });

  it('a PATCH during the lead wins: the held attempt is withdrawn and the occurrence runs the new spec', async () => {
    const { id, scheduledMs, key } = await createJob('lead-patch');
    await waitForHeldAttempt(id, scheduledMs);
    const patched = await request(app)
      .patch(`/jobs/${id}`)
      .send({ payload: { type: 'handler', name: 'lead.record', args: { v: 2 } } });
    expect(patched.status).toBe(200);
    const v = await waitFor(
      async () => {
        const x = await view(id);
        return x.counts.succeeded === 1 ? x : undefined;
      },
      { what: 'the occurrence run with the new spec', timeoutMs: AHEAD_MS + 15_000 },
    );
    const ran = bodies.filter((b) => b.key === key);
    expect(ran).toHaveLength(1);
    expect(ran[0]?.args).toEqual({ v: 2 });
    expect(ran[0]?.atMs).toBeGreaterThanOrEqual(scheduledMs);
    expect(v.counts).toEqual({ succeeded: 1, failed: 0, skipped: 0, cancelled: 0 });
    await request(app).delete(`/jobs/${id}`);
  });

  it('a cancel during the lead wins: the occurrence ends cancelled and its body never runs', async () => {
    const { id, scheduledMs, key } = await createJob('lead-cancel');
    await waitForHeldAttempt(id, scheduledMs);
    expect((await request(app).delete(`/jobs/${id}`)).status).toBeLessThan(300);
    const v = await waitFor(
      async () => {
        const x = await view(id);
        return x.status === 'cancelled' ? x : undefined;
      },
      { what: 'the job cancelled', timeoutMs: AHEAD_MS + 10_000 },
    );
    expect(v.counts).toEqual({ succeeded: 0, failed: 0, skipped: 0, cancelled: 1 });
    expect(v.executions[0]).toMatchObject({ scheduled_time: new Date(scheduledMs).toISOString(), status: 'cancelled' });
    await sleep(Math.max(0, scheduledMs + 1_000 - Date.now()));
    expect(bodies.filter((b) => b.key === key)).toHaveLength(0);
  });
});
