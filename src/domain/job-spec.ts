/**
 * The job model: one zod schema per wire shape gives validation and types.
 * Wire format is snake_case JSON; times are RFC 3339 strings (stored as UTC);
 * durations are strings like "90s" (see ./duration.ts). A job: name, frequency, execution_time,
 * payload, user_id and its policies; the REST contract is in README.md ("The job spec").
 *
 * This module is imported by the API (validation) and, for types only, by the
 * workflow. It has no I/O.
 */
import { z } from 'zod';
import { isDuration, parseDuration } from './duration';
import { ALERT_EVENTS } from './health';
import { firstOccurrence, isCronExpression, isTimeZone, type ScheduleFields } from './schedule';

/** Job lifecycle words, as stored in the `JobStatus` search attribute. */
export const JOB_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const jobStatusSchema = z.enum(JOB_STATUSES);

// Unicode's control characters (\p{Cc}: U+0000–U+001F, U+007F–U+009F) written as ranges, so that
// the OpenAPI patterns are ones every JSON Schema tool (Schemathesis among them) can use.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it refuses
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters (but TAB) are what it refuses
const NO_CONTROL_CHARACTERS_BUT_TAB = /^[^\u0000-\u0008\u000a-\u001f\u007f-\u009f]*$/;

/**
 * Free text such as a job's name: no control characters (C0, DEL, C1; NUL among them), which
 * visibility stores and queries cannot hold.
 */
export function plainTextSchema(max: number) {
  return z.string().max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');
}

/** Identifiers we put into visibility queries: no quotes, no spaces. */
export const identifierSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'only letters, digits and . _ : @ - are allowed');

const DURATION_MESSAGE = 'must be a duration like "90s", "15m" or "1h30m" (units ms, s, m, h, d)';
/** A duration string (./duration.ts): the pattern shows in the OpenAPI document, the refine bounds it. */
const durationSchema = z
  .string()
  .regex(/^(?:\d+(?:ms|s|m|h|d))+$/, { message: DURATION_MESSAGE, abort: true })
  .refine(isDuration, { message: DURATION_MESSAGE, abort: true })
  .meta({ description: 'A duration: integer parts with units ms, s, m, h, d, e.g. "90s" or "1h30m"' });
const positiveDurationSchema = durationSchema.refine((d) => !isDuration(d) || parseDuration(d) > 0, {
  message: 'must be longer than 0',
});

/** Greatest nesting of arrays and objects accepted in a payload's `args` or `body`. */
export const MAX_JSON_DEPTH = 64;

/**
 * Nesting depth of arrays and objects in a value parsed from JSON (a scalar is 0), counted without
 * recursion so that a deeply nested input cannot overflow the stack; stops counting past `limit`.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let max = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    max = Math.max(max, depth);
    if (max > limit) return max;
    for (const child of Array.isArray(item.value) ? item.value : Object.values(item.value)) {
      stack.push({ value: child, depth });
    }
  }
  return max;
}

/**
 * Any JSON value (`args`, `body`) nested at most {@link MAX_JSON_DEPTH} deep: deeper input is refused
 * before the JSON check, which recurses.
 */
export const jsonValueSchema = z
  .unknown()
  .refine((value) => jsonDepth(value) <= MAX_JSON_DEPTH, {
    message: `is nested more than ${MAX_JSON_DEPTH} levels deep`,
    abort: true,
  })
  .pipe(z.json());

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/**
 * Headers an `http` payload may not set: the connection's framing and hop-by-hop headers (RFC 9110
 * section 7.6.1, RFC 9112), which the HTTP client sets itself.
 */
export const RESERVED_HTTP_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
] as const;

/**
 * The `headers` of an `http` payload: names are RFC 9110 tokens and not reserved
 * ({@link RESERVED_HTTP_HEADERS}); values hold no control character but tab (RFC 9110 section
 * 5.5: no CR, LF or NUL).
 */
const httpHeadersSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(256)
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "header names are RFC 9110 tokens (letters, digits, !#$%&'*+.^_`|~-)")
      .refine((name) => !(RESERVED_HTTP_HEADERS as readonly string[]).includes(name.toLowerCase()), {
        message: `is set by the HTTP client; not allowed: ${RESERVED_HTTP_HEADERS.join(', ')}`,
      }),
    z
      .string()
      .max(8192)
      .regex(NO_CONTROL_CHARACTERS_BUT_TAB, 'header values may not hold control characters (CR, LF, NUL…)'),
  )
  .default({});

/** `http` payload: one HTTP request per attempt; success = 2xx. */
export const httpPayloadSchema = z.strictObject({
  type: z.literal('http'),
  method: z.enum(HTTP_METHODS).default('GET'),
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048),
  headers: httpHeadersSchema,
  /** A string is sent as is; any other JSON value is sent as application/json. */
  body: jsonValueSchema.optional(),
  /** Time limit of one request, default "30s". */
  timeout: positiveDurationSchema.default('30s'),
});

/** `handler` payload: a function registered in the worker, called with JSON args. */
export const handlerPayloadSchema = z.strictObject({
  type: z.literal('handler'),
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'only letters, digits and . _ : - are allowed'),
  args: jsonValueSchema.default({}),
});

export const payloadSchema = z.discriminatedUnion('type', [httpPayloadSchema, handlerPayloadSchema]);

/**
 * Retry policy of one occurrence. Maps onto Temporal's RetryPolicy:
 * maximumAttempts = max_retries + 1, initialInterval, backoffCoefficient,
 * maximumInterval (Temporal's default: 100 × initial_interval).
 */
export const retrySchema = z.strictObject({
  max_retries: z.int().min(0).max(100).default(3),
  initial_interval: positiveDurationSchema.default('1s'),
  backoff_coefficient: z.number().min(1).max(100).default(2),
  max_interval: positiveDurationSchema.optional(),
});

