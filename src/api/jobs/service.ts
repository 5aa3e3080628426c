/**
 * Jobs over Temporal: one workflow per job (workflow id = job id). The API never
 * imports workflow or activity code; it talks to Temporal only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  type Client,
  isGrpcServiceError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  type TypedSearchAttributes,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { type AllowedTarget, checkTarget } from '../../activities/http-guard';
import type { CreatedJob, JobPage, JobSummary, ListJobsQuery, RunningAttempt } from '../../contract';
import type { HealthState } from '../../domain/health';
import { type JobStatus, type JobSubmission, toJobSpec } from '../../domain/job-spec';
import type { JobDescription } from '../../domain/job-state';
import { firstOccurrence } from '../../domain/schedule';
import {
  CONSECUTIVE_FAILURES,
  JOB_HEALTH,
  JOB_NAME,
  JOB_STATUS,
  JOB_WORKFLOW_TYPE,
  LAST_RUN_TIME,
  LAST_SUCCESS_TIME,
  NEXT_RUN_TIME,
  USER_ID,
} from '../../domain/search-attributes';
import { describeQuery, type JobWorkflowInput } from '../../workflows/contract';
import { assertQueueGranted, type Principal } from '../auth';
import { notFound, ProblemError } from '../problem';

export type { RunningAttempt } from '../../contract';

/** `GET /jobs/{id}`: the workflow's own description, plus Temporal's view of the run. */
export type JobView = JobDescription & {
  /** Copied from the spec so the answer reads like a `GET /jobs` row. */
  name: string;
  user_id: string;
  /** The attempt in flight, or null. */
  running_attempt: RunningAttempt | null;
  temporal: { workflow_id: string; run_id: string; status: WorkflowExecutionStatusName };
};

/** `GET /jobs/{id}` when no worker answered the query: what visibility knows. */
export type JobSummaryView = JobSummary & {
  temporal: JobView['temporal'];
  details_unavailable: string;
};

/**
 * A job the caller may act on, resolved once per request ({@link JobService.resolveOwned}): the
 * operations on it read Temporal's description from here instead of asking again.
 */
export interface OwnedJob {
  jobId: string;
  /** Handle of the job's workflow (its latest run: continue-as-new keeps the job id). */
  handle: WorkflowHandle;
  /** Temporal's description when the request resolved the job (status, search attributes, memo). */
  description: WorkflowExecutionDescription;
}

/**
 * 409 `job-ended` for a job whose workflow is closed, from the description already read.
 * @throws ProblemError 409 naming the job's final status (`job_status`).
 */
export function assertRunning(job: OwnedJob): void {
  const { description } = job;
  if (description.status.name === 'RUNNING') return;
  const status = statusFromTemporal(description.status.name, description.typedSearchAttributes.get(JOB_STATUS));
  throw new ProblemError(409, 'Job already ended', `job ${job.jobId} has already ended (${status})`, 'job-ended', {
    job_status: status,
  });
}

/** Where jobs are started. */
export interface JobServiceOptions {
  client: Client;
  taskQueue: string;
  /** Clock, epoch ms (tests pass a fixed one). */
  now?: () => number;
  /** Fire lead of the jobs this service starts, ms (see JobWorkflowInput.fire_lead_ms); default the workflow's. */
  fireLeadMs?: number;
  /** Internal targets http jobs may call (`HTTP_ALLOW_TARGETS`); default none. */
  httpAllowTargets?: readonly AllowedTarget[];
}

/** Result of {@link JobService.create}: the job, and whether this call created it (false: an idempotent replay). */
export interface CreateResult {
  job: CreatedJob;
  created: boolean;
}

/** Memo key holding the SHA-256 of the validated submission, to tell a replay from a conflicting reuse. */
const SUBMISSION_SHA256 = 'submission_sha256';

/**
 * Job id of an idempotent submission: a hash of owner and key, so the same key of the same user
 * always names the same workflow, and two users never collide.
 */
