/**
 * Custom search attributes of job workflows. They make jobs listable by the API
 * (`GET /jobs?status=&user_id=`) and filterable in the Temporal Web UI and CLI,
 * e.g. `temporal workflow list --query "JobStatus = 'pending'"`.
 * They must be registered on the namespace (the embedded dev server does it at start).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Lifecycle status: `pending`, `paused`, `completed`, `failed` or `cancelled` (a run in flight: see NextRunTime). */
export const JOB_STATUS = defineSearchAttributeKey('JobStatus', SearchAttributeType.KEYWORD);
export const USER_ID = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const JOB_NAME = defineSearchAttributeKey('JobName', SearchAttributeType.KEYWORD);
/**
 * Fire time (UTC) of the job's run in flight, or else of its next occurrence; unset when none.
 * A pending job whose NextRunTime has come is running (or due). Updated once per occurrence, when it ends.
 */
export const NEXT_RUN_TIME = defineSearchAttributeKey('NextRunTime', SearchAttributeType.DATETIME);
export const LAST_RUN_TIME = defineSearchAttributeKey('LastRunTime', SearchAttributeType.DATETIME);
/** Workers that ran the job's recent attempts (newest last, at most 10), for `GET /job/executions?status=`. */
export const WORKER_IDS = defineSearchAttributeKey('WorkerIds', SearchAttributeType.KEYWORD_LIST);

/** Health state (src/domain/health.ts): `ok`, `failing` or `late`; unset until a run ends (`unknown`). */
export const JOB_HEALTH = defineSearchAttributeKey('JobHealth', SearchAttributeType.KEYWORD);
/** Runs failed since the last success; set with JobHealth. */
export const CONSECUTIVE_FAILURES = defineSearchAttributeKey('ConsecutiveFailures', SearchAttributeType.INT);
/** When the latest successful run ended (UTC). */
export const LAST_SUCCESS_TIME = defineSearchAttributeKey('LastSuccessTime', SearchAttributeType.DATETIME);

/** Every custom search attribute, for registration. */
export const JOB_SEARCH_ATTRIBUTES = [
  JOB_STATUS,
  USER_ID,
  JOB_NAME,
  NEXT_RUN_TIME,
  LAST_RUN_TIME,
  WORKER_IDS,
  JOB_HEALTH,
  CONSECUTIVE_FAILURES,
  LAST_SUCCESS_TIME,
] as const;

/** `name=Type` pairs as `temporal server start-dev --search-attribute` takes them. */
export function searchAttributeFlags(): string[] {
  const typeName = { KEYWORD: 'Keyword', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList', INT: 'Int' } as const;
  return JOB_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${typeName[key.type]}`);
}

/** Workflow type name of a job, used by the API without importing workflow code. */
export const JOB_WORKFLOW_TYPE = 'jobWorkflow';
