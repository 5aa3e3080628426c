/**
 * The `/jobs` routes on the wire: request schemas (the API validates with them), answer schemas
 * (the OpenAPI document shows them; src/api checks its answers against their types) and the types
 * clients read. The job submission itself is the domain's schema (src/domain/job-spec.ts),
 * re-exported here. Times are UTC RFC 3339 strings; durations strings like "90s".
 */
import { z } from 'zod';
import { HEALTH_STATES } from '../domain/health';
import {
  identifierSchema,
  JOB_STATUSES,
  jobStatusSchema,
  jobSubmissionSchema,
  jsonValueSchema,
  plainTextSchema,
  type Weekday,
} from '../domain/job-spec';
import {
  component,
  executionErrorSchema,
  nextPageTokenSchema,
  nullableString,
  pageTokenSchema,
  utcTimeSchema,
} from './common';

export type { HealthState } from '../domain/health';
export type { JobStatus } from '../domain/job-spec';
export { JOB_STATUSES, jobStatusSchema, jobSubmissionSchema };

/** Every field a submission may carry, as sent (defaults not yet filled in). */
export type JobSubmissionFields = z.input<typeof jobSubmissionSchema>;

type Schedule = 'frequency' | 'execution_time' | 'cron' | 'every' | 'days_of_week';
type CommonFields = Omit<JobSubmissionFields, Schedule>;

/**
 * Body of `POST /jobs`, as a client sends it: `frequency` picks which schedule fields are required.
 * - `once`, `daily`, `weekly`: `execution_time` (RFC 3339 with a zone); `weekly` may add `days_of_week`;
 * - `cron`: `cron` (5 or 6 fields, or a nickname such as `@hourly`), `execution_time` optional (the start);
 * - `interval`: `every` (a duration of at least 1s), `execution_time` optional (the anchor).
 *
 * The server checks the same rules (src/domain/job-spec.ts `checkSchedule`) and answers 400 naming
 * the field when one is broken.
 */
export type JobSubmission =
  | (CommonFields & { frequency: 'once' | 'daily'; execution_time: string; cron?: never; every?: never })
  | (CommonFields & {
      frequency: 'weekly';
      execution_time: string;
      days_of_week?: Weekday[];
      cron?: never;
      every?: never;
    })
  | (CommonFields & { frequency: 'cron'; cron: string; execution_time?: string; every?: never })
  | (CommonFields & { frequency: 'interval'; every: string; execution_time?: string; cron?: never });

/**
 * Body of `PATCH /jobs/{job_id}`: the submission fields to change (replaced whole), `null` to
 * remove one; `user_id` cannot change. The merged job is validated like a submission.
 */
export type JobPatch = { [K in keyof JobSubmissionFields]?: JobSubmissionFields[K] | null };

/** Body schema of `PATCH /jobs/{job_id}` (which fields are known is checked on the merged job). */
export const jobPatchSchema = z
  .looseObject({}, { error: 'must be a JSON object of fields to change' })
  .meta({ description: 'Fields of JobSubmission to change; `null` removes one' });

/** Query string of `GET /jobs`. */
export const listJobsQuerySchema = z
  .strictObject({
    status: jobStatusSchema.optional().meta({ description: 'Only jobs in this status.' }),
    user_id: identifierSchema
      .optional()
      .meta({ description: "Only this user's jobs (admins; a user may only name themselves)." }),
    name: plainTextSchema(200).min(1).optional().meta({ description: 'Only jobs whose name starts with this prefix.' }),
    health: z.enum(HEALTH_STATES).optional().meta({
      description: 'Only jobs in this health state (any status; combine with `status=pending` for live ones).',
    }),
    limit: z.coerce.number().int().min(1).max(1000).default(50).meta({ description: 'Page size, 1 to 1000.' }),
    page_token: pageTokenSchema(4096).optional().meta({ description: "The previous page's `next_page_token`." }),
  })
  .meta({ id: 'ListJobsQuery' });
/** `GET /jobs` query as the API reads it (defaults filled in). */
export type ListJobsQuery = z.output<typeof listJobsQuerySchema>;
/** `GET /jobs` query as a client sends it (everything optional). */
export type ListJobsParams = z.input<typeof listJobsQuerySchema>;

/** Path parameter `job_id`. */
export const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, 'is not a job id')
  .meta({ description: 'The job id (= Temporal workflow id).', example: 'job_0b6c1d7e-8f1a-4c43-9a57-5a4f8f0e2c11' });

/** Path parameters of `/jobs/{job_id}...`. */
export const jobPathSchema = z.strictObject({ job_id: jobIdSchema });

