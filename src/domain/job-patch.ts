/**
 * A change of a live job (`PATCH /jobs/{id}`) merged into its spec: the fields sent replace the
 * spec's whole, a field sent as `null` is removed (back to its default, if it has one), and the
 * merged job is validated exactly like a submission. Pure: no I/O.
 */
import type { z } from 'zod';
import { type JobSpec, type JobSubmission, jobSubmissionSchema, toJobSpec } from './job-spec';

/** Fields a change may name: every submission field (the owner, `user_id`, is not one). */
export const PATCHABLE_FIELDS: readonly string[] = Object.keys(jobSubmissionSchema.shape);

/** A field a change may not name, and why (`cannot be changed`, `is not a known field`). */
export interface PatchFieldError {
  field: string;
  message: string;
}

/**
 * The names of `changes` that are not fields a change may name: `user_id` (the owner never
 * changes) and unknown names, in the order given.
 */
export function unpatchableFields(changes: object): PatchFieldError[] {
  return Object.keys(changes)
    .filter((field) => !PATCHABLE_FIELDS.includes(field))
    .map((field) => ({ field, message: field === 'user_id' ? 'cannot be changed' : 'is not a known field' }));
}

/** Result of {@link mergeJobPatch}: the new spec, or why the merged job is not a valid submission. */
export type JobPatchResult = { success: true; spec: JobSpec } | { success: false; error: z.ZodError };

/**
 * Merges `changes` into `spec`.
 * @param spec the job's current spec.
 * @param changes fields to change (see {@link unpatchableFields} for the names allowed); `null` removes one.
 * @returns the new spec (same `job_id`, owner and `created_at`; defaults of removed fields filled
 *   in, `execution_time` normalised like at submit), or zod's error naming each bad field of the
 *   merged job.
 */
export function mergeJobPatch(spec: JobSpec, changes: Readonly<Record<string, unknown>>): JobPatchResult {
  const { job_id: jobId, created_at: createdAt, user_id: owner, ...submission } = spec;
  const merged: Record<string, unknown> = { ...submission };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const parsed = jobSubmissionSchema.safeParse(merged);
  if (!parsed.success) return { success: false, error: parsed.error };
  return { success: true, spec: toJobSpec(parsed.data as JobSubmission, jobId, Date.parse(createdAt), owner) };
}