export function jobIdForIdempotencyKey(userId: string, key: string): string {
  return `job_${createHash('sha256').update(`${userId}\n${key}`).digest('hex').slice(0, 32)}`;
}

/** True when `principal` may see a job owned by `ownerId`: its owner, or an admin. */
export function canAccess(principal: Principal, ownerId: string | undefined): boolean {
  return principal.role === 'admin' || (ownerId !== undefined && ownerId === principal.user_id);
}

/** How long DELETE waits for the job to acknowledge cancellation before answering 202. */
const CANCEL_WAIT_MS = 5_000;

/**
 * A job's status from visibility. The workflow publishes its lifecycle status (pending, paused, or
 * how it ended) and, as NextRunTime, the fire time of the run in flight or of the next occurrence:
 * a pending job whose NextRunTime has come is running (or due). A workflow that closed without
 * publishing a final status (terminated, timed out) gets one from Temporal's status.
 */
function statusFromTemporal(
  status: WorkflowExecutionStatusName,
  published: string | undefined,
  nextRunTime?: Date,
  nowMs?: number,
): JobStatus {
  if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') {
    const shown = (published ?? 'pending') as JobStatus;
    if (shown === 'pending' && nextRunTime !== undefined && nowMs !== undefined && nextRunTime.getTime() <= nowMs) {
      return 'running';
    }
    return shown;
  }
  if (status === 'COMPLETED') return published === 'failed' ? 'failed' : 'completed';
  if (status === 'FAILED' || status === 'TIMED_OUT') return 'failed';
  return 'cancelled';
}

