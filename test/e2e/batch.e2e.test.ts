/**
 * `POST /jobs:batch` on a real dev server: mixed valid and invalid items answered one by one in
 * order (207), replays through `idempotency_key` (200) and a reused key (409), tenancy (another
 * user neither sees the jobs nor shares their keys; queues not granted are 403 per item), the
 * envelope's own 400 / 413 / 415, handler names checked per item, and the submission rate limit
 * counted per item (429 for the items past it, shared with `POST /jobs`).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, demoHandlers } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import type { BatchItemResult } from '../../src/contract';
import { ALICE, BOB, bearer, CAROL, type TestCaller, testAuth } from '../helpers/api-keys';
import { startDevServerEnv, workflowBundle } from '../helpers/temporal';

const TASK_QUEUE = `batch-e2e-${randomUUID()}`;
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let app: Express;

/** A one-time job an hour away: it stays pending during the test. */
function job(name: string, extra: object = {}) {
  return {
    name,
    frequency: 'once',
    execution_time: new Date(Date.now() + HOUR).toISOString(),
    payload: { type: 'handler', name: 'demo.echo' },
    ...extra,
  };
}

/** `POST /jobs:batch` as `caller` on `api`. */
function batch(api: Express, caller: TestCaller, jobs: unknown[]) {
  return request(api).post('/jobs:batch').set('authorization', bearer(caller)).send({ jobs });
}

/** An app on the shared client with other settings (rate limit, handler names). */
function appWith(options: Partial<Parameters<typeof createApp>[0]>): Express {
  return createApp({
    client,
    taskQueue: TASK_QUEUE,
    logger: pino({ level: 'silent' }),
    auth: testAuth([ALICE, BOB, CAROL]),
    ...options,
  });
}