export const FREQUENCIES = ['once', 'daily', 'weekly', 'cron', 'interval'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

const rfc3339 = z.iso.datetime({
  offset: true,
  error: 'must be an RFC 3339 date-time with a zone, e.g. 2026-01-01T09:00:00Z',
});

/** Days of the week of a `weekly` schedule, ISO order (Monday first). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Misfire (catch-up) policies: what to do with occurrences missed by more than `catchup_window`. */
export const MISFIRE_POLICIES = ['skip', 'latest', 'all'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

/** Overlap policies: what to do when an occurrence is due while the previous one still runs. */
export const OVERLAP_POLICIES = ['skip', 'buffer_one'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/**
 * How an occurrence's attempts run, per Temporal's activity and local-activity docs:
 * - `activity` (default): a regular activity. It is dispatched through the task queue up to the fire
 *   lead ahead and held in the worker until its fire time. It heartbeats, so it can keep checkpoints, and a
 *   dead worker is noticed after `heartbeat_timeout`. A cancel, pause or PATCH during the lead withdraws
 *   it.
 * - `local_activity`: a local activity, run by the worker that runs the job's workflow task. Its
 *   result is one marker event, with no activity task to dispatch, so an occurrence costs about half.
 *   It is dispatched at the fire time, with no lead. It has no heartbeats, so checkpoints live only in that
 *   worker's memory. An attempt lost with its worker is not recorded: the occurrence runs again
 *   from attempt 1 on another worker after the workflow task timeout. Limited to a `timeout` of
 *   at most {@link LOCAL_ACTIVITY_MAX_TIMEOUT}.
 */
export const RUN_AS = ['activity', 'local_activity'] as const;
export type RunAs = (typeof RUN_AS)[number];

/**
 * Longest `timeout` of a `local_activity` job: within Temporal's default workflow task timeout
 * (10 s), so one attempt never holds the job's workflow task open past it.
 */
export const LOCAL_ACTIVITY_MAX_TIMEOUT = '10s';

/**
 * The schedule fields of a job (also the body of `POST /schedules/preview`): one shape, so a
 * preview validates exactly like a submit. Cross-field rules: {@link checkSchedule}.
 */
export const scheduleShape = {
  frequency: z.enum(FREQUENCIES),
  execution_time: rfc3339.optional(),
  cron: z.string().trim().min(1).max(200).optional(),
  /** `interval`: the period, at least 1 s (schedules have one-second resolution). */
  every: durationSchema
    .refine((d) => !isDuration(d) || parseDuration(d) >= 1_000, {
      message: 'must be at least 1s (schedules have one-second resolution)',
    })
    .optional(),
  /** `weekly`: the local days it runs on; default: the local weekday of `execution_time`. */
  days_of_week: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
  timezone: z.string().default('UTC'),
  /** No occurrence before this instant. */
  start_at: rfc3339.optional(),
  /** No occurrence after this instant; the job completes when its schedule passes it. */
  end_at: rfc3339.optional(),
  /** The job completes after this many occurrences (any outcome, skipped ones excluded). */
  max_runs: z.int().min(1).max(1_000_000_000).optional(),
  /** Spread each fire time by a stable pseudo-random offset in [0, jitter). */
  jitter: durationSchema.optional(),
};

/** Validated schedule fields (output of {@link scheduleShape}). */
export type ScheduleSubmission = z.output<z.ZodObject<typeof scheduleShape>>;

const EPOCH = '1970-01-01T00:00:00Z';

/**
 * Cross-field rules of a schedule, as zod issues on the named field: a known IANA `timezone`;
 * `execution_time` / `cron` / `every` required or refused per `frequency`; `days_of_week` only
 * for `weekly`; `end_at` after `start_at`; a valid cron expression; and a schedule that fires at
 * least once (a `cron` that never fires names `cron`; none between `start_at` and `end_at`
 * names `end_at`, or `execution_time` for `once`). Submission time is not known here, so an
 * `end_at` in the past is not refused by this check.
 * @param job the parsed fields (before the rules).
 * @param ctx zod refinement context.
 */
export function checkSchedule(job: ScheduleSubmission, ctx: z.RefinementCtx): void {
  let issues = 0;
  const issue = (path: string, message: string) => {
    issues++;
    ctx.addIssue({ code: 'custom', path: [path], message });
  };
  if (!isTimeZone(job.timezone)) issue('timezone', `unknown IANA time zone "${job.timezone}"`);
  const needs = (field: 'execution_time' | 'cron' | 'every', present: boolean) => {
    if (!present) issue(field, `is required when frequency is "${job.frequency}"`);
  };
  const forbids = (field: 'cron' | 'every', present: boolean) => {
    if (present) issue(field, `is not allowed when frequency is "${job.frequency}"`);
  };
  if (job.start_at !== undefined && job.end_at !== undefined && Date.parse(job.end_at) <= Date.parse(job.start_at)) {
    issue('end_at', 'must be after start_at');
  }
  if (job.days_of_week !== undefined && job.frequency !== 'weekly') {
    issue('days_of_week', `is not allowed when frequency is "${job.frequency}"`);
  }
  switch (job.frequency) {
    case 'once':
    case 'daily':
    case 'weekly':
      needs('execution_time', job.execution_time !== undefined);
      forbids('cron', job.cron !== undefined);
      forbids('every', job.every !== undefined);
      break;
    case 'cron':
      needs('cron', job.cron !== undefined);
      forbids('every', job.every !== undefined);
      if (job.cron !== undefined && issues === 0) {
        const why = isCronExpression(job.cron, job.timezone);
        if (why !== true) issue('cron', why);
      }
      break;
    case 'interval':
      needs('every', job.every !== undefined);
      forbids('cron', job.cron !== undefined);
      break;
  }
  // zod runs this check even when a field failed its own schema (it was reported there).
  if (issues > 0 || ctx.issues.some((i) => String(i.path?.[0]) in scheduleShape)) return;
  // Fires at least once within [start_at, end_at] (from the earliest conceivable submission).
  const fields: ScheduleFields = { ...job, created_at: job.execution_time ?? job.start_at ?? EPOCH };
  if (firstOccurrence(fields) === null) {
    issue(
      job.frequency === 'once' ? 'execution_time' : 'end_at',
      job.frequency === 'once'
        ? 'is outside start_at..end_at'
        : 'the schedule has no occurrence between start_at and end_at',
    );
  }
}

/**
 * Alerts of a job: a signed JSON POST to `url` (default: the worker's `NOTIFY_URL`) when its health
 * changes, for the `events` listed (default all: `failed`, `recovered`, `late`, `missed`; `[]`: none).
 */
const notifySchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
    .max(2048)
    .optional(),
  events: z
    .array(z.enum(ALERT_EVENTS))
    .max(ALERT_EVENTS.length)
    .refine((events) => new Set(events).size === events.length, 'must not repeat an event')
    .default([...ALERT_EVENTS]),
});

/**
 * Body of `POST /jobs`. Rules across fields:
 * - `once`: runs at `execution_time` (required; a past time runs at once).
 * - `daily`: runs every day at the local time of day of `execution_time`
 *   (required) in `timezone`, first at `execution_time` or the next such time after submission.
 * - `cron`: `cron` (5 fields, or 6 with seconds first, or a nickname like `@hourly`) in `timezone`;
 *   `execution_time`, if given, is when the schedule starts.
 * - `weekly`: like `daily`, on the local `days_of_week` (default: the weekday of `execution_time`).
 * - `interval`: every `every` from the anchor `execution_time` (default: submission time);
 *   fixed rate, not drifting by run duration.
 * - all: no occurrence outside [`start_at`, `end_at`]; clock changes follow Vixie cron / cronie
 *   (./cron-schedule.ts); schedule rules are checked by {@link checkSchedule}.
 */
export const jobSubmissionSchema = z
  .strictObject({
    name: plainTextSchema(200).trim().min(1),
    ...scheduleShape,
    /** Occurrences missed by more than `catchup_window` (workers/server down, paused): see MISFIRE_POLICIES. */
    misfire_policy: z.enum(MISFIRE_POLICIES).default('latest'),
    /** Lateness after which an occurrence counts as missed, default "1h". */
    catchup_window: positiveDurationSchema.default('1h'),
    /** `misfire_policy: all`: at most this many missed occurrences are caught up, default 100. */
    max_catchup: z.int().min(1).max(10_000).default(100),
    /** An occurrence due while the previous still runs: skipped (default) or buffered (one at most). */
    overlap_policy: z.enum(OVERLAP_POLICIES).default('skip'),
    /** Task queue that runs this job's attempts (its own worker pool); default: the API's task queue. */
    queue: identifierSchema.optional(),
    payload: payloadSchema,
    retry: retrySchema.default({ max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 }),
    /** start-to-close limit of one attempt, default "5m". */
    timeout: positiveDurationSchema.default('5m'),
    /** an attempt that sends no heartbeat for this long is retried elsewhere, default "10s". */
    heartbeat_timeout: positiveDurationSchema.default('10s'),
    /** A regular activity (default) or a local activity: see {@link RUN_AS}. */
    run_as: z.enum(RUN_AS).default('activity'),
    /** Health (src/domain/health.ts): no success for this long makes the job `late`. */
    expected_within: positiveDurationSchema.optional(),
    /** Health: a run starting this long after its scheduled time (jitter included) makes the job `late`. */
    max_lateness: positiveDurationSchema.optional(),
    /** Where and for which changes of health the job sends alerts; default: the worker's NOTIFY_URL, every event. */
    notify: notifySchema.optional(),
  })
  .superRefine(checkSchedule)
  .superRefine(checkRunAs);

/**
 * `run_as: local_activity` needs `timeout` at most {@link LOCAL_ACTIVITY_MAX_TIMEOUT} and no `queue`
 * (a local activity runs on the worker of the job's workflow task); an issue on that field otherwise.
 */
function checkRunAs(job: { run_as: RunAs; timeout: string; queue?: string | undefined }, ctx: z.RefinementCtx): void {
  if (job.run_as !== 'local_activity') return;
  if (job.queue !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['queue'],
      message:
        'is not allowed when run_as is "local_activity" (a local activity runs on the worker of the job\'s workflow)',
    });
  }
  if (isDuration(job.timeout) && parseDuration(job.timeout) > parseDuration(LOCAL_ACTIVITY_MAX_TIMEOUT)) {
    ctx.addIssue({
      code: 'custom',
      path: ['timeout'],
      message: `must be at most ${LOCAL_ACTIVITY_MAX_TIMEOUT} when run_as is "local_activity" (the default is 5m: set a shorter one)`,
    });
  }
}

