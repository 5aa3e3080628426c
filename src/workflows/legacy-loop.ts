/**
 * The scheduling loop of the version before misfire/overlap policies and job control
 * (60 s misfire coalescing, one occurrence at a time), kept unchanged so that jobs whose
 * histories it wrote keep replaying: `jobWorkflow` runs it when `patched(SCHEDULING_POLICIES_PATCH)`
 * is false, i.e. only while replaying a run started by that version. Such a run hands over to the
 * current loop at its next continue-as-new. Remove it (and `deprecatePatch`) once no job started
 * before the patch is running. Source: CONTRIBUTING.md "Changing workflow code safely".
 *
 * Workflow code: deterministic, no Node APIs.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  type QueryDefinition,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobSpec } from '../domain/job-spec';
import {
  type ExecutionRecord,
  type JobDescription,
  type JobProgress,
  MAX_RECORDED_EXECUTIONS,
} from '../domain/job-state';
import { coalesceMisfires, firstOccurrence, nextOccurrence } from '../domain/schedule';
import { JOB_STATUS, LAST_RUN_TIME, NEXT_RUN_TIME } from '../domain/search-attributes';
import { MIN_TIMER_MS, payloadActivity, runOccurrence } from './occurrence';

/** Lateness tolerated by the earlier version before an occurrence counted as a misfire. */
const LEGACY_MISFIRE_GRACE_MS = 60_000;
/** History events after which a run continues as new even if the server did not suggest it. */
const MAX_HISTORY_EVENTS = 5_000;

/** What the earlier version's loop needs from jobWorkflow's input. */
export interface LegacyLoopInput {
  spec: JobSpec;
  progress?: JobProgress;
  continue_as_new_after?: number;
}

/**
 * A run started by the earlier version, replaying: its queries and its loop, as that version had them.
 * @param fresh progress of a job that has not run yet (used when the input carries none).
 */
export function legacyJobWorkflow(
  input: LegacyLoopInput,
  fresh: JobProgress,
  describeQuery: QueryDefinition<JobDescription>,
  executionsQuery: QueryDefinition<ExecutionRecord[]>,
): Promise<JobDescription> {
  const progress = input.progress ?? fresh;
  const describe = (): JobDescription => ({
    job_id: input.spec.job_id,
    spec: input.spec,
    ...progress,
    last_execution: progress.executions[0] ?? null,
  });
  setHandler(describeQuery, describe);
  setHandler(executionsQuery, () => progress.executions);
  return legacyJobLoop(input, progress, describe, (carried) =>
    continueAsNew<(next: LegacyLoopInput) => Promise<JobDescription>>({ ...input, progress: carried }),
  );
}

/**
 * The earlier version's loop, unchanged in the commands it issues.
 * @param describe builds the `describe` answer from `progress`.
 * @param toNewRun continues as new with the given progress (the next run uses the current loop).
 */
export async function legacyJobLoop<T>(
  input: LegacyLoopInput,
  progress: JobProgress,
  describe: () => T,
  toNewRun: (progress: JobProgress) => Promise<never>,
): Promise<T> {
  const { spec } = input;
  const runPayload = payloadActivity(spec);
  const canAfter = input.continue_as_new_after ?? 500;
  let runsThisGeneration = 0;
  let due: number | null =
    progress.next_run_time !== null
      ? Date.parse(progress.next_run_time)
      : input.progress
        ? null
        : firstOccurrence(spec);

  try {
    while (due !== null) {
      publish(progress, 'pending', due);
      const remaining = due - Date.now();
      if (remaining >= MIN_TIMER_MS) await sleep(remaining);

      const { scheduledMs, skipped } = coalesceMisfires(spec, due, Date.now(), LEGACY_MISFIRE_GRACE_MS);
      progress.missed_count += skipped;
      publish(progress, 'running', scheduledMs);
      const record = await runOccurrence(spec, scheduledMs, runPayload);
      recordExecution(progress, record);
      runsThisGeneration++;

      if (spec.frequency === 'once') {
        publish(progress, record.status === 'succeeded' ? 'completed' : 'failed', null);
        if (record.status === 'failed') {
          throw ApplicationFailure.nonRetryable(
            `job ${spec.job_id} failed after ${record.attempts ?? '?'} attempt(s): ${record.error?.message ?? 'unknown error'}`,
            'JobFailed',
          );
        }
        return describe();
      }
      due = nextOccurrence(spec, scheduledMs);
      const info = workflowInfo();
      if (
        due !== null &&
        (runsThisGeneration >= canAfter || info.continueAsNewSuggested || info.historyLength >= MAX_HISTORY_EVENTS)
      ) {
        progress.next_run_time = new Date(due).toISOString();
        progress.status = 'pending';
        progress.generation++;
        await toNewRun(progress);
      }
    }
    publish(progress, 'completed', null);
    return describe();
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => publish(progress, 'cancelled', null));
    }
    throw err;
  }
}

/** Sets the status and next run time in state and in the search attributes. */
function publish(progress: JobProgress, status: JobProgress['status'], nextMs: number | null): void {
  progress.status = status;
  progress.next_run_time = nextMs === null ? null : new Date(nextMs).toISOString();
  const updates: SearchAttributeUpdatePair[] = [
    { key: JOB_STATUS, value: status },
    { key: NEXT_RUN_TIME, value: nextMs === null ? null : new Date(nextMs) },
  ];
  if (progress.last_run_time !== null) updates.push({ key: LAST_RUN_TIME, value: new Date(progress.last_run_time) });
  upsertSearchAttributes(updates);
}

function recordExecution(progress: JobProgress, record: ExecutionRecord): void {
  progress.run_count++;
  if (record.status === 'failed') progress.failure_count++;
  progress.retry_count = Math.max(0, (record.attempts ?? 1) - 1);
  progress.last_run_time = record.scheduled_time;
  progress.executions = [record, ...progress.executions].slice(0, MAX_RECORDED_EXECUTIONS);
}
