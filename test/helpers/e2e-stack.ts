/**
 * The end-to-end topology, all on 127.0.0.1 with random free ports: the embedded
 * Temporal dev server (fresh database in a temp dir), the worker and the API as
 * separate Node processes (src/workers/main.ts, src/api/main.ts), and a small
 * HTTP client for the API.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EmbeddedServer,
  startEmbeddedServer,
  startEmbeddedServerOnFreePorts,
} from '../../src/dev/embedded-server';
import { type Child, startEntry, stopProcess, waitForOutput } from '../../src/dev/processes';
import { onFreePorts } from '../../src/free-ports';
import { apiKeysEnv, type TestCaller } from './api-keys';

/** The API key {@link Stack.request} sends unless told otherwise: an admin whose user id is u003. */
export const E2E_CALLER: TestCaller = {
  user_id: 'u003',
  role: 'admin',
  key: 'sk_test_e2e_u003_0123456789abcdefghijkl',
};

/** Parsed JSON read by assertions (shape checked by the assertions themselves). */
// biome-ignore lint/suspicious/noExplicitAny: the tests assert on arbitrary JSON answers
export type Json = any;

/** A response of the API, body parsed as JSON when it is JSON. */
export interface ApiResponse<T = Json> {
  status: number;
  contentType: string;
  location: string | null;
  body: T;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Path of the `temporal` CLI (inject('temporalCliPath')). */
  cliPath: string;
  /** Names the task queue and the worker identity (e.g. the test file's name). */
  name: string;
  /** LOG_LEVEL of the children; must be info or lower, since the ready lines are info lines. */
  logLevel?: 'info' | 'debug';
  /** Worker processes on the task queue (default 1); identities `<workerIdentity>` then `-2`, `-3`, … */
  workers?: number;
  /** Extra environment of the worker processes (e.g. HANDLER_MODULES, WORKER_HEARTBEAT_INTERVAL). */
  workerEnv?: NodeJS.ProcessEnv;
  /** API keys the API accepts (besides {@link E2E_CALLER}). */
  callers?: TestCaller[];
  /** More environment of the worker and the API (e.g. rate limits). */
  env?: NodeJS.ProcessEnv;
  /**
   * The Temporal address the worker processes use, given the dev server's (e.g. a proxy in front of
   * it, started here); default: the server's own. The API always connects directly.
   */
  workerTemporalAddress?: (serverAddress: string) => string | Promise<string>;
  /**
   * Folder of the server's database (e.g. on a small tmpfs); created if missing and left in place
   * by {@link Stack.stop}. Default: a fresh temp dir, removed by {@link Stack.stop}.
   */
  dataDir?: string;
  /**
   * SQLite pragmas of the server's database (`--sqlite-pragma`), e.g. `['journal_mode=wal',
   * 'synchronous=full']` as `npm start` gives; default: none (the server's own settings).
   */
  sqlitePragmas?: readonly string[];
}

/** A running stack. */
export interface Stack {
  cliPath: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  workerIdentity: string;
  apiUrl: string;
  server: EmbeddedServer;
  /** The first worker. */
  worker: Child;
  /** Every worker process started so far (also by {@link Stack.startWorker}), in start order. */
  workers: Child[];
  /** Identities of {@link Stack.workers}, same order. */
  workerIdentities: string[];
  api: Child;
  /**
   * Starts a fresh API process (same environment and port) once the current one has exited (e.g.
   * after a SIGKILL), makes it {@link Stack.api} and waits until it listens.
   * @throws {Error} when the current API process is still running, or the new one does not start.
   */
  restartApi(): Promise<Child>;
  /**
   * Starts one more worker process (stopped with the stack) and waits until it polls.
   * @param env overrides, e.g. `{ TASK_QUEUE, MAX_CONCURRENT_EXECUTIONS }`.
   */
  startWorker(identity: string, env?: NodeJS.ProcessEnv): Promise<Child>;
  /** Calls the API (JSON in, JSON or text out) with the key of `as` (default {@link E2E_CALLER}; null: no key). */
  request<T = Json>(method: string, path: string, body?: unknown, as?: TestCaller | null): Promise<ApiResponse<T>>;
  /** Runs the Temporal CLI against this server; resolves with stdout. */
  cli(args: string[]): Promise<string>;
  /** Folder of the server's database file. */
  dataDir: string;
  /**
   * Kills the server with SIGKILL (no shutdown: as a crash) and waits until it has exited.
   * @returns when the signal was sent, epoch ms.
   */
  killServer(): Promise<number>;
  /**
   * Starts the server again on the same database file and ports (after {@link Stack.killServer}, or
   * stops it first if it runs) and waits until it answers; {@link Stack.server} is the new one.
   * The workers and the API are left alone: they reconnect on their own.
   */
  restartServer(): Promise<EmbeddedServer>;
  /** The recent output of the server, worker and API, for diagnostics. */
  diagnostics(): string;
  /** Stops the API, the worker, then the server, and removes the data dir (unless it was given). */
  stop(): Promise<void>;
}

