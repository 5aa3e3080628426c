/**
 * Pause, resume or cancel of several jobs at once: the client call each action makes per job (the
 * same as the job page's buttons), and a summary of what succeeded and what failed. Pure but for
 * the call: unit-tested in test/unit/console-lib.test.ts.
 */
import type { JobStatus } from '../../../src/contract';

/** An action on the selected jobs. */
export type BulkAction = 'pause' | 'resume' | 'cancel';

/** The client methods the actions use (SchedulerClient's). */
export type BulkClient = Record<BulkAction, (jobId: string) => Promise<{ status: JobStatus }>>;

/**
 * Runs `action` on one job: `POST /jobs/{id}/pause`, `POST /jobs/{id}/resume` or `DELETE /jobs/{id}`.
 * @returns the job's status afterwards.
 * @throws what the client throws (SchedulerApiError, SchedulerConnectionError).
 */
export async function bulkCall(client: BulkClient, action: BulkAction, jobId: string): Promise<JobStatus> {
  return (await client[action](jobId)).status;
}

/** The outcome of the action on one job. */
export interface BulkOutcome {
  job_id: string;
  /** The job's name (or id), as the summary names it. */
  name: string;
  ok: boolean;
  /** The job's status in the API's answer (`DELETE` may answer `running` while the job ends). */
  status?: string | undefined;
  /** Why it failed (the API's problem in a line). */
  error?: string | undefined;
}

/** Result of {@link summarizeBulk}. */
export interface BulkSummary {
  /** `success` when every job succeeded, else `error`. */
  kind: 'success' | 'error';
  text: string;
}

const DONE: Record<BulkAction, string> = { pause: 'Paused', resume: 'Resumed', cancel: 'Cancelled' };
const VERB: Record<BulkAction, string> = { pause: 'pause', resume: 'resume', cancel: 'cancel' };
const ENDED = ['completed', 'failed', 'cancelled'];

const jobs = (n: number) => `${n} job${n === 1 ? '' : 's'}`;

/**
 * One sentence (or two) on the outcomes: `Paused 2 jobs.`, `Cancelled 2 jobs (1 still ending).`,
 * `Paused 1 of 2 jobs. Failed: nightly (Conflict: the job has ended).`,
 * `Could not pause 2 jobs: a (…); b (…).`
 */
export function summarizeBulk(action: BulkAction, outcomes: readonly BulkOutcome[]): BulkSummary {
  const ok = outcomes.filter((o) => o.ok);
  const failed = outcomes.filter((o) => !o.ok);
  const reasons = failed.map((o) => `${o.name} (${o.error ?? 'failed'})`).join('; ');
  if (outcomes.length === 0) return { kind: 'success', text: 'No job selected.' };
  if (failed.length === 0) {
    const ending = action === 'cancel' ? ok.filter((o) => o.status && !ENDED.includes(o.status)).length : 0;
    return {
      kind: 'success',
      text: `${DONE[action]} ${jobs(ok.length)}${ending > 0 ? ` (${ending} still ending)` : ''}.`,
    };
  }
  if (ok.length === 0) return { kind: 'error', text: `Could not ${VERB[action]} ${jobs(failed.length)}: ${reasons}.` };
  return {
    kind: 'error',
    text: `${DONE[action]} ${ok.length} of ${jobs(outcomes.length)}. Failed: ${reasons}.`,
  };
}
