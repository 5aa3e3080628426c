/** Routes of `/workers`: the worker registry (each worker's host, pid, heartbeat, capacity and load). */
import { Router } from 'express';
import { z } from 'zod';
import { identifierSchema } from '../../domain/job-spec';
import { assertQueueGranted, principalOf } from '../auth';
import type { ApiRoute } from '../openapi';
import { validationProblem } from '../problem';
import type { WorkerService } from './service';

/** Query string of `GET /workers` and `GET /workers/{id}`. */
export const workersQuerySchema = z.strictObject({ task_queue: identifierSchema.optional() });
/** Path parameter: a worker identity (e.g. `1234@host`). */
export const workerIdSchema = z.string().regex(/^[^\s/]{1,256}$/, 'is not a worker id');

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

/**
 * Builds the `/workers` router. A user sees the workers (hosts, pids) of the API's own task queue
 * and of the queues granted to its key; an admin any.
 * @param defaultQueue the API's own task queue, which every caller may see.
 */
export function workersRouter(workers: WorkerService, defaultQueue: string): Router {
  const router = Router({ caseSensitive: true });
  router.get('/', async (req, res) => {
    const query = parse(workersQuerySchema, req.query, 'query');
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    res.json({ workers: await workers.list(query.task_queue) });
  });
  router.get('/:worker_id', async (req, res) => {
    const query = parse(workersQuerySchema, req.query, 'query');
    const workerId = parse(workerIdSchema, req.params.worker_id, 'worker_id');
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    res.json(await workers.get(workerId, query.task_queue));
  });
  return router;
}

const nullableString = z.string().nullable();
const nullableNumber = z.number().nullable();

/** One worker, as `GET /workers` shows it (see WorkerView): times UTC RFC 3339, durations ms. */
export const workerViewSchema = z
  .object({
    worker_id: z.string(),
    instance_key: z.string(),
    host: nullableString,
    process_id: nullableString,
    task_queue: z.string(),
    status: z.string().meta({ description: '`healthy`, `unhealthy` (3 missed heartbeats) or `stopped`' }),
    temporal_status: z.string(),
    last_heartbeat: nullableString,
    heartbeat_age_ms: nullableNumber,
    heartbeat_interval_ms: nullableNumber,
    started_at: nullableString,
    capacity: nullableNumber.meta({ description: 'Attempts at once (MAX_CONCURRENT_EXECUTIONS)' }),
    load: nullableNumber.meta({ description: 'Attempts running now' }),
    cpu_usage: nullableNumber,
    memory_usage: nullableNumber,
    sdk: z.string(),
  })
  .meta({ id: 'Worker' });

/** The `/workers` routes, for the OpenAPI document. */
export const workersRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/workers',
    operationId: 'listWorkers',
    summary: 'List the workers of a task queue',
    description: "From Temporal's worker heartbeats; a worker is unhealthy after 3 missed heartbeats.",
    tag: 'workers',
    request: { query: workersQuerySchema },
    responses: { 200: { description: 'Workers', schema: z.object({ workers: z.array(workerViewSchema) }) } },
    problems: { 403: '`task_queue` names a task queue that is not granted to the API key' },
  },
  {
    method: 'get',
    path: '/workers/{worker_id}',
    operationId: 'getWorker',
    summary: 'One worker',
    tag: 'workers',
    request: { query: workersQuerySchema, path: z.object({ worker_id: workerIdSchema }) },
    problems: { 403: '`task_queue` names a task queue that is not granted to the API key' },
    responses: {
      200: {
        description: 'The worker',
        schema: workerViewSchema
          .extend({
            instances: z
              .number()
              .int()
              .meta({ description: 'Processes with this worker id on the task queue (the newest is shown)' }),
          })
          .meta({ id: 'WorkerDetail' }),
      },
    },
  },
];
