/**
 * Worker entry point: polls the task queue, runs job workflows and their payload
 * activities and the alert activity. Task queue, identity, limits and handler modules come from the config.
 * SIGINT/SIGTERM stop polling, let running attempts finish for SHUTDOWN_GRACE, then
 * cancel the rest, which fail with a retryable `WorkerShutdown` error so that Temporal
 * retries them on another worker (none is lost; each retry resumes from its checkpoint).
 */
import { resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import {
  DefaultLogger,
  type LogLevel,
  NativeConnection,
  Runtime,
  type WorkerOptions as SdkWorkerOptions,
  Worker,
  type WorkerInterceptors,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { require as tsxRequire } from 'tsx/cjs/api';
import { createActivities, demoHandlers, type HandlerRegistry, handlerRegistry, handlersOfModule } from '../activities';
import { parseAllowTargets } from '../activities/http-guard';
import {
  dataConverterOf,
  encryptionLogFields,
  payloadCodecFromConfig,
  payloadCodecFromConfigOrExit,
} from '../codec/payload-codec';
import { type Config, loadConfigOrExit } from '../config';
import { temporalConnectionSettings } from '../config/temporal-connection';
import { parseDuration } from '../domain/duration';
import { createLogger } from '../logger';
import { setupWorkerObservability } from '../observability/worker-observability';
import { announceReady } from '../readiness';
import { workflowBundleOptions } from './workflow-bundle';

type WorkerSinks = NonNullable<SdkWorkerOptions['sinks']>;

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Handler functions; default: the built-in demo handlers plus those of HANDLER_MODULES. */
  handlers?: HandlerRegistry;
  /** A prebuilt workflow bundle (tests; built with ./workflow-bundle's options); default: bundle src/workflows at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Worker interceptors (src/observability: execution metrics and logs, tracing). */
  interceptors?: WorkerInterceptors;
  /** Sinks (src/observability: the workflow span exporter when tracing is on). */
  sinks?: WorkerSinks;
  /**
   * Payload codecs (encryption, src/codec/payload-codec.ts); default: from PAYLOAD_KEYS /
   * PAYLOAD_KEYS_FILE, none when unset. The SDK runs them outside the workflow sandbox.
   */
  dataConverter?: DataConverter;
}

/** Worker options that bundle the workflows at start, with the modules shared by all workflows preloaded. */
function bundledAtStart(): Pick<SdkWorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  const { workflowsPath, preloadModules } = workflowBundleOptions();
  return { workflowsPath, bundlerOptions: { preloadModules } };
}

/**
 * Loads the handlers of `HANDLER_MODULES` (comma-separated paths, relative to the working directory).
 * @returns the demo handlers plus every `defineHandler()` export of those modules.
 * @throws {Error} when a module cannot be loaded or exports no handler, or two share a name.
 */
