/**
 * Control of a live job through Temporal workflow updates: pause, resume, trigger, PATCH; and the
 * ledger views (paginated executions, next planned run times). Each update answers only after the
 * job's workflow accepted the change, so a client reading right after sees it.
 * Queries, updates and refusal types come from the workflow's contract (src/workflows/contract.ts),
 * which holds definitions only.
 */
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { LedgerPage } from '../../contract';
import { parseDuration } from '../../domain/duration';
import { type JobSpec, type JobSubmission, jobSubmissionSchema, toJobSpec } from '../../domain/job-spec';
import { type ExecutionRecord, type JobDescription, MAX_RECORDED_EXECUTIONS } from '../../domain/job-state';
import { ledgerPage } from '../../domain/ledger';
import { fireTime, planOccurrences } from '../../domain/preview';
import { JOB_STATUS, JOB_WORKFLOW_TYPE } from '../../domain/search-attributes';
import {
  describeQuery,
  executionsQuery,
  JobFailureType,
  type PatchRequest,
  patchUpdate,
  pauseUpdate,
  resumeUpdate,
  type TriggerAccepted,
  type TriggerRequest,
  triggerUpdate,
} from '../../workflows/contract';
import { ProblemError, validationProblem } from '../problem';

/** Fields `PATCH /jobs/{id}` may change: every submission field except the owner. */
const PATCHABLE = Object.keys(jobSubmissionSchema.shape).filter((key) => key !== 'user_id');

/** How many planned run times `GET /jobs/{id}` lists. */
export const NEXT_RUN_TIMES = 5;

function encodePageToken(beforeSeq: number): string {
  return Buffer.from(JSON.stringify({ b: beforeSeq })).toString('base64url');
}

function decodePageToken(token: string): number {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { b?: unknown };
    if (typeof value.b === 'number' && Number.isInteger(value.b)) return value.b;
  } catch {
    // fall through
  }
  throw new ProblemError(400, 'Invalid request', 'invalid query: page_token', 'validation-error', {
    errors: [{ field: 'page_token', message: 'is not a page token of this listing' }],
  });
}

/**
 * The next planned fire times of a job (UTC RFC 3339), from the workflow's own walk
 * (planOccurrences + fireTime, as the workflow plans them), at most {@link NEXT_RUN_TIMES}.
 * Empty when the job has ended or is paused; cut at `max_runs`.
 */
export function nextRunTimes(
  state: Pick<JobDescription, 'spec' | 'status' | 'next_occurrence' | 'next_run_time' | 'paused' | 'scheduled_runs'>,
): string[] {
  if (state.paused === true || ['completed', 'failed', 'cancelled'].includes(state.status)) return [];
  const from = state.next_occurrence ?? state.next_run_time;
  if (from === null || from === undefined) return [];
  const { spec } = state;
  const remaining = spec.max_runs === undefined ? NEXT_RUN_TIMES : spec.max_runs - (state.scheduled_runs ?? 0);
  const jitter = spec.jitter === undefined ? undefined : parseDuration(spec.jitter);
  return planOccurrences(spec, Date.parse(from), Math.max(0, Math.min(NEXT_RUN_TIMES, remaining))).map((ms) =>
    new Date(fireTime(spec.job_id, ms, jitter)).toISOString(),
  );
}

/** Live-job operations used by the control routes. */
export class JobControl {
  constructor(private readonly client: Client) {}

  /** `POST /jobs/{id}/pause`. @returns the job's state after the workflow accepted it. */
  pause(jobId: string): Promise<JobDescription> {
    return this.update(jobId, pauseUpdate, []);
  }

  /** `POST /jobs/{id}/resume`. @returns the job's state after the workflow accepted it. */
  resume(jobId: string): Promise<JobDescription> {
    return this.update(jobId, resumeUpdate, []);
  }

  /**
   * `POST /jobs/{id}/trigger`: run now (queued behind a running occurrence).
   * @throws ProblemError 400 when the override does not fit the payload type, 409 when a triggered run
   *   already waits or the job has ended.
   */
  trigger(jobId: string, request: TriggerRequest): Promise<TriggerAccepted> {
    return this.update(jobId, triggerUpdate, [request]);
  }

