/**
 * The typed client (src/client) against a scripted fetch: errors name each bad field and keep the
 * problem; 429, 503 and calls without an answer are tried again with doubling waits and jitter, or
 * after `Retry-After`; `create` sends one Idempotency-Key per call, the same on each retry; a
 * failed connection is a SchedulerConnectionError naming the URL.
 */
import { describe, expect, it } from 'vitest';
import { SchedulerApiError, SchedulerClient, SchedulerConnectionError } from '../../src/client';
import { backoffMs, DEFAULT_RETRY, retryAfterMs, retryPolicy } from '../../src/client/retry';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A client whose fetch answers from `script` in turn (an Error is thrown as a network failure). */
function scripted(script: Array<Response | Error>, options: { random?: number } = {}) {
  const sent: Sent[] = [];
  const waits: number[] = [];
  const client = new SchedulerClient({
    baseUrl: 'http://api.test/',
    apiKey: 'sk_1',
    fetch: async (input, init) => {
      sent.push({
        method: init?.method ?? 'GET',
        url: String(input),
        headers: init?.headers as Record<string, string>,
        body: init?.body as string | undefined,
      });
      const next = script.shift();
      if (next === undefined) throw new Error('script ran out');
      if (next instanceof Error) throw next;
      return next;
    },
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => options.random ?? 0,
  });
  return { client, sent, waits };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problem = (status: number, title: string, extra: object = {}) =>
  json(status, { type: '/problems/x', title, status, detail: `${title} detail`, ...extra });
const created = { job_id: 'job_1', status: 'pending', next_run_time: null };
const submission = {
  name: 'n',
  frequency: 'cron',
  cron: '0 9 * * *',
  payload: { type: 'handler', name: 'demo.echo' },
} as const;

describe('errors', () => {
  it("SchedulerApiError's message names each field and why; the problem is kept; a 400 is not retried", async () => {
    const errors = [
      { field: 'cron', message: 'is not a valid cron expression' },
      { field: 'retry.max_retries', message: 'must be at most 100' },
    ];
    const { client, sent } = scripted([problem(400, 'Invalid request', { errors })]);
    const err = await client.create(submission).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchedulerApiError);
    expect((err as SchedulerApiError).message).toBe(
      '400 Invalid request: cron: is not a valid cron expression; retry.max_retries: must be at most 100',
    );
    expect(err).toMatchObject({ status: 400, type: '/problems/x', fields: ['cron', 'retry.max_retries'] });
    expect((err as SchedulerApiError).problem.errors).toEqual(errors);
    expect(sent).toHaveLength(1);
  });

  it('a problem without field errors reads `<status> <title>: <detail>`; a body that is no problem gets one', async () => {
    const { client } = scripted([problem(404, 'Not found'), new Response('oops', { status: 500 })]);
    await expect(client.get('job_x')).rejects.toThrow('404 Not found: Not found detail');
    await expect(client.get('job_x')).rejects.toMatchObject({ status: 500, problem: { type: 'about:blank' } });
  });

  it('no answer: SchedulerConnectionError naming the URL and the socket error, after 3 tries', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const failure = new TypeError('fetch failed', { cause: refused });
    const { client, sent, waits } = scripted([failure, failure, failure]);
    const err = await client.list({ status: 'pending' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchedulerConnectionError);
    expect((err as SchedulerConnectionError).message).toBe(
      'cannot reach the scheduler API at http://api.test/jobs?status=pending: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(err).toMatchObject({ url: 'http://api.test/jobs?status=pending', attempts: 3 });
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([200, 400]);
  });
});

describe('retries', () => {
  it('503 then 429 then success: waits double (200 ms, 400 ms), with the jitter taking up to 20 %', async () => {
    const { client, sent, waits } = scripted(
      [problem(503, 'Temporal unavailable'), problem(429, 'Too many requests'), json(200, { workers: [] })],
      { random: 0.5 },
    );
    expect(await client.workers()).toEqual({ workers: [] });
    expect(sent.map((s) => s.url)).toEqual(Array(3).fill('http://api.test/workers'));
    expect(waits).toEqual([180, 360]);
  });

  it('honours Retry-After (seconds or a date); one longer than maxDelayMs is not waited for', async () => {
    const limited = (status: number, seconds: string) =>
      json(status, { type: '/problems/x', title: 'Wait', status, detail: 'd' }, { 'retry-after': seconds });
    const soon = scripted([limited(429, '2'), json(200, { run_times: [] })]);
    await soon.client.previewSchedule({ frequency: 'interval', every: '1m' });
    expect(soon.waits).toEqual([2000]);
    const late = scripted([limited(503, '60')]);
    const err = await late.client.get('job_1').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 60 });
    expect(late.waits).toEqual([]);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBeNull();
  });

  it('create: one generated Idempotency-Key per call, the same on its retries; another call, another key', async () => {
    const { client, sent } = scripted([
      problem(503, 'Temporal unavailable'),
      new TypeError('fetch failed'),
      json(201, created),
      json(200, created),
    ]);
    expect(await client.create(submission)).toEqual({ ...created, created: true });
    expect(await client.create(submission)).toEqual({ ...created, created: false });
    const keys = sent.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys.slice(0, 3)).toEqual([keys[0], keys[0], keys[0]]);
    expect(keys[3]).not.toBe(keys[0]);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      url: 'http://api.test/jobs',
      body: JSON.stringify(submission),
      headers: { authorization: 'Bearer sk_1', 'content-type': 'application/json' },
    });
  });

  it("create with the caller's key keeps it; with `false` sends none and is not resent without an answer", async () => {
    const { client, sent } = scripted([json(201, created), new TypeError('fetch failed')]);
    await client.create(submission, { idempotencyKey: 'report-v1' });
    await expect(client.create(submission, { idempotencyKey: false })).rejects.toBeInstanceOf(SchedulerConnectionError);
    expect(sent.map((s) => s.headers['idempotency-key'])).toEqual(['report-v1', undefined]);
  });

  it('trigger is not resent after a failure without an answer, but is after a 503', async () => {
    const triggered = { job_id: 'j', execution_id: 'j:manual:t', scheduled_time: 't', status: 'started' };
    const { client, sent } = scripted([
      new TypeError('fetch failed'),
      problem(503, 'Unavailable'),
      json(202, triggered),
    ]);
    await expect(client.trigger('j')).rejects.toBeInstanceOf(SchedulerConnectionError);
    expect(await client.trigger('j', { args: { n: 1 } })).toEqual(triggered);
    expect(sent.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual([
      'POST http://api.test/jobs/j/trigger {}',
      'POST http://api.test/jobs/j/trigger {"args":{"n":1}}',
      'POST http://api.test/jobs/j/trigger {"args":{"n":1}}',
    ]);
  });

  it('the policy: defaults, overrides, false = one try; backoff capped at maxDelayMs', () => {
    expect(retryPolicy(undefined)).toEqual(DEFAULT_RETRY);
    expect(retryPolicy(false).attempts).toBe(1);
    expect(() => retryPolicy({ attempts: 0 })).toThrow(RangeError);
    const policy = retryPolicy({ initialDelayMs: 1000, maxDelayMs: 3000, jitter: 0 });
    expect([1, 2, 3, 4].map((n) => backoffMs(policy, n, null, 0.9))).toEqual([1000, 2000, 3000, 3000]);
    expect(backoffMs(policy, 1, 2500, 0)).toBe(2500);
    expect(backoffMs(policy, 1, 3001, 0)).toBeNull();
  });
});

