/**
 * Routes of `/jobs`: submit, read, list, cancel, executions. Seed: "Job
 * Submission Service" endpoints; contract in ../shared/design/architecture.md.
 */
import { Router } from 'express';
import type { z } from 'zod';
import { jobSubmissionSchema } from '../../domain/job-spec';
import type { Logger } from '../../logger';
import { ProblemError, validationProblem } from '../problem';
import { jobIdSchema, listJobsQuerySchema } from './schema';
import type { JobService } from './service';

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

/** Builds the `/jobs` router. Every handler is async; Express 5 forwards rejections to the problem handler. */
export function jobsRouter(jobs: JobService, logger: Logger): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    if (!req.is(['application/json', 'application/*+json'])) {
      throw new ProblemError(
        415,
        'Unsupported media type',
        'send the job as application/json',
        'unsupported-media-type',
      );
    }
    const submission = parse(jobSubmissionSchema, req.body, 'body');
    const created = await jobs.create(submission);
    logger.info(
      { job_id: created.job_id, user_id: submission.user_id, frequency: submission.frequency },
      'job created',
    );
    res.status(201).location(`/jobs/${created.job_id}`).json(created);
  });

  router.get('/', async (req, res) => {
    const query = parse(listJobsQuerySchema, req.query, 'query');
    res.json(await jobs.list(query));
  });

  router.get('/:job_id', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    res.json(await jobs.get(jobId));
  });

  router.get('/:job_id/executions', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    res.json({ job_id: jobId, executions: await jobs.executions(jobId) });
  });

  router.delete('/:job_id', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const result = await jobs.cancel(jobId);
    logger.info({ job_id: jobId, status: result.status }, 'job cancelled');
    res.status(result.ended ? 200 : 202).json({ job_id: result.job_id, status: result.status });
  });

  return router;
}
