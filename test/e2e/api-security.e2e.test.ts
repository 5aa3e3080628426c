/**
 * The API's security on a real dev server with a worker, the app listening on 127.0.0.1:
 * - tenancy matrix: two users and an admin × every endpoint, no cross-tenant read or write;
 * - idempotent submit: 20 concurrent identical requests with one Idempotency-Key → one job;
 * - the typed client (src/client) against the running API;
 * - an http job to a forbidden loopback target fails with a clear, non-retryable execution error;
 * - writes are logged with the acting user, and no key ever reaches the log.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, demoHandlers } from '../../src/activities';
import { parseAllowTargets } from '../../src/activities/http-guard';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { type JobSubmission, SchedulerApiError, SchedulerClient, SchedulerConnectionError } from '../../src/client';
import { ADMIN, ALICE, BOB, bearer, CAROL, type TestCaller, testAuth } from '../helpers/api-keys';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { startDevServerEnv, workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { installQuietRuntime } from '../helpers/workflow-harness';

const TASK_QUEUE = `api-security-${randomUUID()}`;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let server: Server;
let baseUrl: string;
let sink: Sink;
const logLines: string[] = [];

/** A job that waits an hour before its first run: it stays `pending` during the test. */
function dormantJob(name: string): JobSubmission {
  return {
    name,
    frequency: 'interval',
    every: '1h',
    execution_time: new Date(Date.now() + 3_600_000).toISOString(),
    payload: { type: 'handler', name: 'demo.echo' },
  };
}

const as = (caller: TestCaller) => ({
  get: (path: string) => request(baseUrl).get(path).set('Authorization', bearer(caller)),
  delete: (path: string) => request(baseUrl).delete(path).set('Authorization', bearer(caller)),
  post: (path: string, body: object) => request(baseUrl).post(path).set('Authorization', bearer(caller)).send(body),
  patch: (path: string, body: object) => request(baseUrl).patch(path).set('Authorization', bearer(caller)).send(body),
});

async function listIds(caller: TestCaller, query: string): Promise<string[]> {
  const res = await as(caller).get(`/jobs?limit=1000&${query}`);
  expect(res.status).toBe(200);
  return (res.body.jobs as { job_id: string }[]).map((j) => j.job_id);
}

beforeAll(async () => {
  installQuietRuntime();
  sink = await startSink();
  env = await startDevServerEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      workerIdentity: 'api-security-worker',
      handlers: demoHandlers,
      // Only the sink's address is allowed; other loopback addresses stay forbidden.
      http: { allow: parseAllowTargets('127.0.0.1') },
    }),
  });
  running = worker.run();
  client = createTemporalClient(env.address, 'default');
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  const app = createApp({
    client,
    taskQueue: TASK_QUEUE,
    logger: pino({ level: 'info' }, logStream),
    auth: testAuth([ALICE, BOB, ADMIN, CAROL]),
    // The API accepts any loopback target, the worker only the sink's 127.0.0.1: so the worker's
    // guard is what refuses 127.0.0.2 at run time (as for a host name that resolves there).
    httpAllowTargets: parseAllowTargets('127.0.0.0/8'),
  });
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await env?.teardown();
  await sink?.close();
});

