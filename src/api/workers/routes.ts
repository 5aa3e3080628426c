/** Routes of `/workers`: the worker registry (each worker's host, pid, heartbeat, capacity and load). */
import type { Router } from 'express';
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
import { type ApiRoute, RouteTable } from '../openapi';
import { parseOr400 } from '../problem';
import type { WorkerService } from './service';

/**
 * The `/workers` routes. A user sees the workers (hosts, pids) of the API's own task queue and of
 * the queues granted to its key; an admin any.
 */
const table = new RouteTable<{ workers: WorkerService; defaultQueue: string }>('/workers', 'workers');
const problems = { 403: '`task_queue` names a task queue that is not granted to the API key' };

table.get('/workers', 'listWorkers', {
  summary: 'List the workers of a task queue',
  description: "From Temporal's worker heartbeats; a worker is unhealthy after 3 missed heartbeats.",
  query: workersQuerySchema,
  ok: { 200: ['Workers', workerListSchema] },
  problems,
  async handle(req, res, { workers, defaultQueue }) {
    const query = parseOr400(workersQuerySchema, req.query, 'query');
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    res.json({ workers: await workers.list(query.task_queue) } satisfies WorkerList);
  },
});

table.get('/workers/{worker_id}', 'getWorker', {
  summary: 'One worker',
  query: workersQuerySchema,
  path: workerPathSchema,
  ok: { 200: ['The worker', workerDetailSchema] },
  problems,
  async handle(req, res, { workers, defaultQueue }) {
    const query = parseOr400(workersQuerySchema, req.query, 'query');
    const workerId = parseOr400(workerIdSchema, req.params.worker_id, 'worker_id');
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    res.json((await workers.get(workerId, query.task_queue)) satisfies WorkerDetail);
  },
});

/**
 * Builds the `/workers` router.
 * @param defaultQueue the API's own task queue, which every caller may see.
 */
export function workersRouter(workers: WorkerService, defaultQueue: string): Router {
  return table.router({ workers, defaultQueue });
}

/** The `/workers` routes, for the OpenAPI document. */
export const workersRoutes: ApiRoute[] = table.routes;
