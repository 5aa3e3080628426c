/**
 * Routes of `/jobs`: submit, read, list, cancel, executions (the REST contract is in README.md,
 * "REST API", and in the generated /openapi.json).
 * Every route acts for the caller (`res.locals.principal`, set by ../auth.ts) and
 * reaches a job only through `JobService.resolveOwned` (another user's job is a 404), once per
 * request.
 * {@link jobsRoutes} documents them for the OpenAPI document (one entry per route).
 */
import { type Request, type Response, Router } from 'express';
import {
  type CancelledJob,
  type CreatedJob,
  cancelledJobSchema,
  createdJobSchema,
  createJobHeadersSchema,
  type ExecutionRecord,
  executionIdSchema,
  executionPathSchema,
  executionRecordSchema,
  idempotencyKeySchema,
  type JobControlState,
  type JobDetails,
  type JobPage,
  type JobUpdated,
  jobControlStateSchema,
  jobIdSchema,
  jobPageSchema,
  jobPatchSchema,
  jobPathSchema,
  jobSubmissionSchema,
  jobUpdatedSchema,
  jobViewSchema,
  type LedgerPage,
  ledgerPageSchema,
  ledgerQuerySchema,
  listJobsQuerySchema,
  type TriggerAccepted,
  triggerAcceptedSchema,
  triggerRequestSchema,
} from '../../contract';
import type { JobDescription } from '../../domain/job-state';
import type { Logger } from '../../logger';
import { type Principal, principalOf } from '../auth';
import type { ApiRoute } from '../openapi';
import { parseOr400, requireJsonBody } from '../problem';
import { type JobControl, nextRunTimes } from './control';
import type { JobService, OwnedJob } from './service';

/** `GET /jobs/{id}` plus the next planned run times, when the workflow answered. */
function withNextRunTimes<V extends object>(view: V): V & { next_run_times?: string[] } {
  if (!('spec' in view)) return view;
  return { ...view, next_run_times: nextRunTimes(view as unknown as Parameters<typeof nextRunTimes>[0]) };
}

/** The answer of pause and resume: the job's state after the workflow accepted the change. */
function controlState(jobId: string, state: JobDescription, action: 'pause' | 'resume'): JobControlState {
  const answer = { job_id: jobId, status: state.status, paused: state.paused === true };
  return action === 'resume' ? { ...answer, next_run_time: state.next_run_time } : answer;
}

/**
 * Routes controlling a live job: pause, resume, trigger, PATCH, and the paginated ledger.
 * Each resolves the job once (the ownership check and Temporal's description) and acts on that;
 * changes answer after the job's workflow accepted them (Temporal workflow update).
 */
