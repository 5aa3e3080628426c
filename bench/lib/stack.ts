/**
 * The scheduler as the benchmarks run it, all on 127.0.0.1: the embedded Temporal dev server with
 * a file database in a temp dir (src/dev/embedded-server.ts), N worker processes with the bench
 * handler (./record-handler.ts) and the API, each a separate Node process like `npm start`.
 * Everything is registered for cleanup (./cleanup.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { generateApiKey, hashApiKey } from '../../src/api/auth';
import { dataConverterOf, payloadCodecFromConfig } from '../../src/codec/payload-codec';
import { startEmbeddedServer } from '../../src/dev/embedded-server';
import { ensureDevPayloadKey } from '../../src/dev/payload-key';
import { type Child, freePorts, startEntry, startProcess, stopProcess, waitForOutput } from '../../src/dev/processes';
import { PROJECT_ROOT } from '../../src/dev/temporal-cli';
import { onCleanup } from './cleanup';

export { freePorts };

/** Makes a temp dir removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Our environment without anything that could point the children elsewhere. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(TEMPORAL_|API_|AUTH_|RATE_LIMIT_|HTTP_|WORKER_|HANDLER_|MAX_CONCURRENT|EXECUTIONS_|TASK_QUEUE|PAYLOAD_|NOTIFY_)/.test(
        key,
      )
    )
      continue;
    if (/proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/** BENCH_SERVER_DYNAMIC_CONFIG: comma-separated `KEY=VALUE` dynamic config for the benchmarks' server. */