export function loadHandlers(modules: string | undefined): HandlerRegistry {
  const paths = (modules ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const definitions = paths.flatMap((path) => {
    // tsx's require loads TypeScript modules (and plain JS) whatever loader runs this process.
    const found = handlersOfModule(tsxRequire(resolve(path), __filename) as Record<string, unknown>);
    if (found.length === 0) throw new Error(`HANDLER_MODULES: ${path} exports no defineHandler() handler`);
    return found;
  });
  return handlerRegistry(demoHandlers, ...definitions);
}

/** Builds a worker for the job task queue (does not run it), with the configured limits. */
export async function createWorker({
  config,
  connection,
  handlers,
  workflowBundle,
  interceptors,
  sinks,
  dataConverter,
}: WorkerOptions): Promise<Worker> {
  const http = {
    allow: parseAllowTargets(config.HTTP_ALLOW_TARGETS),
    maxResponseBytes: config.HTTP_MAX_RESPONSE_BYTES,
    maxRedirects: config.HTTP_MAX_REDIRECTS,
  };
  return Worker.create({
    ...(interceptors ? { interceptors } : {}),
    ...(sinks ? { sinks } : {}),
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    identity: config.workerIdentity,
    dataConverter: dataConverter ?? dataConverterOf(payloadCodecFromConfig(config)),
    ...(workflowBundle ? { workflowBundle } : bundledAtStart()),
    activities: createActivities({
      workerIdentity: config.workerIdentity,
      handlers: handlers ?? loadHandlers(config.HANDLER_MODULES),
      http,
      notify: { defaultUrl: config.NOTIFY_URL, signingSecret: config.NOTIFY_SIGNING_SECRET },
    }),
    maxConcurrentActivityTaskExecutions: config.MAX_CONCURRENT_EXECUTIONS,
    ...(config.EXECUTIONS_PER_SECOND !== undefined ? { maxActivitiesPerSecond: config.EXECUTIONS_PER_SECOND } : {}),
    ...(config.TASK_QUEUE_EXECUTIONS_PER_SECOND !== undefined
      ? { maxTaskQueueActivitiesPerSecond: config.TASK_QUEUE_EXECUTIONS_PER_SECOND }
      : {}),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    ...(config.WORKER_WORKFLOW_TASK_SLOTS !== undefined
      ? { maxConcurrentWorkflowTaskExecutions: config.WORKER_WORKFLOW_TASK_SLOTS }
      : {}),
    ...(config.WORKER_WORKFLOW_TASK_POLLERS !== undefined
      ? { maxConcurrentWorkflowTaskPolls: config.WORKER_WORKFLOW_TASK_POLLERS }
      : {}),
    ...(config.WORKER_ACTIVITY_TASK_POLLERS !== undefined
      ? { maxConcurrentActivityTaskPolls: config.WORKER_ACTIVITY_TASK_POLLERS }
      : {}),
    shutdownGraceTime: parseDuration(config.SHUTDOWN_GRACE),
    // A holding attempt's one heartbeat goes out at once; checkpoints of long attempts at most
    // once a second (the SDK's default is 0.8 × the heartbeat timeout).
    maxHeartbeatThrottleInterval: '1s',
  });
}

/** The SDK's own log level: its INFO lines (bundling, state changes) only at LOG_LEVEL=debug. */
function sdkLogLevel(level: Config['LOG_LEVEL']): LogLevel {
  if (level === 'trace') return 'TRACE';
  if (level === 'debug') return 'DEBUG';
  if (level === 'info' || level === 'warn') return 'WARN';
  return 'ERROR';
}

/** Runs a worker until SIGINT/SIGTERM (the `scheduler worker` command). */
export async function runWorker(): Promise<void> {
  const config = loadConfigOrExit();
  const codec = payloadCodecFromConfigOrExit(config);
  const logger = createLogger('worker', config.LOG_LEVEL);
  const observability = await setupWorkerObservability(config, logger);
  Runtime.install({
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    logger: new DefaultLogger(sdkLogLevel(config.LOG_LEVEL)),
    workerHeartbeatInterval: parseDuration(config.WORKER_HEARTBEAT_INTERVAL),
    ...observability.runtimeOptions,
  });
  const settings = temporalConnectionSettings(config);
  const connection = await NativeConnection.connect(settings);
  const { interceptors, sinks } = observability;
  const handlers = loadHandlers(config.HANDLER_MODULES);
  const worker = await createWorker({
    config,
    connection,
    handlers,
    interceptors,
    sinks,
    dataConverter: dataConverterOf(codec),
  });
  const { address } = settings;
  logger.info(
    {
      address,
      taskQueue: config.TASK_QUEUE,
      identity: config.workerIdentity,
      handlers: [...handlers.keys()],
      maxConcurrentExecutions: config.MAX_CONCURRENT_EXECUTIONS,
      ...encryptionLogFields(codec),
    },
    'worker started',
  );
  const running = worker.run();
  announceReady('worker');
  try {
    await running;
  } finally {
    await connection.close();
    await observability.close();
    logger.info('worker stopped');
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
