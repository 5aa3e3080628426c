/**
 * The benchmarks' job body (loaded by our workers through HANDLER_MODULES): `bench.record` records
 * its own start (`Date.now()` first thing) with the occurrence's idempotency key and scheduled time
 * in `$BENCH_RECORD_DIR/<worker>-<pid>.jsonl` (./recorder.ts), then returns.
 */
import { defineHandler } from '../../src/handlers';
import { createRecorder, type Recorder } from './recorder';

let recorder: Recorder | null = null;

/** Handler name the benchmark jobs use. */
export const RECORD_HANDLER = 'bench.record';

/** Records `{key, scheduled_ms, started_ms, worker, attempt}`; needs BENCH_RECORD_DIR in the worker's env. */
export const record = defineHandler(RECORD_HANDLER, async (_args: unknown, ctx) => {
  const startedMs = Date.now();
  const dir = process.env.BENCH_RECORD_DIR;
  if (dir === undefined) throw new Error('BENCH_RECORD_DIR is not set');
  recorder ??= createRecorder(dir, ctx.workerId);
  recorder.record({
    key: ctx.idempotencyKey,
    scheduled_ms: Date.parse(ctx.scheduledTime),
    started_ms: startedMs,
    worker: ctx.workerId,
    attempt: ctx.attempt,
  });
});
