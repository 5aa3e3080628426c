/** Routes of `/workers`: the worker registry (seed: Workers table; ../shared/design/architecture.md). */
import { Router } from 'express';
import { z } from 'zod';
import { identifierSchema } from '../../domain/job-spec';
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

/** Builds the `/workers` router. */
export function workersRouter(workers: WorkerService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = parse(workersQuerySchema, req.query, 'query');
    res.json({ workers: await workers.list(query.task_queue) });
  });
  router.get('/:worker_id', async (req, res) => {
    const query = parse(workersQuerySchema, req.query, 'query');
    const workerId = parse(workerIdSchema, req.params.worker_id, 'worker_id');
    res.json(await workers.get(workerId, query.task_queue));
  });
  return router;
}
