/**
 * Our side of a bench stack, on any Temporal server: N worker processes with the bench handler
 * (./record-handler.ts) and the API, each a separate Node process like `npm start`, all on
 * 127.0.0.1, with payloads encrypted as `npm start` has them, and a Temporal client using the same
 * codec. The embedded stack (./stack.ts) and the PostgreSQL cluster of the `scale` benchmark
 * (./cluster.ts) start it on their server. Everything is registered for cleanup (./cleanup.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { generateApiKey, hashApiKey } from '../../src/api/auth';
import { dataConverterOf, payloadCodecFromConfig } from '../../src/codec/payload-codec';
import { ensureDevPayloadKey } from '../../src/dev/payload-key';
import { type Child, startEntry, stopProcess, waitForOutput } from '../../src/dev/processes';
import { PROJECT_ROOT } from '../../src/dev/temporal-cli';
import { freePorts } from '../../src/free-ports';
import { onCleanup } from './cleanup';

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

/** Options of {@link startApp}. */
export interface AppOptions {
  /** Short name (cleanup label). */
  name: string;
  /** The Temporal frontend, `127.0.0.1:<port>`. */
  temporalAddress: string;
  /** Temporal namespace (default `default`). */
  namespace?: string;
  /** Folder of the payload key file and of `records/` (kept across restarts). */
  dataDir: string;
  taskQueue: string;
  /** Worker processes (default 1). */
  workers?: number;
  /** Start the API (default true). */
  api?: boolean;
  /** Extra environment of the workers (e.g. WORKER_MAX_CACHED_WORKFLOWS). */
  workerEnv?: NodeJS.ProcessEnv;
  /** Extra environment of the API. */
  apiEnv?: NodeJS.ProcessEnv;
}

/** Workers, API and client of a running stack. */
export interface App {
  /** Folder of the bench handler's start records (`<dataDir>/records`). */
  recordDir: string;
  taskQueue: string;
  workers: Child[];
  api: Child | null;
  apiUrl: string;
  /** Bearer key of the admin user `bench`. */
  apiKey: string;
  /** A Temporal client on the server with the payload codec (closed with the app). */
  client: Client;
  /** Starts one more worker process like the first ones and waits until it polls. */
  addWorker(env?: NodeJS.ProcessEnv): Promise<Child>;
  /** Closes the client, stops the API and the workers (idempotent). */
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
 * Starts the workers and the API on `temporalAddress` and waits until all are ready (workers bundle
 * the workflow code first: up to 3 minutes on a busy machine).
 * @throws {Error} with the children's output when something does not start (what started is stopped).
 */
export async function startApp(options: AppOptions): Promise<App> {
  const namespace = options.namespace ?? 'default';
  const recordDir = join(options.dataDir, 'records');
  mkdirSync(recordDir, { recursive: true });
  const [apiPort] = (await freePorts(1)) as [number];
  const children: Child[] = [];
  let client: Client | null = null;
  const stop = async () => {
    if (client) await client.connection.close().catch(() => undefined);
    client = null;
    for (const child of [...children].reverse()) await stopProcess(child);
  };
  const unregister = onCleanup(`app ${options.name}`, stop);
  const apiKey = generateApiKey();
  // Payloads encrypted as `npm start` has them: a key file created in the data folder, used by the
  // workers, the API and the bench's own client.
  const payloadKeys = ensureDevPayloadKey(options.dataDir).path;
  const codec = payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: payloadKeys });
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    PAYLOAD_KEYS_FILE: payloadKeys,
    NO_PROXY: '127.0.0.1,localhost',
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    TASK_QUEUE: options.taskQueue,
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
    const connection = await Connection.connect({ address: options.temporalAddress });
    client = new Client({ connection, namespace, dataConverter: dataConverterOf(codec) });
    return {
      recordDir,
      taskQueue: options.taskQueue,
      workers,
      api,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      apiKey,
      client,
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
    const output = children.map((c) => `----- ${c.name} -----\n${c.output.slice(-30).join('\n')}`).join('\n');
    await unregister();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
}
