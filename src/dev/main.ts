/**
 * `npm start`: everything on one machine. Finds or installs the Temporal CLI,
 * starts the embedded dev server (file database under DATA_DIR, Web UI), then a
 * worker and the API as child processes, and prints where each is. Ctrl-C stops
 * them all (API, worker, then the server). With TEMPORAL_ADDRESS set, the
 * embedded server is skipped and the worker and API use that address.
 * With the embedded server, payloads are encrypted by default with a key kept under DATA_DIR
 * (./payload-key.ts) unless PAYLOAD_KEYS or PAYLOAD_KEYS_FILE is set, and the Web UI decodes them
 * through the API's codec server (`/codec`).
 */
import { resolve } from 'node:path';
import { generateApiKey, hashApiKey } from '../api/auth';
import { type Config, loadConfigOrExit } from '../config';
import { parseSqlitePragmas } from '../config/schema';
import { JOB_SEARCH_ATTRIBUTES, searchAttributeFlags } from '../domain/search-attributes';
import { startEmbeddedServer } from './embedded-server';
import { type DevPayloadKey, ensureDevPayloadKey } from './payload-key';
import { type Child, startEntry, stopProcess, waitForReady } from './processes';
import { ensureSearchAttributes } from './search-attributes';
import { ensureTemporalCli } from './temporal-cli';

interface Server {
  address: string;
  uiUrl: string | null;
  stop: () => Promise<void>;
}

/**
 * URL of the API's codec server as a browser on this machine reaches it (a wildcard API_HOST is
 * reached on loopback).
 */
export function devCodecEndpoint(config: Pick<Config, 'API_HOST' | 'API_PORT'>): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(config.API_HOST) ? '127.0.0.1' : config.API_HOST;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.API_PORT}/codec`;
}

/** The embedded server: from our CLI binary, or as the last fallback from the SDK's download. */
async function startServer(config: Config): Promise<Server> {
  if (config.TEMPORAL_ADDRESS !== undefined) {
    try {
      const added = await ensureSearchAttributes(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
      if (added.length > 0) console.log(`[setup] registered search attributes ${added.join(', ')}`);
    } catch (err) {
      console.warn(
        `[setup] could not check or register the job search attributes (${(err as Error).message}); ` +
          `register ${searchAttributeFlags().join(', ')} on namespace ${config.TEMPORAL_NAMESPACE} yourself`,
      );
    }
    return { address: config.TEMPORAL_ADDRESS, uiUrl: null, stop: async () => undefined };
  }
  const dataDir = resolve(config.DATA_DIR);
  const cliPath = ensureTemporalCli(config.TEMPORAL_CLI_PATH, (m) => console.log(`[setup] ${m}`));
  if (cliPath !== null) {
    console.log(`[setup] Temporal CLI: ${cliPath}`);
    const server = await startEmbeddedServer({
      cliPath,
      dataDir,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      echo: true,
      sqlitePragmas: parseSqlitePragmas(config.TEMPORAL_SQLITE_PRAGMAS),
      uiCodecEndpoint: devCodecEndpoint(config),
    });
    return {
      address: server.address,
      uiUrl: server.uiUrl,
      stop: async () => {
        server.child.echo = false; // its shutdown warnings (pollers losing the connection) are expected
        await stopProcess(server.child);
      },
    };
  }
  console.log('[setup] no Temporal CLI could be installed; asking the Temporal SDK to download the dev server');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      dbFilename: resolve(dataDir, 'temporal.db'),
      ip: '127.0.0.1',
      port: config.TEMPORAL_PORT,
      ui: true,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: [...JOB_SEARCH_ATTRIBUTES],
    },
  });
  return {
    address: `127.0.0.1:${config.TEMPORAL_PORT}`,
    uiUrl: `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
    stop: () => env.teardown(),
  };
}

/**
 * The API key of this run: with no keys configured and auth not disabled, a fresh admin key for
 * the user `dev`, passed to the API as its hash only. Local development runs over loopback HTTP.
 * @returns the key to print (null when keys come from the configuration) and the API's env.
 */
function devApiKey(config: Config): { key: string | null; env: NodeJS.ProcessEnv } {
  if (config.AUTH_DISABLED || config.API_KEYS !== undefined || config.API_KEYS_FILE !== undefined) {
    return { key: null, env: {} };
  }
  const key = generateApiKey();
  return { key, env: { API_KEYS: `dev:admin:${hashApiKey(key)}` } };
}

/**
 * The payload keys of this run: the configured ones, or (embedded server only) the key file under
 * DATA_DIR, created at the first start. Against a Temporal service of its own (TEMPORAL_ADDRESS)
 * nothing is generated: its other workers would not have the key.
 */
function devPayloadKey(config: Config): { file: DevPayloadKey | null; env: NodeJS.ProcessEnv } {
  if (
    config.TEMPORAL_ADDRESS !== undefined ||
    config.PAYLOAD_KEYS !== undefined ||
    config.PAYLOAD_KEYS_FILE !== undefined
  ) {
    return { file: null, env: {} };
  }
  const file = ensureDevPayloadKey(resolve(config.DATA_DIR));
  return { file, env: { PAYLOAD_KEYS_FILE: file.path } };
}

/** What the launcher runs beside the Temporal server, in start order, and how long each may take to get ready (ms). */
const PROCESSES = [
  { name: 'worker', entry: 'workers/main.ts', readyWithinMs: 120_000 },
  { name: 'api', entry: 'api/main.ts', readyWithinMs: 60_000 },
] as const;

