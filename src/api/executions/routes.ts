/** Route `GET /job/executions?worker_id=&status=&limit=`: the executions of one worker. */
import { Router } from 'express';
import { type WorkerExecutions, workerExecutionsQuerySchema, workerExecutionsSchema } from '../../contract';
import { principalOf } from '../auth';
import type { ApiRoute } from '../openapi';
import { parseOr400 } from '../problem';
import type { ExecutionService } from './service';

/** Builds the `/job/executions` router. */
export function executionsRouter(executions: ExecutionService): Router {
  const router = Router({ caseSensitive: true });
  router.get('/', async (req, res) => {
    const { worker_id, status, limit } = parseOr400(workerExecutionsQuerySchema, req.query, 'query');
    // Tenancy: a user sees the executions of their own jobs only; an admin sees all.
    const principal = principalOf(res);
    const owner = principal.role === 'admin' ? {} : { user_id: principal.user_id };
    res.json({
      worker_id,
      status,
      executions: await executions.list({ worker_id, status, limit, ...owner }),
    } satisfies WorkerExecutions);
  });
  return router;
}

/** The `/job/executions` route, for the OpenAPI document. */
export const executionsRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/job/executions',
    operationId: 'listWorkerExecutions',
    summary: 'Executions on one worker',
    description:
      'Attempts running on `worker_id` now (`status=running`, the default), or recent ones that ended with ' +
      '`status`; answered by a Temporal visibility query. Users see their own jobs only; admins see all.',
    tag: 'workers',
    request: { query: workerExecutionsQuerySchema },
    responses: { 200: { description: 'Attempts', schema: workerExecutionsSchema } },
  },
];
