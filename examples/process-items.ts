/**
 * Example handler job: processes `count` items one by one and checkpoints after each,
 * so that a retry (after a crash, a kill -9 of its worker, or a deploy) resumes at the
 * first unprocessed item instead of starting over.
 *
 * Run a worker with it:  HANDLER_MODULES=examples/process-items.ts npm run worker
 * Submit a job:
 *   { "payload": { "type": "handler", "name": "examples.process-items",
 *                  "args": { "count": 100, "item_ms": 200, "sink_url": "http://127.0.0.1:9000/items" } },
 *     "heartbeat_timeout": "5s", ... }
 *
 * Each item's side effect is a POST to `sink_url` (when given) with the header
 * `Idempotency-Key: <idempotency key>:<item>`, so the receiver can drop the few items a
 * failover redoes (those after the last checkpoint that reached Temporal).
 */
import { defineHandler, NonRetryableError } from '../src/handlers';

/** Args of `examples.process-items`. */
export interface ProcessItemsArgs {
  /** Items to process, 0 … count-1. */
  count: number;
  /** Work time per item in milliseconds (default 100). */
  item_ms?: number;
  /** Where each item's side effect is posted (optional). */
  sink_url?: string;
}

/** The checkpoint: the next item to process. */
interface Progress {
  next: number;
}

export const processItems = defineHandler<ProcessItemsArgs, Progress>('examples.process-items', async (args, ctx) => {
  if (!Number.isInteger(args?.count) || args.count < 0)
    throw new NonRetryableError('args.count must be an integer >= 0');
  const itemMs = args.item_ms ?? 100;
  const from = ctx.lastCheckpoint?.next ?? 0;
  ctx.logger.info('processing items', { from, count: args.count, attempt: ctx.attempt });
  for (let item = from; item < args.count; item++) {
    ctx.signal.throwIfAborted();
    await new Promise<void>((resolve) => setTimeout(resolve, itemMs));
    if (args.sink_url) {
      const response = await fetch(args.sink_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `${ctx.idempotencyKey}:${item}`,
        },
        body: JSON.stringify({ item, attempt: ctx.attempt, worker_id: ctx.workerId, resumed_from: from }),
        signal: ctx.signal,
      });
      if (!response.ok) throw new Error(`sink answered ${response.status} for item ${item}`);
    }
    ctx.checkpoint({ next: item + 1 });
  }
  return { processed: args.count - from, resumed_from: from };
});
