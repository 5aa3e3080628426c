/** Route `GET /job/executions?worker_id=&status=&limit=`: the executions of one worker. */
import { Router } from 'express';
import { z } from 'zod';
import type { AttemptStatus } from '../../domain/job-state';
import { principalOf } from '../auth';
import type { ApiRoute } from '../openapi';
import { validationProblem } from '../problem';
import type { ExecutionService } from './service';

const ATTEMPT_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'worker_lost',
  'cancelled',
] as const satisfies readonly AttemptStatus[];

/** Query string: `worker_id` (required), `status` (default `running`), `limit` (default 50, ≤ 1000). */
export const executionsQuerySchema = z.strictObject({
  worker_id: z.string().regex(/^[^\s'"\\]{1,256}$/, 'is not a worker id'),
  status: z.enum(ATTEMPT_STATUSES).default('running'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

/** Builds the `/job/executions` router. */
export function executionsRouter(executions: ExecutionService): Router {
  const router = Router({ caseSensitive: true });
  router.get('/', async (req, res) => {
    const parsed = executionsQuerySchema.safeParse(req.query);
    if (!parsed.success) throw validationProblem(parsed.error, 'query');
    const { worker_id, status, limit } = parsed.data;
    // Tenancy: a user sees the executions of their own jobs only; an admin sees all.
    const principal = principalOf(res);
    const owner = principal.role === 'admin' ? {} : { user_id: principal.user_id };
    res.json({ worker_id, status, executions: await executions.list({ worker_id, status, limit, ...owner }) });
  });
  return router;
}

/** One attempt on a worker (see WorkerExecution): times UTC RFC 3339. */
export const workerExecutionSchema = z
  .object({
    job_id: z.string(),
    name: z.string().nullable(),
    user_id: z.string().nullable(),
    execution_id: z.string().nullable(),
    attempt: z.number().nullable(),
    worker_id: z.string(),
    status: z.enum(ATTEMPT_STATUSES),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    error: z.object({ message: z.string(), type: z.string(), non_retryable: z.boolean() }).optional(),
  })
  .meta({ id: 'WorkerExecution' });

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
    request: { query: executionsQuerySchema },
    responses: {
      200: {
        description: 'Attempts',
        schema: z.object({
          worker_id: z.string(),
          status: z.enum(ATTEMPT_STATUSES),
          executions: z.array(workerExecutionSchema),
        }),
      },
    },
  },
];
