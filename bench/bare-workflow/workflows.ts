/**
 * The minimal hand-written Temporal workflow the overhead benchmark compares jobWorkflow with:
 * sleep until the next multiple of `every_ms`, run one activity, repeat. No ledger, no search
 * attributes, no signals, no continue-as-new (benchmark windows are short).
 * Workflow code: deterministic.
 */
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';

/** The activity of the bare workflow. */
export interface BareActivities {
  /** Records the start of the body (bench/lib/recorder.ts). */
  record(input: { key: string; scheduled_ms: number }): Promise<void>;
}

const { record } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

/** Runs forever: at every multiple of `every_ms` (epoch-aligned), one `record` activity. */
export async function bareWorkflow(input: { every_ms: number }): Promise<void> {
  const id = workflowInfo().workflowId;
  for (;;) {
    const next = Math.floor(Date.now() / input.every_ms + 1) * input.every_ms;
    await sleep(next - Date.now());
    await record({ key: `${id}:${new Date(next).toISOString()}`, scheduled_ms: next });
  }
}
