/**
 * Bad requests, table-driven: wrong types, missing fields, huge bodies, bad cron, bad time zone,
 * unknown fields, bad ids, path traversal in ids, non-JSON, wrong content type, negative and huge
 * durations, unicode oddities, bad keys. Each one must answer 4xx application/problem+json (never
 * 5xx) and must not start a workflow: the app runs with a Temporal client pointed at 127.0.0.1:1
 * (nothing listens) whose `workflow.start` is spied on. The last tests check what happens when a
 * valid request does reach the unreachable Temporal.
 */
import pino from 'pino';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllowTargets } from '../../src/activities/http-guard';
import { createApp } from '../../src/api/app';
import { hashApiKey } from '../../src/api/auth';
import { createTemporalClient } from '../../src/api/temporal-client';
import { jobSubmissionSchema } from '../../src/domain/job-spec';
import { ALICE, bearer, testAuth } from '../helpers/api-keys';

// Nothing listens on 127.0.0.1:1: validation never reaches Temporal, and valid requests get 503.
const client = createTemporalClient('127.0.0.1:1', 'default');
const start = vi.spyOn(client.workflow, 'start');
const app = createApp({ client, taskQueue: 'test', logger: pino({ level: 'silent' }), auth: testAuth() });

afterAll(async () => {
  await client.connection.close();
});
afterEach(() => {
  start.mockClear();
});

type Body = Record<string, unknown>;

const VALID_ONCE: Body = {
  name: 'report',
  frequency: 'once',
  execution_time: '2026-01-01T09:00:00Z',
  // A reserved name (RFC 6761 .test): nothing here ever calls it.
  payload: { type: 'http', url: 'https://hooks.example.test/hook' },
};

function without(body: Body, key: string): Body {
  const { [key]: _dropped, ...rest } = body;
  return rest;
}

const VALID_CRON: Body = { ...without(VALID_ONCE, 'execution_time'), frequency: 'cron', cron: '*/5 * * * *' };
const VALID_INTERVAL: Body = { ...without(VALID_ONCE, 'execution_time'), frequency: 'interval', every: '15m' };
const VALID_WEEKLY: Body = { ...VALID_ONCE, frequency: 'weekly', days_of_week: ['mon'] };

