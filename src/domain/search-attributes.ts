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

/** Every custom search attribute, for registration. */
export const JOB_SEARCH_ATTRIBUTES = [JOB_STATUS, USER_ID, JOB_NAME, NEXT_RUN_TIME, LAST_RUN_TIME] as const;

/** `name=Type` pairs as `temporal server start-dev --search-attribute` takes them. */
export function searchAttributeFlags(): string[] {
  const typeName: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime' };
  return JOB_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${typeName[key.type] ?? key.type}`);
}

/** Workflow type name of a job, used by the API without importing workflow code. */
export const JOB_WORKFLOW_TYPE = 'jobWorkflow';
