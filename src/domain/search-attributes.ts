/**
 * Custom search attributes of job workflows. They make jobs listable by the API
 * (`GET /jobs?status=&user_id=`) and filterable in the Temporal Web UI and CLI,
 * e.g. `temporal workflow list --query "JobStatus = 'pending'"`.
 * They must be registered on the namespace (the embedded dev server does it at start).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const JOB_STATUS = defineSearchAttributeKey('JobStatus', SearchAttributeType.KEYWORD);
export const USER_ID = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const JOB_NAME = defineSearchAttributeKey('JobName', SearchAttributeType.KEYWORD);
export const NEXT_RUN_TIME = defineSearchAttributeKey('NextRunTime', SearchAttributeType.DATETIME);
export const LAST_RUN_TIME = defineSearchAttributeKey('LastRunTime', SearchAttributeType.DATETIME);
/** Identity of the worker running the job's current attempt; unset while no attempt runs (issue 4). */
export const RUNNING_WORKER = defineSearchAttributeKey('RunningWorker', SearchAttributeType.KEYWORD);
/**
 * The current attempt as JSON `{"execution_id","attempt","started_at"}` (started_at UTC RFC 3339);
 * unset while no attempt runs. Read by `GET /job/executions?worker_id=`, not queried.
 */
export const RUNNING_ATTEMPT = defineSearchAttributeKey('RunningAttempt', SearchAttributeType.KEYWORD);
/** Workers that ran the job's recent attempts (newest last, at most 10), for `GET /job/executions?status=`. */
export const WORKER_IDS = defineSearchAttributeKey('WorkerIds', SearchAttributeType.KEYWORD_LIST);

/** Every custom search attribute, for registration. */
export const JOB_SEARCH_ATTRIBUTES = [
  JOB_STATUS,
  USER_ID,
  JOB_NAME,
  NEXT_RUN_TIME,
  LAST_RUN_TIME,
  RUNNING_WORKER,
  RUNNING_ATTEMPT,
  WORKER_IDS,
] as const;

/** `name=Type` pairs as `temporal server start-dev --search-attribute` takes them. */
export function searchAttributeFlags(): string[] {
  const typeName = { KEYWORD: 'Keyword', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' } as const;
  return JOB_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${typeName[key.type]}`);
}

/** Workflow type name of a job, used by the API without importing workflow code. */
export const JOB_WORKFLOW_TYPE = 'jobWorkflow';
