/**
 * `npm start` (src/dev/main.ts) against a running dev server: it prints a fresh API key that
 * works, and only that key; it gets ready at LOG_LEVEL=warn and silent too (readiness comes over
 * IPC); a kill -9 of its worker restarts the worker and leaves the API up; the API alone with
 * AUTH_DISABLED=true says so loudly and needs no key; the API on a port another process holds exits
 * 1 naming the port, and never says it listens.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startEntry, stopProcess, waitForOutput } from '../../src/dev/processes';
import { freePorts } from '../../src/free-ports';
import { childPids, commandLine } from '../helpers/procfs';
import { startDevServerEnv } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

let env: TestWorkflowEnvironment;
const children: Child[] = [];

/** Our environment without anything that could point the children elsewhere or configure keys. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TEMPORAL_|API_|AUTH_|RATE_LIMIT_|HTTP_)/.test(key) || /proxy$/i.test(key)) continue;
    clean[key] = value;
  }
  return {
    ...clean,
    NO_PROXY: '127.0.0.1,localhost',
    TEMPORAL_ADDRESS: env.address,
    TASK_QUEUE: `dev-start-${randomUUID()}`,
    API_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

beforeAll(async () => {
  env = await startDevServerEnv();
});

afterAll(async () => {
  for (const child of children.reverse()) await stopProcess(child);
  await env?.teardown();
});

describe('npm start and the API key', () => {
  it('prints a generated key: it works, no key is a 401, and the API log never contains it', async () => {
    const [apiPort] = (await freePorts(1)) as [number];
    const dev = startEntry('dev', 'dev/main.ts', childEnv({ API_PORT: String(apiPort) }));
    children.push(dev);
    const line = await waitForOutput(dev, /API key\s+sk_/, 180_000);
    const key = /(sk_[A-Za-z0-9_-]{43})/.exec(line)?.[1] as string;
    expect(key).toBeDefined();
    await waitForOutput(dev, /Press Ctrl-C/, 30_000);
    const url = `http://127.0.0.1:${apiPort}`;

    const anonymous = await fetch(`${url}/jobs`);
    expect(anonymous.status).toBe(401);
    const listed = await fetch(`${url}/jobs`, { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);
    const created = await fetch(`${url}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'dev-key',
        frequency: 'interval',
        every: '1h',
        execution_time: new Date(Date.now() + 3_600_000).toISOString(),
        payload: { type: 'handler', name: 'demo.echo' },
      }),
    });
    expect(created.status).toBe(201);
    const { job_id } = (await created.json()) as { job_id: string };
    const job = (await (await fetch(`${url}/jobs/${job_id}`, { headers: { 'x-api-key': key } })).json()) as {
      user_id: string;
    };
    expect(job.user_id).toBe('dev');
    // The key appears once, in the banner; no process logged it.
    expect(dev.output.filter((l) => l.includes(key)).every((l) => !l.startsWith('[api]') && !l.includes('"msg"'))).toBe(
      true,
    );
    expect(await stopProcess(dev)).toBe(0);
  });

  it.each(['warn', 'silent'])(
    'LOG_LEVEL=%s: npm start gets ready (readiness over IPC, not log lines) and serves',
    async (level) => {
      const [apiPort] = (await freePorts(1)) as [number];
      const dev = startEntry('dev', 'dev/main.ts', childEnv({ API_PORT: String(apiPort), LOG_LEVEL: level }));
      children.push(dev);
      const line = await waitForOutput(dev, /API key\s+sk_/, 180_000);
      const key = /(sk_[A-Za-z0-9_-]{43})/.exec(line)?.[1] as string;
      await waitForOutput(dev, /Press Ctrl-C/, 30_000);
      const listed = await fetch(`http://127.0.0.1:${apiPort}/jobs`, { headers: { authorization: `Bearer ${key}` } });
      expect(listed.status).toBe(200);
      // Nothing at info level was logged, yet the launcher knew when worker and API were ready.
      expect(dev.output.some((l) => l.includes('"msg":"worker started"') || l.includes('"msg":"api listening"'))).toBe(
        false,
      );
      expect(await stopProcess(dev)).toBe(0);
    },
    240_000,
  );

  it('kill -9 of its worker: npm start restarts it with backoff, the API stays up, and jobs run again', async () => {
    const [apiPort] = (await freePorts(1)) as [number];
    const dev = startEntry('dev', 'dev/main.ts', childEnv({ API_PORT: String(apiPort) }));
    children.push(dev);
    const line = await waitForOutput(dev, /API key\s+sk_/, 180_000);
    const key = /(sk_[A-Za-z0-9_-]{43})/.exec(line)?.[1] as string;
    await waitForOutput(dev, /Press Ctrl-C/, 30_000);
    const url = `http://127.0.0.1:${apiPort}`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const workerPid = childPids(dev.process.pid ?? 0).find((pid) => commandLine(pid).includes('workers/main.ts'));
    expect(workerPid).toBeDefined();
    process.kill(workerPid as number, 'SIGKILL');
    await waitForOutput(dev, /worker exited unexpectedly \(SIGKILL\); restarting it in 1 s/, 30_000);
    // The API answers while the worker is down.
    expect((await fetch(`${url}/jobs`, { headers })).status).toBe(200);
    await waitForOutput(dev, /worker restarted \(pid \d+\)/, 120_000);
    const created = await fetch(`${url}/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'after-restart',
        frequency: 'once',
        execution_time: new Date().toISOString(),
        payload: { type: 'handler', name: 'demo.echo' },
      }),
    });
    expect(created.status).toBe(201);
    const { job_id } = (await created.json()) as { job_id: string };
    await waitFor(
      async () => {
        const job = (await (await fetch(`${url}/jobs/${job_id}`, { headers })).json()) as { status: string };
        return job.status === 'completed';
      },
      { timeoutMs: 60_000, what: 'the job run by the restarted worker' },
    );
    expect(dev.process.exitCode).toBeNull();
    expect(await stopProcess(dev)).toBe(0);
  }, 300_000);

  it('AUTH_DISABLED=true: the API warns loudly and answers without a key', async () => {
    const [apiPort] = (await freePorts(1)) as [number];
    const api = startEntry('api', 'api/main.ts', childEnv({ API_PORT: String(apiPort), AUTH_DISABLED: 'true' }));
    children.push(api);
    const warning = await waitForOutput(api, /AUTHENTICATION IS DISABLED/, 60_000);
    expect(JSON.parse(warning)).toMatchObject({ level: 40 });
    await waitForOutput(api, /api listening/, 60_000);
    const res = await fetch(`http://127.0.0.1:${apiPort}/jobs?limit=0`);
    expect(res.status).toBe(400); // past authentication: the query is what is wrong
    expect(await stopProcess(api)).toBe(0);
  });

  it('a port another process holds: the API exits 1 naming the port, and never says it listens', async () => {
    const holder = createServer((_req, res) => res.end('held'));
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const api = startEntry('api', 'api/main.ts', childEnv({ API_PORT: String(port), AUTH_DISABLED: 'true' }));
      children.push(api);
      expect(await api.exited).toBe(1);
      const fatal = api.output.find((line) => /api cannot listen/.test(line));
      expect(fatal, api.output.join('\n')).toBeDefined();
      expect(JSON.parse(fatal as string)).toMatchObject({ level: 60, port, host: '127.0.0.1' });
      expect(fatal).toMatch(/EADDRINUSE|address already in use/);
      expect(api.output.some((line) => /api listening/.test(line))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
