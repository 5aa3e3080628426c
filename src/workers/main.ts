/**
 * Worker entry point: polls the task queue, runs job workflows and their payload
 * activities. Task queue and identity come from the config; SIGINT/SIGTERM stop
 * taking work, let running tasks finish (up to the grace time) and exit.
 */
import { DefaultLogger, type LogLevel, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, demoHandlers, type HandlerRegistry } from '../activities';
import { parseAllowTargets } from '../activities/http-guard';
import { type Config, loadConfigOrExit, temporalAddress } from '../config';
import { createLogger } from '../logger';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Handler functions; default: the built-in demo handlers. */
  handlers?: HandlerRegistry;
}

/** Builds a worker for the job task queue (does not run it). */
export async function createWorker({ config, connection, handlers = demoHandlers }: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    identity: config.workerIdentity,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({
      workerIdentity: config.workerIdentity,
      handlers,
      http: {
        allow: parseAllowTargets(config.HTTP_ALLOW_TARGETS),
        maxResponseBytes: config.HTTP_MAX_RESPONSE_BYTES,
        maxRedirects: config.HTTP_MAX_REDIRECTS,
      },
    }),
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

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('worker', config.LOG_LEVEL);
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: new DefaultLogger(sdkLogLevel(config.LOG_LEVEL)) });
  const address = temporalAddress(config);
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ config, connection });
  logger.info({ address, taskQueue: config.TASK_QUEUE, identity: config.workerIdentity }, 'worker started');
  try {
    await worker.run();
  } finally {
    await connection.close();
    logger.info('worker stopped');
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