describe('tenancy: two users and an admin × every endpoint', () => {
  it("nobody reads or writes across tenants; another user's job is a 404 like a missing one", async () => {
    const a = await as(ALICE).post('/jobs', dormantJob('tenancy-alice')).expect(201);
    const b = await as(BOB).post('/jobs', dormantJob('tenancy-bob')).expect(201);
    const jobA = a.body.job_id as string;
    const jobB = b.body.job_id as string;

    // Reads of one job: owner and admin 200, the other user 404 with the body of a missing job.
    const missing = await as(BOB).get('/jobs/job_does_not_exist');
    expect(missing.status).toBe(404);
    const reads: [TestCaller, string, number][] = [
      [ALICE, jobA, 200],
      [BOB, jobA, 404],
      [ADMIN, jobA, 200],
      [ALICE, jobB, 404],
      [BOB, jobB, 200],
      [ADMIN, jobB, 200],
    ];
    for (const [caller, id, status] of reads) {
      for (const path of [`/jobs/${id}`, `/jobs/${id}/executions`]) {
        const res = await as(caller).get(path);
        expect(res.status, `${caller.user_id} GET ${path}`).toBe(status);
        if (status === 404) {
          expect(res.body).toEqual({ ...missing.body, instance: path });
        } else if (!path.endsWith('/executions')) {
          expect(res.body.user_id).toBe(id === jobA ? ALICE.user_id : BOB.user_id);
        }
      }
    }

    // Listings: users see their own jobs only; admins all, or one user's.
    await waitFor(async () => (await listIds(ADMIN, 'name=tenancy-')).length === 2, { what: 'visibility' });
    expect(await listIds(ALICE, 'name=tenancy-')).toEqual([jobA]);
    expect(await listIds(BOB, 'name=tenancy-')).toEqual([jobB]);
    expect(await listIds(ALICE, 'user_id=alice&name=tenancy-')).toEqual([jobA]);
    expect((await listIds(ADMIN, 'name=tenancy-')).sort()).toEqual([jobA, jobB].sort());
    expect(await listIds(ADMIN, 'user_id=bob&name=tenancy-')).toEqual([jobB]);
    expect((await as(ALICE).get('/jobs?user_id=bob')).status).toBe(403);
    expect((await as(BOB).get('/jobs?user_id=alice')).status).toBe(403);

    // Control of a live job (pause, resume, trigger, PATCH): the other user gets a 404; nothing changes.
    for (const [caller, id] of [
      [BOB, jobA],
      [ALICE, jobB],
    ] as const) {
      for (const action of ['pause', 'resume', 'trigger'] as const) {
        const res = await as(caller).post(`/jobs/${id}/${action}`, {});
        expect(res.status, `${caller.user_id} POST ${action}`).toBe(404);
        expect(res.body).toEqual({ ...missing.body, instance: `/jobs/${id}/${action}` });
      }
      const patch = await as(caller).patch(`/jobs/${id}`, { name: 'stolen' });
      expect(patch.status, `${caller.user_id} PATCH`).toBe(404);
    }
    expect((await as(ALICE).get(`/jobs/${jobA}`)).body).toMatchObject({ name: 'tenancy-alice', status: 'pending' });
    expect((await as(ALICE).get(`/jobs/${jobA}/executions`)).body.executions).toEqual([]);
    // The owner and the admin can pause and resume.
    expect((await as(ALICE).post(`/jobs/${jobA}/pause`, {})).body.status).toBe('paused');
    expect((await as(ADMIN).post(`/jobs/${jobA}/resume`, {})).body.status).toBe('pending');

    // Executions on a worker (GET /job/executions): users see their own jobs' only.
    for (const caller of [ALICE, BOB, ADMIN]) {
      const res = await as(caller).get('/job/executions?worker_id=nobody&status=succeeded');
      expect(res.status, `${caller.user_id} GET /job/executions`).toBe(200);
    }

    // Writes: the other user cannot cancel (404) and the job keeps running.
    expect((await as(BOB).delete(`/jobs/${jobA}`)).status).toBe(404);
    expect((await as(ALICE).delete(`/jobs/${jobB}`)).status).toBe(404);
    expect((await as(ALICE).get(`/jobs/${jobA}`)).body.temporal.status).toBe('RUNNING');
    expect((await as(BOB).get(`/jobs/${jobB}`)).body.temporal.status).toBe('RUNNING');
    // An Idempotency-Key is per user: Bob's reuse of Alice's key creates Bob's own job.
    const key = `shared-${randomUUID()}`;
    const aliceKeyed = await as(ALICE).post('/jobs', dormantJob('tenancy-key')).set('Idempotency-Key', key);
    const bobKeyed = await as(BOB).post('/jobs', dormantJob('tenancy-key')).set('Idempotency-Key', key);
    expect([aliceKeyed.status, bobKeyed.status]).toEqual([201, 201]);
    expect(bobKeyed.body.job_id).not.toBe(aliceKeyed.body.job_id);
    expect((await as(BOB).get(`/jobs/${aliceKeyed.body.job_id}`)).status).toBe(404);
    // The owner and the admin can.
    expect((await as(ALICE).delete(`/jobs/${jobA}`)).body).toEqual({ job_id: jobA, status: 'cancelled' });
    expect((await as(ADMIN).delete(`/jobs/${jobB}`)).body).toEqual({ job_id: jobB, status: 'cancelled' });
    for (const id of [aliceKeyed.body.job_id, bobKeyed.body.job_id]) {
      expect((await as(ADMIN).delete(`/jobs/${id}`)).status).toBe(200);
    }
  });

  it('without a key every job endpoint is a 401', async () => {
    for (const [method, path] of [
      ['get', '/jobs'],
      ['post', '/jobs'],
      ['get', '/jobs/job_x'],
      ['get', '/jobs/job_x/executions'],
      ['delete', '/jobs/job_x'],
      ['post', '/jobs/job_x/pause'],
      ['post', '/jobs/job_x/resume'],
      ['post', '/jobs/job_x/trigger'],
      ['patch', '/jobs/job_x'],
      ['get', '/job/executions?worker_id=w1'],
      ['get', '/workers'],
      ['post', '/schedules/preview'],
    ] as const) {
      const res = await request(baseUrl)[method](path);
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });
});

describe('worker pools: `queue` is granted per API key', () => {
  it("a user may name only the API's own queue and the queues granted to its key; an admin any; PATCH too", async () => {
    const refused = await as(ALICE).post('/jobs', { ...dormantJob('pool'), queue: 'reports' });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 403,
      type: expect.stringContaining('queue-not-granted'),
      errors: [{ field: 'queue', message: expect.stringContaining('not granted') }],
    });
    const own = await as(ALICE).post('/jobs', { ...dormantJob('own pool'), queue: TASK_QUEUE });
    expect(own.status).toBe(201);
    const granted = await as(CAROL).post('/jobs', { ...dormantJob('granted pool'), queue: 'reports' });
    expect(granted.status).toBe(201);
    expect((await as(CAROL).post('/jobs', { ...dormantJob('other pool'), queue: 'billing' })).status).toBe(403);
    expect((await as(ADMIN).post('/jobs', { ...dormantJob('any pool'), queue: 'billing' })).status).toBe(201);
    // PATCH: moving Alice's job to a pool she was not granted is refused, and the job keeps its queue.
    const patch = await as(ALICE).patch(`/jobs/${own.body.job_id}`, { queue: 'reports' });
    expect(patch.status).toBe(403);
    // A payload to a literal private IP outside the API's allow-list is refused at PATCH too.
    const privateTarget = await as(ALICE).patch(`/jobs/${own.body.job_id}`, {
      payload: { type: 'http', url: 'http://192.168.0.1/x' },
    });
    expect(privateTarget.status).toBe(400);
    expect(privateTarget.body.errors).toEqual([
      { field: 'payload.url', message: expect.stringContaining('private address') },
    ]);
    expect((await as(ALICE).get(`/jobs/${own.body.job_id}`)).body.spec.queue).toBe(TASK_QUEUE);
    expect((await as(CAROL).patch(`/jobs/${granted.body.job_id}`, { queue: null })).status).toBe(200);
  });

  it("GET /workers shows a user only the API's queue and the queues granted to its key; an admin any", async () => {
    const refused = await as(ALICE).get('/workers?task_queue=reports');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ errors: [{ field: 'task_queue' }] });
    expect((await as(ALICE).get('/workers/w1?task_queue=reports')).status).toBe(403);
    expect((await as(ALICE).get('/workers')).status).toBe(200);
    expect((await as(ALICE).get(`/workers?task_queue=${TASK_QUEUE}`)).status).toBe(200);
    expect((await as(CAROL).get('/workers?task_queue=reports')).status).toBe(200);
    expect((await as(ADMIN).get('/workers?task_queue=billing')).status).toBe(200);
  });
});

