/**
 * The `sendAlert` activity against a real receiver on 127.0.0.1 (ephemeral port, allow-listed as
 * http-executor.test.ts does), run in a MockActivityEnvironment. A spy on net.Socket#connect fails
 * the test on any attempt to reach a non-loopback address, so the guard's refusal is checked
 * without a packet leaving the host.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAllowTargets } from '../../src/activities/http-guard';
import {
  ALERT_USER_AGENT,
  type AlertActivities,
  type AlertDeps,
  type AlertInput,
  type AlertResult,
  createAlertActivities,
} from '../../src/activities/notify';
import { loadConfig } from '../../src/config';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

const SECRET = 'a-secret-of-32-characters-length';

let server: Server;
let base: string;
let received: Received[] = [];

function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

const realConnect = net.Socket.prototype.connect;
const nonLoopbackConnects: string[] = [];

beforeAll(async () => {
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    const options = (typeof args[0] === 'object' && args[0] !== null ? args[0] : { host: args[1] }) as {
      host?: string;
      path?: string;
    };
    if (options.path === undefined && options.host !== undefined && !isLoopback(options.host)) {
      nonLoopbackConnects.push(options.host);
      throw new Error(`test safety net: refused to connect to ${options.host}`);
    }
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      received.push({ method: req.method ?? '', url, headers: req.headers, raw: Buffer.concat(chunks) });
      const status = /^\/status\/(\d{3})$/.exec(url);
      if (status) res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end(`answer ${status[1]}`);
      else if (url === '/redirect') res.writeHead(302, { location: '/landing' }).end();
      else res.writeHead(202).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
});

afterEach(() => {
  expect(nonLoopbackConnects).toEqual([]);
});

afterAll(async () => {
  vi.restoreAllMocks();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

/** The receiver is on loopback, which the SSRF guard refuses unless allow-listed. */
const http = { allow: parseAllowTargets('127.0.0.1') };

function alerts(deps: Partial<AlertDeps> = {}): AlertActivities {
  return createAlertActivities({ http, ...deps });
}

function input(fields: Partial<AlertInput> = {}): AlertInput {
  return {
    event: 'failed',
    job_id: 'job_1',
    name: 'nightly report ✓',
    scheduled_time: '2026-01-01T09:00:00.000Z',
    error: { message: 'HTTP 500: boom', type: 'HttpError', non_retryable: false },
    health: { state: 'failing', consecutive_failures: 3, last_success_at: null },
    idempotency_key: 'job_1:alert:failed:2026-01-01T09:00:00.000Z',
    ...fields,
  };
}

function send(activities: AlertActivities, alert: AlertInput): Promise<AlertResult> {
  return new MockActivityEnvironment().run(activities.sendAlert, alert);
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected sendAlert to throw');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** What a receiver does (module doc of src/activities/notify.ts): HMAC of the raw bytes, constant-time compare. */
function verifies(secret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('sendAlert', () => {
  it('POSTs the six fields as UTF-8 JSON with the idempotency key, content type and user agent', async () => {
    const alert = input();
    const result = await send(alerts({ defaultUrl: `${base}/hook` }), alert);
    expect(result).toEqual({ sent: true, status: 202, url_host: new URL(base).host });
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hook');
    expect(JSON.parse(request.raw.toString('utf8'))).toEqual({
      event: alert.event,
      job_id: alert.job_id,
      name: alert.name,
      scheduled_time: alert.scheduled_time,
      error: alert.error,
      health: alert.health,
    });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(alert.idempotency_key);
    expect(request.headers['user-agent']).toBe(ALERT_USER_AGENT);
    expect(request.headers['scheduler-signature']).toBeUndefined();
  });

  it('signs the raw body: the signature verifies with the secret, not with a tampered body or another key', async () => {
    await send(alerts({ defaultUrl: `${base}/hook`, signingSecret: SECRET }), input({ event: 'late', error: null }));
    const [request] = received as [Received];
    const header = request.headers['scheduler-signature'];
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifies(SECRET, request.raw, header)).toBe(true);
    const tampered = Buffer.from(request.raw.toString('utf8').replace('"late"', '"recovered"'), 'utf8');
    expect(tampered.equals(request.raw)).toBe(false);
    expect(verifies(SECRET, tampered, header)).toBe(false);
    expect(verifies(`${SECRET}x`, request.raw, header)).toBe(false);
  });

  it('with no URL anywhere sends nothing and returns { sent: false }', async () => {
    expect(await send(alerts(), input())).toEqual({ sent: false });
    expect(received).toEqual([]);
  });

  it("the job's url wins over the worker's default", async () => {
    await send(alerts({ defaultUrl: `${base}/default` }), input({ url: `${base}/job` }));
    expect(received.map((r) => r.url)).toEqual(['/job']);
  });

  it('a 503 throws a retryable failure', async () => {
    const failure = await failureOf(send(alerts(), input({ url: `${base}/status/503` })));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe('HttpError');
    expect(failure.message).toContain('HTTP 503');
  });

  it('a 400 throws a non-retryable AlertRejected', async () => {
    const failure = await failureOf(send(alerts(), input({ url: `${base}/status/400` })));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('AlertRejected');
    expect(failure.details).toEqual([{ http_status: 400, url_host: new URL(base).host }]);
  });

  it('a redirect is not followed: AlertRejected, one request', async () => {
    const failure = await failureOf(send(alerts(), input({ url: `${base}/redirect` })));
    expect(failure).toMatchObject({ type: 'AlertRejected', nonRetryable: true });
    expect(received.map((r) => r.url)).toEqual(['/redirect']);
  });

  it('a literal private address is refused by the SSRF guard before any DNS lookup or connect', async () => {
    const asked: string[] = [];
    const activities = alerts({
      http: {
        ...http,
        lookup: (hostname, _options, callback) => {
          asked.push(hostname);
          callback(null, '127.0.0.1', 4);
        },
      },
    });
    const failure = await failureOf(send(activities, input({ url: 'http://10.1.2.3/hook' })));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('ForbiddenTargetError');
    expect(failure.message).toMatch(/refused to connect to 10\.1\.2\.3 port 80: private address/);
    expect(failure.message).toContain('HTTP_ALLOW_TARGETS');
    expect(asked).toEqual([]);
    expect(received).toEqual([]);
  });

  it('a target that is not an http(s) URL fails non-retryably without a request', async () => {
    const failure = await failureOf(send(alerts(), input({ url: 'ftp://example.test/' })));
    expect(failure).toMatchObject({ type: 'InvalidAlertUrl', nonRetryable: true });
  });
});

describe('NOTIFY_URL and NOTIFY_SIGNING_SECRET', () => {
  it('are optional, and parsed when set', () => {
    expect(loadConfig({}).NOTIFY_URL).toBeUndefined();
    expect(loadConfig({}).NOTIFY_SIGNING_SECRET).toBeUndefined();
    const config = loadConfig({ NOTIFY_URL: 'https://alerts.example.com/hook', NOTIFY_SIGNING_SECRET: SECRET });
    expect(config).toMatchObject({ NOTIFY_URL: 'https://alerts.example.com/hook', NOTIFY_SIGNING_SECRET: SECRET });
  });

  it.each([
    ['NOTIFY_URL', { NOTIFY_URL: 'ftp://alerts.example.com/' }],
    ['NOTIFY_URL', { NOTIFY_URL: 'alerts.example.com/hook' }],
    ['NOTIFY_SIGNING_SECRET', { NOTIFY_SIGNING_SECRET: 'short' }],
  ])('an invalid %s is named', (name, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^  ${name}: `, 'm'));
  });
});
