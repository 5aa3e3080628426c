/**
 * jobWorkflow: one long-running workflow per job (workflow id = job id). It registers the
 * queries and updates of its contract (./contract.ts) on the scheduling loop (./loop.ts) and runs
 * the loop until the job's schedule ends or the job is cancelled.
 *
 * Workflow code: deterministic, no Node APIs, imports domain code and activity types only.
 */
import { setHandler } from '@temporalio/workflow';
import type { JobDescription } from '../domain/job-state';
import {
  describeQuery,
  executionsQuery,
  type JobWorkflowInput,
  patchUpdate,
  pauseUpdate,
  resumeUpdate,
  triggerUpdate,
} from './contract';
import { JobLoop } from './loop';

export * from './contract';
export { overridePayload } from './loop';

/**
 * Runs a job until its schedule ends or the workflow is cancelled.
 * @returns the final description when the job completes (one-time success, or schedule exhausted).
 * @throws ApplicationFailure (type `JobFailed`) when a one-time job fails after its retries;
 *   CancelledFailure when the job was cancelled (status `cancelled` is published first).
 */
export async function jobWorkflow(input: JobWorkflowInput): Promise<JobDescription> {
  const loop = new JobLoop(input);
  setHandler(describeQuery, loop.describe);
  setHandler(executionsQuery, loop.executions);
  setHandler(pauseUpdate, loop.pause, { validator: loop.assertOpen });
  setHandler(resumeUpdate, loop.resume, { validator: loop.assertOpen });
  setHandler(triggerUpdate, loop.trigger, { validator: loop.validateTrigger });
  setHandler(patchUpdate, loop.patch, { validator: loop.validatePatch });
  return loop.run();
}