describe('idempotent submit', () => {
  it('20 concurrent identical requests with one Idempotency-Key create exactly one job', async () => {
    const key = `burst-${randomUUID()}`;
    const name = `idem-${randomUUID().slice(0, 8)}`;
    const body = dormantJob(name);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => as(ALICE).post('/jobs', body).set('Idempotency-Key', key)),
    );
    const statuses = answers.map((r) => r.status).sort();
    const odd = answers.filter((r) => r.status !== 200 && r.status !== 201).map((r) => [r.status, r.body]);
    expect(statuses, JSON.stringify(odd)).toEqual([200, ...Array(18).fill(200), 201].sort());
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const ids = new Set(answers.map((r) => r.body.job_id));
    expect(ids.size).toBe(1);
    const [jobId] = [...ids];

    // Temporal knows one workflow of that name, and only one (not just one id).
    await waitFor(async () => (await listIds(ALICE, `name=${name}`)).length === 1, { what: 'visibility' });
    const workflows: string[] = [];
    for await (const wf of client.workflow.list({ query: `JobName = '${name}'` })) workflows.push(wf.workflowId);
    expect(workflows).toEqual([jobId]);

    // The same key with another body: 409, and still one job.
    const conflict = await as(ALICE)
      .post('/jobs', dormantJob(`${name}-changed`))
      .set('Idempotency-Key', key);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ type: '/problems/idempotency-key-reused', job_id: jobId });
    // A retry after the job ended still returns it (the key stays bound to the job).
    await as(ALICE).delete(`/jobs/${jobId}`).expect(200);
    const late = await as(ALICE).post('/jobs', body).set('Idempotency-Key', key);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ job_id: jobId, status: 'cancelled' });
  });

  it('without a key, two identical submissions are two jobs', async () => {
    const first = await as(ALICE).post('/jobs', dormantJob('no-key')).expect(201);
    const second = await as(ALICE).post('/jobs', dormantJob('no-key')).expect(201);
    expect(second.body.job_id).not.toBe(first.body.job_id);
    for (const res of [first, second]) await as(ALICE).delete(`/jobs/${res.body.job_id}`).expect(200);
  });
});

