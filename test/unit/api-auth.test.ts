/**
 * API keys, rate limits and the OpenAPI document / docs page, on the app (supertest) with a
 * Temporal client pointed at 127.0.0.1:1 (nothing listens): none of this needs Temporal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientRateLimitInfo, IncrementResponse, Store } from 'express-rate-limit';
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { API_ROUTES, createApp } from '../../src/api/app';
import {
  authOptionsFromConfig,
  generateApiKey,
  hashApiKey,
  parseApiKeys,
  queueGranted,
  readApiKeysFile,
} from '../../src/api/auth';
import { createTemporalClient } from '../../src/api/temporal-client';
import { loadConfig } from '../../src/config';
import { ALICE, BOB, bearer, testAuth } from '../helpers/api-keys';

const client = createTemporalClient('127.0.0.1:1', 'default');
const silent = pino({ level: 'silent' });
afterAll(async () => {
  await client.connection.close();
});

describe('API keys', () => {
  it('generated keys are 256-bit, distinct, and stored as their SHA-256', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(key);
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('parseApiKeys reads user_id:role:sha256 entries separated by commas or spaces', () => {
    const a = hashApiKey('a');
    const b = hashApiKey('b');
    expect(parseApiKeys(`alice:user:${a}, root:admin:${b}`)).toEqual([
      { user_id: 'alice', role: 'user', key_sha256: a },
      { user_id: 'root', role: 'admin', key_sha256: b },
    ]);
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys('  ')).toEqual([]);
  });

  it('parseApiKeys reads the task queues granted to a key; queueGranted lets a user use only those and the default', () => {
    const a = hashApiKey('a');
    const [carol] = parseApiKeys(`carol:user:${a}:reports|etl.nightly`);
    expect(carol).toEqual({ user_id: 'carol', role: 'user', key_sha256: a, queues: ['reports', 'etl.nightly'] });
    const user = { user_id: 'carol', role: 'user' as const, queues: carol?.queues ?? [] };
    expect(queueGranted(user, 'reports', 'scheduler')).toBe(true);
    expect(queueGranted(user, 'scheduler', 'scheduler')).toBe(true);
    expect(queueGranted(user, 'billing', 'scheduler')).toBe(false);
    expect(queueGranted({ user_id: 'alice', role: 'user' }, 'reports', 'scheduler')).toBe(false);
    expect(queueGranted({ user_id: 'root', role: 'admin' }, 'billing', 'scheduler')).toBe(true);
  });

  it.each([
    ['a plain key instead of its hash', 'alice:user:sk_plainkey'],
    ['an unknown role', `alice:owner:${hashApiKey('a')}`],
    ['a missing role', `alice:${hashApiKey('a')}`],
    ['a user id with a quote', `al'ice:user:${hashApiKey('a')}`],
    ['a queue with a quote', `alice:user:${hashApiKey('a')}:re'ports`],
    ['an empty queue', `alice:user:${hashApiKey('a')}:reports|`],
  ])('parseApiKeys refuses %s, naming the entry but not its content', (_case, value) => {
    expect(() => parseApiKeys(`root:admin:${hashApiKey('r')},${value}`)).toThrow(/^API_KEYS entry 2 is not/);
    try {
      parseApiKeys(value);
    } catch (err) {
      expect((err as Error).message).not.toContain(value);
    }
  });

  it('API_KEYS_FILE and API_KEYS together; AUTH_DISABLED wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const file = join(dir, 'keys.json');
      writeFileSync(file, JSON.stringify([{ user_id: 'bob', role: 'user', key_sha256: hashApiKey('b') }]));
      const config = loadConfig({ API_KEYS: `alice:user:${hashApiKey('a')}`, API_KEYS_FILE: file });
      expect(authOptionsFromConfig(config)).toEqual({
        mode: 'keys',
        keys: [
          { user_id: 'alice', role: 'user', key_sha256: hashApiKey('a') },
          { user_id: 'bob', role: 'user', key_sha256: hashApiKey('b') },
        ],
      });
      expect(authOptionsFromConfig(loadConfig({ AUTH_DISABLED: 'true', API_KEYS_FILE: file }))).toEqual({
        mode: 'disabled',
      });
      writeFileSync(file, JSON.stringify([{ user_id: 'bob', role: 'user', key: 'sk_plain' }]));
      expect(() => readApiKeysFile(file)).toThrow(/API_KEYS_FILE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the key is accepted as Bearer or X-API-Key; with auth disabled no key is needed', async () => {
    const app = createApp({ client, taskQueue: 't', logger: silent, auth: testAuth() });
    // A 400 (bad query) proves the request got past authentication without reaching Temporal.
    expect((await request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE))).status).toBe(400);
    expect((await request(app).get('/jobs?limit=0').set('authorization', `bearer ${ALICE.key}`)).status).toBe(400);
    expect((await request(app).get('/jobs?limit=0').set('X-API-Key', ALICE.key)).status).toBe(400);
    expect((await request(app).get('/jobs?limit=0')).status).toBe(401);
    const open = createApp({ client, taskQueue: 't', logger: silent, auth: { mode: 'disabled' } });
    expect((await request(open).get('/jobs?limit=0')).status).toBe(400);
  });

  it('a key in the query string is not accepted, and neither the problem nor the write log repeats it', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const app = createApp({ client, taskQueue: 't', logger, auth: testAuth() });
    const unauthorized = await request(app).get(`/jobs?api_key=${ALICE.key}&limit=5`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.instance).toBe('/jobs');
    expect(JSON.stringify(unauthorized.body)).not.toContain(ALICE.key);
    const write = await request(app)
      .post(`/jobs?api_key=${ALICE.key}`)
      .set('Authorization', bearer(ALICE))
      .send({ name: 'x' });
    expect(write.status).toBe(400);
    expect(write.body.instance).toBe('/jobs');
    const logged = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'write');
    expect(logged).toEqual([expect.objectContaining({ path: '/jobs', status: 400, user_id: 'alice' })]);
    expect(lines.join('\n')).not.toContain(ALICE.key);
  });

  it('with no keys configured every call is a 401', async () => {
    const app = createApp({ client, taskQueue: 't', logger: silent, auth: { mode: 'keys', keys: [] } });
    expect((await request(app).get('/jobs').set('Authorization', bearer(ALICE))).status).toBe(401);
  });
});

/** A shared store stand-in: counts per key, as a Redis store would for several replicas. */
class CountingStore implements Store {
  readonly hits = new Map<string, number>();
  constructor(readonly prefix: string) {}
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const totalHits = this.hits.get(key);
    return totalHits === undefined ? undefined : { totalHits, resetTime: undefined };
  }
  async increment(key: string): Promise<IncrementResponse> {
    const totalHits = (this.hits.get(key) ?? 0) + 1;
    this.hits.set(key, totalHits);
    return { totalHits, resetTime: new Date(Date.now() + 60_000) };
  }
  async decrement(key: string): Promise<void> {
    this.hits.set(key, (this.hits.get(key) ?? 1) - 1);
  }
  async resetKey(key: string): Promise<void> {
    this.hits.delete(key);
  }
}

