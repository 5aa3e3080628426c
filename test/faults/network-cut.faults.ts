/**
 * Network cut between the worker and the Temporal frontend, on the real stack: the worker reaches
 * the dev server through a loopback TCP proxy (test/faults/lib/tcp-proxy.ts), the API directly.
 * Periodic HTTP jobs run; the proxy is cut (every connection destroyed, new ones refused) for
 * {@link CUT_MS}, then restored. Judged against the sink (test/faults/lib/accounting.ts):
 * - the worker process does not exit and reconnects on its own: new occurrences arrive within
 *   {@link RECONNECT_BOUND_MS} of the restore;
 * - nothing lost, no phantom, duplicates only of attempts in flight during the cut (same key);
 * - occurrences scheduled during the cut follow the job's policies (src/domain/misfire.ts): within
 *   `catchup_window` they are late, not missed, and run subject to the overlap policy (default
 *   `skip`: the first runs late, the others due while it runs are skipped as `overlap`); with
 *   `misfire_policy: all` and a short `catchup_window`, those missed by more than it all run late.
 *   Either way each is in the ledger exactly once, and each that ran reached the sink exactly once.
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { ExecutionRecord } from '../../src/domain/job-state';
import { DEFAULT_FIRE_LEAD_MS } from '../../src/workflows/contract';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { type Stack, startStack } from '../helpers/e2e-stack';
import { sleep, waitFor } from '../helpers/wait';
import { account, formatFigures } from './lib/accounting';
import { arrivalsByKey, callsOf, cancelJobs, readLedgers, stopwatch, submitJob } from './lib/jobs';
import { startTcpProxy, type TcpProxy } from './lib/tcp-proxy';

/** How long the network stays cut (a stated fault period). */
const CUT_MS = 15_000;
/**
 * Bound from the restore to the first new occurrence at the sink: the SDK's reconnect backoff
 * (polls retried up to a few seconds apart), the workflow tasks that piled up, and a loaded 2-core
 * machine.
 */
const RECONNECT_BOUND_MS = 15_000;
/** Jobs with the default policies (misfire `latest`, catchup_window 1h, overlap `skip`). */
const DEFAULT_JOBS = 6;
/** Jobs with `misfire_policy: all` and `catchup_window` {@link CATCHUP_WINDOW_MS}. */
const CATCH_UP_JOBS = 4;
const CATCHUP_WINDOW_MS = 2_000;
const EVERY_MS = 1_000;

let stack: Stack;
let sink: Sink;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  const done = stopwatch('network cut: stack start');
  sink = await startSink();
  stack = await startStack({
    cliPath,
    name: 'faults-network-cut',
    workerTemporalAddress: async (serverAddress) => {
      proxy = await startTcpProxy({ target: serverAddress });
      return proxy.address;
    },
  });
  done();
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await sink?.close();
});

/** Scheduled times (epoch ms) an entry stands for: one, or a skipped span of `count` occurrences. */
function occurrencesOf(entry: ExecutionRecord): number[] {
  const first = Date.parse(entry.scheduled_time);
  const count = entry.count ?? 1;
  if (count === 1) return [first];
  const last = Date.parse(entry.last_scheduled_time ?? entry.scheduled_time);
  const step = (last - first) / (count - 1);
  return Array.from({ length: count }, (_, i) => first + i * step);
}