/** `{a: {a: … {}}}`, `levels` objects deep. */
function nested(levels: number): unknown {
  let value: unknown = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

function withPayload(fields: Body): Body {
  return { ...VALID_ONCE, payload: { ...(VALID_ONCE.payload as Body), ...fields } };
}
function handler(fields: Body): Body {
  return { ...VALID_ONCE, payload: { type: 'handler', name: 'demo.echo', ...fields } };
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

const post = (body: unknown) =>
  request(app)
    .post('/jobs')
    .set('Authorization', bearer(ALICE))
    .send(body as object);

describe('POST /jobs: bad HTTP headers and names (400 naming the header or field, what is wrong with it)', () => {
  it('a framing header, a name that is not a token, CR/LF in a value, NUL in the name', async () => {
    const res = await post({
      ...VALID_ONCE,
      name: 'report\u0000',
      payload: {
        type: 'http',
        url: 'https://hooks.example.test/hook',
        headers: { Host: 'x', 'Bad Name': 'v', 'X-A': 'a\r\nb' },
      },
    });
    expectProblem(res, 400);
    const errors = res.body.errors as { field: string; message: string }[];
    expect(errors.map((e) => [e.field, e.message.split(';')[0]])).toEqual(
      expect.arrayContaining([
        ['name', 'must not contain control characters'],
        ['payload.headers.Host', 'is set by the HTTP client'],
        ['payload.headers.Bad Name', "header names are RFC 9110 tokens (letters, digits, !#$%&'*+.^_`|~-)"],
        ['payload.headers.X-A', 'header values may not hold control characters (CR, LF, NUL…)'],
      ]),
    );
    expect(start).not.toHaveBeenCalled();
  });
});

describe('POST /jobs: bad bodies (400 naming the field, no job started)', () => {
  it('starts from valid bodies (else every case below would pass for the wrong reason)', () => {
    // Posting them would reach Temporal, so the schema the route uses is checked directly.
    for (const body of [VALID_ONCE, VALID_CRON, VALID_INTERVAL, VALID_WEEKLY]) {
      expect(jobSubmissionSchema.safeParse(body).error).toBeUndefined();
    }
  });

  const cases: [string, string, Body][] = [
    // missing and wrong types
    ['missing name', 'name', without(VALID_ONCE, 'name')],
    ['empty name', 'name', { ...VALID_ONCE, name: '' }],
    ['blank name', 'name', { ...VALID_ONCE, name: '   ' }],
    ['name a number', 'name', { ...VALID_ONCE, name: 42 }],
    ['name null', 'name', { ...VALID_ONCE, name: null }],
    ['name an array', 'name', { ...VALID_ONCE, name: ['a'] }],
    ['name of 201 characters', 'name', { ...VALID_ONCE, name: 'n'.repeat(201) }],
    ['missing frequency', 'frequency', without(VALID_ONCE, 'frequency')],
    ['unknown frequency', 'frequency', { ...VALID_ONCE, frequency: 'fortnightly' }],
    ['frequency in upper case', 'frequency', { ...VALID_ONCE, frequency: 'ONCE' }],
    ['frequency a boolean', 'frequency', { ...VALID_ONCE, frequency: true }],
    ['once without execution_time', 'execution_time', without(VALID_ONCE, 'execution_time')],
    [
      'daily without execution_time',
      'execution_time',
      { ...without(VALID_ONCE, 'execution_time'), frequency: 'daily' },
    ],
    ['execution_time "tomorrow"', 'execution_time', { ...VALID_ONCE, execution_time: 'tomorrow' }],
    ['execution_time without a zone', 'execution_time', { ...VALID_ONCE, execution_time: '2026-01-01T09:00:00' }],
    ['execution_time as epoch number', 'execution_time', { ...VALID_ONCE, execution_time: 1767258000000 }],
    ['execution_time on Feb 30', 'execution_time', { ...VALID_ONCE, execution_time: '2026-02-30T09:00:00Z' }],
    ['start_at not a time', 'start_at', { ...VALID_CRON, start_at: 'soon' }],
    [
      'end_at before start_at',
      'end_at',
      { ...VALID_CRON, start_at: '2026-02-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' },
    ],
    ['max_runs 0', 'max_runs', { ...VALID_CRON, max_runs: 0 }],
    ['max_runs a string', 'max_runs', { ...VALID_CRON, max_runs: '5' }],
    ['days_of_week for a cron job', 'days_of_week', { ...VALID_CRON, days_of_week: ['mon'] }],
    ['days_of_week "monday"', 'days_of_week.0', { ...VALID_WEEKLY, days_of_week: ['monday'] }],
    ['days_of_week empty', 'days_of_week', { ...VALID_WEEKLY, days_of_week: [] }],
    ['misfire_policy unknown', 'misfire_policy', { ...VALID_CRON, misfire_policy: 'never' }],
    ['overlap_policy unknown', 'overlap_policy', { ...VALID_CRON, overlap_policy: 'parallel' }],
    ['queue with a space', 'queue', { ...VALID_CRON, queue: 'my queue' }],
    // cron and time zones
    ['cron frequency without cron', 'cron', without(VALID_CRON, 'cron')],
    ['cron with 4 fields', 'cron', { ...VALID_CRON, cron: '* * * *' }],
    ['cron "61 * * * *"', 'cron', { ...VALID_CRON, cron: '61 * * * *' }],
    ['cron that never fires', 'cron', { ...VALID_CRON, cron: '0 0 30 2 *' }],
    ['cron "@fortnightly"', 'cron', { ...VALID_CRON, cron: '@fortnightly' }],
    ['cron with 8 fields', 'cron', { ...VALID_CRON, cron: '* * * * * * * *' }],
    ['cron a number', 'cron', { ...VALID_CRON, cron: 5 }],
    ['unknown timezone', 'timezone', { ...VALID_ONCE, timezone: 'Mars/Base' }],
    ['timezone with a path traversal', 'timezone', { ...VALID_ONCE, timezone: '../../etc/localtime' }],
    ['timezone "+02:00"', 'timezone', { ...VALID_ONCE, timezone: '+02:00' }],
    // durations: negative, zero, huge, malformed
    ['interval without every', 'every', without(VALID_INTERVAL, 'every')],
    ['every "15" (no unit)', 'every', { ...VALID_INTERVAL, every: '15' }],
    ['every "0s"', 'every', { ...VALID_INTERVAL, every: '0s' }],
    ['every "-5m" (negative)', 'every', { ...VALID_INTERVAL, every: '-5m' }],
    ['every "400d" (over 366 days)', 'every', { ...VALID_INTERVAL, every: '400d' }],
    ['every "1ms" (under the one-second resolution)', 'every', { ...VALID_INTERVAL, every: '1ms' }],
    ['every "999ms"', 'every', { ...VALID_INTERVAL, every: '999ms' }],
    ['handler args nested 1,600 levels deep', 'payload.args', handler({ args: nested(1_600) })],
    ['http body nested 1,600 levels deep', 'payload.body', withPayload({ method: 'POST', body: nested(1_600) })],
    ['every "1e3s"', 'every', { ...VALID_INTERVAL, every: '1e3s' }],
    ['every a number of ms', 'every', { ...VALID_INTERVAL, every: 900000 }],
    ['timeout "0s"', 'timeout', { ...VALID_ONCE, timeout: '0s' }],
    ['timeout "99999999999d"', 'timeout', { ...VALID_ONCE, timeout: '99999999999d' }],
    ['heartbeat_timeout "x"', 'heartbeat_timeout', { ...VALID_ONCE, heartbeat_timeout: 'x' }],
    ['catchup_window "-1h"', 'catchup_window', { ...VALID_CRON, catchup_window: '-1h' }],
    ['jitter "1 minute"', 'jitter', { ...VALID_CRON, jitter: '1 minute' }],
    // payloads
    ['payload missing', 'payload', without(VALID_ONCE, 'payload')],
    ['payload a string', 'payload', { ...VALID_ONCE, payload: 'http://127.0.0.1/' }],
    ['payload.type unknown', 'payload.type', { ...VALID_ONCE, payload: { type: 'shell', command: 'ls' } }],
    ['http url not a URL', 'payload.url', withPayload({ url: 'not a url' })],
    ['http url ftp://', 'payload.url', withPayload({ url: 'ftp://x' })],
    ['http url file:///etc/passwd', 'payload.url', withPayload({ url: 'file:///etc/passwd' })],
    ['http url gopher://', 'payload.url', withPayload({ url: 'gopher://127.0.0.1:25/' })],
    ['http url of 3000 characters', 'payload.url', withPayload({ url: `http://example.com/${'a'.repeat(3000)}` })],
    ['http method TRACE', 'payload.method', withPayload({ method: 'TRACE' })],
    ['http method lower case', 'payload.method', withPayload({ method: 'get' })],
    ['http timeout "0s"', 'payload.timeout', withPayload({ timeout: '0s' })],
    ['http headers not strings', 'payload.headers.x-n', withPayload({ headers: { 'x-n': 5 } })],
    ['http unknown field "verb"', 'payload.verb', withPayload({ verb: 'GET' })],
    ['handler name with a space', 'payload.name', handler({ name: 'demo echo' })],
    ['handler name missing', 'payload.name', { ...VALID_ONCE, payload: { type: 'handler' } }],
    ['handler name with a slash', 'payload.name', handler({ name: '../demo' })],
    // retry policy
    ['retry.max_retries -1', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: -1 } }],
    ['retry.max_retries 101', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: 101 } }],
    ['retry.max_retries 1.5', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: 1.5 } }],
    ['retry.max_retries "3"', 'retry.max_retries', { ...VALID_ONCE, retry: { max_retries: '3' } }],
    [
      'retry.backoff_coefficient 0.5',
      'retry.backoff_coefficient',
      { ...VALID_ONCE, retry: { backoff_coefficient: 0.5 } },
    ],
    ['retry.initial_interval "soon"', 'retry.initial_interval', { ...VALID_ONCE, retry: { initial_interval: 'soon' } }],
    ['retry a list', 'retry', { ...VALID_ONCE, retry: [3] }],
    // fields that do not belong together
    ['cron given for frequency once', 'cron', { ...VALID_ONCE, cron: '*/5 * * * *' }],
    ['every given for frequency cron', 'every', { ...VALID_CRON, every: '15m' }],
    // unknown fields (strict): typos must not be silently dropped
    ['unknown top-level field (typo "frequence")', 'frequence', { ...VALID_ONCE, frequence: 'once' }],
    ['user_id in the body (the owner comes from the API key)', 'user_id', { ...VALID_ONCE, user_id: 'bob' }],
    ['job_id in the body', 'job_id', { ...VALID_ONCE, job_id: 'job_mine' }],
    ['unknown field inside retry', 'retry.maximum_retries', { ...VALID_ONCE, retry: { maximum_retries: 5 } }],
    [
      '__proto__ key',
      '__proto__',
      JSON.parse(
        `{"name":"report","frequency":"once","execution_time":"2026-01-01T09:00:00Z","payload":{"type":"handler","name":"demo.echo"},"__proto__":{"admin":true}}`,
      ),
    ],
    // unicode oddities
    ['frequency in fullwidth letters', 'frequency', { ...VALID_ONCE, frequency: 'ｏｎｃｅ' }],
    ['every with fullwidth digits', 'every', { ...VALID_INTERVAL, every: '１５m' }],
    ['cron with fullwidth digits', 'cron', { ...VALID_CRON, cron: '５ * * * *' }],
    [
      'execution_time with Arabic-Indic digits',
      'execution_time',
      { ...VALID_ONCE, execution_time: '٢٠٢٦-01-01T09:00:00Z' },
    ],
    ['timezone with an accent', 'timezone', { ...VALID_ONCE, timezone: 'Europe/Berlín' }],
    [
      'payload.type with a Cyrillic һ (homoglyph)',
      'payload.type',
      { ...VALID_ONCE, payload: { type: 'һttp', url: 'http://127.0.0.1/' } },
    ],
    ['http method with a Cyrillic Е', 'payload.method', withPayload({ method: 'GЕT' })],
    ['handler name with a right-to-left override', 'payload.name', handler({ name: 'demo\u202Eohce' })],
    ['handler name with a zero-width space', 'payload.name', handler({ name: 'demo\u200B.echo' })],
    ['queue with an emoji', 'queue', { ...VALID_CRON, queue: 'jobs🔥' }],
  ];

  it(`has at least 60 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('%s → 400 naming %j', async (_case, field, body) => {
    const res = await post(body);
    expectFieldError(res, field);
    expect(start).not.toHaveBeenCalled();
  });

  it('reports every bad field at once', async () => {
    const res = await post({ ...VALID_ONCE, name: '', timezone: 'Mars/Base' });
    expectFieldError(res, 'name');
    expectFieldError(res, 'timezone');
  });
});

type RawCase = [string, number, () => request.Test];

describe('bad requests beyond the body fields (4xx problem+json, no job started)', () => {
  const auth = (t: request.Test) => t.set('Authorization', bearer(ALICE));
  const json = JSON.stringify(VALID_ONCE);
  const cases: RawCase[] = [
    ['a JSON array body', 400, () => post([VALID_ONCE])],
    [
      'a JSON string body',
      400,
      () => auth(request(app).post('/jobs')).set('Content-Type', 'application/json').send('"job"'),
    ],
    [
      'a JSON null body',
      400,
      () => auth(request(app).post('/jobs')).set('Content-Type', 'application/json').send('null'),
    ],
    [
      'malformed JSON',
      400,
      () => auth(request(app).post('/jobs')).set('Content-Type', 'application/json').send('{"name": "report",'),
    ],
    [
      'JSON with a trailing comma',
      400,
      () => auth(request(app).post('/jobs')).set('Content-Type', 'application/json').send('{"name":"r",}'),
    ],
    [
      'an empty JSON body',
      400,
      () => auth(request(app).post('/jobs')).set('Content-Type', 'application/json').send(''),
    ],
    ['text/plain body', 415, () => auth(request(app).post('/jobs')).set('Content-Type', 'text/plain').send(json)],
    ['form-encoded body', 415, () => auth(request(app).post('/jobs')).type('form').send({ name: 'report' })],
    ['no content type', 415, () => auth(request(app).post('/jobs')).unset('Content-Type').send(Buffer.from(json))],
    ['XML body', 415, () => auth(request(app).post('/jobs')).set('Content-Type', 'application/xml').send('<job/>')],
    ['multipart body', 415, () => auth(request(app).post('/jobs')).field('name', 'report')],
    ['a 65 KB name (body over 64 KB)', 413, () => post({ ...VALID_ONCE, name: 'x'.repeat(65 * 1024) })],
    ['a 1 MB handler args (body over 64 KB)', 413, () => post(handler({ args: { blob: 'y'.repeat(1024 * 1024) } }))],
    [
      'an unsupported charset',
      415,
      () => auth(request(app).post('/jobs')).set('Content-Type', 'application/json; charset=ebcdic').send(json),
    ],
    [
      'an unsupported content encoding',
      415,
      () =>
        auth(request(app).post('/jobs'))
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'compress')
          .send(json),
    ],
    ['Idempotency-Key with a space', 400, () => post(VALID_ONCE).set('Idempotency-Key', 'a b')],
    ['Idempotency-Key of 300 characters', 400, () => post(VALID_ONCE).set('Idempotency-Key', 'k'.repeat(300))],
    ['Idempotency-Key with a latin-1 é', 400, () => post(VALID_ONCE).set('Idempotency-Key', 'cl\u00e9')],
    ['no API key', 401, () => request(app).post('/jobs').send(VALID_ONCE)],
    [
      'an unknown API key',
      401,
      () => request(app).post('/jobs').set('Authorization', 'Bearer sk_nope').send(VALID_ONCE),
    ],
    [
      'a Basic authorization',
      401,
      () => request(app).post('/jobs').set('Authorization', 'Basic YWxpY2U6eA==').send(VALID_ONCE),
    ],
    ['an empty X-API-Key', 401, () => request(app).post('/jobs').set('X-API-Key', '').send(VALID_ONCE)],
    [
      'the key hash instead of the key',
      401,
      () =>
        request(app)
          .get('/jobs')
          .set('Authorization', `Bearer ${hashApiKey(ALICE.key)}`),
    ],
    // ids and paths
    ['GET /jobs/<id with a space>', 400, () => auth(request(app).get(`/jobs/${encodeURIComponent('a b')}`))],
    ['GET /jobs/<id with a quote>', 400, () => auth(request(app).get(`/jobs/${encodeURIComponent("x' OR 1=1")}`))],
    ['GET /jobs/<id of 201 characters>', 400, () => auth(request(app).get(`/jobs/${'j'.repeat(201)}`))],
    ['GET /jobs/<non-ASCII id>', 400, () => auth(request(app).get(`/jobs/${encodeURIComponent('jöb')}`))],
    [
      'GET /jobs/..%2F..%2Fetc%2Fpasswd (encoded traversal)',
      400,
      () => auth(request(app).get('/jobs/..%2F..%2Fetc%2Fpasswd')),
    ],
    ['GET /jobs/%2e%2e (encoded ..)', 400, () => auth(request(app).get('/jobs/%2e%2e'))],
    ['GET /jobs/..', 400, () => auth(request(app).get('/jobs/..'))],
    ['GET /jobs/../../etc/passwd (raw traversal)', 404, () => auth(request(app).get('/jobs/../../etc/passwd'))],
    ['DELETE /jobs/%00 (NUL)', 400, () => auth(request(app).delete('/jobs/%00'))],
    ['DELETE /jobs/.hidden', 400, () => auth(request(app).delete('/jobs/.hidden'))],
    ['GET /jobs/<bad id>/executions', 400, () => auth(request(app).get('/jobs/%3Cscript%3E/executions'))],
    ['GET /jobs/%E0%A4%A (bad percent-encoding)', 400, () => auth(request(app).get('/jobs/%E0%A4%A'))],
    ['PUT /jobs (no such route)', 404, () => auth(request(app).put('/jobs')).send(VALID_ONCE)],
    ['GET /nope', 404, () => auth(request(app).get('/nope'))],
    // GET /jobs query
    ['GET /jobs?status=bogus', 400, () => auth(request(app).get('/jobs?status=bogus'))],
    ['GET /jobs?limit=0', 400, () => auth(request(app).get('/jobs?limit=0'))],
    ['GET /jobs?limit=1001', 400, () => auth(request(app).get('/jobs?limit=1001'))],
    ['GET /jobs?limit=abc', 400, () => auth(request(app).get('/jobs?limit=abc'))],
    ['GET /jobs?limit=-5', 400, () => auth(request(app).get('/jobs?limit=-5'))],
    [
      'GET /jobs?user_id=<quote injection>',
      400,
      () => auth(request(app).get(`/jobs?user_id=${encodeURIComponent("u' OR 1=1")}`)),
    ],
    ['GET /jobs?name=<empty>', 400, () => auth(request(app).get('/jobs?name='))],
    ['GET /jobs?name=%00 (NUL)', 400, () => auth(request(app).get('/jobs?name=%00'))],
    ['GET /jobs?name=<CR LF>', 400, () => auth(request(app).get('/jobs?name=a%0D%0Ab'))],
    ['GET /jobs?page_token=<not base64url>', 400, () => auth(request(app).get('/jobs?page_token=a%2Fb%2Bc'))],
    ['GET /jobs?unknown=1', 400, () => auth(request(app).get('/jobs?unknown=1'))],
    [
      'GET /jobs?status=pending&status=failed (repeated)',
      400,
      () => auth(request(app).get('/jobs?status=pending&status=failed')),
    ],
    [
      "GET /jobs?user_id=bob by the user alice (another user's jobs)",
      403,
      () => auth(request(app).get('/jobs?user_id=bob')),
    ],
  ];

  it(`has its cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s → %i problem', async (_case, status, send) => {
    const res = await send();
    expectProblem(res, status);
    expect(start).not.toHaveBeenCalled();
  });

  it('401 answers carry WWW-Authenticate: Bearer', async () => {
    const res = await request(app).get('/jobs');
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('other routes', () => {
  it('GET /healthz → 200 {status: "ok"} without a key', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers carry helmet security headers and no CORS headers', async () => {
    const res = await request(app).get('/healthz').set('Origin', 'https://evil.example');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(app)
      .options('/jobs')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('POST /jobs: a literal internal IP is refused at submit unless allow-listed', () => {
  // Decided by the SSRF guard's rule (checkTarget); no packet is sent to any of these addresses.
  const guarded = createApp({
    client,
    taskQueue: 'test',
    logger: pino({ level: 'silent' }),
    auth: testAuth(),
    httpAllowTargets: parseAllowTargets('10.0.0.0/8'),
  });
  it.each([
    ['http://127.0.0.1:8080/x', 'loopback'],
    ['http://192.168.1.10/x', 'private'],
    ['http://172.16.0.1/x', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['http://100.64.0.1/x', 'carrierGradeNat'],
    ['http://[::1]:9000/x', 'loopback'],
    ['http://[fd00::1]/x', 'uniqueLocal'],
    ['http://[fe80::1]/x', 'linkLocal'],
    ['http://224.0.0.1/x', 'multicast'],
    ['http://0.0.0.0/x', 'unspecified'],
  ])('%s → 400 naming payload.url (%s)', async (url, range) => {
    const res = await request(guarded)
      .post('/jobs')
      .set('Authorization', bearer(ALICE))
      .send({ ...VALID_ONCE, payload: { type: 'http', url } });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ field: 'payload.url', message: expect.stringContaining(`${range} address`) }]);
    expect(start).not.toHaveBeenCalled();
  });

  it('an allow-listed literal (10.1.2.3) and a host name pass the check and reach Temporal (503 here)', async () => {
    for (const url of ['http://10.1.2.3:8080/x', 'https://hooks.example.test/hook']) {
      const res = await request(guarded)
        .post('/jobs')
        .set('Authorization', bearer(ALICE))
        .send({ ...VALID_ONCE, payload: { type: 'http', url } });
      expect(res.status, url).toBe(503);
    }
    expect(start).toHaveBeenCalledTimes(2);
  }, 120_000);
});

describe('Temporal unreachable', () => {
  it('a valid POST /jobs → 503 problem with Retry-After', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const res = await post(VALID_ONCE);
    const elapsedMs = Math.round(performance.now() - started);
    console.info(`POST /jobs with Temporal unreachable answered ${res.status} in ${elapsedMs} ms`);
    expectProblem(res, 503);
    expect(res.body.type).toBe('/problems/temporal-unavailable');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });
});