/** A job as visibility knows it: its search attributes and Temporal's run status. */
function summaryOf(
  jobId: string,
  attributes: TypedSearchAttributes,
  statusName: WorkflowExecutionStatusName,
  startedAt: Date | null,
  nowMs: number,
): JobSummary {
  const next = attributes.get(NEXT_RUN_TIME);
  const last = attributes.get(LAST_RUN_TIME);
  const state = attributes.get(JOB_HEALTH) as HealthState | undefined;
  const failures = attributes.get(CONSECUTIVE_FAILURES) ?? 0;
  const lastSuccess = attributes.get(LAST_SUCCESS_TIME);
  return {
    job_id: jobId,
    name: attributes.get(JOB_NAME) ?? null,
    user_id: attributes.get(USER_ID) ?? null,
    status: statusFromTemporal(statusName, attributes.get(JOB_STATUS), next, nowMs),
    next_run_time: next ? next.toISOString() : null,
    last_run_time: last ? last.toISOString() : null,
    started_at: startedAt ? startedAt.toISOString() : null,
    health: {
      state: state ?? 'unknown',
      consecutive_failures: failures,
      last_success_time: lastSuccess ? lastSuccess.toISOString() : null,
      // The latest run failed: LastRunTime is its scheduled time; the error is in the job's details.
      last_failure: failures > 0 && last ? { scheduled_time: last.toISOString(), error: null } : null,
    },
  };
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Job operations used by the routes. */
export class JobService {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly now: () => number;
  private readonly fireLeadMs: number | undefined;
  private readonly httpAllowTargets: readonly AllowedTarget[];

  constructor(options: JobServiceOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.now = options.now ?? Date.now;
    this.fireLeadMs = options.fireLeadMs;
    this.httpAllowTargets = options.httpAllowTargets ?? [];
  }

  /**
   * Refuses a URL of the body (an http payload's `payload.url`, the alerts' `notify.url`) that
   * names, as a literal IP, a target the SSRF guard would refuse (loopback, private, link-local,
   * CGNAT, multicast, unspecified…) unless `HTTP_ALLOW_TARGETS` permits it. A host name is resolved
   * and checked by the worker at connect time, each attempt.
   * @param body a `POST /jobs` or `PATCH` body, not yet validated (other shapes are left to the schema).
   * @throws ProblemError 400 naming the field.
   */
  checkHttpTargets(body: unknown): void {
    const b = body as { payload?: { type?: unknown; url?: unknown }; notify?: { url?: unknown } } | null | undefined;
    if (b?.payload?.type === 'http') this.checkUrl('payload.url', b.payload.url, 'http jobs');
    this.checkUrl('notify.url', b?.notify?.url, 'alerts');
  }

  private checkUrl(field: string, value: unknown, who: string): void {
    if (typeof value !== 'string') return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return; // the schema names a malformed URL
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) === 0) return;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const decision = checkTarget(host, port, this.httpAllowTargets);
    if (decision.allowed) return;
    throw new ProblemError(400, 'Invalid request', `invalid body: ${field}`, 'validation-error', {
      errors: [
        { field, message: `targets a ${decision.reason}; ${who} may call one only if HTTP_ALLOW_TARGETS allows it` },
      ],
    });
  }

  /**
   * Refuses a `queue` that the caller may not use: a user's jobs run on the API's own task queue
   * and on the queues granted to its key (`API_KEYS`); an admin's on any.
   * @throws ProblemError 403 `queue-not-granted`, naming the field `queue`.
   */
  checkQueue(principal: Principal, queue: string | undefined): void {
    assertQueueGranted(
      principal,
      queue,
      this.taskQueue,
      'queue',
      'is not granted to this API key (ask an admin to grant it)',
    );
  }

  /**
   * Starts the job's workflow, owned by `principal`.
   * With an idempotency key (header `Idempotency-Key`), the job id is derived from owner and key and
   * Temporal refuses a second workflow with that id (even after the first ended): the same key with
   * the same submission returns the original job (`created: false`); with another submission, 409.
   * @returns the job (id, status, first occurrence in UTC) and whether it was created now.
   * @throws ProblemError 409 `idempotency-key-reused`; Temporal client errors (503 when unreachable).
   */
  async create(submission: JobSubmission, principal: Principal, idempotencyKey?: string): Promise<CreateResult> {
    this.checkQueue(principal, submission.queue);
    this.checkHttpTargets(submission);
    const jobId =
      idempotencyKey === undefined ? `job_${randomUUID()}` : jobIdForIdempotencyKey(principal.user_id, idempotencyKey);
    const spec = toJobSpec(submission, jobId, this.now(), principal.user_id);
    const submissionSha256 = createHash('sha256').update(JSON.stringify(submission)).digest('hex');
    const first = firstOccurrence(spec);
    const input: JobWorkflowInput = {
      spec,
      ...(this.fireLeadMs !== undefined ? { fire_lead_ms: this.fireLeadMs } : {}),
    };
    try {
      await this.client.workflow.start(JOB_WORKFLOW_TYPE, {
        workflowId: jobId,
        taskQueue: this.taskQueue,
        // The Temporal Web UI lists workflows by this summary: the job's name.
        staticSummary: spec.name,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        memo: { [SUBMISSION_SHA256]: submissionSha256 },
        typedSearchAttributes: [
          { key: JOB_STATUS, value: 'pending' },
          { key: USER_ID, value: spec.user_id },
          { key: JOB_NAME, value: spec.name },
          ...(first !== null ? [{ key: NEXT_RUN_TIME, value: new Date(first) }] : []),
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || idempotencyKey === undefined) throw err;
      return { job: await this.replay(jobId, principal, submissionSha256), created: false };
    }
    const job: CreatedJob = {
      job_id: jobId,
      status: 'pending',
      next_run_time: first === null ? null : new Date(first).toISOString(),
    };
    return { job, created: true };
  }

  /** The job an idempotency key already created, if it was created from the same submission. */
  private async replay(jobId: string, principal: Principal, submissionSha256: string): Promise<CreatedJob> {
    const { description: existing } = await this.resolveOwned(jobId, principal);
    if (existing.memo?.[SUBMISSION_SHA256] !== submissionSha256) {
      throw new ProblemError(
        409,
        'Idempotency key reused',
        'this Idempotency-Key was already used with a different job submission',
        'idempotency-key-reused',
        { job_id: jobId },
      );
    }
    const summary = summaryOf(
      jobId,
      existing.typedSearchAttributes,
      existing.status.name,
      existing.startTime,
      this.now(),
    );
    return { job_id: jobId, status: summary.status, next_run_time: summary.next_run_time };
  }

  /**
   * The job `jobId` if `principal` may access it, in one Temporal call (DescribeWorkflowExecution):
   * the one ownership check every job route goes through, whose handle and description the
   * operations on the job then use. Another user's job is reported exactly like a missing one
   * (404), so job ids of other tenants do not leak.
   * @throws ProblemError 404 when the job is not a job or belongs to someone else;
   *   WorkflowNotFoundError (404) when no such workflow exists.
   */
  async resolveOwned(jobId: string, principal: Principal): Promise<OwnedJob> {
    const handle = this.client.workflow.getHandle(jobId);
    const description = await handle.describe();
    if (
      description.type !== JOB_WORKFLOW_TYPE ||
      !canAccess(principal, description.typedSearchAttributes.get(USER_ID))
    ) {
      throw notFound('job');
    }
    return { jobId, handle, description };
  }

  /**
   * The job's state from its `describe` query, or what visibility knows when no worker answered.
   */
  async get(job: OwnedJob): Promise<JobView | JobSummaryView> {
    const { jobId, handle, description } = job;
    const attributes = description.typedSearchAttributes;
    const published = attributes.get(JOB_STATUS);
    const temporal = { workflow_id: jobId, run_id: description.runId, status: description.status.name };
    let state: JobDescription;
    try {
      state = await handle.query(describeQuery);
    } catch (err) {
      // No worker answered (all down, or the query timed out): answer from visibility.
      return {
        ...summaryOf(jobId, attributes, description.status.name, description.startTime, this.now()),
        temporal,
        details_unavailable: `the job's details could not be read: ${(err as Error).message}`,
      };
    }
    // While the job runs, its own answer is the freshest (visibility never shows `running`).
    const live = description.status.name === 'RUNNING' ? state.status : (published ?? state.status);
    const status = statusFromTemporal(description.status.name, live);
    // Key order is the order readers see: identity and status first, the spec and history last.
    const { job_id, spec, executions, ...progress } = state;
    const running_attempt = runningAttemptOf(description);
    return {
      job_id,
      name: spec.name,
      user_id: spec.user_id,
      ...progress,
      status,
      running_attempt,
      spec,
      executions,
      temporal,
    };
  }

  /**
   * Cancels the job: the workflow is cancelled and a running attempt is cancelled
   * through its heartbeat. Waits up to 5 s for the job to end.
   * @returns the job's status afterwards (`cancelled`, or the current one if it did not end in time).
   * @throws ProblemError 409 when the job has already ended.
   */
  async cancel(job: OwnedJob): Promise<{ job_id: string; status: JobStatus; ended: boolean }> {
    const { jobId, handle } = job;
    assertRunning(job);
    await handle.cancel();
    const ended = await Promise.race([
      handle.result().then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => setTimeout(resolve, CANCEL_WAIT_MS, false).unref()),
    ]);
    const after = await handle.describe();
    return {
      job_id: jobId,
      status: statusFromTemporal(after.status.name, after.typedSearchAttributes.get(JOB_STATUS)),
      ended,
    };
  }

  /**
   * Lists jobs from Temporal visibility, newest first (start time, then run id: a stable order),
   * filtered by search attributes. A `user` lists only their own jobs; an admin lists all, or one
   * user's with `user_id`.
   * @returns a page and the opaque token of the next one.
   * @throws ProblemError 403 when a `user` asks for another user's jobs.
   */
  async list(query: ListJobsQuery, principal: Principal): Promise<JobPage> {
    let userId = query.user_id;
    if (principal.role !== 'admin') {
      if (userId !== undefined && userId !== principal.user_id) {
        throw new ProblemError(403, 'Forbidden', "only admins can list other users' jobs", 'forbidden');
      }
      userId = principal.user_id;
    }
    const clauses = [`WorkflowType = ${quote(JOB_WORKFLOW_TYPE)}`];
    if (query.status !== undefined) clauses.push(statusClause(query.status, this.now()));
    if (userId !== undefined) clauses.push(`${USER_ID.name} = ${quote(userId)}`);
    if (query.name !== undefined) clauses.push(`${JOB_NAME.name} STARTS_WITH ${quote(query.name)}`);
    if (query.health !== undefined) clauses.push(healthClause(query.health));
    const nowMs = this.now();
    const response = await this.client.workflowService
      .listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query: clauses.join(' AND '),
        pageSize: query.limit,
        nextPageToken: query.page_token === undefined ? null : Buffer.from(query.page_token, 'base64url'),
      })
      .catch((err: unknown) => {
        // Temporal cannot decode a tampered or foreign page token (UNKNOWN or INVALID_ARGUMENT).
        if (query.page_token !== undefined && isGrpcServiceError(err) && (err.code === 2 || err.code === 3)) {
          throw new ProblemError(400, 'Invalid request', 'invalid query: page_token', 'validation-error', {
            errors: [{ field: 'page_token', message: 'is not a page token of this listing' }],
          });
        }
        throw err;
      });
    const jobs: JobSummary[] = (response.executions ?? []).map((raw) =>
      summaryOf(
        raw.execution?.workflowId ?? '',
        decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
        temporalStatusName(raw.status),
        raw.startTime?.seconds ? new Date(Number(raw.startTime.seconds) * 1000) : null,
        nowMs,
      ),
    );
    const token = response.nextPageToken;
    return {
      jobs,
      next_page_token: token && token.length > 0 ? Buffer.from(token).toString('base64url') : null,
    };
  }
}

