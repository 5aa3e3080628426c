/**
 * Request validation and error format of the HTTP API, on the app itself (supertest),
 * with a Temporal client pointed at 127.0.0.1:1, where nothing listens. Validation
 * failures never reach the client; the last test checks what happens when one does.
 */
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { jobSubmissionSchema } from '../../src/domain/job-spec';

// Nothing listens on 127.0.0.1:1: validation never reaches Temporal, and valid requests get 503.
const client = createTemporalClient('127.0.0.1:1', 'default');
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

  it.each<[string, string, Body]>([
    ['missing name', 'name', without(VALID_ONCE, 'name')],
    ['empty name', 'name', { ...VALID_ONCE, name: '' }],
    ['blank name', 'name', { ...VALID_ONCE, name: '   ' }],
    ['missing user_id', 'user_id', without(VALID_ONCE, 'user_id')],
    ['user_id with a space', 'user_id', { ...VALID_ONCE, user_id: 'u 003' }],
    ['unknown frequency', 'frequency', { ...VALID_ONCE, frequency: 'fortnightly' }],
    ['once without execution_time', 'execution_time', without(VALID_ONCE, 'execution_time')],
    [
      'daily without execution_time',
      'execution_time',
      { ...without(VALID_ONCE, 'execution_time'), frequency: 'daily' },
    ],
    ['execution_time "tomorrow"', 'execution_time', { ...VALID_ONCE, execution_time: 'tomorrow' }],
    ['execution_time without a zone', 'execution_time', { ...VALID_ONCE, execution_time: '2026-01-01T09:00:00' }],
    ['cron frequency without cron', 'cron', without(VALID_CRON, 'cron')],
    ['cron with 4 fields', 'cron', { ...VALID_CRON, cron: '* * * *' }],
    ['cron "61 * * * *"', 'cron', { ...VALID_CRON, cron: '61 * * * *' }],
    ['cron that never fires', 'cron', { ...VALID_CRON, cron: '0 0 30 2 *' }],
    ['interval without every', 'every', without(VALID_INTERVAL, 'every')],
    ['every "15"', 'every', { ...VALID_INTERVAL, every: '15' }],
    ['every "0s"', 'every', { ...VALID_INTERVAL, every: '0s' }],
    ['unknown timezone', 'timezone', { ...VALID_ONCE, timezone: 'Mars/Base' }],
    ['payload missing', 'payload', without(VALID_ONCE, 'payload')],
    ['payload.type unknown', 'payload.type', { ...VALID_ONCE, payload: { type: 'shell', command: 'ls' } }],
    ['http url not a URL', 'payload.url', withPayload({ url: 'not a url' })],
    ['http url ftp://', 'payload.url', withPayload({ url: 'ftp://x' })],
    ['http method TRACE', 'payload.method', withPayload({ method: 'TRACE' })],
    ['http timeout "0s"', 'payload.timeout', withPayload({ timeout: '0s' })],
    ['handler name with a space', 'payload.name', { ...VALID_ONCE, payload: { type: 'handler', name: 'demo echo' } }],
    ['retry.max_retries -1', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: -1 } }],
    ['retry.max_retries 101', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: 101 } }],
    ['retry.max_retries 1.5', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: 1.5 } }],
    [
      'retry.backoff_coefficient 0.5',
      'retry.backoff_coefficient',
      { ...VALID_ONCE, retry: { backoff_coefficient: 0.5 } },
    ],
    ['retry.initial_interval "soon"', 'retry.initial_interval', { ...VALID_ONCE, retry: { initial_interval: 'soon' } }],
    ['timeout "0s"', 'timeout', { ...VALID_ONCE, timeout: '0s' }],
    ['heartbeat_timeout "x"', 'heartbeat_timeout', { ...VALID_ONCE, heartbeat_timeout: 'x' }],
    ['cron given for frequency once', 'cron', { ...VALID_ONCE, cron: '*/5 * * * *' }],
    ['every given for frequency cron', 'every', { ...VALID_CRON, every: '15m' }],
  ])('%s → 400 naming %j', async (_case, field, body) => {
    const res = await request(app).post('/jobs').send(body);
    expectFieldError(res, field);
  });

  // Strict objects: a typo must not be silently ignored, and the answer must say which key.
  it('an unknown top-level field (typo "frequence") → 400 naming "frequence"', async () => {
    const res = await request(app)
      .post('/jobs')
      .send({ ...VALID_ONCE, frequence: 'once' });
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

  it('a body that is not JSON (text/plain) → 415', async () => {
    const res = await request(app).post('/jobs').set('Content-Type', 'text/plain').send(JSON.stringify(VALID_ONCE));
    expectProblem(res, 415);
    expect(res.body.type).toBe('/problems/unsupported-media-type');
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
  it('a valid POST /jobs → 503 problem with Retry-After', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const res = await request(app).post('/jobs').send(VALID_ONCE);
    const elapsedMs = Math.round(performance.now() - started);
    console.info(`POST /jobs with Temporal unreachable answered ${res.status} in ${elapsedMs} ms`);
    expectProblem(res, 503);
    expect(res.body.type).toBe('/problems/temporal-unavailable');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });
});
