/** Route `GET /job/executions?worker_id=&status=&limit=` (seed: "executions running on one worker"). */
import { Router } from 'express';
import { z } from 'zod';
import type { AttemptStatus } from '../../domain/job-state';
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
  const router = Router();
  router.get('/', async (req, res) => {
    const parsed = executionsQuerySchema.safeParse(req.query);
    if (!parsed.success) throw validationProblem(parsed.error, 'query');
    const { worker_id, status, limit } = parsed.data;
    res.json({ worker_id, status, executions: await executions.list({ worker_id, status, limit }) });
  });
  return router;
}