describe('rate limits', () => {
  const invalidJob = { name: 'x' }; // 400 without reaching Temporal, but counted

  it('per user: the 4th submission in a minute is a 429 problem with RateLimit-* and Retry-After', async () => {
    const app = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      rateLimit: { submissionsPerMinute: 3, writesPerMinute: 100 },
    });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob);
      expect(res.status).toBe(400);
      expect(res.headers['ratelimit-limit']).toBe('3');
      remaining.push(res.headers['ratelimit-remaining'] as string);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob);
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ type: '/problems/rate-limited', status: 429, title: 'Too many requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-reset']).toMatch(/^\d+$/);
    // Another user has their own budget; reads are not limited.
    expect((await request(app).post('/jobs').set('Authorization', bearer(BOB)).send(invalidJob)).status).toBe(400);
    expect((await request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE))).status).toBe(400);
  });

  it('routes match as written: POST /JOBS is a 404, not a submission outside the submission limit', async () => {
    const app = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      rateLimit: { submissionsPerMinute: 1, writesPerMinute: 100 },
    });
    expect((await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob)).status).toBe(400);
    for (const path of ['/JOBS', '/Jobs', '/jobs/x/PAUSE']) {
      const res = await request(app).post(path).set('Authorization', bearer(ALICE)).send(invalidJob);
      expect(res.status, path).toBe(404);
    }
    expect((await request(app).post('/jobs/').set('Authorization', bearer(ALICE)).send(invalidJob)).status).toBe(429);
  });

  it('other writes (DELETE) have their own per-user limit', async () => {
    const app = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      rateLimit: { submissionsPerMinute: 100, writesPerMinute: 2 },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await request(app).delete('/jobs/bad%20id').set('Authorization', bearer(ALICE))).status);
    }
    expect(statuses).toEqual([400, 400, 429]);
    expect((await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob)).status).toBe(400);
  });

  it('counts go to the configured store (how replicas share them), keyed by user id', async () => {
    const stores: CountingStore[] = [];
    const app = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      rateLimit: {
        submissionsPerMinute: 10,
        writesPerMinute: 10,
        store: (prefix) => {
          const store = new CountingStore(prefix);
          stores.push(store);
          return store;
        },
      },
    });
    await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob);
    await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob);
    await request(app).post('/jobs').set('Authorization', bearer(BOB)).send(invalidJob);
    await request(app).delete('/jobs/bad%20id').set('Authorization', bearer(BOB));
    await request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE));
    const byPrefix = Object.fromEntries(stores.map((s) => [s.prefix, Object.fromEntries(s.hits)]));
    expect(byPrefix).toEqual({
      'login:': {},
      'submit:': { alice: 2, bob: 1 },
      'write:': { bob: 1 },
      'read:': { alice: 1 },
    });
  });

  it('reads have their own per-user limit', async () => {
    const app = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      rateLimit: { submissionsPerMinute: 100, writesPerMinute: 100, readsPerMinute: 2 },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE))).status);
    }
    expect(statuses).toEqual([400, 400, 429]);
    expect((await request(app).get('/jobs?limit=0').set('Authorization', bearer(BOB))).status).toBe(400);
    expect((await request(app).post('/jobs').set('Authorization', bearer(ALICE)).send(invalidJob)).status).toBe(400);
  });

  it('failed logins per client address: past the limit even a valid key is refused until the minute ends', async () => {
    const app = createApp({
      client,
      taskQueue: 't',
      logger: silent,
      auth: testAuth(),
      rateLimit: { submissionsPerMinute: 100, writesPerMinute: 100, failedLoginsPerMinute: 3 },
    });
    // Successful logins do not count, not even while they are in flight.
    for (let i = 0; i < 5; i++) {
      expect((await request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE))).status).toBe(400);
    }
    expect((await request(app).get('/jobs').set('Authorization', 'Bearer sk_wrong_key_0123456789')).status).toBe(401);
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE))),
    );
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(400));
    const failed = [];
    for (let i = 0; i < 3; i++) {
      failed.push((await request(app).get('/jobs').set('Authorization', 'Bearer sk_wrong_key_0123456789')).status);
    }
    expect(failed).toEqual([401, 401, 429]);
    const locked = await request(app).get('/jobs?limit=0').set('Authorization', bearer(ALICE));
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    expect(locked.body.detail).toContain('failed logins from this address');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Public routes are outside authentication and its limit.
    expect((await request(app).get('/healthz')).status).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('is public by default, and asks for a valid key with metricsRequireKey', async () => {
    const open = createApp({ client, taskQueue: 't', logger: silent, auth: testAuth() });
    expect((await request(open).get('/metrics')).status).toBe(200);
    const guarded = createApp({ client, taskQueue: 't', logger: silent, auth: testAuth(), metricsRequireKey: true });
    const anonymous = await request(guarded).get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    const keyed = await request(guarded).get('/metrics').set('Authorization', bearer(BOB));
    expect(keyed.status).toBe(200);
    expect(keyed.text).toContain('scheduler_http_request_duration_seconds');
  });
});