export function serverDynamicConfig(): string[] {
  return (process.env.BENCH_SERVER_DYNAMIC_CONFIG ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Options of {@link startStack}. */
export interface StackOptions {
  cliPath: string;
  /** Short name (temp dir prefix, task queue). */
  name: string;
  /** Worker processes (default 1). */
  workers?: number;
  /** Start the API (default true). */
  api?: boolean;
  /** Extra environment of the workers (e.g. WORKER_MAX_CACHED_WORKFLOWS). */
  workerEnv?: NodeJS.ProcessEnv;
  /** Extra environment of the API. */
  apiEnv?: NodeJS.ProcessEnv;
  /** Reuse this data dir (restart); default a fresh temp dir. */
  dataDir?: string;
  /** Reuse this task queue (restart). */
  taskQueue?: string;
  /** SQLite pragmas of the server's database (`name=value`); default none (the server's defaults). */
  sqlitePragmas?: readonly string[];
  /** More dynamic config of the server (`KEY=VALUE`); default BENCH_SERVER_DYNAMIC_CONFIG (comma-separated) or none. */
  dynamicConfig?: readonly string[];
}

/** A running stack. */
export interface Stack {
  dataDir: string;
  /** Folder of the bench handler's start records. */
  recordDir: string;
  taskQueue: string;
  temporalAddress: string;
  server: Child;
  workers: Child[];
  api: Child | null;
  apiUrl: string;
  /** Bearer key of the admin user `bench`. */
  apiKey: string;
  /** A Temporal client on the server (closed with the stack). */
  client: Client;
  /** Bytes of the server's SQLite files (temporal.db and its -wal / -shm). */
  databaseBytes(): number;
  /** Starts one more worker process like the first ones and waits until it polls. */
  addWorker(env?: NodeJS.ProcessEnv): Promise<Child>;
  /** Stops API, workers, then the server (the data dir stays until cleanup). */
  stop(): Promise<void>;
}

/** Environment a worker needs to run the bench handler and nothing else. */
function workerEnvironment(base: NodeJS.ProcessEnv, recordDir: string): NodeJS.ProcessEnv {
  return {
    ...base,
    HANDLER_MODULES: join(PROJECT_ROOT, 'bench', 'lib', 'record-handler.ts'),
    BENCH_RECORD_DIR: recordDir,
  };
}

/**
 * Starts the server, the workers and the API, and waits until all are ready (workers bundle the
 * workflow code first: up to 2 minutes on a busy machine).
 * @throws {Error} with the children's output when something does not start (what started is stopped).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = options.dataDir ?? tempDir(options.name);
  const recordDir = join(dataDir, 'records');
  mkdirSync(recordDir, { recursive: true });
  const [port, uiPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const taskQueue = options.taskQueue ?? `bench-${options.name}-${Date.now().toString(36)}`;
  const children: Child[] = [];
  let server: Child | null = null;
  let client: Client | null = null;
  const stop = async () => {
    if (client) await client.connection.close().catch(() => undefined);
    client = null;
    for (const child of [...children].reverse()) await stopProcess(child);
    if (server) await stopProcess(server);
  };
  const unregister = onCleanup(`stack ${options.name}`, stop);
  const embedded = await startEmbeddedServer(
    {
      cliPath: options.cliPath,
      dataDir: join(dataDir, 'temporal'),
      port,
      uiPort,
      namespace: 'default',
      ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
      dynamicConfig: options.dynamicConfig ?? serverDynamicConfig(),
    },
    120_000,
  );
  server = embedded.child;
  const apiKey = generateApiKey();
  // Payloads encrypted as `npm start` has them: a key file created in the data folder, used by the
  // workers, the API and the bench's own client.
  const payloadKeys = ensureDevPayloadKey(dataDir).path;
  const codec = payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: payloadKeys });
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    PAYLOAD_KEYS_FILE: payloadKeys,
    NO_PROXY: '127.0.0.1,localhost',
    TEMPORAL_ADDRESS: embedded.address,
    TEMPORAL_NAMESPACE: 'default',
    TASK_QUEUE: taskQueue,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    API_KEYS: `bench:admin:${hashApiKey(apiKey)}`,
    LOG_LEVEL: 'info',
    RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '100000000',
    RATE_LIMIT_WRITES_PER_MINUTE: '100000000',
  };
  let workerCount = 0;
  const launchWorker = (extra: NodeJS.ProcessEnv) => {
    workerCount++;
    const identity = `bench-worker-${workerCount}`;
    const child = startEntry(identity, 'workers/main.ts', {
      ...workerEnvironment(env, recordDir),
      ...options.workerEnv,
      ...extra,
      WORKER_IDENTITY: identity,
    });
    children.push(child);
    return child;
  };
  try {
    const workers: Child[] = [];
    for (let i = 0; i < (options.workers ?? 1); i++) workers.push(launchWorker({}));
    let api: Child | null = null;
    if (options.api ?? true) {
      api = startEntry('api', 'api/main.ts', { ...env, ...options.apiEnv });
      children.push(api);
    }
    await Promise.all([
      ...workers.map((w) => waitForOutput(w, /worker started/, 180_000)),
      ...(api ? [waitForOutput(api, /api listening/, 60_000)] : []),
    ]);
    const connection = await Connection.connect({ address: embedded.address });
    client = new Client({ connection, namespace: 'default', dataConverter: dataConverterOf(codec) });
    const dbDir = join(dataDir, 'temporal');
    return {
      dataDir,
      recordDir,
      taskQueue,
      temporalAddress: embedded.address,
      server: embedded.child,
      workers,
      api,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      apiKey,
      client,
      databaseBytes: () =>
        readdirSync(dbDir)
          .filter((f) => f.startsWith('temporal.db'))
          .reduce((sum, f) => sum + statSync(join(dbDir, f)).size, 0),
      async addWorker(extra = {}) {
        const child = launchWorker(extra);
        workers.push(child);
        await waitForOutput(child, /worker started/, 180_000);
        return child;
      },
      stop: async () => {
        await unregister();
      },
    };
  } catch (err) {
    const output = [embedded.child, ...children]
      .map((c) => `----- ${c.name} -----\n${c.output.slice(-30).join('\n')}`)
      .join('\n');
    await unregister();
    throw new Error(`the bench stack did not start: ${(err as Error).message}\n${output}`);
  }
}

/**
 * Starts a TypeScript file of bench/ (e.g. a peer's worker) as a Node process with the tsx loader.
 * Registered for cleanup.
 */
export function startBenchProcess(name: string, file: string, env: NodeJS.ProcessEnv): Child {
  const tsx = require.resolve('tsx');
  const child = startProcess({
    name,
    command: process.execPath,
    args: ['--import', `file://${tsx}`, join(PROJECT_ROOT, 'bench', file)],
    env: { ...cleanEnv(), ...env },
  });
  onCleanup(`process ${name}`, () => stopProcess(child, 5_000).then(() => undefined));
  return child;
}
