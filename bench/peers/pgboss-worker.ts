/**
 * A pg-boss 10 worker process for the peers benchmark: records the start of every job body
 * (bench/lib/recorder.ts); the scheduled time is the job's `data.scheduled_ms` (its startAfter).
 * Env: PG_URL, QUEUES (comma-separated), BENCH_RECORD_DIR, WORKER_IDENTITY, PGBOSS_LOOPS (work() loops, default 2),
 * PGBOSS_BATCH_SIZE (default 500), PGBOSS_POLLING_S (default 0.5, pg-boss's minimum).
 */
import PgBoss from 'pg-boss';
import { createRecorder } from '../lib/recorder';

async function main(): Promise<void> {
  const identity = process.env.WORKER_IDENTITY ?? `pgboss-${process.pid}`;
  const recorder = createRecorder(process.env.BENCH_RECORD_DIR ?? '.bench-records', identity);
  const boss = new PgBoss({ connectionString: process.env.PG_URL ?? '', max: 10, supervise: false, schedule: false });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  const loops = Number(process.env.PGBOSS_LOOPS ?? 2);
  const options = {
    batchSize: Number(process.env.PGBOSS_BATCH_SIZE ?? 500),
    pollingIntervalSeconds: Number(process.env.PGBOSS_POLLING_S ?? 0.5),
  };
  for (const queue of (process.env.QUEUES ?? 'bench').split(','))
    for (let i = 0; i < loops; i++) {
      await boss.work<{ scheduled_ms: number }>(queue, options, async (jobs) => {
        const startedMs = Date.now();
        for (const job of jobs) {
          recorder.record({
            key: job.id,
            scheduled_ms: job.data.scheduled_ms,
            started_ms: startedMs,
            worker: identity,
          });
        }
      });
    }
  console.log('pg-boss worker ready');
  const stop = () => {
    void boss.stop({ graceful: false, wait: false }).finally(() => {
      recorder.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
