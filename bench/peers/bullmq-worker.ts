/**
 * A BullMQ 5 worker process for the peers benchmark: records the start of every job body
 * (bench/lib/recorder.ts). Scheduled time: `data.scheduled_ms` for delayed jobs, the iteration's
 * time (`opts.prevMillis`, also in the job id `repeat:<scheduler>:<ms>`) for job-scheduler jobs.
 * Env: REDIS_PORT, QUEUES (comma-separated; one Worker each), BENCH_RECORD_DIR, WORKER_IDENTITY, CONCURRENCY (default 100).
 */
import { Worker } from 'bullmq';
import { createRecorder } from '../lib/recorder';

const identity = process.env.WORKER_IDENTITY ?? `bullmq-${process.pid}`;
const recorder = createRecorder(process.env.BENCH_RECORD_DIR ?? '.bench-records', identity);
const workers = (process.env.QUEUES ?? 'bench').split(',').map(
  (queue) =>
    new Worker(
      queue,
      async (job) => {
        const startedMs = Date.now();
        const data = job.data as { scheduled_ms?: number };
        const scheduled =
          data.scheduled_ms ??
          (job.opts as { prevMillis?: number }).prevMillis ??
          job.timestamp + (job.opts.delay ?? 0);
        recorder.record({
          key: job.id ?? '',
          scheduled_ms: scheduled,
          started_ms: startedMs,
          worker: identity,
          attempt: job.attemptsMade + 1,
        });
      },
      {
        connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
        concurrency: Number(process.env.CONCURRENCY ?? 100),
        removeOnComplete: { count: 1000 },
      },
    ),
);
void Promise.all(workers.map((w) => w.waitUntilReady())).then(() => console.log('bullmq worker ready'));
const stop = () => {
  void Promise.all(workers.map((w) => w.close())).finally(() => {
    recorder.flush();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