function registerControlRoutes(router: Router, jobs: JobService, control: JobControl, logger: Logger): void {
  /** The caller and the job of the path, if the caller may see it (another user's job is a 404). */
  const resolve = async (req: Request, res: Response): Promise<{ job: OwnedJob; principal: Principal }> => {
    const principal = principalOf(res);
    const job = await jobs.resolveOwned(parseOr400(jobIdSchema, req.params.job_id, 'job_id'), principal);
    return { job, principal };
  };

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/:job_id/${action}`, async (req, res) => {
      const { job, principal } = await resolve(req, res);
      const state = await control[action](job);
      logger.info({ job_id: job.jobId, user_id: principal.user_id }, action === 'pause' ? 'job paused' : 'job resumed');
      res.json(controlState(job.jobId, state, action));
    });
  }

  router.post('/:job_id/trigger', async (req, res) => {
    const { job, principal } = await resolve(req, res);
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    if (hasBody) requireJsonBody(req);
    const request = parseOr400(triggerRequestSchema, req.body ?? {}, 'body');
    const accepted = await control.trigger(job, request);
    logger.info(
      { job_id: job.jobId, user_id: principal.user_id, execution_id: accepted.execution_id, status: accepted.status },
      'job triggered',
    );
    res.status(202).json({ job_id: job.jobId, ...accepted } satisfies TriggerAccepted);
  });

  router.patch('/:job_id', async (req, res) => {
    const { job, principal } = await resolve(req, res);
    requireJsonBody(req);
    const changes = parseOr400(jobPatchSchema, req.body, 'body');
    if (typeof changes.queue === 'string') jobs.checkQueue(principal, changes.queue);
    jobs.checkHttpTargets(changes);
    const state = await control.patch(job, changes);
    logger.info({ job_id: job.jobId, user_id: principal.user_id, fields: Object.keys(changes) }, 'job changed');
    res.json({
      job_id: job.jobId,
      status: state.status,
      next_run_time: state.next_run_time,
      next_run_times: nextRunTimes(state),
      spec: state.spec,
    } satisfies JobUpdated);
  });

  router.get('/:job_id/executions', async (req, res) => {
    const { job } = await resolve(req, res);
    const query = parseOr400(ledgerQuerySchema, req.query, 'query');
    res.json((await control.executions(job, query.limit, query.page_token)) satisfies LedgerPage);
  });

  router.get('/:job_id/executions/:execution_id', async (req, res) => {
    const executionId = parseOr400(executionIdSchema, req.params.execution_id, 'execution_id');
    const { job } = await resolve(req, res);
    res.json((await control.execution(job, executionId)) satisfies ExecutionRecord);
  });
}

/** Builds the `/jobs` router. Every handler is async; Express 5 forwards rejections to the problem handler. */
export function jobsRouter(jobs: JobService, logger: Logger, control: JobControl): Router {
  const router = Router({ caseSensitive: true });
  registerControlRoutes(router, jobs, control, logger);

  router.post('/', async (req, res) => {
    requireJsonBody(req, 'the job');
    const principal = principalOf(res);
    const rawKey = req.get('idempotency-key');
    const idempotencyKey =
      rawKey === undefined ? undefined : parseOr400(idempotencyKeySchema, rawKey, 'Idempotency-Key');
    const submission = parseOr400(jobSubmissionSchema, req.body, 'body');
    const { job, created } = await jobs.create(submission, principal, idempotencyKey);
    // One log line per submit: the write log's, with the job's fields.
    res.locals.writeLogFields = { job_id: job.job_id, frequency: submission.frequency, replay: !created };
    res
      .status(created ? 201 : 200)
      .location(`/jobs/${job.job_id}`)
      .json(job satisfies CreatedJob);
  });

  router.get('/', async (req, res) => {
    const query = parseOr400(listJobsQuerySchema, req.query, 'query');
    res.json((await jobs.list(query, principalOf(res))) satisfies JobPage);
  });

  router.get('/:job_id', async (req, res) => {
    const job = await jobs.resolveOwned(parseOr400(jobIdSchema, req.params.job_id, 'job_id'), principalOf(res));
    res.json(withNextRunTimes(await jobs.get(job)) satisfies JobDetails);
  });

  router.delete('/:job_id', async (req, res) => {
    const principal = principalOf(res);
    const job = await jobs.resolveOwned(parseOr400(jobIdSchema, req.params.job_id, 'job_id'), principal);
    const result = await jobs.cancel(job);
    logger.info({ job_id: job.jobId, user_id: principal.user_id, status: result.status }, 'job cancelled');
    res.status(result.ended ? 200 : 202).json({ job_id: result.job_id, status: result.status } satisfies CancelledJob);
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
    request: {
      body: jobSubmissionSchema,
      headers: createJobHeadersSchema,
    },
    responses: {
      201: {
        description: 'Created',
        schema: createdJobSchema,
        // What a client (or a contract tester) can do next with the new job.
        links: Object.fromEntries(
          ['getJob', 'listJobExecutions', 'pauseJob', 'resumeJob', 'triggerJob', 'updateJob', 'cancelJob'].map((id) => [
            id,
            { operationId: id, parameters: { job_id: '$response.body#/job_id' } },
          ]),
        ),
      },
      200: { description: 'Replay of an Idempotency-Key: the original job', schema: createdJobSchema },
    },
    problems: {
      403: '`queue` names a task queue that is not granted to the API key',
      409: 'The Idempotency-Key was used with a different body',
    },
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
    summary: "A job's occurrence ledger, newest first, in pages",
    description:
      'Every planned occurrence ends as one entry: succeeded, failed, skipped (reason misfire, overlap or ' +
      'paused; consecutive skips share one entry with a `count`) or cancelled; each ran entry has its attempts.',
    tag: 'jobs',
    request: { path: jobPathSchema, query: ledgerQuerySchema },
    responses: { 200: { description: 'A page of ledger entries', schema: ledgerPageSchema } },
  },
  {
    method: 'get',
    path: '/jobs/{job_id}/executions/{execution_id}',
    operationId: 'getJobExecution',
    summary: 'One run of a job: its attempts, output and HTTP answer',
    description: "Read from the job's ledger window (its newest entries); an older entry is a 404.",
    tag: 'jobs',
    request: { path: executionPathSchema },
    responses: { 200: { description: 'The ledger entry', schema: executionRecordSchema } },
  },
  {
    method: 'post',
    path: '/jobs/{job_id}/pause',
    operationId: 'pauseJob',
    summary: 'Pause a job: occurrences due while paused are skipped (reason paused)',
    description: 'Answers after the workflow accepted the change (Temporal workflow update).',
    tag: 'control',
    request: { path: jobPathSchema },
    responses: { 200: { description: 'Paused', schema: jobControlStateSchema } },
    problems: { 409: 'The job has ended' },
  },
  {
    method: 'post',
    path: '/jobs/{job_id}/resume',
    operationId: 'resumeJob',
    summary: 'Resume a paused job from its next occurrence',
    tag: 'control',
    request: { path: jobPathSchema },
    responses: { 200: { description: 'Resumed', schema: jobControlStateSchema } },
    problems: { 409: 'The job has ended' },
  },
  {
    method: 'post',
    path: '/jobs/{job_id}/trigger',
    operationId: 'triggerJob',
    summary: 'Run now, optionally with other args (handler) or body (http), without shifting the schedule',
    description:
      'Runs at once, or right after the running occurrence (`status: queued`; one waits at most, a second is 409).',
    tag: 'control',
    request: { path: jobPathSchema, body: triggerRequestSchema },
    responses: { 202: { description: 'Accepted', schema: triggerAcceptedSchema } },
    problems: { 409: 'The job has ended, or a triggered run is already waiting' },
  },
  {
    method: 'patch',
    path: '/jobs/{job_id}',
    operationId: 'updateJob',
    summary: 'Change schedule, payload, retry or policies from the next occurrence',
    description:
      'Top-level fields are replaced whole, `null` removes one; the merged job is validated like POST /jobs; ' +
      '`user_id` cannot change.',
    tag: 'control',
    request: { path: jobPathSchema, body: jobPatchSchema },
    responses: { 200: { description: 'The changed job', schema: jobUpdatedSchema } },
    problems: {
      403: '`queue` names a task queue that is not granted to the API key',
      409: 'The job has ended',
    },
  },
  {
    method: 'delete',
    path: '/jobs/{job_id}',
    operationId: 'cancelJob',
    summary: 'Cancel a job (a running attempt is cancelled through its heartbeat)',
    tag: 'jobs',
    request: { path: jobPathSchema },
    responses: {
      200: { description: 'Cancelled', schema: cancelledJobSchema },
      202: { description: 'Cancellation requested; the job has not ended within 5 s', schema: cancelledJobSchema },
    },
    problems: { 409: 'The job has already ended' },
  },
];
