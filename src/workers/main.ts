/**
 * Worker entry point: polls the task queue, runs job workflows and their payload
 * activities. Task queue and identity come from the config; SIGINT/SIGTERM stop
 * taking work, let running tasks finish (up to the grace time) and exit.
 */
import {
  DefaultLogger,
  type LogLevel,
  NativeConnection,
  Runtime,
  type WorkerOptions as SdkWorkerOptions,
  Worker,
  type WorkerInterceptors,
} from '@temporalio/worker';
import { createActivities, demoHandlers, type HandlerRegistry } from '../activities';
import { type Config, loadConfigOrExit } from '../config';
import { temporalConnectionSettings } from '../config/temporal-connection';
import { createLogger } from '../logger';
import { setupWorkerObservability } from '../observability/worker-observability';

type WorkerSinks = NonNullable<SdkWorkerOptions['sinks']>;

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Handler functions; default: the built-in demo handlers. */
  handlers?: HandlerRegistry;
  /** Worker interceptors (src/observability: execution metrics and logs, tracing). */
  interceptors?: WorkerInterceptors;
  /** Sinks (src/observability: the workflow span exporter when tracing is on). */
  sinks?: WorkerSinks;
}

/** Builds a worker for the job task queue (does not run it). */
export async function createWorker({
  config,
  connection,
  handlers = demoHandlers,
  interceptors,
  sinks,
}: WorkerOptions): Promise<Worker> {
  return Worker.create({
    ...(interceptors ? { interceptors } : {}),
    ...(sinks ? { sinks } : {}),
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    identity: config.workerIdentity,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({ workerIdentity: config.workerIdentity, handlers }),
    shutdownGraceTime: '10s',
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
  const logger = createLogger('worker', config.LOG_LEVEL);
  const observability = await setupWorkerObservability(config, logger);
  Runtime.install({
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    logger: new DefaultLogger(sdkLogLevel(config.LOG_LEVEL)),
    ...observability.runtimeOptions,
  });
  const settings = temporalConnectionSettings(config);
  const connection = await NativeConnection.connect(settings);
  const { interceptors, sinks } = observability;
  const worker = await createWorker({ config, connection, interceptors, sinks });
  const { address } = settings;
  logger.info({ address, taskQueue: config.TASK_QUEUE, identity: config.workerIdentity }, 'worker started');
  try {
    await worker.run();
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
