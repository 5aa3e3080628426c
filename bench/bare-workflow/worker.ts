/**
 * Worker of the bare workflow (./workflows.ts), a separate process so that its CPU can be read
 * from /proc. Env: TEMPORAL_ADDRESS, TASK_QUEUE, BENCH_RECORD_DIR, WORKER_IDENTITY, and the
 * optional tuning WORKER_MAX_CACHED_WORKFLOWS. Prints `bare worker started` when it polls.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createRecorder } from '../lib/recorder';
import type { BareActivities } from './workflows';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const taskQueue = process.env.TASK_QUEUE ?? 'bare';
  const identity = process.env.WORKER_IDENTITY ?? `bare-${process.pid}`;
  const recorder = createRecorder(process.env.BENCH_RECORD_DIR ?? '.bench-records', identity);
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address });
  const activities: BareActivities = {
    async record(input) {
      const startedMs = Date.now();
      recorder.record({ key: input.key, scheduled_ms: input.scheduled_ms, started_ms: startedMs, worker: identity });
    },
  };
  const cached = process.env.WORKER_MAX_CACHED_WORKFLOWS;
  const worker = await Worker.create({
    connection,
    taskQueue,
    identity,
    workflowsPath: require.resolve('./workflows'),
    activities,
    ...(cached ? { maxCachedWorkflows: Number(cached) } : {}),
  });
  console.log('bare worker started');
  try {
    await worker.run();
  } finally {
    recorder.flush();
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
