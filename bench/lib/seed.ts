/**
 * Seeding many jobs fast, straight through the Temporal client with the API's own start logic
 * (JobService.create: same workflow id scheme, input, memo and search attributes as POST /jobs),
 * for benchmarks that are not about the API. Prints a progress line every 5 s.
 */
import type { Client } from '@temporalio/client';
import { JobService } from '../../src/api/jobs/service';
import { type JobSubmission, jobSubmissionSchema } from '../../src/domain/job-spec';

/** Result of {@link seedJobs}. */
export interface SeedResult {
  /** Job ids in submission index order (only the seeded ones: fewer than asked when the deadline came first). */
  jobIds: string[];
  /** Wall-clock time of the whole seeding, ms. */
  elapsedMs: number;
  /** Submissions per second. */
  rate: number;
}

/**
 * Submits `count` jobs with `concurrency` starts in flight.
 * @param make the raw submission of job `i` (validated like POST /jobs; defaults applied).
 * @param label printed in progress lines.
 * @param deadlineMs stop submitting at this epoch ms (default: never); `jobIds` then holds the jobs seeded.
 * @throws {Error} the first start that failed (after 3 tries).
 */
export async function seedJobs(
  client: Client,
  taskQueue: string,
  count: number,
  make: (i: number) => Record<string, unknown>,
  label: string,
  concurrency = 64,
  deadlineMs = Number.POSITIVE_INFINITY,
): Promise<SeedResult> {
  const service = new JobService({ client, taskQueue });
  const principal = { user_id: 'bench', role: 'admin' as const };
  const jobIds: string[] = new Array(count);
  const started = Date.now();
  let next = 0;
  let done = 0;
  let lastPrint = started;
  const one = async (i: number) => {
    const submission: JobSubmission = jobSubmissionSchema.parse(make(i));
    for (let attempt = 1; ; attempt++) {
      try {
        const { job } = await service.create(submission, principal);
        jobIds[i] = job.job_id;
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };
  const lane = async () => {
    while (next < count && Date.now() < deadlineMs) {
      const i = next++;
      await one(i);
      done++;
      const now = Date.now();
      if (now - lastPrint >= 5_000) {
        lastPrint = now;
        console.log(`[seed] ${label}: ${done}/${count} (${Math.round((done * 1000) / (now - started))}/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const elapsedMs = Date.now() - started;
  const rate = (done * 1000) / Math.max(1, elapsedMs);
  console.log(`[seed] ${label}: ${done} jobs in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round(rate)}/s)`);
  return { jobIds: jobIds.slice(0, done), elapsedMs, rate };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Waits until `check()` is true (polled every `everyMs`) or `timeoutMs` passed; returns whether it became true. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
