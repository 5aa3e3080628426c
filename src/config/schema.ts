/**
 * The configuration schema: every environment variable the processes read, with its
 * default, as one zod object. The README's "Configuration" table documents the same names.
 * Values come from the environment, or from a config file (CONFIG_FILE) with the same keys;
 * the environment wins.
 */
import { z } from 'zod';
import { parsePayloadKeys } from '../codec/keys';
import { isDuration, parseDuration } from '../domain/duration';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const positiveNumber = z.coerce.number().positive();
const bool = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off', ''] });
const path = z.string().min(1);
const duration = z.string().refine(isDuration, 'must be a duration like "10s", "1m" or "1m30s"');

/**
 * SQLite pragmas of the embedded server unless TEMPORAL_SQLITE_PRAGMAS says otherwise: WAL with
 * `synchronous=full` (a committed transaction survives an OS crash; SQLite's PRAGMA synchronous).
 */
export const DEFAULT_SQLITE_PRAGMAS = 'journal_mode=wal,synchronous=full';

/** `a=b, c=d` → `['a=b', 'c=d']` (TEMPORAL_SQLITE_PRAGMAS); none when unset or `none`. */
export function parseSqlitePragmas(value: string | undefined): string[] {
  if (value?.trim() === 'none') return [];
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** A `host:port` address (host name, IPv4, or [IPv6]). */
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. temporal:7233');

/** Log levels of pino, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The schema of the environment (and of the config file's keys). */
export const envSchema = z.object({
  /** Optional JSON or YAML file with the same keys as the environment (the environment wins). */
  CONFIG_FILE: path.optional(),

  // Temporal connection
  /** host:port of the Temporal frontend. When unset, `scheduler dev` runs an embedded dev server. */
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue the workers poll and the API starts job workflows on. */
  TASK_QUEUE: z.string().min(1).default('jobs'),
  /** Connect with TLS (implied by TEMPORAL_API_KEY, a CA or a client certificate). */
  TEMPORAL_TLS: bool.optional(),
  /** PEM file of the CA that signed the server's certificate (default: the system's roots). */
  TEMPORAL_TLS_CA_PATH: path.optional(),
  /** PEM client certificate for mTLS (with TEMPORAL_TLS_KEY_PATH). */
  TEMPORAL_TLS_CERT_PATH: path.optional(),
  /** PEM private key of the client certificate. */
  TEMPORAL_TLS_KEY_PATH: path.optional(),
  /** Server name to verify in the server's certificate (default: the address's host). */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud API key (sent as a bearer token; implies TLS). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),

  // Worker
  /** Worker identity recorded with every attempt; default `<pid>@<hostname>`. */
  WORKER_IDENTITY: z.string().min(1).optional(),
  /** Port of the worker's Prometheus /metrics (SDK runtime metrics + ours); unset: no metrics server. */
  WORKER_METRICS_PORT: port.optional(),
  /** Address the worker's metrics server listens on. */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Attempts one worker runs at once (Temporal maxConcurrentActivityTaskExecutions). */
  MAX_CONCURRENT_EXECUTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Attempts one worker starts per second at most (Temporal maxActivitiesPerSecond); unset = no limit. */
  EXECUTIONS_PER_SECOND: positiveNumber.optional(),
  /** Attempts the whole task queue starts per second, across workers (maxTaskQueueActivitiesPerSecond). */
  TASK_QUEUE_EXECUTIONS_PER_SECOND: positiveNumber.optional(),
  /**
   * Workflow executions one worker keeps cached (sticky, Temporal maxCachedWorkflows), default
   * 2,000: a cached job wakes without replaying its history, and each costs the worker 0.35–0.45 MB
   * of memory (V8 heap and native, measured by the `scale` benchmark), so the cache, not the number
   * of jobs, bounds a worker's memory. Close to the SDK's own default by heap size (about 2,300 on a
   * 4 GB heap).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(2_000),
  /** Workflow tasks one worker runs at once (maxConcurrentWorkflowTaskExecutions, at least 2); unset = SDK default (40). */
  WORKER_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).max(10_000).optional(),
  /** Workflow task pollers of one worker (maxConcurrentWorkflowTaskPolls, at least 2); unset = SDK default (10). */
  WORKER_WORKFLOW_TASK_POLLERS: z.coerce.number().int().min(2).max(1_000).optional(),
  /** Activity task pollers of one worker (maxConcurrentActivityTaskPolls); unset = SDK default (10). */
  WORKER_ACTIVITY_TASK_POLLERS: z.coerce.number().int().min(1).max(1_000).optional(),
  /**
   * How long before its fire time the API's jobs dispatch an occurrence's attempt to a worker,
   * which holds it until the fire time: covers the workflow task and activity dispatch, so the
   * body starts on its millisecond (0s: dispatch at the fire time, as Temporal's timers allow).
   */
  FIRE_LEAD: z
    .string()
    .refine((d) => d === '0s' || isDuration(d), 'must be a duration like "2s" or "500ms", or "0s"')
    .refine((d) => d === '0s' || !isDuration(d) || parseDuration(d) <= 60_000, 'must be at most 60s')
    .default('2s'),
  /** On SIGTERM, how long running attempts may finish before they are handed back for a retry elsewhere. */
  SHUTDOWN_GRACE: duration.default('10s'),
  /** How often a worker reports itself to Temporal (worker heartbeat, 1s–60s); 3 missed = unhealthy. */
  WORKER_HEARTBEAT_INTERVAL: duration
    .refine((d) => !isDuration(d) || (parseDuration(d) >= 1_000 && parseDuration(d) <= 60_000), 'must be 1s to 60s')
    .default('5s'),
  /** Comma-separated modules (paths relative to the working directory) exporting defineHandler() handlers. */
  HANDLER_MODULES: z.string().optional(),
  /**
   * Internal targets http jobs may call although their address is loopback, private, link-local...:
   * comma-separated IPs or CIDRs, each optionally with a port (`127.0.0.1:8080`, `[::1]:8080`, `10.0.0.0/8`).
   */
  HTTP_ALLOW_TARGETS: z.string().default(''),
  /** Largest response body an http job reads, bytes (larger: the attempt fails, not retried). */
  HTTP_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1).default(1_048_576),
  /** Redirects an http job follows (each hop is checked like the first target); 0 turns them off. */
  HTTP_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  /** Where a job's alerts (failed, recovered, late, missed) are POSTed when the job names no URL of its own; unset: none. */
  NOTIFY_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** HMAC-SHA256 key of alerts' `Scheduler-Signature: sha256=<hex>` header (at least 16 characters); unset: unsigned. */
  NOTIFY_SIGNING_SECRET: z.string().min(16).optional(),

  // Payload encryption (API and workers alike; see docs/operations.md "Encrypted payloads")
  /**
   * AES-256-GCM keys of Temporal payloads: `<key-id>:<base64 of 32 bytes>` entries separated by
   * commas; the first encrypts, all decrypt. Unset (and no PAYLOAD_KEYS_FILE): payloads are stored
   * in the clear. The API and every worker need the same list.
   */
  PAYLOAD_KEYS: z
    .string()
    .superRefine((value, ctx) => {
      try {
        if (parsePayloadKeys(value).length === 0) ctx.addIssue({ code: 'custom', message: 'holds no key' });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  /** File with the PAYLOAD_KEYS list (entries on lines or comma-separated; `#` comments), e.g. a Docker secret. */
  PAYLOAD_KEYS_FILE: path.optional(),

  // API
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** API keys as `user_id:role:sha256hex` entries separated by commas (role `user` or `admin`); hashes only. */
  API_KEYS: z.string().optional(),
  /** Path of a JSON file `[{ "user_id", "role", "key_sha256" }]` with more API keys. */
  API_KEYS_FILE: path.optional(),
  /** `true` turns authentication off (every caller is the admin `anonymous`); logged loudly at start. */
  AUTH_DISABLED: bool.default(false),
  /** Job submissions per user per minute: each `POST /jobs`, and each item of `POST /jobs:batch`. */
  RATE_LIMIT_SUBMISSIONS_PER_MINUTE: positiveInt.default(1000),
  /** Other writes (DELETE, PATCH, POST on a job) per user per minute. */
  RATE_LIMIT_WRITES_PER_MINUTE: positiveInt.default(1000),
  /** GET and HEAD requests per user per minute (API). */
  RATE_LIMIT_READS_PER_MINUTE: positiveInt.default(6_000),
  /** Failed logins (401) per client address per minute; past it the address gets 429 until the minute ends. */
  RATE_LIMIT_FAILED_LOGINS_PER_MINUTE: positiveInt.default(30),
  /** `GET /metrics` of the API asks for an API key (any valid one); default public. */
  METRICS_REQUIRE_KEY: bool.default(false),
  /** Comma-separated handler names the workers register (`reports.*` = prefix); POST /jobs refuses others. */
  HANDLER_NAMES: z.string().optional(),
  /** Base URL of the Temporal Web UI, for the job console's links to a job's workflow. */
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8233'),

  // Embedded dev server (`scheduler dev` / `npm start` without TEMPORAL_ADDRESS)
  /** Path of the `temporal` CLI binary; otherwise it is looked up or installed (see src/dev/temporal-cli.ts). */
  TEMPORAL_CLI_PATH: path.optional(),
  /** Folder of the embedded server's database file (jobs survive restarts). */
  DATA_DIR: path.default('.data'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /**
   * SQLite pragmas of the embedded server's database, comma-separated `name=value`, or `none` for
   * the server's defaults. Default: WAL with `synchronous=full`, durable through an OS crash and
   * measured faster than the server's defaults (`npm run bench -- storage`).
   */
  TEMPORAL_SQLITE_PRAGMAS: z
    .string()
    .regex(/^\s*(none|([a-z_]+=[A-Za-z0-9_-]+\s*(,\s*|$))*)\s*$/, 'must be comma-separated name=value pairs, or none')
    .default(DEFAULT_SQLITE_PRAGMAS),

  // Observability
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** OpenTelemetry tracing through Temporal's interceptors (off by default). */
  OTEL_TRACING: bool.default(false),
  /** OTLP/HTTP collector base URL for traces (default http://localhost:4318). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

/** The parsed variables. */
export type EnvConfig = z.output<typeof envSchema>;

/** Every variable name the schema knows. */
export const CONFIG_KEYS = Object.keys(envSchema.shape) as (keyof EnvConfig)[];
