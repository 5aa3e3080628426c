/**
 * The body of every error answer: `application/problem+json` (RFC 9457). The API writes it
 * (src/api/problem.ts), the client reads it into `SchedulerApiError.problem`.
 */
import { z } from 'zod';

/** One invalid field of a validation problem: its dotted path (e.g. `retry.max_retries`) and why. */
export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
/** One invalid field of a validation problem. */
export type FieldError = z.output<typeof fieldErrorSchema>;

/**
 * A problem document: `type` (`/problems/<slug>`), `title`, HTTP `status`, `detail`, the request
 * path as `instance`, and for a 400 the `errors` list; some problems add fields (`job_id`,
 * `job_status`).
 */
export const problemSchema = z
  .looseObject({
    type: z.string().meta({ example: '/problems/validation-error' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(fieldErrorSchema)
      .optional()
      .meta({ description: 'Validation problems: each bad field (dotted path) and why.' }),
  })
  .meta({ id: 'Problem' });
/** A problem document as received. */
export type ProblemDetails = z.output<typeof problemSchema>;
