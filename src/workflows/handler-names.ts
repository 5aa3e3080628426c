/**
 * `handlerNamesWorkflow`: asks a worker of a task queue which handler names it registers. The API
 * starts it (short-lived, one local activity, no timer) to answer `GET /handlers`; whichever worker
 * of the queue picks it up answers with its own registry.
 *
 * Workflow code: deterministic, no Node APIs.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { RegistryActivities } from '../activities/types';

const { handlerNames } = proxyLocalActivities<RegistryActivities>({ startToCloseTimeout: '5s' });

/** @returns the handler names the answering worker registers, sorted. */
export async function handlerNamesWorkflow(): Promise<string[]> {
  return handlerNames();
}
