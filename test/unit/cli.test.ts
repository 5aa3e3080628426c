/**
 * The `scheduler` command line: `jobs` subcommands send the right requests to the API (a local
 * stub on 127.0.0.1) and print its JSON; API errors print the problem and set exit code 1;
 * `api`/`worker` options become configuration variables; the real bin exits 2 naming an invalid
 * variable before it starts anything.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildProgram } from '../../src/cli/program';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
  idempotencyKey?: string | undefined;
}

let server: Server;
let apiUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
        ...(req.headers['idempotency-key'] ? { idempotencyKey: String(req.headers['idempotency-key']) } : {}),
      });
      if (req.url === '/jobs:batch') {
        // Each item named `bad` is refused; the others are created.
        const { jobs } = JSON.parse(Buffer.concat(chunks).toString()) as { jobs: { name: string }[] };
        const results = jobs.map((j, i) =>
          j.name === 'bad'
            ? { status: 400, problem: { title: 'Invalid request', status: 400, detail: 'invalid job: cron' } }
            : { status: 201, job: { job_id: `job_${j.name}_${i}`, status: 'pending', next_run_time: null } },
        );
        res.writeHead(results.every((r) => r.status === 201) ? 200 : 207, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ results }));
        return;
      }
      if (req.url?.startsWith('/jobs/missing')) {
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'Not Found', status: 404, detail: 'no job missing' }));
        return;
      }
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, method: req.method, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  seen.length = 0;
  process.exitCode = undefined;
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const started: string[] = [];
  const program = buildProgram({
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env,
    run: {
      dev: async () => void started.push('dev'),
      api: async () => void started.push('api'),
      worker: async () => void started.push('worker'),
    },
  });
  program.exitOverride();
  await program.parseAsync(args, { from: 'user' });
  return { out: out.join('\n'), err: err.join('\n'), started, env };
}

describe('scheduler jobs', () => {
  test('create --json posts the spec with an Idempotency-Key and prints the answer', async () => {
    const spec = { name: 'n', user_id: 'u', frequency: 'once', payload: { type: 'handler', name: 'demo.echo' } };
    const r = await run(['jobs', '--api-url', apiUrl, '--api-key', 'k1', 'create', '--json', JSON.stringify(spec)]);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/jobs',
        auth: 'Bearer k1',
        body: JSON.stringify(spec),
        idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
    expect(JSON.parse(r.out)).toEqual({ ok: true, method: 'POST', url: '/jobs', created: true });
    expect(process.exitCode).toBeUndefined();
  });

  test('create --file x.jsonl sends the lines through POST /jobs:batch and prints one result per line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-jsonl-'));
    const file = join(dir, 'specs.jsonl');
    const line = (name: string) => JSON.stringify({ name, frequency: 'once', payload: { type: 'handler', name: 'x' } });
    writeFileSync(file, `${line('a')}\n\n${line('bad')}\r\n${line('c')}\n`);
    try {
      const r = await run(['jobs', '--api-url', apiUrl, 'create', '--file', file, '--batch-size', '2']);
      expect(seen.map((s) => [s.method, s.url])).toEqual([
        ['POST', '/jobs:batch'],
        ['POST', '/jobs:batch'],
      ]);
      const sent = seen.map((s) => JSON.parse(s.body) as { jobs: { name: string; idempotency_key: string }[] });
      expect(sent.map((b) => b.jobs.map((j) => j.name))).toEqual([['a', 'bad'], ['c']]);
      expect(sent.flatMap((b) => b.jobs.map((j) => j.idempotency_key))).toEqual([
        expect.any(String),
        expect.any(String),
        expect.any(String),
      ]);
      const results = r.out.split('\n').map((l) => JSON.parse(l) as { status: number });
      expect(results.map((x) => x.status)).toEqual([201, 400, 201]);
      expect(r.err).toBe('3 jobs: 2 created, 0 replayed, 1 failed');
      expect(process.exitCode).toBe(1);
      // A line that is not JSON is named before anything is sent.
      seen.length = 0;
      writeFileSync(file, `${line('a')}\n{oops\n`);
      await expect(run(['jobs', '--api-url', apiUrl, 'create', '--file', file])).rejects.toThrow(/line 2 is not JSON/);
      expect(seen).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('list passes the filters as query parameters; the URL and key come from the environment', async () => {
    await run(['jobs', 'list', '--status', 'pending', '--user', 'u003', '--limit', '5'], {
      SCHEDULER_API_URL: apiUrl,
      SCHEDULER_API_KEY: 'env-key',
    });
    expect(seen).toEqual([
      { method: 'GET', url: '/jobs?status=pending&user_id=u003&limit=5', auth: 'Bearer env-key', body: '' },
    ]);
  });

  test('get, executions, pause, resume, trigger and cancel call the job URLs', async () => {
    for (const command of ['get', 'executions', 'pause', 'resume', 'trigger', 'cancel']) {
      await run(['jobs', '--api-url', apiUrl, command, 'job_1']);
    }
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /jobs/job_1',
      'GET /jobs/job_1/executions',
      'POST /jobs/job_1/pause',
      'POST /jobs/job_1/resume',
      'POST /jobs/job_1/trigger',
      'DELETE /jobs/job_1',
    ]);
    expect(seen[0]?.auth).toBeUndefined();
  });

  test('an API error prints the problem and sets exit code 1', async () => {
    const r = await run(['jobs', '--api-url', apiUrl, 'get', 'missing']);
    expect(r.err).toContain('404 Not Found: no job missing');
    expect(r.err).toContain('"title": "Not Found"');
    expect(r.out).toBe('');
    expect(process.exitCode).toBe(1);
  });

  test('an unreachable API is reported, with exit code 1', async () => {
    const r = await run(['jobs', '--api-url', 'http://127.0.0.1:1', 'list']);
    expect(r.err).toMatch(/^cannot reach the scheduler API at http:\/\/127\.0\.0\.1:1\/jobs: \S/);
    expect(process.exitCode).toBe(1);
  });

  test('create needs exactly one of --file and --json, and JSON', async () => {
    await expect(run(['jobs', '--api-url', apiUrl, 'create'])).rejects.toThrow(/exactly one of --file/);
    await expect(run(['jobs', '--api-url', apiUrl, 'create', '--json', '{'])).rejects.toThrow(/not JSON/);
    expect(seen).toEqual([]);
  });
});

describe('scheduler dev | api | worker', () => {
  test('options become configuration variables before the process starts', async () => {
    const api = await run(['api', '--port', '4000', '--host', '0.0.0.0']);
    expect(api.started).toEqual(['api']);
    expect(api.env).toMatchObject({ API_PORT: '4000', API_HOST: '0.0.0.0' });
    const worker = await run(['worker', '--task-queue', 'reports', '--metrics-port', '9464', '--identity', 'w1']);
    expect(worker.started).toEqual(['worker']);
    expect(worker.env).toMatchObject({ TASK_QUEUE: 'reports', WORKER_METRICS_PORT: '9464', WORKER_IDENTITY: 'w1' });
    expect((await run(['dev'])).started).toEqual(['dev']);
  });

  test('the bin exits with status 2 and names an invalid variable', () => {
    const bin = join(__dirname, '..', '..', 'bin', 'scheduler.js');
    for (const [command, env, name] of [
      ['api', { API_PORT: 'http' }, 'API_PORT'],
      ['worker', { TEMPORAL_ADDRESS: 'nope' }, 'TEMPORAL_ADDRESS'],
    ] as const) {
      const result = spawnSync(process.execPath, [bin, command], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^  ${name}: `, 'm'));
    }
  });
});
