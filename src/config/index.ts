/**
 * Configuration from environment variables, parsed once by a zod schema and frozen.
 * Invalid values stop the process at start with a message naming the variable.
 * The table of variables is in README.md ("Configuration").
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { isDuration, parseDuration } from '../domain/duration';

const port = z.coerce.number().int().min(0).max(65_535);
const durationVar = z.string().refine(isDuration, 'must be a duration like "10s" or "1m30s"');

const envSchema = z.object({
  /** host:port of the Temporal frontend. When unset, `npm start` runs an embedded dev server. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue the workers poll and the API starts job workflows on. */
  TASK_QUEUE: z.string().min(1).default('jobs'),
  /** Worker identity recorded with every attempt; default `<pid>@<hostname>`. */
  WORKER_IDENTITY: z.string().min(1).optional(),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** Path of the `temporal` CLI binary; otherwise it is looked up or installed (see src/dev/temporal-cli.ts). */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** Folder of the embedded server's database file (jobs survive restarts). */
  DATA_DIR: z.string().min(1).default('.data'),
  /** Ports of the embedded dev server. */
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // --- Execution service (issue 4): worker limits, shutdown, worker heartbeats, handler modules. ---
  /** Attempts one worker runs at once (Temporal maxConcurrentActivityTaskExecutions). */
  MAX_CONCURRENT_EXECUTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Attempts one worker starts per second at most (Temporal maxActivitiesPerSecond); unset = no limit. */
  EXECUTIONS_PER_SECOND: z.coerce.number().positive().optional(),
  /** Attempts the whole task queue starts per second, across workers (maxTaskQueueActivitiesPerSecond). */
  TASK_QUEUE_EXECUTIONS_PER_SECOND: z.coerce.number().positive().optional(),
  /** On SIGTERM, how long running attempts may finish before they are handed back for a retry elsewhere. */
  SHUTDOWN_GRACE: durationVar.default('10s'),
  /** How often a worker reports itself to Temporal (worker heartbeat, 1s–60s); 3 missed = unhealthy. */
  WORKER_HEARTBEAT_INTERVAL: durationVar
    .refine((d) => !isDuration(d) || (parseDuration(d) >= 1_000 && parseDuration(d) <= 60_000), 'must be 1s to 60s')
    .default('5s'),
  /** Comma-separated modules (paths relative to the working directory) exporting defineHandler() handlers. */
  HANDLER_MODULES: z.string().optional(),
  /** API: comma-separated handler names the workers register (`reports.*` = prefix); POST /jobs refuses others. */
  HANDLER_NAMES: z.string().optional(),
  // --- end of execution service ---
  // --- API auth, tenancy and rate limits (README "API security") ---
  /** API keys as `user_id:role:sha256hex` entries separated by commas (role `user` or `admin`); hashes only. */
  API_KEYS: z.string().optional(),
  /** Path of a JSON file `[{ "user_id", "role", "key_sha256" }]` with more API keys. */
  API_KEYS_FILE: z.string().min(1).optional(),
  /** `true` turns authentication off (every caller is the admin `anonymous`); logged loudly at start. */
  AUTH_DISABLED: z.stringbool().default(false),
  /** Job submissions (POST /jobs) per user per minute. */
  RATE_LIMIT_SUBMISSIONS_PER_MINUTE: z.coerce.number().int().min(1).default(1000),
  /** Other writes (DELETE, PATCH, POST on a job) per user per minute. */
  RATE_LIMIT_WRITES_PER_MINUTE: z.coerce.number().int().min(1).default(1000),
  // --- http payloads (worker; README "API security") ---
  /**
   * Internal targets http jobs may call although their address is loopback, private, link-local...:
   * comma-separated IPs or CIDRs, each optionally with a port (`127.0.0.1:8080`, `[::1]:8080`, `10.0.0.0/8`).
   */
  HTTP_ALLOW_TARGETS: z.string().default(''),
  /** Largest response body an http job reads, bytes (larger: the attempt fails, not retried). */
  HTTP_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1).default(1_048_576),
  /** Redirects an http job follows (each hop is checked like the first target); 0 turns them off. */
  HTTP_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
});

/** Parsed configuration. */
export type Config = Readonly<z.output<typeof envSchema>> & { readonly workerIdentity: string };

/** Raised for an invalid environment; the message names each bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the configuration from an environment (default: process.env).
 * @throws {ConfigError} naming every invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const data = parsed.data;
  return Object.freeze({ ...data, workerIdentity: data.WORKER_IDENTITY ?? `${process.pid}@${hostname()}` });
}

/** The Temporal address to connect to: the configured one, or the embedded server's. */
export function temporalAddress(config: Config): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

/** Loads the config or exits the process with the message (entry points only). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