/** Path parameter `execution_id`: the occurrence key `<job_id>:<scheduled_time>` or `<job_id>:manual:<time>`. */
export const executionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,299}$/, 'is not an execution id')
  .meta({
    description: "The run's execution id (its idempotency key).",
    example: 'job_0b6c…:2026-01-01T09:00:00.000Z',
  });

/** Path parameters of `/jobs/{job_id}/executions/{execution_id}`. */
export const executionPathSchema = z.strictObject({ job_id: jobIdSchema, execution_id: executionIdSchema });

/** Header `Idempotency-Key` of `POST /jobs`: printable ASCII, 1 to 255 characters. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters without spaces')
  .meta({
    description:
      'Retries with the same key and body return the original job (200); the same key with another body is a 409.',
    example: '7f3c2a9e-retry-safe',
  });

/** Headers of `POST /jobs`. */
export const createJobHeadersSchema = z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() });

/** What every answer to a request on one job starts with: the job and its status after the request. */
const jobStateShape = { job_id: z.string(), status: jobStatusSchema };

/** `201` (and idempotent `200`) answer of `POST /jobs`. */
export const createdJobSchema = component('CreatedJob', {
  ...jobStateShape,
  next_run_time: utcTimeSchema.nullable().meta({ description: 'First occurrence (UTC); null when it never fires.' }),
});
/** Answer of `POST /jobs`. */
export type CreatedJob = z.output<typeof createdJobSchema>;

/** A job's health (src/domain/health.ts `JobHealth`). */
export const jobHealthSchema = component('JobHealth', {
  state: z.enum(HEALTH_STATES).meta({
    description:
      '`failing`: the latest run failed; `late`: no success within `expected_within`, or a run started later ' +
      'than `max_lateness`; `ok`: the latest run succeeded on time; `unknown`: no run has ended yet.',
  }),
  consecutive_failures: z.number().int().meta({ description: 'Runs failed since the last success.' }),
  last_success_time: utcTimeSchema.nullable().meta({ description: 'When the latest successful run ended (UTC).' }),
  last_failure: z
    .object({ scheduled_time: utcTimeSchema, error: executionErrorSchema.nullable() })
    .nullable()
    .meta({
      description:
        'The latest failed run since the last success. In `GET /jobs` rows (read from visibility) its `error` is null: ' +
        '`GET /jobs/{job_id}` has it.',
    }),
});
/** A job's health. */
export type JobHealthView = z.output<typeof jobHealthSchema>;

/** What every answer about a job starts with: identity, status, next and last run. */
const jobHeadShape = {
  job_id: z.string(),
  name: nullableString,
  user_id: nullableString,
  status: jobStatusSchema,
  next_run_time: utcTimeSchema.nullable(),
  last_run_time: utcTimeSchema.nullable(),
};

/** One row of `GET /jobs`, read from visibility (search attributes). */
export const jobSummarySchema = component('JobSummary', {
  ...jobHeadShape,
  started_at: utcTimeSchema.nullable().meta({ description: "When the job's current workflow run started (UTC)." }),
  health: jobHealthSchema,
});
/** One row of `GET /jobs`. */
export type JobSummary = z.output<typeof jobSummarySchema>;

/** Answer of `GET /jobs`. */
export const jobPageSchema = component('JobPage', {
  jobs: z.array(jobSummarySchema),
  next_page_token: nextPageTokenSchema('Pass as `page_token` for the next page; null on the last page.'),
});
/** A page of `GET /jobs`. */
export type JobPage = z.output<typeof jobPageSchema>;

const attemptRecordSchema = z.object({
  attempt: z.number().int().meta({ description: '1-based.' }),
  worker_id: nullableString,
  started_at: utcTimeSchema,
  finished_at: utcTimeSchema.nullable().meta({ description: 'Null while it runs.' }),
  status: z.enum(['running', 'succeeded', 'failed', 'timed_out', 'worker_lost', 'cancelled']),
  error: executionErrorSchema.optional(),
});

