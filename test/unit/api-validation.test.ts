/**
 * Request validation and error format of the HTTP API, on the app itself (supertest),
 * with a Temporal client pointed at 127.0.0.1:1, where nothing listens. Validation
 * failures never reach the client; the last test checks what happens when one does.
 */
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { jobSubmissionSchema } from '../../src/domain/job-spec';

const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
const app = createApp({ client, taskQueue: 'test', logger: pino({ level: 'silent' }) });

afterAll(async () => {
  await client.connection.close();
});

type Body = Record<string, unknown>;

const VALID_ONCE: Body = {
  name: 'report',
  user_id: 'u003',
  frequency: 'once',
  execution_time: '2026-01-01T09:00:00Z',
  payload: { type: 'http', url: 'http://127.0.0.1:9/hook' },
};

function without(body: Body, key: string): Body {
  const { [key]: _dropped, ...rest } = body;
  return rest;
}

const VALID_CRON: Body = { ...without(VALID_ONCE, 'execution_time'), frequency: 'cron', cron: '*/5 * * * *' };
const VALID_INTERVAL: Body = { ...without(VALID_ONCE, 'execution_time'), frequency: 'interval', every: '15m' };

function withPayload(fields: Body): Body {
  return { ...VALID_ONCE, payload: { ...(VALID_ONCE.payload as Body), ...fields } };
}

/** Asserts an RFC 9457 problem response with the given status. */
function expectProblem(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status });
  expect(typeof res.body.type).toBe('string');
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
}

/** Asserts a 400 validation problem whose `errors` names `field`. */
function expectFieldError(res: request.Response, field: string): void {
  expectProblem(res, 400);
  expect(res.body.type).toBe('/problems/validation-error');
  expect(res.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ field, message: expect.any(String) })]),
  );
}

describe('POST /jobs validation', () => {
  it('starts from valid bodies (else every case below would pass for the wrong reason)', () => {
    // Posting them would reach Temporal, so the schema the route uses is checked directly.
    for (const body of [VALID_ONCE, VALID_CRON, VALID_INTERVAL]) {
      expect(jobSubmissionSchema.safeParse(body).error).toBeUndefined();
    }
  });

  it.each<[string, Body, string]>([
    ['missing name', without(VALID_ONCE, 'name'), 'name'],
    ['empty name', { ...VALID_ONCE, name: '' }, 'name'],
    ['blank name', { ...VALID_ONCE, name: '   ' }, 'name'],
    ['missing user_id', without(VALID_ONCE, 'user_id'), 'user_id'],
    ['user_id with a space', { ...VALID_ONCE, user_id: 'u 003' }, 'user_id'],
    ['unknown frequency', { ...VALID_ONCE, frequency: 'weekly' }, 'frequency'],
    ['once without execution_time', without(VALID_ONCE, 'execution_time'), 'execution_time'],
    ['daily without execution_time', { ...without(VALID_ONCE, 'execution_time'), frequency: 'daily' }, 'execution_time'],
    ['execution_time "tomorrow"', { ...VALID_ONCE, execution_time: 'tomorrow' }, 'execution_time'],
    ['execution_time without a zone', { ...VALID_ONCE, execution_time: '2026-01-01T09:00:00' }, 'execution_time'],
    ['cron frequency without cron', without(VALID_CRON, 'cron'), 'cron'],
    ['cron with 4 fields', { ...VALID_CRON, cron: '* * * *' }, 'cron'],
    ['cron "61 * * * *"', { ...VALID_CRON, cron: '61 * * * *' }, 'cron'],
    ['cron that never fires', { ...VALID_CRON, cron: '0 0 30 2 *' }, 'cron'],
    ['interval without every', without(VALID_INTERVAL, 'every'), 'every'],
    ['every "15"', { ...VALID_INTERVAL, every: '15' }, 'every'],
    ['every "0s"', { ...VALID_INTERVAL, every: '0s' }, 'every'],
    ['unknown timezone', { ...VALID_ONCE, timezone: 'Mars/Base' }, 'timezone'],
    ['payload missing', without(VALID_ONCE, 'payload'), 'payload'],
    ['payload.type unknown', { ...VALID_ONCE, payload: { type: 'shell', command: 'ls' } }, 'payload.type'],
    ['http url not a URL', withPayload({ url: 'not a url' }), 'payload.url'],
    ['http url ftp://', withPayload({ url: 'ftp://x' }), 'payload.url'],
    ['http method TRACE', withPayload({ method: 'TRACE' }), 'payload.method'],
    ['http timeout "0s"', withPayload({ timeout: '0s' }), 'payload.timeout'],
    ['handler name with a space', { ...VALID_ONCE, payload: { type: 'handler', name: 'demo echo' } }, 'payload.name'],
    ['retry.max_retries -1', { ...VALID_ONCE, retry: { max_retries: -1 } }, 'retry.max_retries'],
    ['retry.max_retries 101', { ...VALID_ONCE, retry: { max_retries: 101 } }, 'retry.max_retries'],
    ['retry.max_retries 1.5', { ...VALID_ONCE, retry: { max_retries: 1.5 } }, 'retry.max_retries'],
    ['retry.backoff_coefficient 0.5', { ...VALID_ONCE, retry: { backoff_coefficient: 0.5 } }, 'retry.backoff_coefficient'],
    ['retry.initial_interval "soon"', { ...VALID_ONCE, retry: { initial_interval: 'soon' } }, 'retry.initial_interval'],
    ['timeout "0s"', { ...VALID_ONCE, timeout: '0s' }, 'timeout'],
    ['heartbeat_timeout "x"', { ...VALID_ONCE, heartbeat_timeout: 'x' }, 'heartbeat_timeout'],
    ['cron given for frequency once', { ...VALID_ONCE, cron: '*/5 * * * *' }, 'cron'],
    ['every given for frequency cron', { ...VALID_CRON, every: '15m' }, 'every'],
  ])('%s → 400 naming %j', async (_case, body, field) => {
    const res = await request(app).post('/jobs').send(body);
    expectFieldError(res, field);
  });

  // Strict objects: a typo must not be silently ignored, and the answer must say which key.
  it('an unknown top-level field (typo "frequence") → 400 naming "frequence"', async () => {
    const res = await request(app).post('/jobs').send({ ...VALID_ONCE, frequence: 'once' });
    expectFieldError(res, 'frequence');
  });

  it('an unknown field inside retry → 400 naming "retry.maximum_retries"', async () => {
    const res = await request(app)
      .post('/jobs')
      .send({ ...VALID_ONCE, retry: { maximum_retries: 5 } });
    expectFieldError(res, 'retry.maximum_retries');
  });

  it('reports every bad field at once', async () => {
    const res = await request(app)
      .post('/jobs')
      .send({ ...VALID_ONCE, name: '', timezone: 'Mars/Base' });
    expectFieldError(res, 'name');
    expectFieldError(res, 'timezone');
  });

  it('a JSON body that is not an object → 400', async () => {
    const res = await request(app).post('/jobs').send([VALID_ONCE]);
    expectFieldError(res, 'body');
  });

  it('a body that is not JSON (text/plain) → 400', async () => {
    const res = await request(app).post('/jobs').set('Content-Type', 'text/plain').send(JSON.stringify(VALID_ONCE));
    expectProblem(res, 400);
  });

  it('malformed JSON → 400 problem', async () => {
    const res = await request(app).post('/jobs').set('Content-Type', 'application/json').send('{"name": "report",');
    expectProblem(res, 400);
    expect(res.body.type).toBe('/problems/malformed-json');
  });

  it('a body over 64 KB → 413 problem', async () => {
    const res = await request(app)
      .post('/jobs')
      .send({ ...VALID_ONCE, name: 'x'.repeat(65 * 1024) });
    expectProblem(res, 413);
  });
});

