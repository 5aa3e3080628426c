/**
 * The two stacks of the `scale` benchmark behind one interface: (a) `sqlite`, the embedded dev
 * server with its SQLite file (./stack.ts, what `npm start` gives) and (b) `postgres`, the
 * multi-shard Temporal server on PostgreSQL (./cluster.ts). Each runs our workers and API
 * (./app.ts), measures its storage, and restarts on the same database.
 */
import type { Client } from '@temporalio/client';
import type { Child } from '../../src/dev/processes';
import { type App, startApp } from './app';
import { type ClusterServer, startClusterServer } from './cluster';
import { type Stack, serverDynamicConfig, startStack } from './stack';

/** Names of the backends (BENCH_SCALE_BACKENDS). */
export const SCALE_BACKENDS = ['sqlite', 'postgres'] as const;
/** A backend name. */
export type ScaleBackendName = (typeof SCALE_BACKENDS)[number];

/** Storage of the server's database: the total and its parts, bytes. */
export interface StorageFigures {
  /** Bytes of the whole store (SQLite: temporal.db with -wal/-shm; PostgreSQL: both databases). */
  total: number;
  /** Parts by name (PostgreSQL: `temporal`, `temporal_visibility`; SQLite: none). */
  parts: Record<string, number>;
  /** The largest tables, `database.table` → bytes (PostgreSQL only). */
  tables: Record<string, number>;
}

/** A process whose CPU and memory the benchmark samples. */
export interface WatchedProcess {
  label: string;
  pid: number;
}

/** A running backend with our workers and API. */
export interface ScaleBackend {
  name: ScaleBackendName;
  /** One line for the report: server, store, shards. */
  describe: string;
  /** Current API and client (they change at a restart). */
  apiUrl: string;
  apiKey: string;
  client: Client;
  taskQueue: string;
  /** Folder of the bench handler's start records (kept across restarts). */
  recordDir: string;
  workers: Child[];
  /** Temporal server (and PostgreSQL) processes, for CPU figures. */
  serverProcesses(): WatchedProcess[];
  /** Storage now (running). */
  storage(): StorageFigures;
  /** The database server's write counters (PostgreSQL only): WAL bytes and commits so far. */
  database?: { walBytes(): number; commits(): number };
  /**
   * Stops everything (API, workers, Temporal server; PostgreSQL stays up as a database server
   * would), measures storage at rest, then starts it all again on the same database and task
   * queue and waits until all are ready.
   * @returns the storage with the server stopped and the seconds from the start of the new
   *   processes until all were ready.
   */
  restart(): Promise<{ atRest: StorageFigures; restartS: number }>;
  /** Stops everything it started (idempotent). */
  stop(): Promise<void>;
}

/** Options of {@link startScaleBackend}. */
export interface ScaleBackendOptions {
  cliPath: string;
  workers: number;
  workerEnv: NodeJS.ProcessEnv;
  apiEnv: NodeJS.ProcessEnv;
  /** SQLite pragmas of the embedded server. */
  sqlitePragmas: readonly string[];
  /** History shards of the PostgreSQL cluster. */
  shards: number;
}

/** Starts one backend and waits until it is ready. */
export async function startScaleBackend(name: ScaleBackendName, options: ScaleBackendOptions): Promise<ScaleBackend> {
  return name === 'sqlite' ? startSqlite(options) : startPostgresBackend(options);
}

async function startSqlite(options: ScaleBackendOptions): Promise<ScaleBackend> {
  const stackOptions = {
    cliPath: options.cliPath,
    name: 'scale-sqlite',
    workers: options.workers,
    workerEnv: options.workerEnv,
    apiEnv: options.apiEnv,
    sqlitePragmas: options.sqlitePragmas,
  };
  let stack: Stack = await startStack(stackOptions);
  const storage = (): StorageFigures => ({ total: stack.databaseBytes(), parts: {}, tables: {} });
  const backend: ScaleBackend = {
    name: 'sqlite',
    describe: `embedded dev server (SQLite file, one history shard; pragmas ${options.sqlitePragmas.join(' ') || 'server defaults'})`,
    apiUrl: stack.apiUrl,
    apiKey: stack.apiKey,
    client: stack.client,
    taskQueue: stack.taskQueue,
    recordDir: stack.recordDir,
    workers: stack.workers,
    serverProcesses: () => [{ label: 'Temporal dev server', pid: stack.server.process.pid ?? 0 }],
    storage,
    async restart() {
      const { dataDir, taskQueue } = stack;
      await stack.stop();
      // A stopped server has checkpointed its write-ahead log into temporal.db: the size at rest.
      const atRest = storage();
      const t0 = Date.now();
      stack = await startStack({ ...stackOptions, dataDir, taskQueue });
      const restartS = (Date.now() - t0) / 1000;
      Object.assign(backend, {
        apiUrl: stack.apiUrl,
        apiKey: stack.apiKey,
        client: stack.client,
        workers: stack.workers,
      });
      return { atRest, restartS };
    },
    stop: () => stack.stop(),
  };
  return backend;
}

async function startPostgresBackend(options: ScaleBackendOptions): Promise<ScaleBackend> {
  const cluster: ClusterServer = await startClusterServer({
    name: 'scale-postgres',
    shards: options.shards,
    dynamicConfig: serverDynamicConfig(),
  });
  const taskQueue = `bench-scale-postgres-${Date.now().toString(36)}`;
  const appOptions = {
    name: 'scale-postgres',
    temporalAddress: cluster.address,
    dataDir: cluster.baseDir,
    taskQueue,
    workers: options.workers,
    workerEnv: options.workerEnv,
    apiEnv: options.apiEnv,
  };
  let app: App = await startApp(appOptions);
  const storage = (): StorageFigures => {
    const parts = cluster.databaseBytes();
    const tables = Object.fromEntries(cluster.largestTables(6).map((t) => [`${t.database}.${t.table}`, t.bytes]));
    return { total: parts.temporal + parts.temporal_visibility, parts, tables };
  };
  const backend: ScaleBackend = {
    name: 'postgres',
    describe: `Temporal server built from its Go module (deploy/dynamicconfig.yaml; one process each for frontend, history and matching), ${cluster.shards} history shards, on PostgreSQL (local, fsync off)`,
    apiUrl: app.apiUrl,
    apiKey: app.apiKey,
    client: app.client,
    taskQueue,
    recordDir: app.recordDir,
    workers: app.workers,
    serverProcesses: () => [
      ...cluster.servers.map(({ label, server }) => ({
        label: `Temporal ${label}`,
        pid: server.child?.process.pid ?? 0,
      })),
      { label: 'PostgreSQL', pid: cluster.postgresPid() },
    ],
    database: { walBytes: () => cluster.walBytes(), commits: () => cluster.commits() },
    storage,
    async restart() {
      await app.stop();
      await cluster.stopServers();
      const atRest = storage();
      const t0 = Date.now();
      await cluster.startServers();
      app = await startApp(appOptions);
      const restartS = (Date.now() - t0) / 1000;
      Object.assign(backend, { apiUrl: app.apiUrl, apiKey: app.apiKey, client: app.client, workers: app.workers });
      return { atRest, restartS };
    },
    async stop() {
      await app.stop();
      await cluster.stop();
    },
  };
  return backend;
}
