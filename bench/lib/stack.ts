/**
 * The scheduler as the benchmarks run it, all on 127.0.0.1: the embedded Temporal dev server with
 * a file database in a temp dir (src/dev/embedded-server.ts), N worker processes with the bench
 * handler (./record-handler.ts) and the API, each a separate Node process like `npm start`
 * (./app.ts).
 * Everything is registered for cleanup (./cleanup.ts).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { startEmbeddedServer } from '../../src/dev/embedded-server';
import { type Child, startProcess, stopProcess } from '../../src/dev/processes';
import { PROJECT_ROOT } from '../../src/dev/temporal-cli';
import { freePorts } from '../../src/free-ports';
import { type App, cleanEnv, startApp } from './app';
import { onCleanup } from './cleanup';

export { cleanEnv };

/** Makes a temp dir removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
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

/**
 * Starts the server, the workers and the API, and waits until all are ready (workers bundle the
 * workflow code first: up to 2 minutes on a busy machine).
 * @throws {Error} with the children's output when something does not start (what started is stopped).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = options.dataDir ?? tempDir(options.name);
  const [port, uiPort] = (await freePorts(2)) as [number, number];
  const taskQueue = options.taskQueue ?? `bench-${options.name}-${Date.now().toString(36)}`;
  let server: Child | null = null;
  let app: App | null = null;
  const stop = async () => {
    await app?.stop();
    app = null;
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
  try {
    const started = await startApp({
      name: options.name,
      temporalAddress: embedded.address,
      dataDir,
      taskQueue,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.api !== undefined ? { api: options.api } : {}),
      ...(options.workerEnv ? { workerEnv: options.workerEnv } : {}),
      ...(options.apiEnv ? { apiEnv: options.apiEnv } : {}),
    });
    app = started;
    const dbDir = join(dataDir, 'temporal');
    return {
      dataDir,
      recordDir: started.recordDir,
      taskQueue,
      temporalAddress: embedded.address,
      server: embedded.child,
      workers: started.workers,
      api: started.api,
      apiUrl: started.apiUrl,
      apiKey: started.apiKey,
      client: started.client,
      databaseBytes: () =>
        readdirSync(dbDir)
          .filter((f) => f.startsWith('temporal.db'))
          .reduce((sum, f) => sum + statSync(join(dbDir, f)).size, 0),
      addWorker: (extra) => started.addWorker(extra),
      stop: async () => {
        await unregister();
      },
    };
  } catch (err) {
    const output = `----- ${embedded.child.name} -----\n${embedded.child.output.slice(-30).join('\n')}`;
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