describe('OpenAPI document and /docs', () => {
  const app = createApp({ client, taskQueue: 't', logger: silent, auth: testAuth() });

  it('GET /openapi.json (no key): OpenAPI 3.1 with every route, the job schema and the problem answers', async () => {
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of API_ROUTES) {
      expect(doc.paths[route.path]?.[route.method], `${route.method} ${route.path}`).toMatchObject({
        operationId: route.operationId,
      });
    }
    const submit = doc.paths['/jobs'].post;
    expect(submit.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/JobSubmission',
    });
    const job = doc.components.schemas.JobSubmission;
    expect(job.required).toEqual(expect.arrayContaining(['name', 'frequency', 'payload']));
    expect(job.additionalProperties).toBe(false);
    expect(job.properties.user_id).toBeUndefined();
    expect(Object.keys(job.properties)).toEqual(expect.arrayContaining(['cron', 'every', 'timezone', 'retry']));
    expect(submit.parameters).toEqual([expect.objectContaining({ in: 'header', name: 'Idempotency-Key' })]);
    expect(Object.keys(submit.responses).sort()).toEqual(
      ['200', '201', '400', '401', '403', '409', '413', '415', '429', '503'].sort(),
    );
    expect(submit.responses['400'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(doc.paths['/jobs/{job_id}'].get.parameters).toEqual([
      expect.objectContaining({ in: 'path', name: 'job_id', required: true }),
    ]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('every documented route exists in the app (none answers "route not found")', async () => {
    for (const route of API_ROUTES) {
      const path = route.path.replace('{job_id}', 'job_1');
      const res = await request(app)[route.method](path).set('Authorization', bearer(ALICE)).send({});
      expect(res.body.detail ?? '', `${route.method} ${route.path}`).not.toMatch(
        /^(GET|POST|PUT|PATCH|DELETE) .* not found$/,
      );
    }
  }, 60_000);

  it('/docs serves Swagger UI with every asset from this server (no CDN)', async () => {
    const page = await request(app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset, 'an asset from another host').not.toMatch(/^(https?:)?\/\//);
      const res = await request(app).get(`/docs/${asset.replace(/^\.\//, '')}`);
      expect(res.status, asset).toBe(200);
    }
    const init = await request(app).get('/docs/swagger-ui-init.js');
    expect(init.text).toContain('"openapi": "3.1.0"');
    expect(init.text).toContain('"/jobs/{job_id}/executions"');
    // The page's CSP allows only this origin's scripts: the UI runs without any outside host.
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
