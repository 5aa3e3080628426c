/**
 * Routes of `/jobs`: submit, read, list, cancel, executions. Seed: "Job
 * Submission Service" endpoints; contract in ../shared/design/architecture.md.
 */
import { type Request, Router } from 'express';
import type { z } from 'zod';
import { jobSubmissionSchema } from '../../domain/job-spec';
import type { Logger } from '../../logger';
import { ProblemError, validationProblem } from '../problem';
import { executionsQuerySchema, type JobControl, nextRunTimes, triggerBodySchema } from './control';
import { jobIdSchema, listJobsQuerySchema } from './schema';
import type { JobService } from './service';

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

/** Refuses a body that is not JSON (415), like POST /jobs. */
function requireJson(req: Request): void {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new ProblemError(
      415,
      'Unsupported media type',
      'send the body as application/json',
      'unsupported-media-type',
    );
  }
}

/** `GET /jobs/{id}` plus the next planned run times, when the workflow answered. */
function withNextRunTimes<V extends object>(view: V): V & { next_run_times?: string[] } {
  if (!('spec' in view)) return view;
  return { ...view, next_run_times: nextRunTimes(view as unknown as Parameters<typeof nextRunTimes>[0]) };
}

/**
 * Routes controlling a live job (issue 6): pause, resume, trigger, PATCH, and the paginated ledger.
 * Each answers after the job's workflow accepted the change (Temporal workflow update).
 */
function registerControlRoutes(router: Router, control: JobControl, logger: Logger): void {
  router.post('/:job_id/pause', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const state = await control.pause(jobId);
    logger.info({ job_id: jobId }, 'job paused');
    res.json({ job_id: jobId, status: state.status, paused: state.paused === true });
  });

  router.post('/:job_id/resume', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const state = await control.resume(jobId);
    logger.info({ job_id: jobId }, 'job resumed');
    res.json({
      job_id: jobId,
      status: state.status,
      paused: state.paused === true,
      next_run_time: state.next_run_time,
    });
  });

  router.post('/:job_id/trigger', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    if (hasBody) requireJson(req);
    const request = parse(triggerBodySchema, req.body ?? {}, 'body');
    const accepted = await control.trigger(jobId, request);
    logger.info({ job_id: jobId, execution_id: accepted.execution_id, status: accepted.status }, 'job triggered');
    res.status(202).json({ job_id: jobId, ...accepted });
  });

  router.patch('/:job_id', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    requireJson(req);
    const state = await control.patch(jobId, req.body);
    logger.info({ job_id: jobId, fields: Object.keys(req.body as object) }, 'job changed');
    res.json({
      job_id: jobId,
      status: state.status,
      next_run_time: state.next_run_time,
      next_run_times: nextRunTimes(state),
      spec: state.spec,
    });
  });

  router.get('/:job_id/executions', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const query = parse(executionsQuerySchema, req.query, 'query');
    res.json(await control.executions(jobId, query.limit, query.page_token));
  });
}

/** Builds the `/jobs` router. Every handler is async; Express 5 forwards rejections to the problem handler. */
export function jobsRouter(jobs: JobService, logger: Logger, control?: JobControl): Router {
  const router = Router();
  if (control !== undefined) registerControlRoutes(router, control, logger);

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
    res.json(withNextRunTimes(await jobs.get(jobId)));
  });

  router.delete('/:job_id', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const result = await jobs.cancel(jobId);
    logger.info({ job_id: jobId, status: result.status }, 'job cancelled');
    res.status(result.ended ? 200 : 202).json({ job_id: result.job_id, status: result.status });
  });

  return router;
}