/** One entry of a job's ledger: an occurrence and how it ended (src/domain/job-state.ts `ExecutionRecord`). */
export const executionRecordSchema = component('ExecutionRecord', {
  execution_id: z.string().meta({ description: '`<job_id>:<scheduled_time>`, also the idempotency key sent.' }),
  seq: z.number().int().optional().meta({
    description: "The entry's number in the job's ledger, 1 for the first; newer entries have greater ones.",
  }),
  scheduled_time: utcTimeSchema,
  started_at: utcTimeSchema,
  finished_at: utcTimeSchema,
  status: z.enum(['succeeded', 'failed', 'skipped', 'cancelled']),
  attempts: z.number().int().nullable(),
  worker_id: nullableString,
  http_status: z.number().int().optional(),
  http: z
    .object({
      status: z.number().int(),
      headers: z.record(z.string(), z.string()),
      body_excerpt: z.string(),
    })
    .optional()
    .meta({
      description:
        "`http` jobs: the last attempt's answer: status, chosen headers (content-type, location, retry-after, " +
        "request ids…) and the first 2 KB of the body. Kept for the job's 10 newest ledger entries.",
    }),
  output: z.unknown().optional().meta({
    description:
      "`handler` jobs: the handler's return value (JSON, at most 8 KB). Kept for the job's 10 newest ledger entries.",
  }),
  output_truncated: z
    .boolean()
    .optional()
    .meta({ description: "True when `output` is the first 8 KB of the return value's JSON text (a string)." }),
  error: executionErrorSchema.optional(),
  reason: z.enum(['overlap', 'paused', 'misfire']).optional(),
  trigger: z.enum(['schedule', 'manual']).optional(),
  attempt_history: z.array(attemptRecordSchema).optional(),
  count: z.number().int().optional().meta({
    description: '`skipped` entries: how many consecutive skipped occurrences with this reason it stands for.',
  }),
  last_scheduled_time: utcTimeSchema
    .optional()
    .meta({ description: 'Aggregated `skipped` entries: the newest occurrence it stands for.' }),
});
/** One ledger entry. */
export type ExecutionRecord = z.output<typeof executionRecordSchema>;
/** One attempt of a ledger entry. */
export type AttemptRecord = z.output<typeof attemptRecordSchema>;

/** Query string of `GET /jobs/{job_id}/executions`. */
export const ledgerQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'Page size, 1 to 100.' }),
  page_token: pageTokenSchema(200).optional().meta({ description: "The previous page's `next_page_token`." }),
});
/** `GET /jobs/{job_id}/executions` query as a client sends it. */
export type LedgerParams = z.input<typeof ledgerQuerySchema>;

/** Answer of `GET /jobs/{job_id}/executions`: ledger entries, newest first. */
export const ledgerPageSchema = component('LedgerPage', {
  job_id: z.string(),
  executions: z.array(executionRecordSchema),
  next_page_token: nextPageTokenSchema('Pass as `page_token` for older entries; null when the window has no more.'),
});
/** A page of a job's ledger. */
export type LedgerPage = z.output<typeof ledgerPageSchema>;

/** The attempt in flight, from Temporal's pending-activity information. */
export const runningAttemptSchema = component('RunningAttempt', {
  execution_id: z.string().meta({ description: "The occurrence's idempotency key." }),
  attempt: z.number().int(),
  state: z.enum(['scheduled', 'started', 'cancel_requested']).meta({
    description: '`scheduled`: waiting for a worker or for its retry backoff.',
  }),
  worker_id: nullableString.meta({ description: 'The worker that took the attempt; null before one did.' }),
  started_at: utcTimeSchema.nullable(),
  last_heartbeat_at: utcTimeSchema.nullable(),
  last_failure: nullableString.meta({
    description: 'Error of the previous attempt, while this one waits for its retry.',
  }),
});
/** The attempt in flight. */
export type RunningAttempt = z.output<typeof runningAttemptSchema>;

/** The job spec as stored: the submission with its defaults, plus id, owner and submission time. */
export const jobSpecSchema = component('JobSpec', {
  ...jobSubmissionSchema.shape,
  job_id: z.string(),
  user_id: z.string().meta({ description: 'The owner: the user of the API key that submitted the job.' }),
  created_at: utcTimeSchema.meta({ description: 'When the API accepted the job.' }),
});
/** The job spec as a job's answers show it. */
export type JobSpecView = z.output<typeof jobSpecSchema>;

const ledgerCountsSchema = z.object({
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  cancelled: z.number().int(),
});

/**
 * Answer of `GET /jobs/{job_id}`: identity and status first, then progress counters, the spec and
 * the executions (src/domain/job-state.ts `JobDescription`); or, when no worker answered the
 * `describe` query, the visibility row with `details_unavailable`.
 */
