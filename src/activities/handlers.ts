/**
 * Handler jobs: TypeScript functions registered in the worker and called by
 * name with JSON args (`payload: { type: 'handler', name, args }`).
 */

/** What a handler receives besides its args. */
export interface HandlerContext {
  job_id: string;
  /** `<job_id>:<scheduled_time>`: the same for every retry of one occurrence. */
  idempotency_key: string;
  /** Planned fire time of the occurrence, UTC RFC 3339. */
  scheduled_time: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Fires when the attempt is cancelled (job cancelled, timed out, worker shutting down). */
  signal: AbortSignal;
}

/**
 * A job handler. Throw to fail the attempt (retried per the job's retry policy);
 * throw a {@link NonRetryableError} for a failure that retrying cannot fix.
 * The return value (JSON) is discarded for now.
 */
export type JobHandler = (args: unknown, ctx: HandlerContext) => Promise<unknown>;

/** A failure that retrying cannot fix: the occurrence fails at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** Handlers by name. */
export type HandlerRegistry = ReadonlyMap<string, JobHandler>;

/**
 * Built-in demo handlers:
 * - `demo.echo`: returns its args.
 * - `demo.sleep`: waits `args.ms` milliseconds (default 1000), stops early on cancellation.
 * - `demo.fail`: always throws (`args.non_retryable: true` makes it permanent).
 */
export const demoHandlers: HandlerRegistry = new Map<string, JobHandler>([
  ['demo.echo', async (args) => args],
  [
    'demo.sleep',
    async (args, ctx) => {
      const ms = typeof (args as { ms?: unknown })?.ms === 'number' ? (args as { ms: number }).ms : 1000;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason ?? new Error('cancelled'));
        });
      });
      return { slept_ms: ms };
    },
  ],
  [
    'demo.fail',
    async (args) => {
      const message = `demo.fail: failing on purpose`;
      if ((args as { non_retryable?: unknown })?.non_retryable === true) throw new NonRetryableError(message);
      throw new Error(message);
    },
  ],
]);
