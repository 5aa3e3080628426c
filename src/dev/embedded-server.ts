/**
 * The embedded Temporal server for one machine: `temporal server start-dev` with
 * a file database (jobs survive restarts), the job search attributes registered,
 * and the Web UI. Used by `npm start` when TEMPORAL_ADDRESS is not set.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../domain/search-attributes';
import { onFreePorts } from '../free-ports';
import { type Child, startProcess } from './processes';

/**
 * Dynamic config that makes the server accept the workers' heartbeats and answer `ListWorkers`
 * (Temporal Server >= 1.29; off by default), which `GET /workers` reads.
 */
export const WORKER_HEARTBEAT_DYNAMIC_CONFIG = [
  'frontend.WorkerHeartbeatsEnabled=true',
  'frontend.ListWorkersEnabled=true',
] as const;

/** Options of {@link startEmbeddedServer}. */
export interface EmbeddedServerOptions {
  /** Path of the `temporal` CLI. */
  cliPath: string;
  /** Folder of the SQLite database file `temporal.db`. */
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  echo?: boolean;
  /**
   * SQLite pragmas of the database file, `name=value` (`--sqlite-pragma`; the server accepts
   * journal_mode and synchronous, among others), e.g. `['journal_mode=wal', 'synchronous=normal']`.
   * Default: none (the server's own settings).
   */
  sqlitePragmas?: readonly string[];
  /** More dynamic config, `KEY=VALUE` (`--dynamic-config-value`), e.g. `system.enableActivityEagerExecution=true`. */
  dynamicConfig?: readonly string[];
  /**
   * The Web UI's codec server (`--ui-codec-endpoint`), e.g. `http://127.0.0.1:3000/codec`: the UI
   * sends encrypted payloads there to show them decoded (src/codec/routes.ts). Default: none.
   */
  uiCodecEndpoint?: string;
}

/** A running embedded server. */
export interface EmbeddedServer {
  child: Child;
  address: string;
  uiUrl: string;
  dbFile: string;
}

/**
 * Starts the dev server and waits until its frontend answers (at most `timeoutMs`).
 * @throws {Error} with the server's output when it exits or does not answer in time.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions, timeoutMs = 60_000): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'temporal.db');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...searchAttributeFlags().flatMap((flag) => ['--search-attribute', flag]),
    ...WORKER_HEARTBEAT_DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]),
    ...(options.sqlitePragmas ?? []).flatMap((pragma) => ['--sqlite-pragma', pragma]),
    ...(options.dynamicConfig ?? []).flatMap((value) => ['--dynamic-config-value', value]),
    ...(options.uiCodecEndpoint !== undefined ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  const child = startProcess({ name: 'temporal', command: options.cliPath, args, echo: options.echo ?? false });
  const address = `127.0.0.1:${options.port}`;
  await waitForFrontend(child, address, timeoutMs);
  return { child, address, uiUrl: `http://127.0.0.1:${options.uiPort}`, dbFile };
}

/**
 * Starts the dev server on free loopback ports (gRPC and Web UI). When another process takes a
 * picked port before the server binds it, picks new ports and starts again, up to `tries` times.
 * @throws {Error} as {@link startEmbeddedServer}, or its last "address already in use" failure.
 */
export async function startEmbeddedServerOnFreePorts(
  options: Omit<EmbeddedServerOptions, 'port' | 'uiPort'>,
  tries = 3,
): Promise<EmbeddedServer> {
  return onFreePorts(
    2,
    ([port, uiPort]) => startEmbeddedServer({ ...options, port: port as number, uiPort: uiPort as number }),
    tries,
  );
}

/** Polls the frontend until `getSystemInfo` answers. */
async function waitForFrontend(child: Child, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) break;
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `the Temporal dev server did not start (${(lastError as Error | undefined)?.message ?? 'exited'}):\n${child.output.join('\n')}`,
  );
}