/** Our environment without anything that could point the children elsewhere or change their keys and limits. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TEMPORAL_|API_|AUTH_|RATE_LIMIT_|HTTP_)/.test(key) || /proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/**
 * Starts the API on a free port and waits until it listens; when another process took the port
 * first (the API exits 1 with EADDRINUSE), tries a new port, 3 times in all. Sets `env.API_PORT`
 * to the port it listens on, so that a restart reuses it.
 * @throws {Error} with the API's output when it fails for another reason, or 3 times.
 */
function startApiOnFreePort(env: NodeJS.ProcessEnv, children: Child[]): Promise<Child> {
  return onFreePorts(1, async ([port]) => {
    env.API_PORT = String(port);
    const api = startEntry('api', 'api/main.ts', env);
    children.push(api);
    await waitForOutput(api, /api listening/, 60_000);
    return api;
  });
}

/**
 * Starts the dev server, then the worker and the API (concurrently), and waits
 * until the worker prints "worker started" (it bundles the workflows: up to 120 s)
 * and the API prints "api listening".
 * @throws {Error} with the children's output when something does not start; whatever started is stopped.
 */
export async function startStack({
  cliPath,
  name,
  logLevel = 'info',
  workers: workerCount = 1,
  workerEnv = {},
  callers = [],
  env: extraEnv = {},
  workerTemporalAddress,
  dataDir: givenDataDir,
  sqlitePragmas,
}: StackOptions): Promise<Stack> {
  const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), `${name}-`));
  const namespace = 'default';
  const unique = `${name}-${process.pid}-${Date.now().toString(36)}`;
  const taskQueue = `${unique}`;
  const workerIdentity = `worker-${unique}`;
  const children: Child[] = [];
  let server: EmbeddedServer | undefined;

  const stopAll = async () => {
    for (const child of [...children].reverse()) await stopProcess(child);
    if (server) await stopProcess(server.child);
    if (givenDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  const diagnostics = () =>
    [...(server ? [server.child] : []), ...children]
      .map((c) => `----- ${c.name} (last ${c.output.length} lines) -----\n${c.output.join('\n')}`)
      .join('\n');

  try {
    server = await startEmbeddedServerOnFreePorts({
      cliPath,
      dataDir,
      namespace,
      ...(sqlitePragmas !== undefined ? { sqlitePragmas } : {}),
    });
    const env: NodeJS.ProcessEnv = {
      ...cleanEnv(),
      NO_PROXY: '127.0.0.1,localhost',
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: namespace,
      TASK_QUEUE: taskQueue,
      WORKER_IDENTITY: workerIdentity,
      API_HOST: '127.0.0.1',
      LOG_LEVEL: logLevel,
      API_KEYS: apiKeysEnv([E2E_CALLER, ...callers]),
      // The sink and other test servers listen on loopback, which http jobs may not call by default.
      HTTP_ALLOW_TARGETS: '127.0.0.1,::1',
      ...extraEnv,
    };
    const workerAddress = workerTemporalAddress
      ? { TEMPORAL_ADDRESS: await workerTemporalAddress(server.address) }
      : {};
    const workers: Child[] = [];
    const workerIdentities: string[] = [];
    const launchWorker = (identity: string, overrides: NodeJS.ProcessEnv) => {
      const child = startEntry(`worker ${identity}`, 'workers/main.ts', {
        ...env,
        ...workerAddress,
        ...workerEnv,
        ...overrides,
        WORKER_IDENTITY: identity,
      });
      children.push(child);
      workers.push(child);
      workerIdentities.push(identity);
      return child;
    };
    for (let i = 0; i < workerCount; i++) launchWorker(i === 0 ? workerIdentity : `${workerIdentity}-${i + 1}`, {});
    const worker = workers[0] as Child;
    const [api] = await Promise.all([
      startApiOnFreePort(env, children),
      ...workers.map((w) => waitForOutput(w, /worker started/, 120_000)),
    ]);

    const apiUrl = `http://127.0.0.1:${env.API_PORT}`;
    const temporalAddress = server.address;
    const started = server;
    const stack: Stack = {
      cliPath,
      temporalAddress,
      namespace,
      taskQueue,
      workerIdentity,
      apiUrl,
      server: started,
      worker,
      workers,
      workerIdentities,
      api,
      async restartApi() {
        const previous = stack.api;
        if (previous.process.exitCode === null && previous.process.signalCode === null) {
          throw new Error('restartApi: the API process is still running');
        }
        const child = startEntry('api', 'api/main.ts', env);
        children.push(child);
        stack.api = child;
        await waitForOutput(child, /api listening/, 60_000);
        return child;
      },
      async startWorker(identity, overrides = {}) {
        const child = launchWorker(identity, overrides);
        await waitForOutput(child, /worker started/, 120_000);
        return child;
      },
      diagnostics,
      stop: stopAll,
      dataDir,
      async killServer() {
        const child = stack.server.child;
        const killedAt = Date.now();
        child.process.kill('SIGKILL');
        await child.exited;
        return killedAt;
      },
      async restartServer() {
        const old = stack.server;
        await stopProcess(old.child);
        server = await startEmbeddedServer({
          cliPath,
          dataDir,
          namespace,
          port: Number(new URL(`http://${old.address}`).port),
          uiPort: Number(new URL(old.uiUrl).port),
          ...(sqlitePragmas !== undefined ? { sqlitePragmas } : {}),
        });
        stack.server = server;
        return server;
      },
      async request(method, path, body, as = E2E_CALLER) {
        const headers: Record<string, string> = as === null ? {} : { authorization: `Bearer ${as.key}` };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const response = await fetch(`${apiUrl}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(20_000),
        });
        const contentType = response.headers.get('content-type') ?? '';
        const text = await response.text();
        let parsed: unknown = text;
        if (/json/.test(contentType) && text.length > 0) parsed = JSON.parse(text);
        return {
          status: response.status,
          contentType,
          location: response.headers.get('location'),
          body: parsed as Json,
        };
      },
      cli(args) {
        return new Promise((resolve, reject) => {
          execFile(
            cliPath,
            [...args, '--address', temporalAddress, '--namespace', namespace],
            { env: cleanEnv(), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
              if (err) reject(new Error(`temporal ${args.join(' ')} failed: ${err.message}\n${stderr}`));
              else resolve(stdout);
            },
          );
        });
      },
    };
    return stack;
  } catch (err) {
    const message = `${(err as Error).message}\n${diagnostics()}`;
    await stopAll();
    throw new Error(`the end-to-end stack did not start: ${message}`);
  }
}

/** Decodes the `searchAttributes.indexedFields` of the CLI's JSON output into plain values. */
export function decodeCliSearchAttributes(
  indexedFields: Record<string, { data?: string }> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, payload] of Object.entries(indexedFields ?? {})) {
    out[key] = payload.data === undefined ? null : JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
  }
  return out;
}
