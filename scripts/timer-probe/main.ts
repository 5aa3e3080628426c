/**
 * Measures how precisely a Temporal dev server fires timers of various lengths
 * (why jobWorkflow never starts a timer under 1 s). Run: `npx tsx scripts/timer-probe/main.ts`.
 * Prints, per requested duration, the time from TimerStarted to TimerFired in the history (ms).
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ensureTemporalCli } from '../../src/dev/temporal-cli';
import { JOB_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';

const DURATIONS_MS = [1, 150, 500, 700, 1_000, 1_200, 1_500, 2_300, 3_000];

async function main(): Promise<void> {
  const path = ensureTemporalCli(process.env.TEMPORAL_CLI_PATH);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
      ip: '127.0.0.1',
      searchAttributes: [...JOB_SEARCH_ATTRIBUTES],
    },
  });
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'timer-probe',
      workflowsPath: require.resolve('./workflows.ts'),
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('timerProbe', {
        taskQueue: 'timer-probe',
        workflowId: `timer-probe-${Date.now()}`,
        args: [DURATIONS_MS],
      });
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const at = (e: (typeof events)[number]) =>
        Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      const started = events.filter((e) => e.timerStartedEventAttributes).map(at);
      const fired = events.filter((e) => e.timerFiredEventAttributes).map(at);
      for (const [i, ms] of DURATIONS_MS.entries()) {
        console.log(`timer ${ms} ms fired after ${(fired[i] ?? Number.NaN) - (started[i] ?? Number.NaN)} ms`);
      }
    });
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