describe('typed client against the running API', () => {
  it('create, replay, get, list across pages, executions, cancel', async () => {
    const alice = new SchedulerClient({ baseUrl, apiKey: ALICE.key });
    const bob = new SchedulerClient({ baseUrl, apiKey: BOB.key });
    const prefix = `client-${randomUUID().slice(0, 8)}`;
    const created = [];
    for (const n of [1, 2, 3]) created.push(await alice.create(dormantJob(`${prefix}-${n}`)));
    expect(created.every((c) => c.created && c.status === 'pending')).toBe(true);

    const keyedBody = dormantJob(`${prefix}-keyed`);
    const keyed = await alice.create(keyedBody, { idempotencyKey: `${prefix}-k` });
    const replay = await alice.create(keyedBody, { idempotencyKey: `${prefix}-k` });
    expect(keyed.created).toBe(true);
    expect(replay).toEqual({ ...keyed, created: false });

    const job = await alice.get(created[0]?.job_id as string);
    expect(job).toMatchObject({ job_id: created[0]?.job_id, name: `${prefix}-1`, user_id: 'alice', status: 'pending' });

    await waitFor(async () => (await alice.list({ name: `${prefix}-` })).jobs.length === 4, { what: 'visibility' });
    let pages = 0;
    for await (const page of alice.pages({ name: `${prefix}-`, limit: 1 })) {
      pages++;
      expect(page.jobs.length).toBeLessThanOrEqual(1);
    }
    expect(pages).toBeGreaterThanOrEqual(4);
    const listed: string[] = [];
    for await (const summary of alice.listAll({ name: `${prefix}-`, limit: 2 })) listed.push(summary.job_id);
    expect(listed.sort()).toEqual([...created.map((c) => c.job_id), keyed.job_id].sort());

    expect(await alice.executions(keyed.job_id, { limit: 10 })).toEqual({
      job_id: keyed.job_id,
      executions: [],
      next_page_token: null,
    });
    // Control of a live job through the client.
    expect(await alice.pause(keyed.job_id)).toMatchObject({ job_id: keyed.job_id, status: 'paused', paused: true });
    expect(await alice.resume(keyed.job_id)).toMatchObject({ job_id: keyed.job_id, status: 'pending', paused: false });
    const changed = await alice.update(keyed.job_id, { name: `${prefix}-renamed` });
    expect(changed).toMatchObject({ job_id: keyed.job_id, spec: { name: `${prefix}-renamed`, user_id: 'alice' } });
    expect(changed.next_run_times.every((t: string) => !Number.isNaN(Date.parse(t)))).toBe(true);
    const triggered = await alice.trigger(keyed.job_id, { args: { from: 'client' } });
    expect(triggered).toMatchObject({ job_id: keyed.job_id, execution_id: expect.stringContaining(':manual:') });
    await expect(bob.pause(keyed.job_id)).rejects.toMatchObject({ status: 404 });
    for (const id of listed) expect(await alice.cancel(id)).toEqual({ job_id: id, status: 'cancelled' });
  });

  it('errors are SchedulerApiError with the problem details', async () => {
    const alice = new SchedulerClient({ baseUrl, apiKey: ALICE.key });
    const invalid = await alice.create({ ...dormantJob('bad'), frequency: 'sometimes' } as never).catch((e) => e);
    expect(invalid).toBeInstanceOf(SchedulerApiError);
    expect(invalid).toMatchObject({ status: 400, type: '/problems/validation-error', fields: ['frequency'] });
    expect((invalid as SchedulerApiError).message).toMatch(/^400 Invalid request: frequency: /);
    const badCron = {
      name: 'bad-cron',
      frequency: 'cron',
      cron: '61 * * * *',
      payload: dormantJob('x').payload,
    } as const;
    await expect(alice.create(badCron)).rejects.toThrow(/^400 Invalid request: cron: \S/);

    const bobsJob = await new SchedulerClient({ baseUrl, apiKey: BOB.key }).create(dormantJob('bobs'));
    const hidden = await alice.get(bobsJob.job_id).catch((e) => e);
    expect(hidden).toMatchObject({ name: 'SchedulerApiError', status: 404, type: '/problems/not-found' });
    await new SchedulerClient({ baseUrl, apiKey: BOB.key }).cancel(bobsJob.job_id);

    const stranger = new SchedulerClient({ baseUrl, apiKey: 'sk_wrong' });
    await expect(stranger.list()).rejects.toMatchObject({ status: 401, type: '/problems/unauthorized' });

    const nowhere = new SchedulerClient({ baseUrl: 'http://127.0.0.1:9', apiKey: ALICE.key, retry: { attempts: 2 } });
    const down = await nowhere.get('job_x').catch((e) => e);
    expect(down).toBeInstanceOf(SchedulerConnectionError);
    expect(down).toMatchObject({ url: 'http://127.0.0.1:9/jobs/job_x', attempts: 2 });
  });
});

