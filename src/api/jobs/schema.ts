/** Wire shapes of the jobs routes that are not the job spec itself (src/domain/job-spec.ts). */
import { z } from 'zod';
import { identifierSchema, jobStatusSchema } from '../../domain/job-spec';
import type { ExecutionRecord } from '../../domain/job-state';

/** Query string of `GET /jobs`. */
export const listJobsQuerySchema = z.strictObject({
  status: jobStatusSchema.optional(),
  user_id: identifierSchema.optional(),
  name: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  /** Opaque token from the previous page's `next_page_token`. */
  page_token: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a page token')
    .max(4096)
    .optional(),
});
export type ListJobsQuery = z.output<typeof listJobsQuerySchema>;

/** Path parameter `job_id`. */
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'is not a job id');

/** `201` answer of `POST /jobs`. */
export interface CreatedJob {
  job_id: string;
  status: 'pending';
  /** UTC RFC 3339, null when the schedule never fires. */
  next_run_time: string | null;
}

/** One row of `GET /jobs`, read from visibility (search attributes). */
export interface JobSummary {
  job_id: string;
  name: string | null;
  user_id: string | null;
  status: string;
  next_run_time: string | null;
  last_run_time: string | null;
  /** When the job's current workflow run started (UTC). */
  started_at: string | null;
}

/** Answer of `GET /jobs`. */
export interface JobPage {
  jobs: JobSummary[];
  /** Pass as `page_token` for the next page; null on the last page. */
  next_page_token: string | null;
}

export type { ExecutionRecord };