/**
 * The visibility condition of a status filter (see statusFromTemporal): `running` is a pending job
 * whose NextRunTime has come, `pending` one whose NextRunTime is still ahead (or unset).
 */
export function statusClause(status: string, nowMs: number): string {
  const now = quote(new Date(nowMs).toISOString());
  if (status === 'running') return `${JOB_STATUS.name} = 'pending' AND ${NEXT_RUN_TIME.name} <= ${now}`;
  if (status === 'pending') {
    return `${JOB_STATUS.name} = 'pending' AND (${NEXT_RUN_TIME.name} > ${now} OR ${NEXT_RUN_TIME.name} IS NULL)`;
  }
  return `${JOB_STATUS.name} = ${quote(status)}`;
}

/** The visibility condition of a health filter: JobHealth, unset until a run ends (`unknown`). */
export function healthClause(health: HealthState): string {
  return health === 'unknown' ? `${JOB_HEALTH.name} IS NULL` : `${JOB_HEALTH.name} = ${quote(health)}`;
}

const PENDING_ACTIVITY_STATES: Record<number, RunningAttempt['state']> = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel_requested',
};

function isoOf(timestamp: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!timestamp?.seconds) return null;
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6)).toISOString();
}

/** The attempt in flight, from the description's pending activities (at most one per job), or null. */
export function runningAttemptOf(description: WorkflowExecutionDescription): RunningAttempt | null {
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return null;
  return {
    execution_id: pending.activityId ?? '',
    attempt: pending.attempt ?? 1,
    state: PENDING_ACTIVITY_STATES[pending.state ?? 1] ?? 'scheduled',
    worker_id: pending.lastWorkerIdentity || null,
    started_at: isoOf(pending.lastStartedTime),
    last_heartbeat_at: isoOf(pending.lastHeartbeatTime),
    last_failure: pending.lastFailure?.message || null,
  };
}

const STATUS_NAMES: Record<number, WorkflowExecutionStatusName> = {
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};

function temporalStatusName(status: number | null | undefined): WorkflowExecutionStatusName {
  return STATUS_NAMES[status ?? 0] ?? 'UNKNOWN';
}
