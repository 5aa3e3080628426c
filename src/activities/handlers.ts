/**
 * Handler jobs: TypeScript functions registered in the worker and called by
 * name with JSON args (`payload: { type: 'handler', name, args }`).
 *
 * Users write `defineHandler('reports.nightly', async (args, ctx) => …)` (public entry
 * point: `src/handlers.ts`) and list the modules exporting them in the worker's
 * `HANDLER_MODULES`. Checkpoints are Temporal activity heartbeat details: the next
 * attempt of the same occurrence (a retry, or a failover after the worker died) gets
 * the last one that reached the server as `ctx.lastCheckpoint`.
 */

/** The logger a handler gets: pino-style `(fields?, message)` or `(message)`. */
export interface HandlerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** What a handler receives besides its args. */
export interface HandlerContext<Checkpoint = unknown> {
  jobId: string;
  /** `<job_id>:<scheduled_time>`: the same for every retry and failover of one occurrence. */
  idempotencyKey: string;
  /** Planned fire time of the occurrence, UTC RFC 3339. */
  scheduledTime: string;
  /** 1 for the first attempt, 2 for the first retry, ... (Temporal's activity attempt). */
  attempt: number;
  /** Identity of the worker running this attempt. */
  workerId: string;
  /**
   * Fires when the attempt must stop: job cancelled, attempt timed out (start-to-close or
   * heartbeat timeout), or the worker shutting down after its grace period. Its `reason` is a
   * Temporal `CancelledFailure`; throwing it (or anything) ends the attempt.
   */
  signal: AbortSignal;
  /**
   * The last checkpoint saved by an earlier attempt of this occurrence (or by this attempt),
   * `undefined` when none was saved. A retry resumes from it.
   */
  readonly lastCheckpoint: Checkpoint | undefined;
  /**
   * Saves progress (any JSON value) as the attempt's heartbeat details. Sends are throttled by the
   * SDK (at most one per 0.8 × heartbeat_timeout); the newest state is the one sent, so a worker
   * that dies loses at most the progress since the last send. Cheap: call it after every item.
   */
  checkpoint(state: Checkpoint): void;
  logger: HandlerLogger;
}

/**
 * A job handler. Throw to fail the attempt (retried per the job's retry policy);
 * throw a {@link NonRetryableError} for a failure that retrying cannot fix.
 * The return value (JSON) is discarded for now.
 */
// biome-ignore lint/suspicious/noExplicitAny: handlers choose their own checkpoint type
export type JobHandler<Args = any, Checkpoint = any> = (
  args: Args,
  ctx: HandlerContext<Checkpoint>,
) => Promise<unknown>;

/** A failure that retrying cannot fix: the occurrence fails at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** Handlers by name. */
export type HandlerRegistry = ReadonlyMap<string, JobHandler>;

/** A named handler, as returned by {@link defineHandler}. */
export interface HandlerDefinition<Args = unknown, Checkpoint = unknown> {
  readonly kind: 'job-handler';
  readonly name: string;
  readonly run: JobHandler<Args, Checkpoint>;
}

/** Handler names: what `payload.name` accepts (src/domain/job-spec.ts). */
const HANDLER_NAME = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Defines a handler job.
 * @param name the `payload.name` jobs use; letters, digits and `. _ : -`, at most 200 characters.
 * @param run the handler; see {@link HandlerContext} for checkpoints and cancellation.
 * @throws {TypeError} when the name is not a valid handler name.
 * @example
 * export const nightly = defineHandler('reports.nightly', async (args: { day: string }, ctx) => { … });
 */
export function defineHandler<Args = unknown, Checkpoint = unknown>(
  name: string,
  run: JobHandler<Args, Checkpoint>,
): HandlerDefinition<Args, Checkpoint> {
  if (!HANDLER_NAME.test(name)) throw new TypeError(`invalid handler name "${name}": use letters, digits and . _ : -`);
  return Object.freeze({ kind: 'job-handler', name, run });
}

/** True for values made by {@link defineHandler}. */
// biome-ignore lint/suspicious/noExplicitAny: a definition of any args and checkpoint types
export function isHandlerDefinition(value: unknown): value is HandlerDefinition<any, any> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as HandlerDefinition).kind === 'job-handler' &&
    typeof (value as HandlerDefinition).run === 'function'
  );
}

/**
 * Builds a registry from registries and definitions (later names replace earlier ones).
 * @throws {Error} when two definitions (not registries) share a name.
 */
// biome-ignore lint/suspicious/noExplicitAny: definitions of any args and checkpoint types are accepted
export function handlerRegistry(...parts: Array<HandlerRegistry | HandlerDefinition<any, any>>): HandlerRegistry {
  const map = new Map<string, JobHandler>();
  const defined = new Set<string>();
  for (const part of parts) {
    if (isHandlerDefinition(part)) {
      if (defined.has(part.name)) throw new Error(`handler "${part.name}" is defined twice`);
      defined.add(part.name);
      map.set(part.name, part.run as JobHandler);
    } else {
      for (const [name, handler] of part) map.set(name, handler);
    }
  }
  return map;
}

/**
 * The handler definitions a module exports (each export that is a definition, or an array of them).
 * Used by the worker to load `HANDLER_MODULES`.
 */
export function handlersOfModule(moduleExports: Record<string, unknown>): HandlerDefinition[] {
  const found: HandlerDefinition[] = [];
  for (const value of Object.values(moduleExports)) {
    if (isHandlerDefinition(value)) found.push(value);
    else if (Array.isArray(value)) found.push(...value.filter(isHandlerDefinition));
  }
  return [...new Set(found)];
}

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