/** First wait before restarting a crashed process (ms); doubled at each crash, up to {@link RESTART_MAX_MS}. */
export const RESTART_INITIAL_MS = 1_000;
/** Longest wait before a restart (ms). */
export const RESTART_MAX_MS = 30_000;
/** A process that ran this long (ms) before crashing restarts after {@link RESTART_INITIAL_MS} again. */
const RESTART_RESET_AFTER_MS = 60_000;

/**
 * The wait before restart number `crashes` (1 for the first crash in a row): exponential backoff,
 * RESTART_INITIAL_MS × 2^(crashes − 1), capped at RESTART_MAX_MS (ms).
 */
export function restartDelayMs(crashes: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** Math.max(0, crashes - 1));
}

/**
 * Restarts `child` whenever it exits while the launcher is not stopping: after
 * {@link restartDelayMs}, logged on stderr with the exit code or signal; crashes in a row count up
 * until a process has run for a minute.
 */
function superviseRestarts(
  child: Child,
  start: () => Child,
  readyWithinMs: number,
  hooks: { isStopping: () => boolean; replace: (next: Child) => void },
): void {
  let crashes = 0;
  const watch = (current: Child, startedAt: number) => {
    void current.exited.then(async (code) => {
      if (hooks.isStopping()) return;
      crashes = Date.now() - startedAt >= RESTART_RESET_AFTER_MS ? 1 : crashes + 1;
      const delay = restartDelayMs(crashes);
      console.error(
        `${current.name} exited unexpectedly (${code}); restarting it in ${delay / 1000} s (crash ${crashes} in a row)`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (hooks.isStopping()) return;
      const next = start();
      hooks.replace(next);
      watch(next, Date.now());
      try {
        await waitForReady(next, readyWithinMs);
        console.error(`${next.name} restarted (pid ${next.process.pid})`);
      } catch (err) {
        console.error((err as Error).message.split('\n')[0]);
      }
    });
  };
  watch(child, Date.now());
}

/** Runs the all-in-one launcher until SIGINT/SIGTERM (the `scheduler dev` command, `npm start`). */
export async function runDev(): Promise<void> {
  const config = loadConfigOrExit();
  const payloadKey = devPayloadKey(config);
  const server = await startServer(config);
  const devKey = devApiKey(config);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    ...devKey.env,
    ...payloadKey.env,
  };
  // The console links jobs to the embedded server's Web UI unless TEMPORAL_UI_URL says otherwise.
  if (server.uiUrl !== null && process.env.TEMPORAL_UI_URL === undefined) env.TEMPORAL_UI_URL = server.uiUrl;
  // The running processes, in the order of PROCESSES; a restart replaces its entry.
  const children: Child[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping: api, worker, Temporal server');
    for (const child of [...children].reverse()) await stopProcess(child);
    await server.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const start = ({ name, entry }: (typeof PROCESSES)[number]) => startEntry(name, entry, env, true);
  try {
    for (const launched of PROCESSES) {
      const child = start(launched);
      children.push(child);
      // Readiness comes over IPC, not from log lines: it holds at any LOG_LEVEL.
      await waitForReady(child, launched.readyWithinMs);
    }
  } catch (err) {
    console.error((err as Error).message);
    await stopAll(1);
    return;
  }
  // A crashed worker or API is started again with backoff, as a process manager does; the other
  // processes and the Temporal server stay up.
  PROCESSES.forEach((launched, index) => {
    superviseRestarts(children[index] as Child, () => start(launched), launched.readyWithinMs, {
      isStopping: () => stopping,
      replace: (next) => {
        children[index] = next;
      },
    });
  });
  const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
  console.log(
    [
      '',
      'Scheduler is running:',
      `  Console         ${apiUrl}/   (sign in with the API key below)`,
      `  API             ${apiUrl}   docs: ${apiUrl}/docs`,
      ...(devKey.key !== null
        ? [
            `  API key         ${devKey.key}   (user dev, admin; new at every start)`,
            `                  try: curl -H 'Authorization: Bearer ${devKey.key}' ${apiUrl}/jobs`,
          ]
        : config.AUTH_DISABLED
          ? [
              '  API key         NONE: AUTHENTICATION IS DISABLED (AUTH_DISABLED=true); anyone reaching the port is admin',
            ]
          : ['  API key         the keys of API_KEYS / API_KEYS_FILE']),
      `  Temporal        ${server.address}   namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TASK_QUEUE}`,
      ...(server.uiUrl ? [`  Temporal Web UI ${server.uiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows`] : []),
      ...payloadLines(config, payloadKey.file, server.uiUrl !== null),
      ...(config.TEMPORAL_ADDRESS === undefined
        ? [`  Data            ${resolve(config.DATA_DIR)} (jobs survive restarts)`]
        : []),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

/** The banner's lines on payload encryption: the key in use and how the Web UI decodes. */
function payloadLines(config: Config, file: DevPayloadKey | null, withUi: boolean): string[] {
  const lines =
    file !== null
      ? [
          `  Payload key     ${file.path}   (${file.created ? 'created now' : 'from an earlier start'}, mode 0600; keep it with the data)`,
        ]
      : config.PAYLOAD_KEYS !== undefined || config.PAYLOAD_KEYS_FILE !== undefined
        ? ['  Payload key     the keys of PAYLOAD_KEYS / PAYLOAD_KEYS_FILE']
        : ['  Payload key     NONE: payloads (job specs, HTTP headers) are stored in the clear'];
  if (withUi) {
    lines.push(
      `  Codec server    ${devCodecEndpoint(config)}   (the Web UI decodes payloads there: open it and sign in with the`,
      "                  API key; in the Web UI's codec settings (glasses icon) use your browser's setting, this",
      '                  endpoint and "Include cross-origin credentials")',
    );
  }
  return lines;
}

if (require.main === module) {
  runDev().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
