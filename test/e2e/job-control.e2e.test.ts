/**
 * Control of a live job through the API on a real dev server (Temporal workflow updates):
 * pause / resume (status `paused` in GET /jobs/{id} and in the JobStatus search attribute),
 * trigger with args (202, queued behind a running occurrence, a third refused with 409),
 * PATCH validated like a submit (400 naming fields, 409 for an ended job, 404 unknown),
 * the paginated ledger (GET /jobs/{id}/executions with limit and page_token), next_run_times.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, demoHandlers } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { actingAs, type TestCaller, testAuth } from '../helpers/api-keys';
import { startDevServerEnv, workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { installQuietRuntime } from '../helpers/workflow-harness';

const TASK_QUEUE = `control-e2e-${randomUUID()}`;
const USER = `u-control-${randomUUID().slice(0, 8)}`;
const CALLER: TestCaller = { user_id: USER, role: 'admin', key: `sk_test_control_${randomUUID()}` };
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let app: Express;

/** An hourly job whose first run is an hour away: it stays `pending` during the test. */
function dormantJob(name: string, payload: object = { type: 'handler', name: 'demo.echo', args: { from: 'spec' } }) {
  const first = Math.floor(Date.now() / 1000) * 1000 + HOUR;
  return {
    name,
    frequency: 'interval',
    every: '1h',
    execution_time: new Date(first).toISOString(),
    payload,
  };
}

/** Occurrences of the job that ran (succeeded or failed), from its ledger counts. */
async function runsOf(id: string): Promise<number> {
  const { counts } = (await request(app).get(`/jobs/${id}`)).body as { counts: { succeeded: number; failed: number } };
  return counts.succeeded + counts.failed;
}

async function create(body: object): Promise<string> {
  const res = await request(app).post('/jobs').send(body);
  expect(res.status).toBe(201);
  return res.body.job_id as string;
}

