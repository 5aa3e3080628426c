/**
 * The worker's metrics port: one HTTP server whose `/metrics` serves our execution metrics
 * (./execution-metrics.ts, prom-client) followed by the Temporal SDK's runtime metrics, which
 * the SDK's Rust core exports in Prometheus format on an internal loopback port.
 * Source: Temporal TypeScript SDK `Runtime.install({ telemetryOptions: { metrics: { prometheus } } })`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createExecutionMetrics, type ExecutionMetrics } from './execution-metrics';

/** A running metrics server. */
export interface WorkerMetricsServer {
  /** `http://host:port/metrics` */
  url: string;
  close(): Promise<void>;
}

/** Our registry for a worker process: execution metrics plus the Node process metrics. */
export function createWorkerRegistry(): { registry: Registry; metrics: ExecutionMetrics } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { registry, metrics: createExecutionMetrics(registry) };
}

/**
 * Starts the worker's metrics server.
 * @param registry our metrics.
 * @param sdkMetricsUrl the SDK exporter's URL (`http://127.0.0.1:<port>/metrics`), or null.
 * @throws when the port cannot be bound.
 */
export async function startWorkerMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  sdkMetricsUrl: string | null,
): Promise<WorkerMetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void (async () => {
      const ours = await registry.metrics();
      let sdk = '';
      if (sdkMetricsUrl !== null) {
        try {
          const answer = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
          sdk = await answer.text();
        } catch {
          sdk = '# the Temporal SDK metrics exporter did not answer\n';
        }
      }
      res.writeHead(200, { 'content-type': registry.contentType }).end(`${ours}\n${sdk}`);
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
