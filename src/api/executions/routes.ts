/** Route `GET /job/executions?worker_id=&status=&limit=`: the executions of one worker. */
import type { Router } from 'express';
import { type WorkerExecutions, workerExecutionsQuerySchema, workerExecutionsSchema } from '../../contract';
import { principalOf } from '../auth';
import { type ApiRoute, RouteTable } from '../openapi';
import { parseOr400 } from '../problem';
import type { ExecutionService } from './service';

const table = new RouteTable<ExecutionService>('/job/executions', 'workers');

table.get('/job/executions', 'listWorkerExecutions', {
  summary: 'Executions on one worker',
  description:
    'Attempts running on `worker_id` now (`status=running`, the default), or recent ones that ended with ' +
    '`status`; answered by a Temporal visibility query. Users see their own jobs only; admins see all.',
  query: workerExecutionsQuerySchema,
  ok: { 200: ['Attempts', workerExecutionsSchema] },
  async handle(req, res, executions) {
    const { worker_id, status, limit } = parseOr400(workerExecutionsQuerySchema, req.query, 'query');
    // Tenancy: a user sees the executions of their own jobs only; an admin sees all.
    const principal = principalOf(res);
    const owner = principal.role === 'admin' ? {} : { user_id: principal.user_id };
    const list = await executions.list({ worker_id, status, limit, ...owner });
    res.json({ worker_id, status, executions: list } satisfies WorkerExecutions);
  },
});

/** Builds the `/job/executions` router. */
export function executionsRouter(executions: ExecutionService): Router {
  return table.router(executions);
}

/** The `/job/executions` route, for the OpenAPI document. */
export const executionsRoutes: ApiRoute[] = table.routes;