describe('GET /jobs query validation', () => {
  it('status=bogus → 400 naming status', async () => {
    expectFieldError(await request(app).get('/jobs?status=bogus'), 'status');
  });

  it('limit=0 → 400 naming limit', async () => {
    expectFieldError(await request(app).get('/jobs?limit=0'), 'limit');
  });

  it('limit=1001 and limit=abc → 400 naming limit', async () => {
    expectFieldError(await request(app).get('/jobs?limit=1001'), 'limit');
    expectFieldError(await request(app).get('/jobs?limit=abc'), 'limit');
  });

  it('user_id with a quote → 400 naming user_id', async () => {
    expectFieldError(await request(app).get(`/jobs?user_id=${encodeURIComponent("u' OR 1=1")}`), 'user_id');
  });

  it('an unknown parameter → 400', async () => {
    const res = await request(app).get('/jobs?unknown=1');
    expectProblem(res, 400);
    expect(JSON.stringify(res.body.errors)).toContain('unknown');
  });
});

describe('other routes', () => {
  it('GET /nope → 404 problem', async () => {
    const res = await request(app).get('/nope');
    expectProblem(res, 404);
  });

  it('GET /jobs/<bad id> → 400 naming job_id', async () => {
    expectFieldError(await request(app).get(`/jobs/${encodeURIComponent('a b')}`), 'job_id');
  });

  it('GET /healthz → 200 {status: "ok"}', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('Temporal unreachable', () => {
  it('a valid POST /jobs → 503 problem with Retry-After, promptly', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const res = await request(app).post('/jobs').send(VALID_ONCE);
    const elapsedMs = Math.round(performance.now() - started);
    console.info(`POST /jobs with Temporal unreachable answered ${res.status} in ${elapsedMs} ms`);
    expectProblem(res, 503);
    expect(res.body.type).toBe('/problems/temporal-unavailable');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    // A client waiting longer than this for "try again later" has likely timed out already.
    expect(elapsedMs).toBeLessThan(15_000);
  });
});
