/**
 * The `http` executor against a real local server on 127.0.0.1 (ephemeral port).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpExecutor, HttpStatusError, isRetryableStatus, sendHttp } from '../../src/activities/http';
import { parseAllowTargets } from '../../src/activities/http-guard';
import type { HttpPayload } from '../../src/domain/job-spec';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
let received: Received[] = [];
/** Responses of `/hang` requests, held open until the test ends. */
let hanging: ServerResponse[] = [];
/** Resolves when the next `/hang` request has arrived at the server. */
let hangArrived: Promise<void>;
let signalHangArrived: () => void;

function resetHang(): void {
  hangArrived = new Promise((resolve) => {
    signalHangArrived = resolve;
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      received.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const status = /^\/status\/(\d{3})$/.exec(url);
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end(`answer ${status[1]}`);
      } else if (url === '/big') {
        res
          .writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-request-id': 'r-42', 'set-cookie': 'a=b' })
          .end(`${'é'.repeat(1500)}tail`);
      } else if (url === '/long-error') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('e'.repeat(1000));
      } else if (url === '/redirect') {
        res.writeHead(302, { location: '/status/204' }).end();
      } else if (/^\/redirect-to-port\/\d+$/.test(url)) {
        res.writeHead(307, { location: `http://127.0.0.1:${url.split('/').at(-1)}/landing` }).end();
      } else if (url === '/hang') {
        hanging.push(res);
        signalHangArrived();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
  for (const res of hanging) res.destroy();
  hanging = [];
  resetHang();
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function payload(fields: Partial<HttpPayload> & { path: string }): HttpPayload {
  const { path, ...rest } = fields;
  return { type: 'http', method: 'GET', url: `${base}${path}`, headers: {}, timeout: '10s', ...rest };
}

const KEY = 'job_1:2026-01-01T09:00:00.000Z';
const never = new AbortController().signal;
/** The test server is on loopback, which the SSRF guard refuses unless allow-listed. */
const executor = createHttpExecutor({ allow: parseAllowTargets('127.0.0.1') });

describe('sendHttp request', () => {
  it('sends method, Idempotency-Key, headers and a JSON body with its content type', async () => {
    const outcome = await sendHttp(
      payload({ path: '/ok', method: 'POST', headers: { 'X-Team': 'billing' }, body: { a: 1, b: [true, null] } }),
      KEY,
      never,
      executor,
    );
    expect(outcome).toMatchObject({ status: 200 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/ok');
    expect(request?.headers['idempotency-key']).toBe(KEY);
    expect(request?.headers['x-team']).toBe('billing');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ a: 1, b: [true, null] });
  });

  it('the Idempotency-Key cannot be overridden by the payload headers', async () => {
    await sendHttp(payload({ path: '/ok', headers: { 'Idempotency-Key': 'mine' } }), KEY, never, executor);
    expect(received[0]?.headers['idempotency-key']).toBe(KEY);
  });

  it('keeps a content type given in the headers', async () => {
    await sendHttp(
      payload({ path: '/ok', method: 'PUT', headers: { 'Content-Type': 'application/vnd.x+json' }, body: { a: 1 } }),
      KEY,
      never,
      executor,
    );
    expect(received[0]?.method).toBe('PUT');
    expect(received[0]?.headers['content-type']).toBe('application/vnd.x+json');
    expect(received[0]?.body).toBe('{"a":1}');
  });

  it('sends a string body as is', async () => {
    await sendHttp(payload({ path: '/ok', method: 'POST', body: 'plain words' }), KEY, never, executor);
    expect(received[0]?.body).toBe('plain words');
    expect(received[0]?.headers['content-type']).not.toBe('application/json');
  });

  it('sends no body with GET', async () => {
    await sendHttp(payload({ path: '/ok', method: 'GET', body: { a: 1 } }), KEY, never, executor);
    expect(received[0]?.method).toBe('GET');
    expect(received[0]?.body).toBe('');
  });

  it('follows redirects', async () => {
    expect(await sendHttp(payload({ path: '/redirect' }), KEY, never, executor)).toMatchObject({ status: 204 });
    expect(received.map((r) => r.url)).toEqual(['/redirect', '/status/204']);
  });

  it('a redirect to another origin carries none of the payload headers, only the Idempotency-Key and content type', async () => {
    const other: Received[] = [];
    const otherServer = createServer((req, res) => {
      other.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      req.resume();
      res.writeHead(204).end();
    });
    otherServer.listen(0, '127.0.0.1');
    await once(otherServer, 'listening');
    try {
      const port = (otherServer.address() as AddressInfo).port;
      const headers = { Authorization: 'Bearer first-only', 'X-Api-Key': 'secret', 'X-Trace': 't1' };
      const sent = payload({ path: `/redirect-to-port/${port}`, method: 'POST', headers, body: { a: 1 } });
      expect(await sendHttp(sent, KEY, never, executor)).toMatchObject({ status: 204 });
      expect(received[0]?.headers).toMatchObject({ authorization: 'Bearer first-only', 'x-api-key': 'secret' });
      const landed = other[0]?.headers ?? {};
      expect(other.map((r) => [r.method, r.url])).toEqual([['POST', '/landing']]);
      expect(landed['idempotency-key']).toBe(KEY);
      expect(landed['content-type']).toBe('application/json');
      for (const name of ['authorization', 'x-api-key', 'x-trace']) expect(landed[name], name).toBeUndefined();
    } finally {
      otherServer.close();
    }
  });
});

describe('sendHttp outcome', () => {
  it.each([200, 201, 202, 204])('%d → returns the status', async (status) => {
    expect(await sendHttp(payload({ path: `/status/${status}` }), KEY, never, executor)).toMatchObject({ status });
  });

  it('404 → HttpStatusError, not retryable, with the body excerpt', async () => {
    const error = await sendHttp(payload({ path: '/status/404' }), KEY, never, executor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 404, retryable: false, name: 'HttpError', message: 'HTTP 404: answer 404' });
  });

  it.each([400, 401, 403, 409, 422])('%d → not retryable', async (status) => {
    await expect(sendHttp(payload({ path: `/status/${status}` }), KEY, never, executor)).rejects.toMatchObject({
      status,
      retryable: false,
    });
  });

  it.each([408, 429, 500, 503])('%d → HttpStatusError, retryable', async (status) => {
    const error = await sendHttp(payload({ path: `/status/${status}` }), KEY, never, executor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status, retryable: true });
  });

  it('cuts the body excerpt in the message to 200 characters', async () => {
    const error = await sendHttp(payload({ path: '/long-error' }), KEY, never, executor).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`HTTP 500: ${'e'.repeat(200)}`);
  });
});

