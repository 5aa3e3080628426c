/** Routes of `/workers`: the worker registry (each worker's host, pid, heartbeat, capacity and load). */
import { Router } from 'express';
import {
  type WorkerDetail,
  type WorkerList,
  workerDetailSchema,
  workerIdSchema,
  workerListSchema,
  workerPathSchema,
  workersQuerySchema,
} from '../../contract';
import { assertQueueGranted, principalOf } from '../auth';
import type { ApiRoute } from '../openapi';
import { parseOr400 } from '../problem';
import type { WorkerService } from './service';

/**
 * Builds the `/workers` router. A user sees the workers (hosts, pids) of the API's own task queue
 * and of the queues granted to its key; an admin any.
 * @param defaultQueue the API's own task queue, which every caller may see.
 */
export function workersRouter(workers: WorkerService, defaultQueue: string): Router {
  const router = Router({ caseSensitive: true });
  router.get('/', async (req, res) => {
    const query = parseOr400(workersQuerySchema, req.query, 'query');
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    res.json({ workers: await workers.list(query.task_queue) } satisfies WorkerList);
  });
  router.get('/:worker_id', async (req, res) => {
    const query = parseOr400(workersQuerySchema, req.query, 'query');
    const workerId = parseOr400(workerIdSchema, req.params.worker_id, 'worker_id');
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    res.json((await workers.get(workerId, query.task_queue)) satisfies WorkerDetail);
  });
  return router;
}

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
    responses: { 200: { description: 'Workers', schema: workerListSchema } },
    problems: { 403: '`task_queue` names a task queue that is not granted to the API key' },
  },
  {
    method: 'get',
    path: '/workers/{worker_id}',
    operationId: 'getWorker',
    summary: 'One worker',
    tag: 'workers',
    request: { query: workersQuerySchema, path: workerPathSchema },
    problems: { 403: '`task_queue` names a task queue that is not granted to the API key' },
    responses: { 200: { description: 'The worker', schema: workerDetailSchema } },
  },
];