test('network cut between worker and Temporal: the worker reconnects on its own, nothing lost or doubled, the cut occurrences follow the policies', async () => {
  const done = stopwatch('network cut');
  const target = `${sink.url}/cut`;
  const every = `${EVERY_MS / 1000}s`;
  const defaultJobs = await Promise.all(
    Array.from({ length: DEFAULT_JOBS }, (_, i) =>
      submitJob(stack, {
        name: `cut-default-${i}`,
        frequency: 'interval',
        every,
        payload: { type: 'http', method: 'POST', url: target, timeout: '10s' },
      }),
    ),
  );
  const catchUpJobs = await Promise.all(
    Array.from({ length: CATCH_UP_JOBS }, (_, i) =>
      submitJob(stack, {
        name: `cut-catch-up-${i}`,
        frequency: 'interval',
        every,
        misfire_policy: 'all',
        catchup_window: `${CATCHUP_WINDOW_MS / 1000}s`,
        payload: { type: 'http', method: 'POST', url: target, timeout: '10s' },
      }),
    ),
  );
  const jobs = [...defaultJobs, ...catchUpJobs];
  await waitFor(() => jobs.every((id) => sink.callsFor(id).length >= 3), {
    timeoutMs: 60_000,
    what: 'every job running',
  });

  const cutProxy = proxy as TcpProxy;
  const acceptedBefore = cutProxy.accepted;
  const cutAt = Date.now();
  await cutProxy.cut();
  expect(cutProxy.open).toBe(0);
  await sleep(CUT_MS);
  await cutProxy.restore();
  const restoredAt = Date.now();

  // Reconnects on its own: an occurrence not seen before the restore arrives within the bound.
  const seenBefore = new Set(callsOf(sink.calls, jobs).map((c) => c.idempotencyKey));
  const firstNew = await waitFor(
    () =>
      callsOf(sink.calls, jobs).find((c) => c.receivedAt >= restoredAt && !seenBefore.has(c.idempotencyKey))
        ?.receivedAt,
    { timeoutMs: 60_000, intervalMs: 100, what: `a new occurrence after the restore\n${stack.diagnostics()}` },
  );
  const reconnectMs = firstNew - restoredAt;
  expect(cutProxy.accepted).toBeGreaterThan(acceptedBefore);
  // Every job fires again, and the catch-up jobs have run what they missed (their catch-up is done
  // once an occurrence scheduled after the restore has arrived).
  await waitFor(
    () =>
      jobs.every((id) =>
        sink.callsFor(id).some((c) => Date.parse(c.idempotencyKey?.slice(id.length + 1) ?? '') > restoredAt + 2_000),
      ),
    { timeoutMs: 90_000, what: 'every job at an occurrence scheduled after the restore' },
  );
  expect(stack.worker.process.exitCode).toBeNull();
  expect(stack.worker.process.signalCode).toBeNull();
  await cancelJobs(stack, jobs);
  const ledgers = await readLedgers(stack, jobs);

  // The fault ends at the restore; attempts that reached the sink during the cut or just before it
  // were in flight (their results could not be reported).
  const calls = callsOf(sink.calls, jobs);
  const figures = account({
    ledgers,
    calls,
    faultAtMs: restoredAt,
    inFlightSlackMs: restoredAt - cutAt + 5_000,
  });
  console.log(formatFigures('network cut worker ↔ Temporal (15 s)', figures));
  expect(figures.lost).toEqual([]);
  expect(figures.phantom).toEqual([]);
  expect(figures.unexplainedDuplicates).toEqual([]);

  // Occurrences scheduled during the cut that no attempt dispatched before it could have held
  // (those fire within the fire lead after the cut).
  const cutFrom = cutAt + DEFAULT_FIRE_LEAD_MS + EVERY_MS;
  const arrivals = arrivalsByKey(calls);
  const outcomes = { ran: 0, overlap: 0, misfire: 0, caughtUp: 0 };
  for (const [jobId, entries] of ledgers) {
    const covered = entries.flatMap((e) => occurrencesOf(e).map((t) => ({ t, e })));
    const times = covered.map((c) => c.t).sort((a, b) => a - b);
    // Each occurrence in the ledger exactly once, none missing between the first and the last.
    expect(new Set(times).size, `${jobId}: an occurrence recorded twice`).toBe(times.length);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number), `${jobId}: a gap in the ledger`).toBe(EVERY_MS);
    }
    expect(times[0]).toBeLessThan(cutAt);
    expect(times.at(-1)).toBeGreaterThan(restoredAt);
    const duringCut = covered.filter((c) => c.t >= cutFrom && c.t <= restoredAt);
    expect(duringCut.length).toBeGreaterThanOrEqual(Math.floor((restoredAt - cutFrom) / EVERY_MS));
    for (const { e } of duringCut) {
      if (e.status === 'skipped') {
        outcomes[e.reason === 'misfire' ? 'misfire' : 'overlap']++;
        expect(['overlap', 'misfire']).toContain(e.reason);
        continue;
      }
      // A run: late (after the restore), at the sink exactly once.
      expect(e.status, JSON.stringify(e)).toBe('succeeded');
      expect(arrivals.get(e.execution_id), e.execution_id).toHaveLength(1);
      expect(arrivals.get(e.execution_id)?.[0]).toBeGreaterThanOrEqual(restoredAt);
      outcomes.ran++;
      if (catchUpJobs.includes(jobId)) outcomes.caughtUp++;
    }
    if (catchUpJobs.includes(jobId)) {
      // misfire_policy all: every occurrence missed by more than catchup_window ran late.
      const missed = duringCut.filter((c) => c.t < restoredAt - CATCHUP_WINDOW_MS);
      expect(
        missed.filter((c) => c.e.status !== 'succeeded').map((c) => c.e),
        `${jobId}: missed occurrences not caught up`,
      ).toEqual([]);
    } else {
      // Defaults: late, not missed; the first ran, those due while it ran were skipped as overlap.
      expect(duringCut.filter((c) => c.e.status === 'skipped' && c.e.reason === 'misfire')).toEqual([]);
    }
  }
  console.log(
    `[faults] network cut worker ↔ Temporal (15 s): worker stayed up, first new occurrence ` +
      `${(reconnectMs / 1000).toFixed(1)} s after the restore (bound ${RECONNECT_BOUND_MS / 1000} s); occurrences ` +
      `scheduled during the cut: ${outcomes.ran} ran late (${outcomes.caughtUp} caught up by misfire_policy all), ` +
      `${outcomes.overlap} skipped as overlap, ${outcomes.misfire} skipped as missed`,
  );
  expect(reconnectMs).toBeLessThanOrEqual(RECONNECT_BOUND_MS);
  done();
});