export const jobViewSchema = component('JobView', {
  ...jobHeadShape,
  started_at: utcTimeSchema.nullable().optional().meta({ description: 'Rows read from visibility only.' }),
  counts: ledgerCountsSchema
    .optional()
    .meta({ description: 'Occurrences per outcome over the life of the job (the ledger).' }),
  retry_count: z.number().int().optional(),
  paused: z.boolean().optional().meta({ description: 'True between pause and resume.' }),
  health: jobHealthSchema,
  running_attempt: runningAttemptSchema
    .nullable()
    .optional()
    .meta({ description: "The attempt in flight, from Temporal's pending-activity information; null when none." }),
  generation: z.number().int().optional().meta({ description: 'How many times the job continued as new.' }),
  next_occurrence: utcTimeSchema.nullable().optional().meta({
    description: 'Scheduled time of the next occurrence not yet handled; `next_run_time` is when it fires.',
  }),
  scheduled_runs: z.number().int().optional().meta({ description: 'Scheduled occurrences started (`max_runs`).' }),
  ledger_seq: z.number().int().optional().meta({ description: '`seq` of the newest ledger entry.' }),
  waiting: z
    .array(utcTimeSchema)
    .optional()
    .meta({ description: 'Scheduled occurrences waiting to run (caught up or buffered), oldest first.' }),
  last_execution: executionRecordSchema.nullable().optional(),
  next_run_times: z
    .array(utcTimeSchema)
    .optional()
    .meta({ description: 'The next planned fire times (at most 5); empty when paused or ended.' }),
  spec: jobSpecSchema.optional(),
  executions: z.array(executionRecordSchema).optional(),
  temporal: z.object({
    workflow_id: z.string(),
    run_id: z.string(),
    status: z.string().meta({ description: "Temporal's workflow status, e.g. RUNNING, COMPLETED, CANCELLED" }),
  }),
  details_unavailable: z.string().optional().meta({ description: "Why the job's own details could not be read." }),
});
/** `GET /jobs/{job_id}` as a client reads it. */
export type JobDetails = z.output<typeof jobViewSchema>;

/** Answer of `POST /jobs/{job_id}/pause` and `/resume`. */
export const jobControlStateSchema = component('JobControlState', {
  ...jobStateShape,
  paused: z.boolean(),
  next_run_time: utcTimeSchema
    .nullable()
    .optional()
    .meta({ description: '`resume`: the next occurrence (UTC); null when the job has no more.' }),
});
/** Answer of pause and resume. */
export type JobControlState = z.output<typeof jobControlStateSchema>;

/** Answer of `PATCH /jobs/{job_id}`: the changed job. */
export const jobUpdatedSchema = component('JobUpdated', {
  ...jobStateShape,
  next_run_time: utcTimeSchema.nullable(),
  next_run_times: z.array(utcTimeSchema).meta({ description: 'The next planned fire times under the new spec.' }),
  spec: jobSpecSchema,
});
/** Answer of `PATCH /jobs/{job_id}`. */
export type JobUpdated = z.output<typeof jobUpdatedSchema>;

/** Body of `POST /jobs/{job_id}/trigger`: run now, optionally with other handler args or HTTP body. */
export const triggerRequestSchema = z
  .strictObject({
    args: jsonValueSchema.optional().meta({ description: '`handler` jobs: args for this run instead of the spec’s.' }),
    body: jsonValueSchema.optional().meta({ description: '`http` jobs: body for this run instead of the spec’s.' }),
  })
  .meta({ id: 'TriggerRequest' });
/** Body of trigger as a client sends it. */
export type TriggerRequest = z.input<typeof triggerRequestSchema>;

/** Answer (202) of `POST /jobs/{job_id}/trigger`. */
export const triggerAcceptedSchema = component('TriggerAccepted', {
  job_id: z.string(),
  execution_id: z.string().meta({ description: '`<job_id>:manual:<time>`, also the idempotency key of the run.' }),
  scheduled_time: utcTimeSchema.meta({ description: "When it was requested: the run's `scheduled_time`." }),
  status: z
    .enum(['started', 'queued'])
    .meta({ description: '`started` at once, or `queued` behind the running occurrence.' }),
});
/** Answer of trigger. */
export type TriggerAccepted = z.output<typeof triggerAcceptedSchema>;

/** Answer of `DELETE /jobs/{job_id}`. */
export const cancelledJobSchema = component('CancelledJob', {
  ...jobStateShape,
  status: jobStatusSchema.meta({ description: '`cancelled`, or the current status while the job winds down (202).' }),
});
/** Answer of cancel. */
export type CancelledJob = z.output<typeof cancelledJobSchema>;

// The OpenAPI name of any JSON value (args, bodies, output), which refers to itself.
if (!z.globalRegistry.has(jsonValueSchema.out)) {
  z.globalRegistry.add(jsonValueSchema.out, { id: 'JsonValue', description: 'Any JSON value.' });
}