describe('typed calls', () => {
  it('each method calls its route with its query and body', async () => {
    const answers = Array.from({ length: 12 }, () => json(200, {}));
    const { client, sent } = scripted(answers);
    await client.get('a/b');
    await client.executions('j', { limit: 5, page_token: 'abc' });
    await client.execution('j', 'j:2026-01-01T09:00:00.000Z');
    await client.pause('j');
    await client.resume('j');
    await client.update('j', { every: null, name: 'x' });
    await client.cancel('j');
    await client.handlers({ task_queue: 'reports' });
    await client.worker('1@host');
    await client.workerExecutions({ worker_id: 'w1', status: 'failed' });
    await client.overview({ user_id: 'u1' });
    await client.consoleConfig();
    expect(
      sent.map((s) => `${s.method} ${s.url.slice('http://api.test'.length)}${s.body ? ` ${s.body}` : ''}`),
    ).toEqual([
      'GET /jobs/a%2Fb',
      'GET /jobs/j/executions?limit=5&page_token=abc',
      'GET /jobs/j/executions/j%3A2026-01-01T09%3A00%3A00.000Z',
      'POST /jobs/j/pause',
      'POST /jobs/j/resume',
      'PATCH /jobs/j {"every":null,"name":"x"}',
      'DELETE /jobs/j',
      'GET /handlers?task_queue=reports',
      'GET /workers/1%40host',
      'GET /job/executions?worker_id=w1&status=failed',
      'GET /stats/overview?user_id=u1',
      'GET /console/config',
    ]);
  });
});

