/**
 * Typed TypeScript client of the scheduler's REST API, installable as
 * `temporal-job-scheduler/client`. Types come from the REST contract (src/contract), the zod
 * schemas the API validates with; the client itself needs only `fetch` (Node 18+ and browsers).
 * Errors are {@link SchedulerApiError} (an error answer, with its RFC 9457 problem) and
 * {@link SchedulerConnectionError} (no answer).
 *
 * ```ts
 * import { SchedulerClient } from 'temporal-job-scheduler/client';
 * const scheduler = new SchedulerClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.SCHEDULER_KEY });
 * const { job_id } = await scheduler.create({ name: 'report', frequency: 'cron', cron: '0 9 * * *',
 *   payload: { type: 'handler', name: 'demo.echo' } });
 * for await (const job of scheduler.listAll({ status: 'pending' })) console.log(job.job_id);
 * ```
 */
export type {
  AttemptRecord,
  BatchItemResult,
  BatchJob,
  BatchResult,
  CancelledJob,
  ConsoleConfig,
  CreatedJob,
  ExecutionRecord,
  FieldError,
  HandlersAnswer,
  HandlersParams,
  HealthAnswer,
  JobControlState,
  JobDetails,
  JobHealthView,
  JobPage,
  JobPatch,
  JobPatch as JobUpdate,
  JobSpecView,
  JobStatus,
  JobSubmission,
  JobSummary,
  JobUpdated,
  LedgerPage,
  LedgerParams,
  ListJobsParams,
  OverviewParams,
  OverviewStats,
  ProblemDetails,
  RunningAttempt,
  SchedulePreview,
  SchedulePreviewParams,
  TriggerAccepted,
  TriggerRequest,
  WorkerDetail,
  WorkerExecution,
  WorkerExecutions,
  WorkerExecutionsParams,
  WorkerList,
  WorkersParams,
  WorkerView,
} from '../contract';
export {
  type CreateJobResult,
  type CreateManyOptions,
  type CreateManyProgress,
  type CreateManyResult,
  type CreateOptions,
  newIdempotencyKey,
  SchedulerClient,
  type SchedulerClientOptions,
} from './client';
export { problemMessage, SchedulerApiError, SchedulerConnectionError } from './errors';
export { DEFAULT_RETRY, type RetryOptions } from './retry';
