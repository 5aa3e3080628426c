/**
 * Optional OpenTelemetry tracing through Temporal's interceptors (OTEL_TRACING=true; off by default):
 * the API's client starts a `StartWorkflow:jobWorkflow` span and passes its context in the
 * workflow's headers; the workflow (`RunWorkflow`, `StartActivity` spans, exported from the sandbox
 * through a sink) and every attempt (`RunActivity:runPayload`) continue the same trace.
 * Spans go to an OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318).
 * Source: @temporalio/interceptors-opentelemetry (samples-typescript "interceptors-opentelemetry").
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /** `service.name` of the spans (e.g. `scheduler-worker`). */
  serviceName: string;
  /** Where spans go; default: a batch processor exporting to OTLP/HTTP at `endpoint`. */
  spanProcessor?: SpanProcessor;
  /** OTLP/HTTP base URL (`/v1/traces` is appended); default: the exporter's own (env or localhost:4318). */
  endpoint?: string | undefined;
}

/** Interceptors and sinks for the worker and the client, and a flush on exit. */
export interface Tracing {
  workerInterceptors: Required<Pick<WorkerInterceptors, 'activity' | 'workflowModules'>>;
  // biome-ignore lint/suspicious/noExplicitAny: InjectedSinks is keyed by each sink's own function types
  sinks: InjectedSinks<any>;
  clientInterceptors: WorkflowClientInterceptor[];
  /** Flushes and stops the span processor. */
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider (with context manager and propagator) and builds the Temporal interceptors.
 * Call once per process, before creating the worker or the client.
 */
export function createTracing({ serviceName, spanProcessor, endpoint }: TracingOptions): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  let processor = spanProcessor;
  if (processor === undefined) {
    const exporter = new OTLPTraceExporter(endpoint ? { url: `${endpoint.replace(/\/+$/, '')}/v1/traces` } : {});
    processor = new BatchSpanProcessor(exporter);
  }
  // The Node provider registers an AsyncLocalStorage context manager and the W3C propagator: without
  // them the active span is never seen by the interceptors, and no trace context crosses Temporal.
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return {
    workerInterceptors: {
      workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
    shutdown: () => provider.shutdown(),
  };
}