beforeAll(async () => {
  env = await startDevServerEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ workerIdentity: 'batch-e2e-worker', handlers: demoHandlers }),
  });
  running = worker.run();
  client = createTemporalClient(env.address, 'default');
  app = appWith({});
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('POST /jobs:batch on a real dev server', () => {
  it('answers every item in order: valid items start, invalid ones get their own problem (207)', async () => {
    const big = job('big', { payload: { type: 'handler', name: 'demo.echo', args: { blob: 'x'.repeat(70_000) } } });
    const res = await batch(app, ALICE, [
      job('first'),
      { ...job('no-cron'), frequency: 'cron' },
      job('second'),
      { ...job('unknown-field'), colour: 'blue' },
      big,
      job('third'),
    ]);
    expect(res.status).toBe(207);
    const results = res.body.results as BatchItemResult[];
    expect(results.map((r) => r.status)).toEqual([201, 400, 201, 400, 413, 201]);
    expect(results[1]?.problem?.errors).toEqual([{ field: 'cron', message: expect.any(String) }]);
    expect(results[1]?.problem?.instance).toBe('/jobs:batch#/jobs/1');
    expect(results[3]?.problem?.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
    expect(results[4]?.problem?.type).toBe('/problems/too-large');
    // The created jobs are real workflows the owner can read.
    const names: string[] = [];
    for (const r of [results[0], results[2], results[5]]) {
      const got = await request(app).get(`/jobs/${r?.job?.job_id}`).set('authorization', bearer(ALICE));
      expect(got.status).toBe(200);
      expect(got.body.status).toBe('pending');
      names.push(got.body.spec.name);
    }
    expect(names).toEqual(['first', 'second', 'third']);
  });

  it('all items created: 200; the same batch again replays every job (200 each, same ids); a reused key with another job is 409', async () => {
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    const items = keys.map((key, i) => job(`replay-${i}`, { idempotency_key: key }));
    const first = await batch(app, ALICE, items);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201]);
    const again = await batch(app, ALICE, items);
    expect(again.status).toBe(200);
    expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200, 200]);
    expect(again.body.results.map((r: { job: { job_id: string } }) => r.job.job_id)).toEqual(
      first.body.results.map((r: { job: { job_id: string } }) => r.job.job_id),
    );
    // The header of POST /jobs and the item field name the same job.
    const single = await request(app)
      .post('/jobs')
      .set('authorization', bearer(ALICE))
      .set('idempotency-key', keys[0] as string)
      .send({ ...items[0], idempotency_key: undefined });
    expect(single.status).toBe(200);
    expect(single.body.job_id).toBe(first.body.results[0].job.job_id);
    const reused = await batch(app, ALICE, [job('another', { idempotency_key: keys[1] }), job('fresh')]);
    expect(reused.status).toBe(207);
    expect(reused.body.results.map((r: { status: number }) => r.status)).toEqual([409, 201]);
    expect(reused.body.results[0].problem.type).toBe('/problems/idempotency-key-reused');
  });

  it("tenancy: another user cannot see the jobs, shares no keys, and may not name another's queue", async () => {
    const key = randomUUID();
    const alice = await batch(app, ALICE, [job('mine', { idempotency_key: key })]);
    expect(alice.status).toBe(200);
    const aliceJob = alice.body.results[0].job.job_id as string;
    // Bob's item with the same key is his own new job.
    const bob = await batch(app, BOB, [job('his', { idempotency_key: key }), job('queued', { queue: 'reports' })]);
    expect(bob.status).toBe(207);
    expect(bob.body.results.map((r: { status: number }) => r.status)).toEqual([201, 403]);
    expect(bob.body.results[0].job.job_id).not.toBe(aliceJob);
    expect(bob.body.results[1].problem.type).toBe('/problems/queue-not-granted');
    expect((await request(app).get(`/jobs/${aliceJob}`).set('authorization', bearer(BOB))).status).toBe(404);
    const owner = await client.workflow.getHandle(bob.body.results[0].job.job_id).describe();
    expect(owner.typedSearchAttributes.getAll().find((p) => p.key.name === 'UserId')?.value).toBe('bob');
    // Carol's key is granted `reports`: the same item is hers to submit.
    const carol = await batch(app, CAROL, [job('queued', { queue: 'reports' })]);
    expect(carol.body.results.map((r: { status: number }) => r.status)).toEqual([201]);
  });

  it('the envelope: 400 naming `jobs` for none or more than 1,000 items or another field, 415 for non-JSON, 413 past 8 MB', async () => {
    const empty = await batch(app, ALICE, []);
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ field: 'jobs', message: expect.any(String) }]);
    const tooMany = await batch(
      app,
      ALICE,
      Array.from({ length: 1_001 }, (_, i) => job(`n-${i}`)),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('jobs');
    const extra = await request(app)
      .post('/jobs:batch')
      .set('authorization', bearer(ALICE))
      .send({ jobs: [job('x')], dry_run: true });
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toEqual([{ field: 'dry_run', message: 'is not a known field' }]);
    const text = await request(app)
      .post('/jobs:batch')
      .set('authorization', bearer(ALICE))
      .set('content-type', 'text/plain')
      .send('jobs');
    expect(text.status).toBe(415);
    const huge = await batch(
      app,
      ALICE,
      Array.from({ length: 140 }, (_, i) => job(`h-${i}`, { description: 'y'.repeat(60_000) })),
    );
    expect(huge.status).toBe(413);
  });

  it('checks handler names per item when the API knows them', async () => {
    const strict = appWith({ handlerNames: ['demo.*'] });
    const res = await batch(strict, ALICE, [
      job('known'),
      { ...job('unknown'), payload: { type: 'handler', name: 'nope.missing' } },
    ]);
    expect(res.status).toBe(207);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400]);
    expect(res.body.results[1].problem.errors[0].field).toBe('payload.name');
  });

  it('the submission rate limit counts items: those past it get 429 and Retry-After; POST /jobs shares the count', async () => {
    const limited = appWith({ rateLimit: { submissionsPerMinute: 5, writesPerMinute: 1_000 } });
    const res = await batch(limited, ALICE, [
      job('r-0'),
      { ...job('r-bad'), frequency: 'cron' },
      job('r-1'),
      job('r-2'),
      job('r-3'),
      job('r-4'),
      job('r-5'),
      job('r-6'),
    ]);
    expect(res.status).toBe(207);
    // The invalid item takes no share of the limit; the valid ones are admitted in order.
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400, 201, 201, 201, 201, 429, 429]);
    expect(res.body.results[6].problem.type).toBe('/problems/rate-limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['ratelimit-remaining']).toBe('0');
    const single = await request(limited).post('/jobs').set('authorization', bearer(ALICE)).send(job('single'));
    expect(single.status).toBe(429);
    // Another user has a bucket of their own.
    const bob = await batch(limited, BOB, [job('b-0'), job('b-1')]);
    expect(bob.status).toBe(200);
  });
});
