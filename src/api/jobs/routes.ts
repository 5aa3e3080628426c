/**
 * Routes of `/jobs`: submit, read, list, cancel, executions (the REST contract is in README.md,
 * "REST API", and in the generated /openapi.json).
 * Every route acts for the caller (`res.locals.principal`, set by ../auth.ts) and
 * reaches a job only through `JobService.resolveOwned` (another user's job is a 404), once per
 * request.
 * Each operation is declared once, beside its handler ({@link RouteTable}): the router and the
 * OpenAPI document ({@link jobsRoutes}) come from the same declaration.
 */
import type { Request, Response, Router } from 'express';
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
import { type ApiRoute, RouteTable } from '../openapi';
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

/** Collaborators of the `/jobs` handlers. */
interface JobsDeps {
  jobs: JobService;
  logger: Logger;
  control: JobControl;
}

/** The caller and the job of the path, if the caller may see it (another user's job is a 404). */
async function resolve(
  req: Request,
  res: Response,
  jobs: JobService,
): Promise<{ job: OwnedJob; principal: Principal }> {
  const principal = principalOf(res);
  const job = await jobs.resolveOwned(parseOr400(jobIdSchema, req.params.job_id, 'job_id'), principal);
  return { job, principal };
}

/**
 * The `/jobs` routes. Each acts for the caller and resolves the job of its path once (the
 * ownership check and Temporal's description), then acts on that; the control routes (pause,
 * resume, trigger, PATCH) answer after the job's workflow accepted the change (Temporal workflow update).
 */
const table = new RouteTable<JobsDeps>('/jobs', 'jobs');
/** Problem answers several of its routes give. */
const queueNotGranted = '`queue` names a task queue that is not granted to the API key';
const jobEnded = 'The job has ended';

table.post('/jobs', 'createJob', {
  summary: 'Submit a job',
  description:
    'Starts one Temporal workflow for the job. The owner is the caller (from the API key). With an ' +
    '`Idempotency-Key` header, retries return the original job (200) instead of creating another.',
  body: jobSubmissionSchema,
  headers: createJobHeadersSchema,
  ok: {
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
    200: ['Replay of an Idempotency-Key: the original job', createdJobSchema],
  },
  problems: { 403: queueNotGranted, 409: 'The Idempotency-Key was used with a different body' },
  async handle(req, res, { jobs }) {
    requireJsonBody(req, 'the job');
    const rawKey = req.get('idempotency-key');
    const idempotencyKey =
      rawKey === undefined ? undefined : parseOr400(idempotencyKeySchema, rawKey, 'Idempotency-Key');
    const submission = parseOr400(jobSubmissionSchema, req.body, 'body');
    const { job, created } = await jobs.create(submission, principalOf(res), idempotencyKey);
    // One log line per submit: the write log's, with the job's fields.
    res.locals.writeLogFields = { job_id: job.job_id, frequency: submission.frequency, replay: !created };
    res
      .status(created ? 201 : 200)
      .location(`/jobs/${job.job_id}`)
      .json(job satisfies CreatedJob);
  },
});

table.get('/jobs', 'listJobs', {
  summary: 'List jobs (own jobs; admins: all or one user)',
  description: 'Newest first, stable order; page with `limit` and the opaque `page_token`.',
  query: listJobsQuerySchema,
  ok: { 200: ['A page of jobs', jobPageSchema] },
  problems: { 403: "A user asked for another user's jobs" },
  async handle(req, res, { jobs }) {
    const query = parseOr400(listJobsQuerySchema, req.query, 'query');
    res.json((await jobs.list(query, principalOf(res))) satisfies JobPage);
  },
});

table.get('/jobs/{job_id}', 'getJob', {
  summary: 'Read a job: status, next/last run, counters, spec, executions',
  path: jobPathSchema,
  ok: { 200: ['The job', jobViewSchema] },
  async handle(req, res, { jobs }) {
    const { job } = await resolve(req, res, jobs);
    res.json(withNextRunTimes(await jobs.get(job)) satisfies JobDetails);
  },
});

table.get('/jobs/{job_id}/executions', 'listJobExecutions', {
  summary: "A job's occurrence ledger, newest first, in pages",
  description:
    'Every planned occurrence ends as one entry: succeeded, failed, skipped (reason misfire, overlap or ' +
    'paused; consecutive skips share one entry with a `count`) or cancelled; each ran entry has its attempts.',
  path: jobPathSchema,
  query: ledgerQuerySchema,
  ok: { 200: ['A page of ledger entries', ledgerPageSchema] },
  async handle(req, res, { jobs, control }) {
    const { job } = await resolve(req, res, jobs);
    const query = parseOr400(ledgerQuerySchema, req.query, 'query');
    res.json((await control.executions(job, query.limit, query.page_token)) satisfies LedgerPage);
  },
});