export type JobSubmission = z.output<typeof jobSubmissionSchema>;
export type JobSubmissionInput = z.input<typeof jobSubmissionSchema>;
export type HttpPayload = z.output<typeof httpPayloadSchema>;
export type HandlerPayload = z.output<typeof handlerPayloadSchema>;
export type JobPayload = z.output<typeof payloadSchema>;
export type RetrySettings = z.output<typeof retrySchema>;

/**
 * A job as its workflow sees it: the validated submission plus the id and the
 * submission time the API assigned. All times are UTC RFC 3339 strings.
 */
export interface JobSpec extends JobSubmission {
  job_id: string;
  /** Owner of the job: the `user_id` of the API key that submitted it (never taken from the body). */
  user_id: string;
  /** When the API accepted the job (UTC, milliseconds); no occurrence falls before it, except an
   * `interval` job's first one, anchored at this time truncated to the second ("runs now"). */
  created_at: string;
}

/**
 * Builds the job spec from a validated submission: normalises `execution_time`
 * to UTC and stamps id, owner and submission time.
 * @param submission output of {@link jobSubmissionSchema}.
 * @param jobId the workflow id to use.
 * @param nowMs submission time, epoch milliseconds.
 * @param userId owner, from the caller's API key.
 * `execution_time` is truncated to whole seconds.
 */