describe('createMany (POST /jobs:batch)', () => {
  const item = (status: number) =>
    status < 300
      ? { status, job: created }
      : { status, problem: { type: '/problems/x', title: 't', status, detail: 'd' } };

  it('sends batches of batchSize in order, gives each item an idempotency key, and counts the results', async () => {
    const { client, sent } = scripted([
      json(200, { results: [item(201), item(200)] }),
      json(207, { results: [item(400)] }),
    ]);
    const progress: number[] = [];
    const result = await client.createMany([submission, submission, { ...submission, idempotency_key: 'mine' }], {
      batchSize: 2,
      concurrency: 1,
      onProgress: (p) => progress.push(p.done),
    });
    expect(sent.map((s) => s.url)).toEqual(['http://api.test/jobs:batch', 'http://api.test/jobs:batch']);
    const bodies = sent.map((s) => JSON.parse(s.body as string) as { jobs: { idempotency_key: string }[] });
    expect(bodies.map((b) => b.jobs.length)).toEqual([2, 1]);
    const keys = bodies.flatMap((b) => b.jobs.map((j) => j.idempotency_key));
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('mine');
    expect(result).toMatchObject({ total: 3, done: 3, created: 1, replayed: 1, failed: 1 });
    expect(result.results.map((r) => r.status)).toEqual([201, 200, 400]);
    expect(progress).toEqual([2, 3]);
  });

  it('sends items answered 429 again after Retry-After, and only those; gives up after `attempts` tries without progress', async () => {
    const { client, sent, waits } = scripted([
      json(207, { results: [item(201), item(429), item(429)] }, { 'retry-after': '7' }),
      json(207, { results: [item(201), item(429)] }, { 'retry-after': '3' }),
      json(207, { results: [item(429)] }, { 'retry-after': '3' }),
      json(207, { results: [item(429)] }, { 'retry-after': '3' }),
      json(207, { results: [item(429)] }, { 'retry-after': '3' }),
    ]);
    const jobs = ['a', 'b', 'c'].map((name) => ({ ...submission, name }));
    const result = await client.createMany(jobs);
    const names = sent.map((s) =>
      (JSON.parse(s.body as string) as { jobs: { name: string }[] }).jobs.map((j) => j.name),
    );
    expect(names).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c'], ['c'], ['c']]);
    expect(waits).toEqual([7_000, 3_000, 3_000, 3_000]);
    expect(result.results.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(result).toMatchObject({ created: 2, failed: 1, done: 3 });
  });

  it('refuses a batchSize outside 1 to 1,000', async () => {
    const { client } = scripted([]);
    await expect(client.createMany([submission], { batchSize: 1_001 })).rejects.toThrow(RangeError);
    await expect(client.createMany([submission], { batchSize: 0 })).rejects.toThrow(RangeError);
  });
});