table.get('/jobs/{job_id}/executions/{execution_id}', 'getJobExecution', {
  summary: 'One run of a job: its attempts, output and HTTP answer',
  description: "Read from the job's ledger window (its newest entries); an older entry is a 404.",
  path: executionPathSchema,
  ok: { 200: ['The ledger entry', executionRecordSchema] },
  async handle(req, res, { jobs, control }) {
    const executionId = parseOr400(executionIdSchema, req.params.execution_id, 'execution_id');
    const { job } = await resolve(req, res, jobs);
    res.json((await control.execution(job, executionId)) satisfies ExecutionRecord);
  },
});

/** Pause and resume: alike but for the workflow update they send. */
const stateChanges = {
  pause: {
    summary: 'Pause a job: occurrences due while paused are skipped (reason paused)',
    description: 'Answers after the workflow accepted the change (Temporal workflow update).',
    answer: 'Paused',
  },
  resume: { summary: 'Resume a paused job from its next occurrence', answer: 'Resumed' },
};
for (const action of ['pause', 'resume'] as const) {
  const { answer, ...text } = stateChanges[action];
  table.post(`/jobs/{job_id}/${action}`, `${action}Job`, {
    ...text,
    tag: 'control',
    path: jobPathSchema,
    ok: { 200: [answer, jobControlStateSchema] },
    problems: { 409: jobEnded },
    async handle(req, res, { jobs, control, logger }) {
      const { job, principal } = await resolve(req, res, jobs);
      const state = await control[action](job);
      logger.info({ job_id: job.jobId, user_id: principal.user_id }, `job ${answer.toLowerCase()}`);
      res.json(controlState(job.jobId, state, action));
    },
  });
}

table.post('/jobs/{job_id}/trigger', 'triggerJob', {
  summary: 'Run now, optionally with other args (handler) or body (http), without shifting the schedule',
  description:
    'Runs at once, or right after the running occurrence (`status: queued`; one waits at most, a second is 409).',
  tag: 'control',
  path: jobPathSchema,
  body: triggerRequestSchema,
  ok: { 202: ['Accepted', triggerAcceptedSchema] },
  problems: { 409: 'The job has ended, or a triggered run is already waiting' },
  async handle(req, res, { jobs, control, logger }) {
    const { job, principal } = await resolve(req, res, jobs);
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    if (hasBody) requireJsonBody(req);
    const request = parseOr400(triggerRequestSchema, req.body ?? {}, 'body');
    const accepted = await control.trigger(job, request);
    logger.info(
      { job_id: job.jobId, user_id: principal.user_id, execution_id: accepted.execution_id, status: accepted.status },
      'job triggered',
    );
    res.status(202).json({ job_id: job.jobId, ...accepted } satisfies TriggerAccepted);
  },
});

table.patch('/jobs/{job_id}', 'updateJob', {
  summary: 'Change schedule, payload, retry or policies from the next occurrence',
  description:
    'Top-level fields are replaced whole, `null` removes one; the merged job is validated like POST /jobs; ' +
    '`user_id` cannot change.',
  tag: 'control',
  path: jobPathSchema,
  body: jobPatchSchema,
  ok: { 200: ['The changed job', jobUpdatedSchema] },
  problems: { 403: queueNotGranted, 409: jobEnded },
  async handle(req, res, { jobs, control, logger }) {
    const { job, principal } = await resolve(req, res, jobs);
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
  },
});

table.delete('/jobs/{job_id}', 'cancelJob', {
  summary: 'Cancel a job (a running attempt is cancelled through its heartbeat)',
  path: jobPathSchema,
  ok: {
    200: ['Cancelled', cancelledJobSchema],
    202: ['Cancellation requested; the job has not ended within 5 s', cancelledJobSchema],
  },
  problems: { 409: 'The job has already ended' },
  async handle(req, res, { jobs, logger }) {
    const { job, principal } = await resolve(req, res, jobs);
    const result = await jobs.cancel(job);
    logger.info({ job_id: job.jobId, user_id: principal.user_id, status: result.status }, 'job cancelled');
    res.status(result.ended ? 200 : 202).json({ job_id: result.job_id, status: result.status } satisfies CancelledJob);
  },
});

/** Builds the `/jobs` router. */
export function jobsRouter(jobs: JobService, logger: Logger, control: JobControl): Router {
  return table.router({ jobs, logger, control });
}

/** The `/jobs` routes in the OpenAPI document. */
export const jobsRoutes: ApiRoute[] = table.routes;
