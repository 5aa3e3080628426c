/**
 * `GET /job/executions?worker_id=&status=`: executions by worker, answered from Temporal.
 * Running ones: visibility finds the jobs with a run in flight (pending, NextRunTime come), and
 * each one's pending activity (DescribeWorkflowExecution) tells which worker runs which attempt.
 * Finished ones (`status=` other than `running`): visibility finds the jobs whose `WorkerIds`
 * include the worker, and only those jobs' execution records are read.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { WorkerExecution } from '../../contract';
import type { AttemptStatus, ExecutionRecord } from '../../domain/job-state';
import { JOB_NAME, JOB_WORKFLOW_TYPE, USER_ID, WORKER_IDS } from '../../domain/search-attributes';
import { executionsQuery } from '../../workflows/contract';
import { runningAttemptOf, statusClause } from '../jobs/service';

/** Filters of the listing. `user_id` narrows to one owner (for the auth layer). */
export interface ExecutionsFilter {
  worker_id: string;
  status: AttemptStatus;
  user_id?: string;
  limit: number;
}

export type { WorkerExecution } from '../../contract';

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The visibility query of a listing: job workflows with a run in flight (`status: running`; the
 * worker is checked on each one's pending activity), or that ran attempts on the worker
 * (otherwise); `user_id` adds an owner condition.
 * @param nowMs the instant against which NextRunTime tells a run in flight, epoch ms.
 */
export function executionsVisibilityQuery(
  filter: Pick<ExecutionsFilter, 'worker_id' | 'status' | 'user_id'>,
  nowMs: number = Date.now(),
): string {
  const clauses = [`WorkflowType = ${quote(JOB_WORKFLOW_TYPE)}`];
  if (filter.status === 'running') {
    clauses.push(`ExecutionStatus = 'Running'`, statusClause('running', nowMs));
  } else {
    clauses.push(`${WORKER_IDS.name} = ${quote(filter.worker_id)}`);
  }
  if (filter.user_id !== undefined) clauses.push(`${USER_ID.name} = ${quote(filter.user_id)}`);
  return clauses.join(' AND ');
}

/**
 * The attempts of `records` that ran on `workerId` and ended with `status`, newest first.
 * @param records a job's execution records (any order).
 */
export function attemptsOnWorker(
  job: Pick<WorkerExecution, 'job_id' | 'name' | 'user_id'>,
  records: readonly ExecutionRecord[],
  workerId: string,
  status: AttemptStatus,
): WorkerExecution[] {
  const rows: WorkerExecution[] = [];
  for (const record of records) {
    for (const a of record.attempt_history ?? []) {
      if (a.worker_id !== workerId || a.status !== status) continue;
      rows.push({
        ...job,
        execution_id: record.execution_id,
        attempt: a.attempt,
        worker_id: workerId,
        status: a.status,
        started_at: a.started_at,
        finished_at: a.finished_at,
        ...(a.error ? { error: a.error } : {}),
      });
    }
  }
  return rows.sort((x, y) => (y.finished_at ?? '').localeCompare(x.finished_at ?? ''));
}

/** Jobs whose records (or pending activity) are read for one listing, at most. */
const MAX_JOBS_READ = 100;

/** Lists executions by worker. */
export class ExecutionService {
  constructor(private readonly client: Client) {}

  /**
   * @returns at most `filter.limit` executions, running ones (newest start first) or finished
   *   ones with that status (newest end first).
   * @throws Temporal client errors (503 when unreachable).
   */
  async list(filter: ExecutionsFilter): Promise<WorkerExecution[]> {
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      query: executionsVisibilityQuery(filter),
      pageSize: MAX_JOBS_READ,
    });
    const jobs = (response.executions ?? []).map((raw) => {
      const attributes = decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields);
      return {
        job: {
          job_id: raw.execution?.workflowId ?? '',
          name: attributes.get(JOB_NAME) ?? null,
          user_id: attributes.get(USER_ID) ?? null,
        },
        attributes,
      };
    });
    if (filter.status === 'running') {
      const running = await Promise.all(
        jobs.map(async ({ job }): Promise<WorkerExecution | null> => {
          const description = await this.client.workflow
            .getHandle(job.job_id)
            .describe()
            .catch((err: unknown) => {
              // Gone since the listing: left out. Anything else (Temporal unreachable) fails the listing.
              if (err instanceof WorkflowNotFoundError) return null;
              throw err;
            });
          const attempt = description === null ? null : runningAttemptOf(description);
          if (attempt === null || attempt.state === 'scheduled' || attempt.worker_id !== filter.worker_id) return null;
          return {
            ...job,
            execution_id: attempt.execution_id,
            attempt: attempt.attempt,
            worker_id: filter.worker_id,
            status: 'running',
            started_at: attempt.started_at,
            finished_at: null,
          };
        }),
      );
      return running
        .filter((row): row is WorkerExecution => row !== null)
        .sort((x, y) => (y.started_at ?? '').localeCompare(x.started_at ?? ''))
        .slice(0, filter.limit);
    }
    const perJob = await Promise.all(
      jobs.map(async ({ job }) => {
        const records = await this.client.workflow
          .getHandle(job.job_id)
          .query(executionsQuery)
          .catch(() => [] as ExecutionRecord[]); // a job whose query no worker answers is left out
        return attemptsOnWorker(job, records, filter.worker_id, filter.status);
      }),
    );
    return perJob
      .flat()
      .sort((x, y) => (y.finished_at ?? '').localeCompare(x.finished_at ?? ''))
      .slice(0, filter.limit);
  }
}