  /**
   * `PATCH /jobs/{id}`: merges the changed fields into the job's submission (a field set to null is
   * removed), validates the result like `POST /jobs`, and hands the new spec to the workflow, which
   * applies it from the next occurrence.
   * @throws ProblemError 400 naming bad or unknown fields, 409 when the job has ended; 404 unknown job.
   */
  async patch(jobId: string, changes: unknown): Promise<JobDescription> {
    if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
      throw new ProblemError(
        400,
        'Invalid request',
        'invalid body: send a JSON object of fields to change',
        'validation-error',
        {
          errors: [{ field: 'body', message: 'must be a JSON object' }],
        },
      );
    }
    const unknown = Object.keys(changes).filter((key) => !PATCHABLE.includes(key));
    if (unknown.length > 0) {
      throw new ProblemError(400, 'Invalid request', `invalid body: ${unknown.join(', ')}`, 'validation-error', {
        errors: unknown.map((field) => ({
          field,
          message: field === 'user_id' ? 'cannot be changed' : 'is not a known field',
        })),
      });
    }
    const current = await this.currentSpec(jobId);
    const { job_id: _id, created_at: createdAt, user_id: owner, ...submission } = current;
    const merged: Record<string, unknown> = { ...submission };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const parsed = jobSubmissionSchema.safeParse(merged);
    if (!parsed.success) throw validationProblem(parsed.error, 'body');
    const spec: JobSpec = toJobSpec(parsed.data as JobSubmission, jobId, Date.parse(createdAt), owner);
    const request: PatchRequest = { spec };
    return this.update(jobId, patchUpdate, [request]);
  }

  /**
   * `GET /jobs/{id}/executions?limit=&page_token=`: the ledger window, newest first, in pages.
   * @throws ProblemError 400 on a foreign page token; WorkflowNotFoundError (404).
   */
  async executions(jobId: string, limit: number, pageToken?: string): Promise<LedgerPage> {
    const before = pageToken === undefined ? undefined : decodePageToken(pageToken);
    const window = await this.client.workflow.getHandle(jobId).query(executionsQuery);
    const page = ledgerPage(window, limit, before);
    return {
      job_id: jobId,
      executions: page.executions,
      next_page_token: page.next_before_seq === null ? null : encodePageToken(page.next_before_seq),
    };
  }

  /**
   * `GET /jobs/{id}/executions/{execution_id}`: one ledger entry with its attempts and output.
   * @throws ProblemError 404 when the entry is not in the job's ledger window (the newest
   *   {@link MAX_RECORDED_EXECUTIONS} entries); WorkflowNotFoundError (404).
   */
  async execution(jobId: string, executionId: string): Promise<ExecutionRecord> {
    const window = await this.client.workflow.getHandle(jobId).query(executionsQuery);
    const found = window.find((e) => e.execution_id === executionId);
    if (found === undefined) {
      throw new ProblemError(
        404,
        'Not found',
        `execution not found: the job's ledger keeps its newest ${MAX_RECORDED_EXECUTIONS} entries`,
        'not-found',
      );
    }
    return found;
  }

  private async currentSpec(jobId: string): Promise<JobSpec> {
    await this.ensureRunning(jobId);
    const state = await this.client.workflow.getHandle(jobId).query(describeQuery);
    return state.spec;
  }

  /** 404 for an unknown job, 409 for one that has ended. */
  private async ensureRunning(jobId: string): Promise<void> {
    const description = await this.client.workflow.getHandle(jobId).describe();
    if (description.type !== JOB_WORKFLOW_TYPE) throw new ProblemError(404, 'Not found', 'job not found', 'not-found');
    if (description.status.name !== 'RUNNING') {
      const status = description.typedSearchAttributes.get(JOB_STATUS) ?? description.status.name.toLowerCase();
      throw new ProblemError(409, 'Job already ended', `job ${jobId} has already ended (${status})`, 'job-ended', {
        job_status: status,
      });
    }
  }

  /** Runs a workflow update; maps the workflow's refusals to 400/409 problems. */
  private async update<T, A extends [] | [unknown]>(
    jobId: string,
    definition: UpdateDefinition<T, A>,
    args: A,
  ): Promise<T> {
    await this.ensureRunning(jobId);
    try {
      const handle = this.client.workflow.getHandle(jobId);
      return args.length === 0
        ? await handle.executeUpdate(definition as UpdateDefinition<T, []>)
        : await handle.executeUpdate(definition as UpdateDefinition<T, [unknown]>, { args: args as [unknown] });
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? cause.type : undefined;
      const message = cause?.message ?? err.message;
      if (type === JobFailureType.InvalidTrigger) {
        throw new ProblemError(400, 'Invalid request', `invalid body: ${message}`, 'validation-error', {
          errors: [{ field: /args/.test(message) ? 'args' : 'body', message }],
        });
      }
      if (type === JobFailureType.JobEnded) {
        throw new ProblemError(409, 'Job already ended', `job ${jobId} has already ended`, 'job-ended');
      }
      if (type === JobFailureType.TriggerPending) {
        throw new ProblemError(409, 'Trigger already waiting', message, 'trigger-pending');
      }
      throw new ProblemError(409, 'Update refused', `the job refused the change: ${message}`, 'update-refused');
    }
  }
}