beforeAll(async () => {
  installQuietRuntime();
  env = await startDevServerEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ workerIdentity: 'control-e2e-worker', handlers: demoHandlers }),
  });
  running = worker.run();
  const client = createTemporalClient(env.address, 'default');
  const api = createApp({ client, taskQueue: TASK_QUEUE, logger: pino({ level: 'silent' }), auth: testAuth([CALLER]) });
  // Every request of this file acts as CALLER (tenancy is tested in api-security.e2e.test.ts).
  app = actingAs(CALLER, api);
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('control of a live job on a real dev server', () => {
  it('pause and resume: GET, the search attribute and the listing show paused, then pending', async () => {
    const id = await create(dormantJob('pause-resume'));
    const paused = await request(app).post(`/jobs/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ job_id: id, status: 'paused', paused: true });
    // The update answered after the workflow accepted it: the next read sees it.
    const job = await request(app).get(`/jobs/${id}`);
    expect(job.body).toMatchObject({ status: 'paused', paused: true, next_run_time: null, next_run_times: [] });
    await waitFor(
      async () =>
        (await request(app).get(`/jobs?status=paused&user_id=${USER}`)).body.jobs?.some(
          (j: { job_id: string }) => j.job_id === id,
        ),
      { what: 'visibility to list the job as paused' },
    );

    const resumed = await request(app).post(`/jobs/${id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ job_id: id, status: 'pending', paused: false });
    const after = await request(app).get(`/jobs/${id}`);
    expect(after.body.status).toBe('pending');
    expect(after.body.next_run_times).toHaveLength(5);
    expect(after.body.next_run_times[0]).toBe(after.body.next_run_time);
    expect(Date.parse(after.body.next_run_times[1]) - Date.parse(after.body.next_run_times[0])).toBe(HOUR);
  });

  it('trigger with args runs now (202) without moving the schedule; the ledger pages newest first', async () => {
    const id = await create(dormantJob('trigger-args'));
    const before = await request(app).get(`/jobs/${id}`);
    for (const n of [1, 2, 3]) {
      const res = await request(app).post(`/jobs/${id}/trigger`).send({ args: { n } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ job_id: id, status: 'started' });
      expect(res.body.execution_id).toBe(`${id}:manual:${res.body.scheduled_time}`);
      await waitFor(async () => (await runsOf(id)) === n, {
        what: `triggered run ${n}`,
      });
    }
    const job = await request(app).get(`/jobs/${id}`);
    expect(job.body.counts).toEqual({ succeeded: 3, failed: 0, skipped: 0, cancelled: 0 });
    expect(job.body.next_run_time).toBe(before.body.next_run_time);

    const first = await request(app).get(`/jobs/${id}/executions?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.executions).toHaveLength(2);
    expect(first.body.executions.every((e: { trigger: string }) => e.trigger === 'manual')).toBe(true);
    expect(first.body.executions[0].seq).toBeGreaterThan(first.body.executions[1].seq);
    expect(first.body.next_page_token).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await request(app).get(`/jobs/${id}/executions?limit=2&page_token=${first.body.next_page_token}`);
    expect(second.body.executions).toHaveLength(1);
    expect(second.body.next_page_token).toBeNull();
    const seqs = [...first.body.executions, ...second.body.executions].map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([3, 2, 1]);

    const bad = await request(app).get(`/jobs/${id}/executions?page_token=bm9wZQ`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'page_token' })]);
  });

  it('trigger: queued behind a running occurrence, a third is 409; a body override on a handler job is 400', async () => {
    const id = await create(dormantJob('trigger-queue', { type: 'handler', name: 'demo.sleep', args: { ms: 3000 } }));
    const started = await request(app).post(`/jobs/${id}/trigger`).send({});
    expect(started.body.status).toBe('started');
    await waitFor(async () => (await request(app).get(`/jobs/${id}`)).body.status === 'running', {
      what: 'the triggered run to start',
    });
    const queued = await request(app).post(`/jobs/${id}/trigger`);
    expect(queued.status).toBe(202);
    expect(queued.body.status).toBe('queued');
    const third = await request(app).post(`/jobs/${id}/trigger`);
    expect(third.status).toBe(409);
    expect(third.body.type).toBe('/problems/trigger-pending');
    const wrong = await request(app)
      .post(`/jobs/${id}/trigger`)
      .send({ body: { x: 1 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'body' })]);
    const unknown = await request(app).post(`/jobs/${id}/trigger`).send({ payload: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'payload' })]);
    await waitFor(async () => (await runsOf(id)) === 2, {
      what: 'both runs, one after the other',
      timeoutMs: 30_000,
    });
  });

  it('PATCH changes the schedule from the next occurrence, validated like a submit', async () => {
    const id = await create(dormantJob('patch'));
    const res = await request(app)
      .patch(`/jobs/${id}`)
      .send({ frequency: 'cron', cron: '0 3 * * *', every: null, timezone: 'Europe/Berlin', misfire_policy: 'skip' });
    expect(res.status).toBe(200);
    expect(res.body.spec).toMatchObject({ cron: '0 3 * * *', timezone: 'Europe/Berlin', misfire_policy: 'skip' });
    expect(res.body.spec).not.toHaveProperty('every');
    expect(res.body.next_run_times).toHaveLength(5);
    for (const t of res.body.next_run_times as string[]) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(t));
      expect(local).toBe('03:00');
    }
    const job = await request(app).get(`/jobs/${id}`);
    expect(job.body.next_run_time).toBe(res.body.next_run_times[0]);
    expect(job.body.spec.cron).toBe('0 3 * * *');

    const invalid = await request(app).patch(`/jobs/${id}`).send({ cron: '61 * * * *' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'cron' })]);
    const owner = await request(app).patch(`/jobs/${id}`).send({ user_id: 'someone-else' });
    expect(owner.status).toBe(400);
    expect(owner.body.errors).toEqual([{ field: 'user_id', message: 'cannot be changed' }]);
    const typo = await request(app).patch(`/jobs/${id}`).send({ cronn: '* * * * *' });
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([{ field: 'cronn', message: 'is not a known field' }]);
    const text = await request(app).patch(`/jobs/${id}`).set('content-type', 'text/plain').send('x');
    expect(text.status).toBe(415);

    await request(app).delete(`/jobs/${id}`).expect(200);
    const ended = await request(app).patch(`/jobs/${id}`).send({ cron: '0 4 * * *' });
    expect(ended.status).toBe(409);
    const pauseEnded = await request(app).post(`/jobs/${id}/pause`);
    expect(pauseEnded.status).toBe(409);
    for (const [method, path] of [
      ['patch', '/jobs/job_missing'],
      ['post', '/jobs/job_missing/pause'],
      ['post', '/jobs/job_missing/trigger'],
    ] as const) {
      const missing = await request(app)[method](path).send({});
      expect(missing.status, `${method} ${path}`).toBe(404);
    }
  });
});
