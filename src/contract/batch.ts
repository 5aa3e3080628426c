/**
 * `POST /jobs:batch` on the wire: up to {@link MAX_BATCH_JOBS} job submissions in one request,
 * each validated and started like `POST /jobs`, each answered on its own (a bad item never blocks
 * the others). Modelled on Google's AIP-233 batch create and Stripe's per-item results.
 */
import { z } from 'zod';
import { jobSubmissionSchema } from '../domain/job-spec';
import { createdJobSchema, idempotencyKeySchema, type JobSubmission } from './jobs';
import { problemSchema } from './problem';

/** Most job submissions one batch may carry. */
export const MAX_BATCH_JOBS = 1_000;

/**
 * One item of a batch: a job submission (the body of `POST /jobs`) plus an optional
 * `idempotency_key`, which plays the role of the `Idempotency-Key` header for this item.
 */
export const batchJobSchema = jobSubmissionSchema
  .safeExtend({ idempotency_key: idempotencyKeySchema.optional() })
  .meta({ id: 'BatchJobSubmission' });

/**
 * Body of `POST /jobs:batch`. Only the envelope is checked here (an array of 1 to
 * {@link MAX_BATCH_JOBS} items); each item is validated on its own and answered in its result.
 */
export const batchRequestSchema = z
  .strictObject({
    jobs: z
      .array(batchJobSchema)
      .min(1)
      .max(MAX_BATCH_JOBS)
      .meta({ description: `1 to ${MAX_BATCH_JOBS} job submissions, each like the body of POST /jobs.` }),
  })
  .meta({ id: 'BatchRequest' });

/** The envelope as the API parses it: items are checked one by one afterwards. */
export const batchEnvelopeSchema = z.strictObject({
  jobs: z.array(z.unknown()).min(1).max(MAX_BATCH_JOBS),
});

/** Body of `POST /jobs:batch` as a client sends it. */
export interface BatchRequest {
  jobs: BatchJob[];
}

/** One item of a batch as a client sends it: a submission with an optional `idempotency_key`. */
export type BatchJob = JobSubmission & { idempotency_key?: string };

/**
 * The result of one item, in request order: `201` with the created job, `200` with the job an
 * `idempotency_key` created before (a replay), or a 4xx/5xx status with its problem document
 * (`400` invalid, `403` queue not granted, `409` key reused with another submission, `429` past
 * the submission rate limit, `503` Temporal unreachable).
 */
export const batchItemResultSchema = z
  .object({
    status: z.int().min(200).max(599),
    job: createdJobSchema.optional(),
    problem: problemSchema.optional(),
  })
  .meta({ id: 'BatchItemResult' });
/** The result of one item of a batch. */
export type BatchItemResult = z.output<typeof batchItemResultSchema>;

/** Answer of `POST /jobs:batch`: one result per submitted item, in order. */
export const batchResultSchema = z.object({ results: z.array(batchItemResultSchema) }).meta({ id: 'BatchResult' });
/** Answer of `POST /jobs:batch`. */
export type BatchResult = z.output<typeof batchResultSchema>;