export function toJobSpec(submission: JobSubmission, jobId: string, nowMs: number, userId: string): JobSpec {
  // Schedules have a resolution of one second (cron's finest field): times are truncated to it.
  const wholeSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
  const spec: JobSpec = { ...submission, job_id: jobId, user_id: userId, created_at: new Date(nowMs).toISOString() };
  if (submission.execution_time !== undefined) {
    spec.execution_time = wholeSecond(Date.parse(submission.execution_time));
  }
  return spec;
}

// OpenAPI metadata (names and descriptions in the generated document, src/api/openapi.ts), kept
// apart from the schemas above so that adding a field stays a one-line change.
z.globalRegistry.add(httpPayloadSchema, {
  id: 'HttpPayload',
  description: 'One HTTP request per attempt; 2xx is success. Private, loopback and link-local targets are refused.',
});
z.globalRegistry.add(handlerPayloadSchema, {
  id: 'HandlerPayload',
  description: 'A function registered in the worker, called with JSON args.',
});
z.globalRegistry.add(payloadSchema, { id: 'JobPayload', description: 'What each occurrence runs.' });
z.globalRegistry.add(retrySchema, {
  id: 'RetrySettings',
  description: "Retry policy of one occurrence (Temporal's RetryPolicy).",
});
z.globalRegistry.add(jobSubmissionSchema, {
  id: 'JobSubmission',
  description:
    'Body of POST /jobs. The owner (user_id) is the caller of the API key. Durations are strings like "90s", ' +
    '"15m", "1h30m"; times are RFC 3339 with a zone. Unknown fields are refused (400).',
});
z.globalRegistry.add(httpPayloadSchema.shape.body.unwrap(), {
  id: 'HttpBody',
  description: 'A string is sent as is; any other JSON value is sent as application/json.',
});
z.globalRegistry.add(handlerPayloadSchema.shape.args.unwrap(), {
  id: 'HandlerArgs',
  description: 'Any JSON value, passed to the handler.',
});
z.globalRegistry.add(notifySchema, {
  id: 'JobNotify',
  description:
    'Alerts when the job starts failing, recovers, becomes late or misses occurrences: a JSON POST signed with ' +
    'Scheduler-Signature: sha256=<HMAC-SHA256 of the body>, with an Idempotency-Key.',
});
