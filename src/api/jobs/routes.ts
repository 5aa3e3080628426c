/**
 * Routes of `/jobs`: submit, read, list, cancel, executions. Seed: "Job
 * Submission Service" endpoints; contract in ../shared/design/architecture.md.
 * Every route acts for the caller (`res.locals.principal`, set by ../auth.ts) and
 * reaches a job only through `JobService.describeOwned` (another user's job is a 404).
 * {@link jobsRoutes} documents them for the OpenAPI document (one entry per route).
 */
import { Router } from 'express';
import { z } from 'zod';
import { jobSubmissionSchema } from '../../domain/job-spec';
import type { Logger } from '../../logger';
import { principalOf } from '../auth';
import type { ApiRoute } from '../openapi';
import { ProblemError, validationProblem } from '../problem';
import {
  cancelledJobSchema,
  createdJobSchema,
  idempotencyKeySchema,
  jobExecutionsSchema,
  jobIdSchema,
  jobPageSchema,
  jobPathSchema,
  jobViewSchema,
  listJobsQuerySchema,
} from './schema';
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
    const principal = principalOf(res);
    const rawKey = req.get('idempotency-key');
    const idempotencyKey = rawKey === undefined ? undefined : parse(idempotencyKeySchema, rawKey, 'Idempotency-Key');
    const submission = parse(jobSubmissionSchema, req.body, 'body');
    const { job, created } = await jobs.create(submission, principal, idempotencyKey);
    logger.info(
      { job_id: job.job_id, user_id: principal.user_id, frequency: submission.frequency, replay: !created },
      created ? 'job created' : 'job submission replayed (Idempotency-Key)',
    );
    res
      .status(created ? 201 : 200)
      .location(`/jobs/${job.job_id}`)
      .json(job);
  });

  router.get('/', async (req, res) => {
    const query = parse(listJobsQuerySchema, req.query, 'query');
    res.json(await jobs.list(query, principalOf(res)));
  });

  router.get('/:job_id', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    res.json(await jobs.get(jobId, principalOf(res)));
  });

  router.get('/:job_id/executions', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    res.json({ job_id: jobId, executions: await jobs.executions(jobId, principalOf(res)) });
  });

  router.delete('/:job_id', async (req, res) => {
    const jobId = parse(jobIdSchema, req.params.job_id, 'job_id');
    const principal = principalOf(res);
    const result = await jobs.cancel(jobId, principal);
    logger.info({ job_id: jobId, user_id: principal.user_id, status: result.status }, 'job cancelled');
    res.status(result.ended ? 200 : 202).json({ job_id: result.job_id, status: result.status });
  });

  return router;
}

/** The `/jobs` routes in the OpenAPI document. */
export const jobsRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: '/jobs',
    operationId: 'createJob',
    summary: 'Submit a job',
    description:
      'Starts one Temporal workflow for the job. The owner is the caller (from the API key). With an ' +
      '`Idempotency-Key` header, retries return the original job (200) instead of creating another.',
    tag: 'jobs',
    rateLimited: true,
    request: {
      body: jobSubmissionSchema,
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }),
    },
    responses: {
      201: { description: 'Created', schema: createdJobSchema },
      200: { description: 'Replay of an Idempotency-Key: the original job', schema: createdJobSchema },
    },
    problems: { 409: 'The Idempotency-Key was used with a different body' },
  },
  {
    method: 'get',
    path: '/jobs',
    operationId: 'listJobs',
    summary: 'List jobs (own jobs; admins: all or one user)',
    description: 'Newest first, stable order; page with `limit` and the opaque `page_token`.',
    tag: 'jobs',
    request: { query: listJobsQuerySchema },
    responses: { 200: { description: 'A page of jobs', schema: jobPageSchema } },
    problems: { 403: "A user asked for another user's jobs" },
  },
  {
    method: 'get',
    path: '/jobs/{job_id}',
    operationId: 'getJob',
    summary: 'Read a job: status, next/last run, counters, spec, executions',
    tag: 'jobs',
    request: { path: jobPathSchema },
    responses: { 200: { description: 'The job', schema: jobViewSchema } },
  },
  {
    method: 'get',
    path: '/jobs/{job_id}/executions',
    operationId: 'listJobExecutions',
    summary: "A job's executions (one per occurrence that ran), newest first",
    tag: 'jobs',
    request: { path: jobPathSchema },
    responses: { 200: { description: 'The executions', schema: jobExecutionsSchema } },
  },
  {
    method: 'delete',
    path: '/jobs/{job_id}',
    operationId: 'cancelJob',
    summary: 'Cancel a job (a running attempt is cancelled through its heartbeat)',
    tag: 'jobs',
    rateLimited: true,
    request: { path: jobPathSchema },
    responses: {
      200: { description: 'Cancelled', schema: cancelledJobSchema },
      202: { description: 'Cancellation requested; the job has not ended within 5 s', schema: cancelledJobSchema },
    },
    problems: { 409: 'The job has already ended' },
  },
];