describe('SSRF through a real job', () => {
  it('an http job to a forbidden loopback address fails once, not retried, with a clear error; the sink gets nothing', async () => {
    const sinkPort = new URL(sink.url).port;
    const res = await as(ALICE)
      .post('/jobs', {
        name: 'ssrf',
        frequency: 'once',
        execution_time: new Date().toISOString(),
        payload: { type: 'http', url: `http://127.0.0.2:${sinkPort}/steal` },
        retry: { max_retries: 3, initial_interval: '100ms' },
      })
      .expect(201);
    const id = res.body.job_id as string;
    const executions = await waitFor(
      async () => {
        const r = await as(ALICE).get(`/jobs/${id}/executions`);
        return r.body.executions?.length === 1 ? r.body.executions : undefined;
      },
      { what: 'the failed execution' },
    );
    expect(executions[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: {
        type: 'ForbiddenTargetError',
        non_retryable: true,
        message: expect.stringContaining(`refused to connect to 127.0.0.2 port ${sinkPort}: loopback address`),
      },
    });
    expect(sink.callsFor(id)).toEqual([]);
  });

  it('an allow-listed target (the sink on 127.0.0.1) is called', async () => {
    const res = await as(ALICE)
      .post('/jobs', {
        name: 'allowed',
        frequency: 'once',
        execution_time: new Date().toISOString(),
        payload: { type: 'http', url: `${sink.url}/ok` },
      })
      .expect(201);
    await waitFor(() => sink.callsFor(res.body.job_id).length === 1, { what: 'the sink call' });
  });
});

describe('write log', () => {
  it('every write is logged with the acting user; keys never appear in the log', () => {
    const writes = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'write');
    expect(writes.length).toBeGreaterThan(10);
    for (const entry of writes) {
      expect(entry).toMatchObject({ method: expect.any(String), status: expect.any(Number) });
      expect(['alice', 'bob', 'root', 'carol']).toContain(entry.user_id);
    }
    expect(writes.some((e) => e.method === 'DELETE' && e.user_id === 'root' && e.status === 200)).toBe(true);
    // A submit is one line, with the job it created.
    const created = writes.filter((e) => e.method === 'POST' && e.path === '/jobs' && e.status === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const entry of created) expect(entry.job_id).toMatch(/^job_/);
    expect(logLines.some((line) => line.includes('"msg":"job created"'))).toBe(false);
    const all = logLines.join('\n');
    for (const caller of [ALICE, BOB, ADMIN, CAROL]) expect(all).not.toContain(caller.key);
  });
});
