/**
 * `/workers` (the worker registry, from Temporal's worker heartbeats) and `/job/executions` (the
 * attempts of one worker) on the wire. Times UTC RFC 3339, durations in milliseconds.
 */
import { z } from 'zod';
import { identifierSchema } from '../domain/job-spec';
import { component, executionErrorSchema, nullableNumber, nullableString, utcTimeSchema } from './common';

/** Query string of `GET /workers` and `GET /workers/{worker_id}`. */
export const workersQuerySchema = z.strictObject({
  task_queue: identifierSchema.optional().meta({ description: "The task queue; default the API's." }),
});
/** `GET /workers` query as a client sends it. */
export type WorkersParams = z.input<typeof workersQuerySchema>;

/** Path parameter: a worker identity (e.g. `1234@host`). */
export const workerIdSchema = z.string().regex(/^[^\s/]{1,256}$/, 'is not a worker id');
/** Path parameters of `/workers/{worker_id}`. */
export const workerPathSchema = z.object({ worker_id: workerIdSchema });

/** A worker's health: by heartbeat age; `stopped` when it said it shut down. */
export const WORKER_HEALTH = ['healthy', 'unhealthy', 'stopped'] as const;

/** One worker, from its last heartbeat. */
export const workerViewSchema = component('Worker', {
  worker_id: z.string().meta({ description: 'The worker identity (WORKER_IDENTITY), as recorded with each attempt.' }),
  instance_key: z.string().meta({ description: 'Unique per worker process start.' }),
  host: nullableString,
  process_id: nullableString,
  task_queue: z.string(),
  status: z.enum(WORKER_HEALTH).meta({ description: '`healthy`, `unhealthy` (3 missed heartbeats) or `stopped`' }),
  temporal_status: z.string().meta({ description: "Temporal's word, e.g. `RUNNING`, `SHUTTING_DOWN`, `SHUTDOWN`." }),
  last_heartbeat: utcTimeSchema.nullable(),
  heartbeat_age_ms: nullableNumber.meta({ description: 'API clock minus `last_heartbeat`.' }),
  heartbeat_interval_ms: nullableNumber.meta({ description: 'Measured between the last two heartbeats.' }),
  started_at: utcTimeSchema.nullable(),
  capacity: nullableNumber.meta({ description: 'Attempts at once (MAX_CONCURRENT_EXECUTIONS)' }),
  load: nullableNumber.meta({ description: 'Attempts running now' }),
  cpu_usage: nullableNumber.meta({ description: 'Host CPU use, 0–1.' }),
  memory_usage: nullableNumber.meta({ description: 'Host memory use, 0–1.' }),
  sdk: z.string(),
});
/** One worker. */
export type WorkerView = z.output<typeof workerViewSchema>;

/** Answer of `GET /workers`: newest heartbeat first. */
export const workerListSchema = component('WorkerList', { workers: z.array(workerViewSchema) });
/** Answer of `GET /workers`. */
export type WorkerList = z.output<typeof workerListSchema>;

/** Answer of `GET /workers/{worker_id}`: the newest process with that identity. */
export const workerDetailSchema = workerViewSchema
  .extend({
    instances: z
      .number()
      .int()
      .meta({ description: 'Processes with this worker id on the task queue (the newest is shown)' }),
  })
  .meta({ id: 'WorkerDetail' });
/** Answer of `GET /workers/{worker_id}`. */
export type WorkerDetail = z.output<typeof workerDetailSchema>;

/** How an attempt ended; `running` while it runs. */
export const ATTEMPT_STATUSES = ['running', 'succeeded', 'failed', 'timed_out', 'worker_lost', 'cancelled'] as const;

/** Query string of `GET /job/executions`: `worker_id` (required), `status` (default `running`), `limit` (≤ 1000). */
export const workerExecutionsQuerySchema = z.strictObject({
  worker_id: z.string().regex(/^[^\s'"\\]{1,256}$/, 'is not a worker id'),
  status: z.enum(ATTEMPT_STATUSES).default('running'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
/** `GET /job/executions` query as a client sends it. */
export type WorkerExecutionsParams = z.input<typeof workerExecutionsQuerySchema>;

/** One attempt on a worker. */
export const workerExecutionSchema = component('WorkerExecution', {
  job_id: z.string(),
  name: nullableString,
  user_id: nullableString,
  execution_id: nullableString.meta({ description: 'The occurrence key `<job_id>:<scheduled_time>`.' }),
  attempt: nullableNumber,
  worker_id: z.string(),
  status: z.enum(ATTEMPT_STATUSES),
  started_at: utcTimeSchema.nullable(),
  finished_at: utcTimeSchema.nullable(),
  error: executionErrorSchema.optional(),
});
/** One attempt on a worker. */
export type WorkerExecution = z.output<typeof workerExecutionSchema>;

/** Answer of `GET /job/executions`. */
export const workerExecutionsSchema = component('WorkerExecutions', {
  worker_id: z.string(),
  status: z.enum(ATTEMPT_STATUSES),
  executions: z.array(workerExecutionSchema),
});
/** Answer of `GET /job/executions`. */
export type WorkerExecutions = z.output<typeof workerExecutionsSchema>;
