/**
 * `GET /job/executions?worker_id=&status=`: executions by worker, answered from Temporal
 * visibility. Running ones come from the `RunningWorker`/`RunningAttempt` search attributes
 * that each job's workflow keeps (src/workflows/attempts.ts): one visibility query, no job
 * described. Finished ones (`status=` other than `running`): visibility finds the jobs whose
 * `WorkerIds` include the worker, and only those jobs' execution records are read.
 */
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { AttemptRecord, AttemptStatus, ExecutionRecord } from '../../domain/job-state';
import {
  JOB_NAME,
  JOB_WORKFLOW_TYPE,
  RUNNING_ATTEMPT,
  RUNNING_WORKER,
  USER_ID,
  WORKER_IDS,
} from '../../domain/search-attributes';

/** Filters of the listing. `user_id` narrows to one owner (for the auth layer). */
export interface ExecutionsFilter {
  worker_id: string;
  status: AttemptStatus;
  user_id?: string;
  limit: number;
}

/** One attempt of a job on the worker. Times UTC RFC 3339. */
export interface WorkerExecution {
  job_id: string;
  name: string | null;
  user_id: string | null;
  /** The occurrence's idempotency key `<job_id>:<scheduled_time>`. */
  execution_id: string | null;
  attempt: number | null;
  worker_id: string;
  status: AttemptStatus;
  started_at: string | null;
  finished_at: string | null;
  error?: AttemptRecord['error'];
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The visibility query of a listing: job workflows that run an attempt on the worker now
 * (`status: running`), or that ran attempts on it (otherwise); `user_id` adds an owner condition.
 */
export function executionsVisibilityQuery(filter: Pick<ExecutionsFilter, 'worker_id' | 'status' | 'user_id'>): string {
  const clauses = [`WorkflowType = ${quote(JOB_WORKFLOW_TYPE)}`];
  if (filter.status === 'running') {
    clauses.push(`${RUNNING_WORKER.name} = ${quote(filter.worker_id)}`, `ExecutionStatus = 'Running'`);
  } else {
    clauses.push(`${WORKER_IDS.name} = ${quote(filter.worker_id)}`);
  }
  if (filter.user_id !== undefined) clauses.push(`${USER_ID.name} = ${quote(filter.user_id)}`);
  return clauses.join(' AND ');
}

/** Parses the `RunningAttempt` search attribute; nulls when absent or unreadable. */
export function parseRunningAttempt(value: string | undefined): {
  execution_id: string | null;
  attempt: number | null;
  started_at: string | null;
} {
  try {
    const parsed = JSON.parse(value ?? 'null') as { execution_id?: unknown; attempt?: unknown; started_at?: unknown };
    return {
      execution_id: typeof parsed?.execution_id === 'string' ? parsed.execution_id : null,
      attempt: typeof parsed?.attempt === 'number' ? parsed.attempt : null,
      started_at: typeof parsed?.started_at === 'string' ? parsed.started_at : null,
    };
  } catch {
    return { execution_id: null, attempt: null, started_at: null };
  }
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

/** Jobs whose records are read for one finished-executions listing, at most. */
const MAX_JOBS_READ = 50;

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
      pageSize: filter.status === 'running' ? filter.limit : MAX_JOBS_READ,
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
      return jobs
        .map(({ job, attributes }) => ({
          ...job,
          ...parseRunningAttempt(attributes.get(RUNNING_ATTEMPT)),
          worker_id: attributes.get(RUNNING_WORKER) ?? filter.worker_id,
          status: 'running' as const,
          finished_at: null,
        }))
        .sort((x, y) => (y.started_at ?? '').localeCompare(x.started_at ?? ''));
    }
    const perJob = await Promise.all(
      jobs.map(async ({ job }) => {
        const records = await this.client.workflow
          .getHandle(job.job_id)
          .query<ExecutionRecord[]>('executions')
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
