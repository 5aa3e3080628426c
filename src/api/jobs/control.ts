/**
 * Control of a live job through Temporal workflow updates: pause, resume, trigger, PATCH; and the
 * ledger views (paginated executions, next planned run times). Each update answers only after the
 * job's workflow accepted the change, so a client reading right after sees it.
 * Queries, updates and refusal types come from the workflow's contract (src/workflows/contract.ts),
 * which holds definitions only.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { LedgerPage } from '../../contract';
import { parseDuration } from '../../domain/duration';
import { mergeJobPatch, unpatchableFields } from '../../domain/job-patch';
import { type ExecutionRecord, type JobDescription, MAX_RECORDED_EXECUTIONS } from '../../domain/job-state';
import { ledgerPage } from '../../domain/ledger';
import { fireTime, planOccurrences } from '../../domain/preview';
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
import { assertRunning, type OwnedJob } from './service';

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

/**
 * Live-job operations used by the control routes. Each works on a job the route resolved once
 * (JobService.resolveOwned: the ownership check and Temporal's description), so none describes
 * the job again: a PATCH makes two Temporal calls before its update (describe, the `describe`
 * query), pause, resume and trigger one.
 */
export class JobControl {
  /** `POST /jobs/{id}/pause`. @returns the job's state after the workflow accepted it. */
  pause(job: OwnedJob): Promise<JobDescription> {
    return this.update(job, pauseUpdate, []);
  }

  /** `POST /jobs/{id}/resume`. @returns the job's state after the workflow accepted it. */
  resume(job: OwnedJob): Promise<JobDescription> {
    return this.update(job, resumeUpdate, []);
  }

  /**
   * `POST /jobs/{id}/trigger`: run now (queued behind a running occurrence).
   * @throws ProblemError 400 when the override does not fit the payload type, 409 when a triggered run
   *   already waits or the job has ended.
   */
  trigger(job: OwnedJob, request: TriggerRequest): Promise<TriggerAccepted> {
    return this.update(job, triggerUpdate, [request]);
  }

  /**
   * `PATCH /jobs/{id}`: merges the changed fields into the job's spec (src/domain/job-patch.ts),
   * validated like `POST /jobs`, and hands the new spec to the workflow, which applies it from the
   * next occurrence. Reads the current spec with the `describe` query (the one call before the update).
   * @param changes the parsed body: a JSON object.
   * @throws ProblemError 400 naming bad or unknown fields, 409 when the job has ended.
   */
  async patch(job: OwnedJob, changes: Readonly<Record<string, unknown>>): Promise<JobDescription> {
    const refused = unpatchableFields(changes);
    if (refused.length > 0) {
      const fields = refused.map((e) => e.field).join(', ');
      throw new ProblemError(400, 'Invalid request', `invalid body: ${fields}`, 'validation-error', {
        errors: refused,
      });
    }
    assertRunning(job);
    const current = await job.handle.query(describeQuery);
    const merged = mergeJobPatch(current.spec, changes);
    if (!merged.success) throw validationProblem(merged.error, 'body');
    const request: PatchRequest = { spec: merged.spec };
    return this.update(job, patchUpdate, [request]);
  }

  /**
   * `GET /jobs/{id}/executions?limit=&page_token=`: the ledger window, newest first, in pages.
   * @throws ProblemError 400 on a foreign page token.
   */
  async executions(job: OwnedJob, limit: number, pageToken?: string): Promise<LedgerPage> {
    const before = pageToken === undefined ? undefined : decodePageToken(pageToken);
    const window = await job.handle.query(executionsQuery);
    const page = ledgerPage(window, limit, before);
    return {
      job_id: job.jobId,
      executions: page.executions,
      next_page_token: page.next_before_seq === null ? null : encodePageToken(page.next_before_seq),
    };
  }

  /**
   * `GET /jobs/{id}/executions/{execution_id}`: one ledger entry with its attempts and output.
   * @throws ProblemError 404 when the entry is not in the job's ledger window (the newest
   *   {@link MAX_RECORDED_EXECUTIONS} entries).
   */
  async execution(job: OwnedJob, executionId: string): Promise<ExecutionRecord> {
    const window = await job.handle.query(executionsQuery);
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

  /** Runs a workflow update on a job that still runs; maps the workflow's refusals to 400/409 problems. */
  private async update<T, A extends [] | [unknown]>(
    job: OwnedJob,
    definition: UpdateDefinition<T, A>,
    args: A,
  ): Promise<T> {
    assertRunning(job);
    try {
      return args.length === 0
        ? await job.handle.executeUpdate(definition as UpdateDefinition<T, []>)
        : await job.handle.executeUpdate(definition as UpdateDefinition<T, [unknown]>, { args: args as [unknown] });
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
        throw new ProblemError(409, 'Job already ended', `job ${job.jobId} has already ended`, 'job-ended');
      }
      if (type === JobFailureType.TriggerPending) {
        throw new ProblemError(409, 'Trigger already waiting', message, 'trigger-pending');
      }
      throw new ProblemError(409, 'Update refused', `the job refused the change: ${message}`, 'update-refused');
    }
  }
}
