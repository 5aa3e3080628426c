/**
 * Wire shapes of the jobs routes that are not the job spec itself (src/domain/job-spec.ts), as zod
 * schemas: the routes validate with them, the OpenAPI document (src/api/openapi.ts) and the typed
 * client (src/client/) take their types from them.
 */
import { z } from 'zod';
import { HEALTH_STATES } from '../../domain/health';
import { identifierSchema, jobStatusSchema, plainTextSchema } from '../../domain/job-spec';

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
    /** Opaque token from the previous page's `next_page_token`. */
    page_token: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'is not a page token')
      .max(4096)
      .optional()
      .meta({ description: "The previous page's `next_page_token`." }),
  })
  .meta({ id: 'ListJobsQuery' });
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

/** Path parameter `execution_id`: `<job_id>:<scheduled_time>` or `<job_id>:manual:<time>`. */
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

const utcTime = z.string().meta({ description: 'UTC RFC 3339', example: '2026-01-01T09:00:00.000Z' });

/** `201` (and idempotent `200`) answer of `POST /jobs`. */
export const createdJobSchema = z
  .object({
    job_id: z.string(),
    status: jobStatusSchema,
    next_run_time: utcTime.nullable().meta({ description: 'First occurrence (UTC); null when it never fires.' }),
  })
  .meta({ id: 'CreatedJob' });
export type CreatedJob = z.output<typeof createdJobSchema>;

const executionErrorSchema = z.object({ message: z.string(), type: z.string(), non_retryable: z.boolean() });

/** A job's health (src/domain/health.ts `JobHealth`). */
export const jobHealthSchema = z
  .object({
    state: z.enum(HEALTH_STATES).meta({
      description:
        '`failing`: the latest run failed; `late`: no success within `expected_within`, or a run started later ' +
        'than `max_lateness`; `ok`: the latest run succeeded on time; `unknown`: no run has ended yet.',
    }),
    consecutive_failures: z.number().int().meta({ description: 'Runs failed since the last success.' }),
    last_success_time: utcTime.nullable().meta({ description: 'When the latest successful run ended (UTC).' }),
    last_failure: z
      .object({ scheduled_time: utcTime, error: executionErrorSchema.nullable() })
      .nullable()
      .meta({
        description:
          'The latest failed run since the last success. In `GET /jobs` rows (read from visibility) its `error` is null: ' +
          '`GET /jobs/{job_id}` has it.',
      }),
  })
  .meta({ id: 'JobHealth' });

/** One row of `GET /jobs`, read from visibility (search attributes). */
export const jobSummarySchema = z
  .object({
    job_id: z.string(),
    name: z.string().nullable(),
    user_id: z.string().nullable(),
    status: z.string(),
    next_run_time: utcTime.nullable(),
    last_run_time: utcTime.nullable(),
    started_at: utcTime.nullable().meta({ description: "When the job's current workflow run started (UTC)." }),
    health: jobHealthSchema,
  })
  .meta({ id: 'JobSummary' });
export type JobSummary = z.output<typeof jobSummarySchema>;

/** Answer of `GET /jobs`. */
export const jobPageSchema = z
  .object({
    jobs: z.array(jobSummarySchema),
    next_page_token: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `page_token` for the next page; null on the last page.' }),
  })
  .meta({ id: 'JobPage' });
export type JobPage = z.output<typeof jobPageSchema>;

/** One occurrence that ran (src/domain/job-state.ts `ExecutionRecord`). */
export const executionRecordSchema = z
  .object({
    execution_id: z.string().meta({ description: '`<job_id>:<scheduled_time>`, also the idempotency key sent.' }),
    seq: z.number().int().optional().meta({
      description: "The entry's number in the job's ledger, 1 for the first; newer entries have greater ones.",
    }),
    scheduled_time: utcTime,
    started_at: utcTime,
    finished_at: utcTime,
    status: z.enum(['succeeded', 'failed', 'skipped', 'cancelled']),
    attempts: z.number().int().nullable(),
    worker_id: z.string().nullable(),
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
    attempt_history: z
      .array(
        z.object({
          attempt: z.number().int(),
          worker_id: z.string().nullable(),
          started_at: utcTime,
          finished_at: utcTime.nullable(),
          status: z.enum(['running', 'succeeded', 'failed', 'timed_out', 'worker_lost', 'cancelled']),
          error: executionErrorSchema.optional(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'ExecutionRecord' });

/** Answer of `GET /jobs/{job_id}/executions`. */
export const jobExecutionsSchema = z
  .object({ job_id: z.string(), executions: z.array(executionRecordSchema) })
  .meta({ id: 'JobExecutions' });
export type JobExecutions = z.output<typeof jobExecutionsSchema>;

const temporalRunSchema = z.object({
  workflow_id: z.string(),
  run_id: z.string(),
  status: z.string().meta({ description: "Temporal's workflow status, e.g. RUNNING, COMPLETED, CANCELLED" }),
});

/**
 * Answer of `GET /jobs/{job_id}`: identity and status first, then progress counters, the spec and
 * the executions (src/domain/job-state.ts `JobDescription`); or, when no worker answered the
 * `describe` query, the visibility row with `details_unavailable`.
 */
export const jobViewSchema = z
  .looseObject({
    job_id: z.string(),
    name: z.string().nullable(),
    user_id: z.string().nullable(),
    status: z.string(),
    next_run_time: utcTime.nullable(),
    last_run_time: utcTime.nullable(),
    counts: z
      .object({
        succeeded: z.number().int(),
        failed: z.number().int(),
        skipped: z.number().int(),
        cancelled: z.number().int(),
      })
      .optional()
      .meta({ description: 'Occurrences per outcome over the life of the job (the ledger).' }),
    retry_count: z.number().int().optional(),
    health: jobHealthSchema,
    running_attempt: z
      .object({
        execution_id: z.string(),
        attempt: z.number().int(),
        state: z.enum(['scheduled', 'started', 'cancel_requested']),
        worker_id: z.string().nullable(),
        started_at: utcTime.nullable(),
        last_heartbeat_at: utcTime.nullable(),
        last_failure: z.string().nullable(),
      })
      .nullable()
      .optional()
      .meta({ description: "The attempt in flight, from Temporal's pending-activity information; null when none." }),
    generation: z.number().int().optional(),
    last_execution: executionRecordSchema.nullable().optional(),
    spec: z.record(z.string(), z.unknown()).optional().meta({ description: 'The job spec as submitted, normalised.' }),
    executions: z.array(executionRecordSchema).optional(),
    temporal: temporalRunSchema,
    details_unavailable: z.string().optional(),
  })
  .meta({ id: 'JobView' });
/** `GET /jobs/{job_id}` as a client reads it. */
export type JobDetails = z.output<typeof jobViewSchema>;

/** Answer of `DELETE /jobs/{job_id}`. */
export const cancelledJobSchema = z.object({ job_id: z.string(), status: z.string() }).meta({ id: 'CancelledJob' });
export type CancelledJob = z.output<typeof cancelledJobSchema>;

/** Body of every error answer (RFC 9457), see src/api/problem.ts. */
export const problemSchema = z
  .looseObject({
    type: z.string().meta({ example: '/problems/validation-error' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Validation problems: each bad field (dotted path) and why.' }),
  })
  .meta({ id: 'Problem' });
export type ProblemDetails = z.output<typeof problemSchema>;

/** `{ status }` of `/healthz` and `/readyz`. */
export const healthSchema = z.object({ status: z.string() }).meta({ id: 'Health' });

export type { ExecutionRecord } from '../../domain/job-state';
