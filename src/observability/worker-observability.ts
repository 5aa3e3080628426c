/**
 * Everything a worker process needs for observability, built from the config:
 * the activity interceptor (execution metrics + structured execution logs), the Temporal
 * SDK runtime's Prometheus exporter, and the worker's metrics port (WORKER_METRICS_PORT).
 */
import type { InjectedSinks, RuntimeOptions, WorkerInterceptors } from '@temporalio/worker';
import type { Config } from '../config';
import { freePorts } from '../free-ports';
import type { Logger } from '../logger';
import { executionInterceptor } from './execution-interceptor';
import { createTracing } from './tracing';
import { createWorkerRegistry, startWorkerMetricsServer } from './worker-metrics';

/** What {@link setupWorkerObservability} gives the worker entry point. */
export interface WorkerObservability {
  interceptors: WorkerInterceptors;
  /** Sinks to register (the workflow span exporter when OTEL_TRACING is on). */
  // biome-ignore lint/suspicious/noExplicitAny: InjectedSinks is keyed by each sink's own function types
  sinks: InjectedSinks<any>;
  /** Spread into `Runtime.install(...)`: the SDK's Prometheus exporter when metrics are on. */
  runtimeOptions: Pick<RuntimeOptions, 'telemetryOptions'>;
  /** `http://host:port/metrics`, or null when WORKER_METRICS_PORT is unset. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/**
 * Builds the interceptors and, when WORKER_METRICS_PORT is set, starts the metrics server.
 * @throws when the metrics port cannot be bound.
 */
export async function setupWorkerObservability(config: Config, logger: Logger): Promise<WorkerObservability> {
  const { registry, metrics } = createWorkerRegistry();
  const tracing = config.OTEL_TRACING
    ? createTracing({ serviceName: 'scheduler-worker', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT })
    : null;
  const interceptors: WorkerInterceptors = {
    activity: [
      executionInterceptor({ metrics, logger, workerIdentity: config.workerIdentity }),
      ...(tracing?.workerInterceptors.activity ?? []),
    ],
    ...(tracing ? { workflowModules: tracing.workerInterceptors.workflowModules } : {}),
  };
  const sinks = tracing?.sinks ?? {};
  const stopTracing = async () => {
    await tracing?.shutdown();
  };
  if (config.WORKER_METRICS_PORT === undefined) {
    return { interceptors, sinks, runtimeOptions: {}, metricsUrl: null, close: stopTracing };
  }
  const [sdkPort] = (await freePorts(1)) as [number];
  const server = await startWorkerMetricsServer(
    registry,
    config.WORKER_METRICS_HOST,
    config.WORKER_METRICS_PORT,
    `http://127.0.0.1:${sdkPort}/metrics`,
  );
  logger.info({ url: server.url }, 'worker metrics listening');
  return {
    interceptors,
    sinks,
    runtimeOptions: {
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } },
    },
    metricsUrl: server.url,
    close: async () => {
      await server.close();
      await stopTracing();
    },
  };
}
