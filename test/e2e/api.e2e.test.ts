/**
 * The API in-process (createApp + supertest) on a real dev server with a worker:
 * paging through GET /jobs with opaque page tokens, the name prefix filter,
 * cancel twice (200 then 409), 404s for unknown jobs, readiness.
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
import { ADMIN, type TestCaller, testAuth } from '../helpers/api-keys';
import { startDevServerEnv, workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { installQuietRuntime } from '../helpers/workflow-harness';

const TASK_QUEUE = `api-e2e-${randomUUID()}`;
const USER = `u-api-${randomUUID().slice(0, 8)}`;
/** The caller of these tests: a user of its own (fresh id, so listings see only this file's jobs). */
const CALLER: TestCaller = { user_id: USER, role: 'user', key: `sk_test_${randomUUID()}` };

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let app: Express;
/** supertest on the app with the caller's API key. */
const api = () => request.agent(app).set('Authorization', `Bearer ${CALLER.key}`);

/** A job that waits an hour before its first run: it stays `pending` during the test. */
function dormantJob(name: string) {
  return {
    name,
    frequency: 'interval',
    every: '1h',
    execution_time: new Date(Date.now() + 3_600_000).toISOString(),
    payload: { type: 'handler', name: 'demo.echo' },
  };
}

beforeAll(async () => {
  installQuietRuntime();
  env = await startDevServerEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ workerIdentity: 'api-e2e-worker', handlers: demoHandlers }),
  });
  running = worker.run();
  // The API's own client (bounded gRPC retries), as src/api/main.ts builds it.
  const client = createTemporalClient(env.address, 'default');
  app = createApp({
    client,
    taskQueue: TASK_QUEUE,
    logger: pino({ level: 'silent' }),
    auth: testAuth([CALLER, ADMIN]),
  });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('API on a real dev server', () => {
  it('pages through GET /jobs with limit and opaque page tokens, filtered by name prefix', async () => {
    const prefix = `paging-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await api()
        .post('/jobs')
        .send(dormantJob(`${prefix}-${n}`));
      expect(res.status).toBe(201);
      ids.push(res.body.job_id);
    }
    await api()
      .post('/jobs')
      .send(dormantJob(`other-${prefix}`))
      .expect(201);

    await waitFor(async () => (await api().get(`/jobs?name=${prefix}&user_id=${USER}`)).body.jobs?.length === 3, {
      what: 'visibility to list the three jobs',
    });
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = `/jobs?name=${prefix}&status=pending&limit=1${token ? `&page_token=${token}` : ''}`;
      const res = await api().get(query);
      expect(res.status).toBe(200);
      expect(res.body.jobs.length).toBeLessThanOrEqual(1);
      for (const job of res.body.jobs) {
        expect(job).toMatchObject({ user_id: USER, status: 'pending' });
        expect(job.name.startsWith(prefix)).toBe(true);
        seen.push(job.job_id);
      }
      token = res.body.next_page_token;
      if (token === null) break;
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(token).toBeNull();
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('a page token that Temporal cannot read is a 400 naming page_token', async () => {
    const res = await api().get('/jobs?page_token=bm90LWEtdG9rZW4');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'page_token' })]);
  });

  it('DELETE cancels once (200), then answers 409; GET and executions still read the job', async () => {
    const created = await api().post('/jobs').send(dormantJob('cancel-twice')).expect(201);
    const id = created.body.job_id as string;
    const first = await api().delete(`/jobs/${id}`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ job_id: id, status: 'cancelled' });

    const second = await api().delete(`/jobs/${id}`);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: '/problems/job-ended', job_status: 'cancelled' });

    const job = await api().get(`/jobs/${id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      job_id: id,
      name: 'cancel-twice',
      user_id: USER,
      status: 'cancelled',
      counts: { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 },
      running_attempt: null,
    });
    expect(Object.keys(job.body).slice(0, 4)).toEqual(['job_id', 'name', 'user_id', 'status']);
    expect(job.body.temporal).toMatchObject({ workflow_id: id, status: 'CANCELLED' });

    const executions = await api().get(`/jobs/${id}/executions`);
    expect(executions.status).toBe(200);
    expect(executions.body).toEqual({ job_id: id, executions: [], next_page_token: null });
  });

  it('unknown jobs are 404 for GET, DELETE and executions; /readyz is 200', async () => {
    for (const [method, path] of [
      ['get', '/jobs/job_missing'],
      ['delete', '/jobs/job_missing'],
      ['get', '/jobs/job_missing/executions'],
    ] as const) {
      const res = await api()[method](path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.type).toBe('/problems/not-found');
    }
    const ready = await api().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });
});