describe('sendHttp answer', () => {
  it('keeps the status, the chosen headers and the first 2 KB of the body, never half a character', async () => {
    const answer = await sendHttp(payload({ path: '/big' }), KEY, never, executor);
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8', 'x-request-id': 'r-42' });
    // 'é' is 2 bytes: 1,024 of them fill the 2,048 bytes exactly.
    expect(answer.body_excerpt).toBe('é'.repeat(1024));
  });

  it('a non-2xx error carries the answer; its message the first 200 characters of the body', async () => {
    const err = await sendHttp(payload({ path: '/long-error' }), KEY, never, executor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    const answer = (err as HttpStatusError).answer;
    expect(answer).toMatchObject({ status: 500, headers: { 'content-type': 'text/plain' } });
    expect(answer.body_excerpt).toBe('e'.repeat(1000));
    expect((err as HttpStatusError).message).toBe(`HTTP 500: ${'e'.repeat(200)}`);
  });
});

describe('sendHttp cancellation and time limit', () => {
  it('aborting the signal rejects with an AbortError', async () => {
    const controller = new AbortController();
    const sending = sendHttp(payload({ path: '/hang' }), KEY, controller.signal, executor);
    const settled = sending.catch((e: unknown) => e);
    await hangArrived;
    controller.abort();
    const error = await settled;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
  });

  it('a signal aborted before the call rejects without sending', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sendHttp(payload({ path: '/ok' }), KEY, controller.signal, executor)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(received).toHaveLength(0);
  });

  it('the payload timeout rejects with a TimeoutError', async () => {
    const error = await sendHttp(payload({ path: '/hang', timeout: '200ms' }), KEY, never, executor).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('TimeoutError');
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [200, false],
    [204, false],
    [301, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [422, false],
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
  ])('%d → %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});
